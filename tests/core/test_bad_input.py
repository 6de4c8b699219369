"""Bad input answers a clear 4xx, never a 500: each input a tester found, one test each."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from qingshan.quality import services as quality_services
from tests.conftest import client_for
from tests.supervision import conftest as supervision_fixtures
from tests.supervision.conftest import body, post_json

pytestmark = pytest.mark.django_db

# the supervision tests' fixtures, used here by name
make_alarm = supervision_fixtures.make_alarm
media_root = supervision_fixtures.media_root
open_case = supervision_fixtures.open_case


def test_a_report_month_past_year_9999_is_refused_not_an_error(client: Any) -> None:
    response = client.get("/quality/reports/?month=9999-12")
    assert response.status_code < 500


def test_point_factors_null_is_a_clear_422(users: dict[str, Any]) -> None:
    point = users["keqiao"]["point"]
    response = client_for(users["admin"]).patch(
        f"/api/v1/points/{point.pk}", json.dumps({"factors": None}), "application/json"
    )
    assert response.status_code == 422
    assert "factors" in body(response)["error"]["fields"]
    point.refresh_from_db()
    assert point.factors == ["a21026", "a21002", "a34013", "a19001"]


@pytest.mark.parametrize(
    "start", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01"]
)
def test_readings_with_a_time_outside_the_calendar_is_a_422(
    users: dict[str, Any], start: str
) -> None:
    point = users["keqiao"]["point"]
    response = client_for(users["admin"]).get(
        f"/api/v1/points/{point.pk}/readings", {"factor": "a21026", "start": start}
    )
    assert response.status_code == 422
    assert "start" in body(response)["error"]["fields"]


def test_station_hours_with_a_negative_limit_is_a_422(users: dict[str, Any]) -> None:
    station = quality_services.station_create(
        user=users["regulator"],
        data={"code": "T01", "name": "测试站", "region_code": "330603", "level": "national",
              "longitude": Decimal("120.5"), "latitude": Decimal("30.0")},
        mn="QSTEST0000000000000001",
        password="secret-1",
    )  # fmt: skip
    client = client_for(users["admin"])
    response = client.get(f"/api/v1/quality/stations/{station.pk}/hours", {"limit": -1})
    assert response.status_code == 422
    assert "limit" in body(response)["error"]["fields"]


@pytest.mark.parametrize(
    "action",
    [
        {"action": "dispatch", "deadline": "9999-12-31T23:59:59-14:00"},
        {"action": "dispatch", "deadline": "0001-01-01T00:00:00+14:00"},
        {"action": "comment", "comment": "见附件", "attachments": [2**63]},
        {"action": "comment", "comment": "见附件", "attachments": [-(2**63) - 1]},
        {"action": "comment", "assignee_id": 2**63},
    ],
)
def test_case_action_with_out_of_range_values_is_a_422(
    open_case: Any, users: dict[str, Any], action: dict[str, Any]
) -> None:
    case = open_case()
    client = client_for(users["regulator"])
    response = post_json(client, f"/api/v1/cases/{case.pk}/actions", {"version": 1, **action})
    assert response.status_code == 422, response.content
    case.refresh_from_db()
    assert (case.state, case.version) == ("pending", 1)


@pytest.mark.parametrize(
    "dates",
    [
        {"start": "0001-01-01", "end": "0001-01-01"},
        {"start": "9999-12-31", "end": "9999-12-31"},
        {"end": "9999-12-31"},
        {"end": "0001-01-01"},
        {"start": "0001-01-01"},
    ],
)
@pytest.mark.parametrize("page", ["monitoring:point", "monitoring:point-export"])
def test_point_page_and_export_with_extreme_dates_answer(
    users: dict[str, Any], page: str, dates: dict[str, str]
) -> None:
    from django.urls import reverse

    point = users["keqiao"]["point"]
    response = client_for(users["admin"]).get(
        reverse(page, args=[point.pk]), {"factor": "a21026", "kind": "hour", **dates}
    )
    assert response.status_code < 500


@pytest.mark.parametrize("dates", [("0001-01-01", "9999-12-31"), ("9999-12-30", "9999-12-31")])
def test_a_permit_at_the_calendars_edges_answers(users: dict[str, Any], dates) -> None:
    site = users["keqiao"]
    body_ = {
        "enterprise_id": site["enterprise"].pk,
        "number": f"{site['enterprise'].credit_code}009P",
        "permit_class": "key",
        "valid_from": dates[0],
        "valid_to": dates[1],
    }
    response = post_json(client_for(users["admin"]), "/api/v1/permits", body_)
    assert response.status_code < 500


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_declaration_at_the_calendars_edges_is_a_422(users: dict[str, Any], when) -> None:
    body_ = {
        "point_id": users["keqiao"]["point"].pk,
        "kind": "maintenance",
        "starts_at": when,
        "ends_at": when,
        "reason": "检修",
    }
    response = post_json(client_for(users["enterprise"]), "/api/v1/declarations", body_)
    assert response.status_code == 422
