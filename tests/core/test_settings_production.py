"""Production settings refuse to start insecure, and pass Django's deployment check.

Settings load once per process: each case runs ``qingshan`` in a child process with its
own environment.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

STRONG_KEY = secrets.token_hex(32)


def _qingshan(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QINGSHAN_", "DJANGO_"))}
    clean.update(
        QINGSHAN_ENV="production",
        QINGSHAN_SECRET_KEY=STRONG_KEY,
        QINGSHAN_ALLOWED_HOSTS="hbj.example.gov.cn",
        QINGSHAN_DATA_DIR=str(tmp_path / "data"),
    )
    clean.update(env)
    clean = {k: v for k, v in clean.items() if v != "<unset>"}
    return subprocess.run(
        [sys.executable, "-m", "qingshan", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_passes_the_deployment_check(tmp_path: Path) -> None:
    result = _qingshan(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "security." not in result.stdout + result.stderr


def test_behind_a_tls_proxy_that_redirects_itself_the_check_still_passes(tmp_path: Path) -> None:
    result = _qingshan(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        QINGSHAN_SSL_REDIRECT="0",
        QINGSHAN_TRUSTED_PROXIES="10.0.0.5,10.1.0.0/24",
    )
    assert result.returncode == 0, result.stderr


SETTINGS_PRINT = (
    "shell",
    "-v",
    "0",
    "-c",
    "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
    " s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER)",
)


def test_production_cookies_are_secure_and_hsts_is_on(tmp_path: Path) -> None:
    result = _qingshan(tmp_path, *SETTINGS_PRINT, QINGSHAN_HSTS_SECONDS="600")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "600", "True", "None"]


def test_the_forwarded_scheme_is_believed_only_with_proxies_named(tmp_path: Path) -> None:
    result = _qingshan(tmp_path, *SETTINGS_PRINT, QINGSHAN_TRUSTED_PROXIES="127.0.0.1")
    assert result.returncode == 0, result.stderr
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in result.stdout


@pytest.mark.parametrize(
    ("env", "told"),
    [
        ({"QINGSHAN_SECRET_KEY": "x"}, "QINGSHAN_SECRET_KEY"),
        ({"QINGSHAN_SECRET_KEY": "ab" * 40}, "QINGSHAN_SECRET_KEY"),  # 2 distinct characters
        (
            {"QINGSHAN_SECRET_KEY": "insecure-production-key-do-not-use-in-production-0123456"},
            "QINGSHAN_SECRET_KEY",
        ),
        ({"QINGSHAN_SECRET_KEY": "django-insecure-" + STRONG_KEY}, "QINGSHAN_SECRET_KEY"),
        ({"QINGSHAN_SECRET_KEY": "<unset>"}, "QINGSHAN_SECRET_KEY"),
        ({"QINGSHAN_DEBUG": "1"}, "QINGSHAN_DEBUG"),
        ({"QINGSHAN_ALLOWED_HOSTS": "<unset>"}, "QINGSHAN_ALLOWED_HOSTS"),
        ({"QINGSHAN_ALLOWED_HOSTS": "*"}, "QINGSHAN_ALLOWED_HOSTS"),
        ({"QINGSHAN_TRUSTED_PROXIES": "proxy.example"}, "QINGSHAN_TRUSTED_PROXIES"),
    ],
)
def test_an_insecure_production_refuses_to_start(
    tmp_path: Path, env: dict[str, str], told: str
) -> None:
    result = _qingshan(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and told in result.stderr


def test_demo_settings_keep_their_conveniences(tmp_path: Path) -> None:
    result = _qingshan(
        tmp_path,
        *SETTINGS_PRINT,
        QINGSHAN_ENV="demo",
        QINGSHAN_SECRET_KEY="<unset>",
        QINGSHAN_ALLOWED_HOSTS="<unset>",
        QINGSHAN_DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "0", "False", "None"]
