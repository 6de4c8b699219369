"""The monitoring API: every role sees and does what it may, in the API's one error shape."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import Alarm, AlarmEntry, AnomalyDeclaration
from tests.monitoring.conftest import T0, add_readings

# role → (sees 柯桥, sees 上虞)
SEES = {
    "admin": (True, True),
    "regulator": (True, True),
    "county": (True, False),
    "other_county": (False, True),
    "inspector": (True, True),
    "enterprise": (True, False),
    "other_enterprise": (False, True),
}
# who may acknowledge a 柯桥 alarm
ACKNOWLEDGES = {"admin", "regulator", "county", "inspector"}


def body(response):
    return json.loads(response.content)


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def alarms(users, make_alarm):
    return {site: make_alarm(users[site]) for site in ("keqiao", "shangyu")}


@pytest.mark.parametrize("role", [*SEES, "anonymous"])
def test_alarm_list_and_detail_are_scoped(users, api_client, alarms, role):
    client = api_client(users.get(role))
    response = client.get("/api/v1/alarms")
    if role == "anonymous":
        assert response.status_code == 401
        assert body(response)["error"]["code"] == "unauthenticated"
        return
    ids = {item["id"] for item in body(response)["items"]}
    for index, site in enumerate(("keqiao", "shangyu")):
        visible = SEES[role][index]
        assert (alarms[site].pk in ids) is visible
        detail = client.get(f"/api/v1/alarms/{alarms[site].pk}")
        assert detail.status_code == (200 if visible else 404)


def test_alarm_items_carry_what_the_issue_names(users, api_client, alarms):
    item = body(api_client(users["county"]).get("/api/v1/alarms"))["items"][0]
    expected = {
        "id", "type", "severity", "point_id", "factor_code", "active", "acknowledged",
        "first_at", "last_at", "occurrences", "worst_value", "limit",
    }  # fmt: skip
    assert expected <= set(item)
    assert item["type"] == "exceedance" and item["active"] is True and item["limit"] == 35.0


def test_alarm_filters(users, api_client, make_alarm):
    site = users["keqiao"]
    make_alarm(site, kind="offline", factor_code="", severity="critical")
    cleared = make_alarm(site, kind="stuck", cleared_at=timezone.now())
    client = api_client(users["admin"])

    def ids(**params):
        return {i["id"] for i in body(client.get("/api/v1/alarms", params))["items"]}

    assert len(ids(point_id=site["point"].pk)) == 2
    assert ids(point_id=users["shangyu"]["point"].pk) == set()
    assert len(ids(type="offline")) == 1
    assert ids(active=False) == {cleared.pk}
    assert len(ids(severity="critical", enterprise_id=site["enterprise"].pk)) == 1
    assert ids(acknowledged=True) == set()
    assert len(ids(start="2026-11-01T04:00:00+08:00", end="2026-11-01T06:00:00+08:00")) == 2
    assert ids(start="2026-11-02T00:00:00+08:00") == set()
    bad = client.get("/api/v1/alarms", {"type": "tornado"})
    assert bad.status_code == 422 and body(bad)["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("role", [*SEES, "anonymous"])
def test_acknowledge_is_authorised(users, api_client, alarms, role):
    alarm = alarms["keqiao"]
    response = post(api_client(users.get(role)), f"/api/v1/alarms/{alarm.pk}/acknowledge", {})
    alarm.refresh_from_db()
    if role == "anonymous":
        assert response.status_code == 401
    elif role in ACKNOWLEDGES:
        assert response.status_code == 200, response.content
        assert body(response)["acknowledged"] is True
        assert body(response)["entries"][0]["action"] == "acknowledged"
    else:
        assert response.status_code == (403 if SEES[role][0] else 404)
        assert body(response)["error"]["code"] in ("forbidden", "not_found")
    assert (alarm.acknowledged_at is not None) is (role in ACKNOWLEDGES)


def test_comment_explain_and_review(users, api_client, alarms, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    alarm = alarms["keqiao"]
    enterprise = api_client(users["enterprise"])
    response = post(enterprise, f"/api/v1/alarms/{alarm.pk}/comments", {"text": "收到"})
    assert response.status_code == 201 and body(response)["text"] == "收到"
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = enterprise.post(
        f"/api/v1/alarms/{alarm.pk}/explanation", {"text": "检修", "attachment": pdf}
    )
    assert response.status_code == 201, response.content
    url = body(response)["attachment_url"]
    assert url and enterprise.get(url).status_code == 200
    assert api_client(users["other_enterprise"]).get(url).status_code == 404
    download = api_client(users["county"]).get(url)
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    refused = post(
        api_client(users["county"]),
        f"/api/v1/alarms/{alarm.pk}/explanation/review",
        {"accept": False},
    )
    assert refused.status_code == 422 and "note" in body(refused)["error"]["fields"]
    response = post(
        api_client(users["county"]),
        f"/api/v1/alarms/{alarm.pk}/explanation/review",
        {"accept": True},
    )
    assert response.status_code == 200 and body(response)["explanation_status"] == "accepted"
    forbidden = api_client(users["county"]).post(
        f"/api/v1/alarms/{alarm.pk}/explanation", {"text": "x"}
    )
    assert forbidden.status_code == 403 and body(forbidden)["error"]["code"] == "forbidden"
    assert AlarmEntry.objects.filter(alarm=alarm).count() == 3


def test_readings_series(users, api_client):
    point = users["keqiao"]["point"]
    add_readings(point.pk, "a21026", PeriodKind.HOUR, [(T0, 30.0, "N"), (T0 + 3600, 30.0, "D")])
    add_readings(point.pk, "a19001", PeriodKind.HOUR, [(T0, 11.0)])
    url = f"/api/v1/points/{point.pk}/readings"
    params = {
        "factor": "a21026",
        "kind": "hour",
        "start": "2026-11-01T00:00:00+08:00",
        "end": "2026-11-02T00:00:00+08:00",
    }
    data = body(api_client(users["enterprise"]).get(url, params))
    assert data["limit"]["value"] == 35.0 and data["limit"]["reference_o2"] == 6.0
    assert [i["status"] for i in data["items"]] == ["valid", "invalid"]
    assert data["items"][0]["converted"] == pytest.approx(45.0)
    assert data["bucket_seconds"] == 0
    assert api_client(users["other_enterprise"]).get(url, params).status_code == 404
    assert api_client(users["county"]).get(url, {**params, "kind": "weekly"}).status_code == 422
    bad = api_client(users["county"]).get(url, {**params, "end": params["start"]})
    assert bad.status_code == 422 and "end" in body(bad)["error"]["fields"]


def test_point_states(users, api_client, alarms):
    data = body(api_client(users["county"]).get("/api/v1/point-states"))
    assert [(i["point_id"], i["status"]) for i in data["items"]] == [
        (users["keqiao"]["point"].pk, "exceeding")
    ]
    data = body(api_client(users["regulator"]).get("/api/v1/point-states", {"status": "offline"}))
    assert [i["point_id"] for i in data["items"]] == []  # an exceedance outranks offline


def test_declarations(users, api_client):
    point = users["keqiao"]["point"]
    start = timezone.now() + dt.timedelta(hours=2)
    payload = {
        "point_id": point.pk,
        "kind": "maintenance",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=4)).isoformat(),
        "reason": "CEMS 季度校准",
    }
    other = post(api_client(users["other_enterprise"]), "/api/v1/declarations", payload)
    assert other.status_code == 422 and "point_id" in body(other)["error"]["fields"]
    regulator = post(api_client(users["regulator"]), "/api/v1/declarations", payload)
    assert regulator.status_code == 403
    backwards = post(
        api_client(users["enterprise"]),
        "/api/v1/declarations",
        {**payload, "ends_at": start.isoformat()},
    )
    assert backwards.status_code == 422 and "ends_at" in body(backwards)["error"]["fields"]
    assert not AnomalyDeclaration.objects.exists()
    created = post(api_client(users["enterprise"]), "/api/v1/declarations", payload)
    assert created.status_code == 201 and body(created)["status"] == "submitted"
    pk = body(created)["id"]
    assert body(api_client(users["county"]).get("/api/v1/declarations"))["count"] == 1
    assert body(api_client(users["other_county"]).get("/api/v1/declarations"))["count"] == 0
    assert api_client(users["other_county"]).get(f"/api/v1/declarations/{pk}").status_code == 404
    review = f"/api/v1/declarations/{pk}/review"
    assert post(api_client(users["inspector"]), review, {"accept": True}).status_code == 403
    assert post(api_client(users["enterprise"]), review, {"accept": True}).status_code == 403
    done = post(api_client(users["county"]), review, {"accept": False, "note": "时段过长"})
    assert done.status_code == 200 and body(done)["status"] == "rejected"
    assert Alarm.objects.count() == 0
