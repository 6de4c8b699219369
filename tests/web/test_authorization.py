"""The page authorisation matrix: every role against every page of the 柯桥区 site.

Reads go through the scoped selectors, so a record outside the user's scope does not
exist for them (404); a record they may see but not change gives 403 on the edit pages;
an anonymous visitor is sent to the login page.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from qingshan.core.models import AuditLog
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from tests.web.conftest import role_user, without_history

ROLES = [
    "admin",
    "regulator",  # city, 3306: sees and edits both counties
    "county",  # 330603, the site's own county
    "other_county",  # 330604
    "inspector",  # city, reads only
    "enterprise",  # the site's own enterprise, reads only
    "other_enterprise",
    "anonymous",
]

# (url name, which object of the site the URL takes, kind of page)
PAGES = [
    ("home", None, "list"),
    ("enterprise-list", None, "list"),
    ("point-list", None, "list"),
    ("device-list", None, "list"),
    ("permit-list", None, "list"),
    ("enterprise-create", None, "create"),
    ("enterprise-detail", "enterprise", "read"),
    ("enterprise-edit", "enterprise", "write"),
    ("enterprise-delete", "enterprise", "write"),
    ("enterprise-retire", "enterprise", "write"),
    ("outlet-create", "enterprise", "write"),
    ("outlet-edit", "outlet", "write"),
    ("outlet-delete", "outlet", "write"),
    ("outlet-retire", "outlet", "write"),
    ("point-create", "enterprise", "write"),
    ("point-edit", "point", "write"),
    ("point-delete", "point", "write"),
    ("point-retire", "point", "write"),
    ("device-create", "enterprise", "write"),
    ("device-edit", "device", "write"),
    ("device-password", "device", "write"),
    ("device-delete", "device", "write"),
    ("device-retire", "device", "write"),
    ("permit-detail", "permit", "read"),
    ("permit-create", "enterprise", "write"),
    ("permit-edit", "permit", "write"),
    ("permit-delete", "permit", "write"),
]

EXPECTED: dict[str, dict[str, int]] = {
    "list": {role: 200 for role in ROLES} | {"anonymous": 302},
    "create": {
        "admin": 200,
        "regulator": 200,
        "county": 200,
        "other_county": 200,  # may create, in their own county
        "inspector": 403,
        "enterprise": 403,
        "other_enterprise": 403,
        "anonymous": 302,
    },
    "read": {
        "admin": 200,
        "regulator": 200,
        "county": 200,
        "other_county": 404,
        "inspector": 200,
        "enterprise": 200,
        "other_enterprise": 404,
        "anonymous": 302,
    },
    "write": {
        "admin": 200,
        "regulator": 200,
        "county": 200,
        "other_county": 404,
        "inspector": 403,
        "enterprise": 403,
        "other_enterprise": 404,
        "anonymous": 302,
    },
}


def url_for(name: str, target: str | None, site: dict[str, Any]) -> str:
    return reverse(name, args=[site[target].pk] if target else [])


def assert_status(response: Any, expected: int) -> None:
    assert response.status_code == expected, (response.status_code, expected)
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "target", "kind"), PAGES)
def test_get_matrix(users, client_as, role: str, name: str, target: str | None, kind: str) -> None:
    client = client_as(role_user(users, role))
    response = client.get(url_for(name, target, users["keqiao"]))
    assert_status(response, EXPECTED[kind][role])


@pytest.mark.parametrize(
    ("role", "site"), [("county", "shangyu"), ("other_county", "keqiao"), ("enterprise", "shangyu")]
)
@pytest.mark.parametrize(("name", "target", "kind"), [p for p in PAGES if p[1]])
def test_reaching_outside_the_scope_is_404(
    users, client_as, role: str, site: str, name: str, target: str, kind: str
) -> None:
    """A county regulator reaching for the other county, an enterprise for another one."""
    response = client_as(users[role]).get(url_for(name, target, users[site]))
    assert response.status_code == 404


def snapshot() -> dict[str, Any]:
    """Everything a refused POST must leave as it was."""
    models = [Enterprise, Outlet, MonitoringPoint, Device, Permit, PermitLimit, AnnualCap]
    return {
        "audit": AuditLog.objects.count(),
        "counts": {m.__name__: m.objects.count() for m in models},
        "enterprises": list(Enterprise.objects.order_by("pk").values()),
        "devices": list(Device.objects.order_by("pk").values()),
        "permits": list(Permit.objects.order_by("pk").values()),
    }


def payload(name: str, site: dict[str, Any]) -> dict[str, Any]:
    """A valid form for each write page, so that only the refusal can stop it."""
    enterprise, outlet, point = site["enterprise"], site["outlet"], site["point"]
    enterprise_form = {
        "name": "改名有限公司",
        "credit_code": enterprise.credit_code,
        "region_code": enterprise.region_code,
        "industry_code": "1713",
        "is_key_discharger": "on",
    }
    return {
        "enterprise-create": enterprise_form | {"credit_code": "91330603MA2D12345X"},
        "enterprise-edit": enterprise_form,
        "outlet-create": {"code": "DW009", "name": "废水总排口", "medium": "water", "kind": "main"}
        | {"emission_mode": "ducted"},
        "outlet-edit": {"code": "DA001", "name": "改名", "medium": "air", "kind": "general"}
        | {"emission_mode": "ducted"},
        "point-create": {"outlet": outlet.pk, "name": "新点位", "factors": "a21026"},
        "point-edit": {"outlet": outlet.pk, "name": "改名", "factors": "a21026"},
        "device-create": {"point": point.pk, "mn": "MN0000NEW", "password": "secret1"}
        | {"is_active": "on"},
        "device-edit": {"point": point.pk, "mn": "MN0000RENAMED", "is_active": ""},
        "device-password": {"password": "newpass", "confirm": "newpass"},
        "permit-create": permit_form("NEWPERMIT-1"),
        "permit-edit": permit_form(site["permit"].number + "X"),
    }.get(name, {"reason": "企业关停"} if name.endswith("-retire") else {})


def permit_form(number: str) -> dict[str, Any]:
    return {
        "number": number,
        "permit_class": "key",
        "status": "valid",
        "valid_from": "2025-01-01",
        "valid_to": "2030-01-01",
        "limits-TOTAL_FORMS": "0",
        "limits-INITIAL_FORMS": "0",
        "caps-TOTAL_FORMS": "0",
        "caps-INITIAL_FORMS": "0",
    }


REFUSED = ["other_county", "inspector", "enterprise", "other_enterprise", "anonymous"]
WRITES = [p for p in PAGES if p[2] == "write"]


@pytest.mark.parametrize(("name", "target", "kind"), WRITES)
def test_the_same_post_by_the_county_regulator_goes_through(
    users, client_as, name: str, target: str, kind: str
) -> None:
    """The payloads are valid: what stops the refused posts below is the refusal alone."""
    site = users["keqiao"]
    site["enterprise"].users.all().delete()  # an enterprise with accounts cannot be deleted
    if name.endswith("-delete"):
        without_history(site)  # a record with history is retired, not deleted
    before = snapshot()
    response = client_as(users["county"]).post(url_for(name, target, site), payload(name, site))
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert snapshot() != before


@pytest.mark.parametrize("role", REFUSED)
@pytest.mark.parametrize(("name", "target", "kind"), WRITES)
def test_refused_post_changes_nothing(
    users, client_as, role: str, name: str, target: str, kind: str
) -> None:
    site = users["keqiao"]
    client = client_as(role_user(users, role))  # logging in is audited: before the snapshot
    before = snapshot()
    response = client.post(url_for(name, target, site), payload(name, site))
    assert_status(response, EXPECTED[kind][role])
    assert snapshot() == before


@pytest.mark.parametrize("role", ["inspector", "enterprise", "other_enterprise", "anonymous"])
def test_refused_enterprise_create_changes_nothing(users, client_as, role: str) -> None:
    client = client_as(role_user(users, role))  # logging in is audited: before the snapshot
    before = snapshot()
    response = client.post(
        reverse("enterprise-create"), payload("enterprise-create", users["keqiao"])
    )
    assert_status(response, EXPECTED["create"][role])
    assert snapshot() == before


def test_a_county_regulator_cannot_create_in_the_other_county(users, client_as) -> None:
    form = payload("enterprise-create", users["keqiao"]) | {"region_code": "330604"}
    client = client_as(users["county"])  # logging in is audited: before the snapshot
    before = snapshot()
    response = client.post(reverse("enterprise-create"), form)
    assert response.status_code == 200
    assert "该行政区划不在您可以管理的辖区内" in response.content.decode()
    assert snapshot() == before


def test_a_county_regulator_cannot_move_an_enterprise_out_of_the_county(users, client_as) -> None:
    site = users["keqiao"]
    form = payload("enterprise-edit", site) | {"region_code": "330604"}
    client = client_as(users["county"])  # logging in is audited: before the snapshot
    before = snapshot()
    response = client.post(reverse("enterprise-edit", args=[site["enterprise"].pk]), form)
    assert response.status_code == 200
    assert snapshot() == before


def test_a_permit_limit_cannot_name_another_enterprises_outlet(users, client_as) -> None:
    site, other = users["keqiao"], users["shangyu"]
    form = permit_form(site["permit"].number) | {
        "limits-TOTAL_FORMS": "1",
        "limits-0-outlet": other["outlet"].pk,
        "limits-0-factor_code": "a21026",
        "limits-0-limit": "50",
        "limits-0-unit": "mg/m3",
        "limits-0-basis": "hourly",
    }
    client = client_as(users["regulator"])  # logging in is audited: before the snapshot
    before = snapshot()
    response = client.post(reverse("permit-edit", args=[site["permit"].pk]), form)
    assert response.status_code == 200
    assert snapshot() == before
