"""Django settings, all read from the environment (see docs/configuration.md)."""

from __future__ import annotations

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

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves Swagger UI from its own package: no CDN on an intranet
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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "qingshan.core.middleware.AuditContextMiddleware",
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

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
QINGSHAN_IMPORT_MAX_BYTES = int(os.environ.get("QINGSHAN_IMPORT_MAX_BYTES", 20 * 1024 * 1024))
QINGSHAN_IMPORT_MAX_ROWS = int(os.environ.get("QINGSHAN_IMPORT_MAX_ROWS", 50_000))
# "thread": an upload is imported in a background thread while the page shows progress;
# "sync": in the request (tests, or a server that forbids threads)
QINGSHAN_IMPORT_RUNNER = os.environ.get("QINGSHAN_IMPORT_RUNNER", "thread")
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

NINJA_PAGINATION_PER_PAGE = 50

# the same tiles serve the public quality pages; their attribution line, if any
QINGSHAN_MAP_ATTRIBUTION = os.environ.get("QINGSHAN_MAP_ATTRIBUTION", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("QINGSHAN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
