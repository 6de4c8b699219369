"""The demo accounts log in with the public password and see the right scope."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from django.test import Client

from qingshan.core.models import User
from qingshan.demo.industries import DEMO_ENTERPRISE_NAME
from qingshan.demo.loader import LoadReport
from qingshan.demo.plan import ACCOUNTS, DEMO_PASSWORD, AccountPlan
from qingshan.registry.models import Enterprise


def _logged_in(username: str) -> Client:
    client = Client()
    # django-axes counts logins per request: authenticate() without one is refused
    assert client.login(request=HttpRequest(), username=username, password=DEMO_PASSWORD)
    return client


def _visible(client: Client) -> list[dict[str, object]]:
    response = client.get("/api/v1/enterprises", {"limit": 1000})
    assert response.status_code == 200, response.content
    items: list[dict[str, object]] = response.json()["items"]
    assert response.json()["count"] == len(items)
    return items


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda a: a.username)
def test_every_demo_account_logs_in(city: LoadReport, account: AccountPlan) -> None:
    client = Client()
    response = client.post("/login/", {"username": account.username, "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_roles_and_jurisdictions(city: LoadReport) -> None:
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    assert users["demo-admin"].is_superuser and users["demo-admin"].is_staff
    assert (users["demo-regulator"].role, users["demo-regulator"].region_code) == (
        "regulator",
        "3306",
    )
    assert (users["demo-county"].role, users["demo-county"].region_code) == ("regulator", "330603")
    assert (users["demo-inspector"].role, users["demo-inspector"].region_code) == (
        "inspector",
        "3306",
    )
    enterprise = users["demo-enterprise"].enterprise
    assert enterprise is not None and enterprise.name == DEMO_ENTERPRISE_NAME
    assert enterprise.region_code == "330603" and enterprise.industry_code.startswith("17")


def test_county_regulator_sees_only_keqiao(city: LoadReport) -> None:
    items = _visible(_logged_in("demo-county"))
    assert {item["region_code"] for item in items} == {"330603"}
    assert len(items) == Enterprise.objects.filter(region_code="330603").count()


def test_city_staff_see_the_whole_city(city: LoadReport) -> None:
    total = Enterprise.objects.count()
    assert len(_visible(_logged_in("demo-regulator"))) == total
    assert len(_visible(_logged_in("demo-inspector"))) == total


def test_enterprise_user_sees_only_its_own(city: LoadReport) -> None:
    items = _visible(_logged_in("demo-enterprise"))
    assert [item["name"] for item in items] == [DEMO_ENTERPRISE_NAME]


def test_admin_reaches_django_admin(city: LoadReport) -> None:
    assert _logged_in("demo-admin").get("/admin/").status_code == 200
