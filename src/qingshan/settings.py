"""Django settings, all read from the environment (see docs/configuration.md)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent

# demo / test / dev may run with a throw-away key; production must set one.
QINGSHAN_ENV = os.environ.get("QINGSHAN_ENV", "production")
if QINGSHAN_ENV not in {"production", "demo", "test", "dev"}:
    raise ImproperlyConfigured(
        f"QINGSHAN_ENV must be one of production, demo, test, dev (got {QINGSHAN_ENV!r})"
    )

DATA_DIR = Path(os.environ.get("QINGSHAN_DATA_DIR", Path.cwd() / "data")).resolve()

SECRET_KEY = os.environ.get("QINGSHAN_SECRET_KEY", "")
if not SECRET_KEY:
    if QINGSHAN_ENV == "production":
        raise ImproperlyConfigured(
            "QINGSHAN_SECRET_KEY is not set. Set it to a long random string, e.g.\n"
            "  export QINGSHAN_SECRET_KEY=$(openssl rand -hex 32)\n"
            "or run `qingshan demo` for a throw-away demo installation."
        )
    SECRET_KEY = f"insecure-{QINGSHAN_ENV}-key-do-not-use-in-production"

DEBUG = os.environ.get("QINGSHAN_DEBUG", "0") == "1"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("QINGSHAN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("QINGSHAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]


def _production_refusals() -> list[str]:
    """What makes a production start insecure, each with what to set (issue 16)."""
    refusals = []
    # Django's own measure of a weak key (security.W009), plus our throw-away prefix
    if (
        len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith(("insecure-", "django-insecure"))
    ):
        refusals.append(
            "QINGSHAN_SECRET_KEY is weak (fewer than 50 characters, few distinct ones, or a"
            " throw-away key): set a long random one, e.g. export QINGSHAN_SECRET_KEY="
            "$(openssl rand -hex 32)"
        )
    if DEBUG:
        refusals.append("QINGSHAN_DEBUG=1 shows tracebacks and settings to anyone: unset it")
    if not os.environ.get("QINGSHAN_ALLOWED_HOSTS", "").strip() or "*" in ALLOWED_HOSTS:
        refusals.append(
            "QINGSHAN_ALLOWED_HOSTS is not set: name the host names the platform answers to,"
            " e.g. QINGSHAN_ALLOWED_HOSTS=hbj.example.gov.cn (no '*')"
        )
    return refusals


if QINGSHAN_ENV == "production" and (_refusals := _production_refusals()):
    raise ImproperlyConfigured("refusing to start in production:\n  - " + "\n  - ".join(_refusals))


def _trusted_proxies(text: str) -> list[str]:
    proxies = [p.strip() for p in text.split(",") if p.strip()]
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"QINGSHAN_TRUSTED_PROXIES: {proxy!r} is not an address or network"
                " (e.g. 10.0.0.5,10.1.0.0/24)"
            ) from None
    return proxies


# the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed; from any
# other peer those headers are the client's own words (qingshan.core.middleware)
QINGSHAN_TRUSTED_PROXIES = _trusted_proxies(os.environ.get("QINGSHAN_TRUSTED_PROXIES", ""))
if QINGSHAN_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SILENCED_SYSTEM_CHECKS: list[str] = []
if QINGSHAN_ENV == "production":
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("QINGSHAN_HSTS_SECONDS", 31_536_000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("QINGSHAN_HSTS_SUBDOMAINS", "1") == "1"
    # preload puts the domain on the browsers' built-in lists, for years: the bureau's
    # decision, not a default
    SECURE_HSTS_PRELOAD = os.environ.get("QINGSHAN_HSTS_PRELOAD", "0") == "1"
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    # 0 when the TLS proxy itself sends http:// to https:// (the check's own advice)
    SECURE_SSL_REDIRECT = os.environ.get("QINGSHAN_SSL_REDIRECT", "1") == "1"
    if not SECURE_SSL_REDIRECT:
        SILENCED_SYSTEM_CHECKS.append("security.W008")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves Swagger UI from its own package: no CDN on an intranet
    "axes",  # failed-login counting and lockouts (qingshan.core.accounts)
    "qingshan.core",
    "qingshan.registry",
    "qingshan.permits",
    "qingshan.monitoring",
    "qingshan.quality",
    "qingshan.supervision",
    "qingshan.exchange",
    "qingshan.demo",
    "qingshan.web",
]

MIDDLEWARE = [
    "qingshan.core.middleware.ForwardedHeadersMiddleware",  # before anything reads them
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "qingshan.core.middleware.ApiErrorShapeMiddleware",
    "qingshan.core.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the 429 page or JSON
]

ROOT_URLCONF = "qingshan.urls"
WSGI_APPLICATION = "qingshan.wsgi.application"
ASGI_APPLICATION = "qingshan.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qingshan.web.context.navigation",
            ],
        },
    },
]


def _database(url: str) -> dict[str, object]:
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's SQLite, with the file and its directory created owner-only
        config["ENGINE"] = "qingshan.core.sqlite"
        # WAL lets the web server read while the gateway writes; IMMEDIATE avoids
        # "database is locked" upgrades from read to write transactions.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
        config["CONN_MAX_AGE"] = 0
    return config


DATABASE_URL = os.environ.get("QINGSHAN_DATABASE_URL", f"sqlite:///{DATA_DIR / 'qingshan.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Brute-force protection (issue 16, docs/security.md): django-axes counts failed logins
# per account and per source address; the limits and the lockout period are rule-table
# values read by qingshan.core.accounts on every attempt.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "qingshan.core.accounts.LoginThrottle"
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # two separate counters
AXES_FAILURE_LIMIT = "qingshan.core.accounts.account_failure_limit"
AXES_COOLOFF_TIME = "qingshan.core.accounts.lockout_period"
AXES_CLIENT_IP_CALLABLE = "qingshan.core.middleware.client_ip"  # same address as the audit log
AXES_LOCKOUT_CALLABLE = "qingshan.web.views.login.lockout_response"
# a try during a lockout is refused without being counted, so the time the user is told
# to come back is the time it ends
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# a success does not wipe the counters: it would let a user with one account reset the
# per-address count against another account from the same address
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit log
AXES_ENABLE_ADMIN = False  # the core admin shows the attempts, in Chinese, and audits unlocks
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"  # never served directly: attachments go through views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the app folders in demo and dev

# uploads (and DATA_DIR, when an upload creates it) are the platform's alone: never served
# directly, read back through the views
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [  # Django's two, with the file name made plain text
    "qingshan.core.uploads.PlainNameMemoryHandler",
    "qingshan.core.uploads.PlainNameTemporaryHandler",
]
QINGSHAN_IMPORT_MAX_BYTES = int(os.environ.get("QINGSHAN_IMPORT_MAX_BYTES", 20 * 1024 * 1024))
QINGSHAN_IMPORT_MAX_ROWS = int(os.environ.get("QINGSHAN_IMPORT_MAX_ROWS", 50_000))
# "worker": the web request stores the upload and queues it, `qingshan worker` imports it
# while the page shows progress; "sync": in the request, after commit (tests only)
QINGSHAN_IMPORT_RUNNER = os.environ.get("QINGSHAN_IMPORT_RUNNER", "worker")
# map tiles of the monitoring overview: a tile server inside the bureau's network, never a
# public one; empty = the points alone on a plain background
QINGSHAN_MAP_TILE_URL = os.environ.get("QINGSHAN_MAP_TILE_URL", "")

# e-mail notifications (supervision): off unless QINGSHAN_NOTIFY_EMAIL=1 and a server is set
EMAIL_HOST = os.environ.get("QINGSHAN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("QINGSHAN_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("QINGSHAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("QINGSHAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("QINGSHAN_EMAIL_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("QINGSHAN_EMAIL_FROM", "qingshan@localhost")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

NINJA_PAGINATION_PER_PAGE = 50

# the same tiles serve the public quality pages; their attribution line, if any
QINGSHAN_MAP_ATTRIBUTION = os.environ.get("QINGSHAN_MAP_ATTRIBUTION", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("QINGSHAN_LOG_LEVEL", "INFO")},
    # a refused request (403, 404, …) is one line, not a traceback; 5xx keep theirs
    "filters": {"client_errors_one_line": {"()": "qingshan.core.logs.ClientErrorsOneLine"}},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["client_errors_one_line"]},
        # every login would be an INFO line; the audit log already holds them
        "axes": {"level": "WARNING"},
        # subsetting the font of one supervision order PDF is some forty INFO lines
        "fontTools": {"level": "WARNING"},
    },
}
