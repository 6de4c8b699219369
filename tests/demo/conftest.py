"""The demo city, loaded once per test module inside a transaction rolled back at the end.

Each test still runs in its own savepoint (pytest-django's ``db``), so a test may change
the city (reload it, reset it) without affecting the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from qingshan.demo.loader import LoadReport, load_city

# a fixed plan date keeps the permit periods the same on every run of the suite
PLAN_DATE = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-data")


@pytest.fixture(scope="module")
def demo_city(django_db_setup: Any, django_db_blocker: Any, demo_dir: Path) -> Iterator[LoadReport]:
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            yield load_city(seed=1, today=PLAN_DATE, data_dir=demo_dir)
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture
def city(demo_city: LoadReport, db: Any) -> LoadReport:
    """The loaded city, for a test that uses the database."""
    return demo_city
