"""Fixtures of the web tests: logged-in clients per role, and a factor catalogue to name codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from qingshan.core.models import User
from qingshan.registry import factors

# the factors the shared fixtures and these tests use, with their HJ 212-2017 names
FACTORS = {
    "a19001": ("氧气含量", "oxygen content", "air"),
    "a21002": ("氮氧化物", "nitrogen oxides (NOx)", "air"),
    "a21026": ("二氧化硫", "sulfur dioxide", "air"),
    "a34013": ("烟尘", "smoke dust", "air"),
    "w01018": ("化学需氧量", "chemical oxygen demand (COD)", "water"),
    "w21003": ("氨氮", "ammonia nitrogen (NH3-N)", "water"),
}


def _catalogue_ready() -> bool:
    try:
        return bool(factors.factor_catalogue())
    except (ImportError, AttributeError, OSError):
        return False


@pytest.fixture(autouse=True)
def factor_catalogue(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Use the real HJ 212 catalogue when the codec ships it, else a small stand-in."""
    if not _catalogue_ready():
        stub = {
            code: SimpleNamespace(code=code, name_zh=zh, name_en=en, medium=medium)
            for code, (zh, en, medium) in FACTORS.items()
        }
        monkeypatch.setattr(factors, "factor_catalogue", lambda: stub)
    yield


@pytest.fixture
def client_as() -> Callable[[User | None], Client]:
    """A test client logged in as the user (None: anonymous)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


def role_user(users: dict[str, Any], role: str) -> User | None:
    return None if role == "anonymous" else users[role]


def without_history(site: dict[str, Any]) -> None:
    """The site as if entered by mistake: its permit not yet in force, no limit on its
    outlet. Only records with no history can be deleted (issue 15)."""
    from qingshan.permits.models import Permit, PermitLimit

    PermitLimit.objects.filter(outlet=site["outlet"]).delete()
    start = dt.date.today() + dt.timedelta(days=30)
    Permit.objects.filter(pk=site["permit"].pk).update(
        valid_from=start, valid_to=start + dt.timedelta(days=365)
    )
