"""Settings for the test suite: the same as production, on a throw-away database.

`QINGSHAN_TEST_DATABASE_URL` selects the database (PostgreSQL in CI); SQLite otherwise.
"""

import os

os.environ.setdefault("QINGSHAN_ENV", "test")
if os.environ.get("QINGSHAN_TEST_DATABASE_URL"):
    os.environ["QINGSHAN_DATABASE_URL"] = os.environ["QINGSHAN_TEST_DATABASE_URL"]
else:
    os.environ.setdefault("QINGSHAN_DATABASE_URL", "sqlite:///:memory:")

from qingshan.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
LANGUAGE_CODE = "zh-hans"
STATIC_ROOT = None  # type: ignore[assignment]  # nothing is collected in tests
