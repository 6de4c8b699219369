"""Region codes must be in the region table, and MN is unique whatever its case."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from qingshan.core.models import User
from qingshan.registry.models import Device, Enterprise
from qingshan.registry.passwords import device_password_digest
from tests.conftest import KEQIAO, client_for, credit_code_for

pytestmark = pytest.mark.django_db

NOT_IN_TABLE = "330699"  # well formed, in the city, but no such county


def post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/{path}", json.dumps(body), content_type="application/json")


def enterprise_body(region: str) -> dict[str, Any]:
    return {
        "credit_code": credit_code_for(KEQIAO, 88_001),
        "name": "区划测试印染有限公司",
        "region_code": region,
        "industry_code": "1713",
    }


@pytest.mark.parametrize("region", ["999999", NOT_IN_TABLE])
def test_an_enterprise_under_an_unknown_region_is_refused(users: dict[str, Any], region) -> None:
    before = Enterprise.objects.count()
    response = post(client_for(users["admin"]), "enterprises", enterprise_body(region))
    assert response.status_code == 422
    assert "region_code" in response.json()["error"]["fields"]
    assert Enterprise.objects.count() == before


def test_the_message_says_the_region_table_lacks_it(users: dict[str, Any]) -> None:
    response = post(client_for(users["admin"]), "enterprises", enterprise_body(NOT_IN_TABLE))
    assert "不在行政区划表中" in response.json()["error"]["fields"]["region_code"][0]


def test_an_enterprise_moved_to_an_unknown_region_is_refused(users: dict[str, Any]) -> None:
    enterprise = users["keqiao"]["enterprise"]
    response = client_for(users["admin"]).patch(
        f"/api/v1/enterprises/{enterprise.pk}",
        json.dumps({"region_code": NOT_IN_TABLE}),
        content_type="application/json",
    )
    assert response.status_code == 422
    enterprise.refresh_from_db()
    assert enterprise.region_code == KEQIAO


def test_the_enterprise_form_refuses_an_unknown_region(users: dict[str, Any]) -> None:
    form = enterprise_body(NOT_IN_TABLE) | {"is_key_discharger": "on"}
    response = client_for(users["admin"]).post(reverse("enterprise-create"), form)
    assert response.status_code == 200
    assert "不在行政区划表中" in response.context["form"].errors["region_code"][0]
    assert not Enterprise.objects.filter(credit_code=form["credit_code"]).exists()


def test_an_import_row_with_an_unknown_region_is_reported(users: dict[str, Any]) -> None:
    from tests.exchange.conftest import problems_by_row, run_import, xlsx

    row = enterprise_body(NOT_IN_TABLE)
    result = run_import(users["admin"], xlsx({"enterprises": [row]}))
    assert result.failed == 1
    assert "不在行政区划表中" in next(iter(problems_by_row(result).values()))
    assert not Enterprise.objects.filter(credit_code=row["credit_code"]).exists()


def test_an_air_station_under_an_unknown_region_is_refused(users: dict[str, Any]) -> None:
    body = {"code": "R01", "name": "区划测试站", "region_code": NOT_IN_TABLE,
            "level": "city", "longitude": "120.5", "latitude": "30.0"}  # fmt: skip
    response = post(client_for(users["admin"]), "quality/stations", body)
    assert response.status_code == 422
    assert "region_code" in response.json()["error"]["fields"]


@pytest.mark.parametrize("jurisdiction", ["3399", "339900", "9", "330600"])
def test_a_user_jurisdiction_must_name_a_known_region(jurisdiction: str) -> None:
    user = User(username="j-test", role="regulator", region_code=jurisdiction)
    user.set_password("pw-for-tests-1")
    with pytest.raises(ValidationError) as refused:
        user.full_clean()
    assert "region_code" in refused.value.message_dict


@pytest.mark.parametrize("jurisdiction", ["", "33", "3306", KEQIAO])
def test_a_known_jurisdiction_is_accepted(jurisdiction: str) -> None:
    user = User(username="j-test", role="regulator", region_code=jurisdiction)
    user.set_password("pw-for-tests-1")
    user.full_clean()


# --- MN is unique whatever its case -----------------------------------------------------


def test_an_mn_differing_only_in_case_is_refused(users: dict[str, Any]) -> None:
    site = users["keqiao"]
    Device.objects.filter(pk=site["device"].pk).update(mn="ABCDEF0001")
    body = {"point_id": site["point"].pk, "mn": "abcdef0001", "password": "123456"}
    response = post(client_for(users["admin"]), "devices", body)
    assert response.status_code == 422
    assert "MN 不区分大小写" in json.dumps(response.json(), ensure_ascii=False)
    assert not Device.objects.filter(mn="abcdef0001").exists()


def test_the_database_refuses_an_mn_differing_only_in_case(users: dict[str, Any]) -> None:
    site = users["keqiao"]
    Device.objects.filter(pk=site["device"].pk).update(mn="ABCDEF0002")
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.create(
            point=site["point"], mn="abcdef0002", password_digest=device_password_digest("1")
        )


def test_the_gateway_lookup_stays_exact_on_the_plain_unique_index(users: dict[str, Any]) -> None:
    """The gateway looks a packet's MN up with ``mn=`` (qingshan.monitoring.sink): the
    case-blind constraint is a second index, the exact one stays."""
    device = users["keqiao"]["device"]
    assert Device._meta.get_field("mn").unique
    assert list(Device.objects.filter(mn=device.mn)) == [device]
    assert not Device.objects.filter(mn=device.mn.lower()).exists()


def test_station_in_a_known_region_is_still_accepted(users: dict[str, Any]) -> None:
    from qingshan.quality import services

    station = services.station_create(
        user=users["regulator"],
        data={"code": "R02", "name": "在册区划站", "region_code": KEQIAO, "level": "city",
              "longitude": Decimal("120.5"), "latitude": Decimal("30.0")},
    )  # fmt: skip
    assert station.pk
