"""Shared fixtures: one user per role, enterprises in two counties, a complete registry row."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings as hypothesis_settings

# Django models are imported inside the fixtures: the pure suites (tests/hj212,
# tests/quality) run without Django (`-p no:django`) and must be able to load this file.
from qingshan.registry.passwords import device_password_digest
from qingshan.registry.validators import credit_code_complete, organization_code_check_char

# No per-example deadline: the machines that run the suite are shared (2 cores, other
# suites beside it), and a property that takes 340 ms instead of 200 ms there is slow, not
# wrong. Speed is measured by the benchmarks, not by the tests.
hypothesis_settings.register_profile("qingshan", deadline=None)
hypothesis_settings.load_profile("qingshan")

if TYPE_CHECKING:
    from django.test import Client

    from qingshan.core.models import User
    from qingshan.registry.models import Enterprise

_seq = itertools.count(1)

YUECHENG, KEQIAO, SHANGYU = "330602", "330603", "330604"


def credit_code_for(region_code: str, n: int) -> str:
    org8 = f"{n:08d}"
    org = org8 + organization_code_check_char(org8)
    return credit_code_complete(f"91{region_code}{org}")


@pytest.fixture
def make_enterprise(db: Any) -> Callable[..., Enterprise]:
    from qingshan.registry.models import Enterprise

    def make(region_code: str = KEQIAO, **fields: Any) -> Enterprise:
        n = next(_seq)
        values: dict[str, Any] = {
            "credit_code": credit_code_for(region_code, 10_000 + n),
            "name": f"测试印染有限公司{n}",
            "region_code": region_code,
            "industry_code": "1713",
            "is_key_discharger": True,
        }
        values.update(fields)
        return Enterprise.objects.create(**values)

    return make


@pytest.fixture
def make_site(make_enterprise: Callable[..., Enterprise]) -> Callable[..., dict[str, Any]]:
    """An enterprise with one air outlet, one point, one device and a permit with a limit."""

    from qingshan.permits.models import Permit, PermitLimit
    from qingshan.registry.models import Device, MonitoringPoint, Outlet

    def make(region_code: str = KEQIAO) -> dict[str, Any]:
        enterprise = make_enterprise(region_code)
        n = next(_seq)
        outlet = Outlet.objects.create(
            enterprise=enterprise, code="DA001", name="锅炉废气排放口", medium="air", kind="main"
        )
        point = MonitoringPoint.objects.create(
            outlet=outlet, name="锅炉出口", factors=["a21026", "a21002", "a34013", "a19001"]
        )
        device = Device.objects.create(
            point=point, mn=f"MN{n:020d}", password_digest=device_password_digest("123456")
        )
        permit = Permit.objects.create(
            number=f"{enterprise.credit_code}001P",
            enterprise=enterprise,
            permit_class="key",
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2029, 1, 1),
        )
        limit = PermitLimit.objects.create(
            permit=permit,
            outlet=outlet,
            factor_code="a21026",
            limit=Decimal("35"),
            unit="mg/m3",
            basis="hourly",
            reference_o2=Decimal("6"),
        )
        return {
            "enterprise": enterprise,
            "outlet": outlet,
            "point": point,
            "device": device,
            "permit": permit,
            "limit": limit,
        }

    return make


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    from qingshan.core.models import User

    def make(role: str, region_code: str = "", enterprise: Enterprise | None = None) -> User:
        n = next(_seq)
        return User.objects.create_user(
            username=f"{role}-{n}",
            password="pw-for-tests",
            role=role,
            region_code=region_code,
            enterprise=enterprise,
            is_superuser=False,
        )

    return make


@pytest.fixture
def users(
    make_user: Callable[..., User], make_site: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    """Every role, plus two sites: one in 柯桥区 (330603) and one in 上虞区 (330604)."""
    from qingshan.core.choices import Role

    keqiao = make_site(KEQIAO)
    shangyu = make_site(SHANGYU)
    return {
        "admin": make_user(Role.ADMIN),
        "regulator": make_user(Role.REGULATOR, "3306"),
        "county": make_user(Role.REGULATOR, KEQIAO),
        "other_county": make_user(Role.REGULATOR, SHANGYU),
        "inspector": make_user(Role.INSPECTOR, "3306"),
        "enterprise": make_user(Role.ENTERPRISE, enterprise=keqiao["enterprise"]),
        "other_enterprise": make_user(Role.ENTERPRISE, enterprise=shangyu["enterprise"]),
        "keqiao": keqiao,
        "shangyu": shangyu,
    }


def client_for(user: User | None) -> Client:
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def api_client() -> Callable[[User | None], Client]:
    return client_for


def _rules_seed() -> None:
    """Seed the rule table from the migrations that seed it (each has RULES and seed())."""
    import sys

    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    for migration in MigrationLoader(connection).disk_migrations.values():
        module = sys.modules[type(migration).__module__]
        if hasattr(module, "RULES") and hasattr(module, "seed"):
            module.seed(apps, None)


def _uses_database(request: pytest.FixtureRequest) -> bool:
    names = set(request.fixturenames)
    return bool({"db", "transactional_db", "live_server"} & names) or bool(
        request.node.get_closest_marker("django_db")
    )


@pytest.fixture(autouse=True)
def _rule_table_seeded(request: pytest.FixtureRequest) -> None:
    """The rule table's national defaults come from data migrations; a transactional test
    flushes them with everything else. Put them back, committed, before the next test."""
    if not request.config.pluginmanager.hasplugin("django") or not _uses_database(request):
        return
    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        from qingshan.core.models import RuleValue

        if not RuleValue.objects.filter(rule="monitoring.flag_validity").exists():
            _rules_seed()
        _regions_seed()


def _regions_seed() -> None:
    """The region table holds the demo city (Shaoxing): region codes must be in it."""
    from qingshan.core.models import Region
    from qingshan.demo.geography import REGIONS

    if Region.objects.filter(code__in=[r.code for r in REGIONS]).count() < len(REGIONS):
        for r in REGIONS:  # parents come first
            Region.objects.get_or_create(
                code=r.code,
                defaults={"name": r.name, "name_en": r.name_en, "level": r.level,
                          "parent_id": r.parent},
            )  # fmt: skip


@pytest.fixture(autouse=True)
def _default_language(request: pytest.FixtureRequest) -> None:
    """Each test starts in the default language: a request in English leaves English
    active in the thread (LocaleMiddleware does not reset it), which would change the
    messages the next test sees."""
    if not request.config.pluginmanager.hasplugin("django"):
        return
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
