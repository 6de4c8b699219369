"""Device access passwords (HJ 212 PW): salted SHA-256, checked on every packet."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def device_password_digest(password: str, *, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


def device_password_matches(password: str, stored: str) -> bool:
    try:
        scheme, salt, _ = stored.split("$", 2)
    except ValueError:
        return False
    if scheme != "sha256":
        return False
    return hmac.compare_digest(device_password_digest(password, salt=salt), stored)
