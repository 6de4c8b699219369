"""What an enterprise user reads of the bureau's work on its records (issue 16, item 5):
what changed and when, with the bureau (生态环境局) as the actor — never a staff account,
an address or a channel — and none of the bureau's station pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse

from qingshan.core.audit import audit_context
from qingshan.quality import services as quality
from qingshan.registry import services as registry
from qingshan.web.history import person

STAFF_ADDRESS = "10.20.30.40"


def _renamed_by_county(users: dict[str, Any]) -> Any:
    enterprise = users["keqiao"]["enterprise"]
    with audit_context(user=users["county"], ip_address=STAFF_ADDRESS, via="web"):
        registry.enterprise_update(
            user=users["county"], enterprise=enterprise, data={"name": "柯桥改名印染有限公司"}
        )
    return enterprise


def _history(client: Any, enterprise: Any) -> str:
    response = client.get(reverse("enterprise-detail", args=[enterprise.pk]))
    assert response.status_code == 200
    text: str = response.content.decode()
    return text[text.index('id="history"') :]


def test_enterprise_reads_its_history_with_the_bureau_as_actor(users, client_as) -> None:
    county = users["county"]
    county.first_name, county.last_name = "建国", "王"
    county.save(update_fields=["first_name", "last_name"])
    enterprise = _renamed_by_county(users)
    mine = _history(client_as(users["enterprise"]), enterprise)
    assert "柯桥改名印染有限公司" in mine  # what changed
    assert "生态环境局" in mine  # who: the bureau
    assert county.username not in mine and "建国" not in mine
    assert STAFF_ADDRESS not in mine and "来源" not in mine
    # the bureau's own users still read who did it (by name, not login) and from where
    staff = _history(client_as(users["regulator"]), enterprise)
    assert person(county) in staff and STAFF_ADDRESS in staff
    assert "建国" in person(county) and county.username not in staff


def test_enterprise_history_hides_who_retired_a_record(users) -> None:
    """A change naming a user (注销人) is the bureau's: the enterprise reads the retirement."""
    from qingshan.registry.retirement import record_retire
    from qingshan.web.history import history_rows

    outlet = users["keqiao"]["outlet"]
    with audit_context(user=users["county"], ip_address=STAFF_ADDRESS, via="web"):
        record_retire(user=users["county"], obj=outlet, reason="停产")
    rows = history_rows(outlet, viewer=users["enterprise"])
    labels = {c.label for row in rows for c in row.changes}
    assert "注销原因" in labels and "注销人" not in labels
    assert {row.actor for row in rows} == {"生态环境局"} and {row.source for row in rows} == {""}
    staff = history_rows(outlet, viewer=users["county"])
    assert "注销人" in {c.label for row in staff for c in row.changes}


def test_station_pages_are_the_bureaus(users, client_as) -> None:
    station = quality.station_create(
        user=users["regulator"],
        data={"code": "T01", "name": "测试站", "region_code": "330603", "level": "national",
              "longitude": Decimal("120.5"), "latitude": Decimal("30.0")},
        mn="QSTEST0000000000000077",
        password="secret-1",
    )  # fmt: skip
    firm = client_as(users["enterprise"])
    for url in [
        reverse("quality:station-list"),
        reverse("quality:station-detail", args=[station.pk]),
        reverse("quality:section-list"),
    ]:
        response = firm.get(url)
        assert response.status_code == 403, url
        assert b"QSTEST0000000000000077" not in response.content
    # no link leads there: the menu offers the public results instead
    home = firm.get(reverse("home")).content.decode()
    assert reverse("quality:station-list") not in home
    assert reverse("quality:air") in home
    staff = client_as(users["county"])
    assert staff.get(reverse("quality:station-detail", args=[station.pk])).status_code == 200
    assert reverse("quality:station-list") in staff.get(reverse("home")).content.decode()
