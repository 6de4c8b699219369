"""Issue 15: a record with history is retired, never deleted; only a record created by
mistake, with no history, is deleted, and every row it removes is audited.

Each test runs on SQLite and, with QINGSHAN_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from qingshan.core.models import AuditLog, OutboxEvent
from qingshan.monitoring.checks import missing_findings, offline_findings
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.models import (
    Alarm,
    AlarmEntry,
    AnomalyDeclaration,
    DeviceSession,
    DeviceState,
    RawPacket,
)
from qingshan.monitoring.services import alarm_acknowledge, alarm_comment
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.registry.history import record_history
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_digest
from qingshan.registry.retirement import record_retire
from tests.conftest import credit_code_for


def post(client: Any, path: str, body: Any = None) -> Any:
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def counts() -> dict[str, int]:
    models = [
        Enterprise,
        Outlet,
        MonitoringPoint,
        Device,
        Alarm,
        AlarmEntry,
        AnomalyDeclaration,
        Permit,
        PermitLimit,
    ]
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture
def evidence(users, make_alarm) -> dict[str, Any]:
    """The 柯桥 point with what an inspector relies on: an alarm acknowledged and commented
    by the regulator, and the enterprise's declaration of maintenance."""
    site = users["keqiao"]
    alarm = make_alarm(site)
    alarm_acknowledge(alarm=alarm, user=users["county"], note="已通知企业")
    alarm_comment(alarm=alarm, user=users["county"], text="现场核查：除尘器故障")
    now = int(time.time())
    declaration = AnomalyDeclaration.objects.create(
        point=site["point"],
        enterprise=site["enterprise"],
        kind="maintenance",
        starts_at=now - 3600,
        ends_at=now + 3600,
        reason="更换滤袋",
        declared_by=users["enterprise"],
    )
    return {"site": site, "alarm": alarm, "declaration": declaration}


# ---- a point with history is not deleted ----------------------------------------------


def test_deleting_a_point_with_an_alarm_and_a_declaration_is_refused_by_the_api(
    users, api_client, evidence
):
    point = evidence["site"]["point"]
    before = counts()
    response = api_client(users["county"]).delete(f"/api/v1/points/{point.pk}")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "has_history"
    assert "报警" in error["message"] and "企业申报" in error["message"]
    assert "注销" in error["message"]
    assert counts() == before
    assert AlarmEntry.objects.filter(alarm=evidence["alarm"]).count() == 2


def test_deleting_a_point_with_history_is_refused_by_the_page_which_offers_retirement(
    users, client_as, evidence
):
    point = evidence["site"]["point"]
    client = client_as(users["county"])
    url = reverse("point-delete", args=[point.pk])
    page = client.get(url).content.decode()
    assert "不能删除" in page and "报警" in page and "企业申报" in page
    assert reverse("point-retire", args=[point.pk]) in page
    assert "确认删除</button>" not in page
    before = counts()
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "请改为注销" in response.content.decode()
    assert counts() == before


def test_retiring_the_point_keeps_its_alarm_history_readable_and_stops_its_logger(
    users, api_client, client_as, evidence
):
    site, alarm = evidence["site"], evidence["alarm"]
    response = post(
        api_client(users["county"]),
        f"/api/v1/points/{site['point'].pk}/retire",
        {"reason": "锅炉拆除"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["retired_reason"] == "锅炉拆除"
    assert body["retired_by"] == users["county"].username
    assert body["retired_at"] is not None

    device = Device.objects.get(pk=site["device"].pk)
    assert device.is_active is False and device.retired_at is not None
    assert Alarm.objects.filter(pk=alarm.pk).exists()
    assert AnomalyDeclaration.objects.filter(pk=evidence["declaration"].pk).exists()
    for role in ("county", "enterprise"):
        shown = api_client(users[role]).get(f"/api/v1/alarms/{alarm.pk}")
        assert shown.status_code == 200
        actions = [e["action"] for e in shown.json()["entries"]]
        assert "acknowledged" in actions and "commented" in actions
        page = client_as(users[role]).get(reverse("monitoring:alarm", args=[alarm.pk]))
        assert page.status_code == 200 and "除尘器故障" in page.content.decode()
    point_page = client_as(users["enterprise"]).get(
        reverse("monitoring:point", args=[site["point"].pk])
    )
    assert point_page.status_code == 200

    topics = set(OutboxEvent.objects.values_list("topic", flat=True))
    assert {"registry.point.retired", "registry.device.retired"} <= topics
    audited = AuditLog.objects.filter(
        object_type="registry.device", object_id=str(device.pk), action="update"
    ).latest("id")
    assert audited.changes["is_active"] == [True, False]
    assert audited.changes["retired_reason"] == ["", "锅炉拆除"]


def test_a_retired_point_and_logger_raise_no_offline_or_missing_alarms(users):
    site = users["keqiao"]
    now = int(time.time())
    DeviceState.objects.create(device=site["device"], last_seen_at=(now - 3 * 3600) * 1000)
    contexts = Contexts()
    assert any(f.point_id == site["point"].pk for f in offline_findings(now=now, contexts=contexts))
    record_retire(user=users["county"], obj=site["point"], reason="点位撤除")
    contexts = Contexts()
    assert [
        f for f in offline_findings(now=now, contexts=contexts) if f.point_id == site["point"].pk
    ] == []
    assert site["point"].pk not in {c.point_id for c in contexts.all_points()}
    assert [
        f for f in missing_findings(now=now, contexts=contexts) if f.point_id == site["point"].pk
    ] == []


def test_the_database_refuses_to_cascade_evidence_away(evidence):
    """The guard under the services: a plain ORM delete of what an alarm or a declaration
    belongs to raises instead of taking them along."""
    site = evidence["site"]
    with pytest.raises(ProtectedError):
        evidence["alarm"].point.delete()
    with pytest.raises(ProtectedError):
        site["enterprise"].delete()
    Alarm.objects.all().delete()
    with pytest.raises(ProtectedError):  # the declaration still holds the point
        MonitoringPoint.objects.get(pk=site["point"].pk).delete()
    assert MonitoringPoint.objects.filter(pk=site["point"].pk).exists()
    assert AnomalyDeclaration.objects.filter(pk=evidence["declaration"].pk).exists()


def test_a_logger_with_a_session_or_raw_packets_is_history(users, api_client):
    device = users["keqiao"]["device"]
    RawPacket.objects.create(
        device=device, received_at=int(time.time() * 1000), peer="10.0.0.9:5000", raw=b"##"
    )
    assert record_history(device) == ["原始报文"]
    DeviceSession.objects.create(device=device, peer="10.0.0.9:5000", connected_at=1)
    response = api_client(users["county"]).delete(f"/api/v1/devices/{device.pk}")
    assert response.status_code == 409 and response.json()["error"]["code"] == "has_history"
    assert Device.objects.filter(pk=device.pk).exists()
    with pytest.raises(ProtectedError):
        Device.objects.get(pk=device.pk).delete()


def test_the_raw_packet_question_is_an_index_search_on_the_device(db):
    """An EXISTS on an index led by the device (``rawpacket_device_data``, or the foreign
    key's own): the table has hundreds of millions of rows, a scan would take minutes."""
    qs = RawPacket.objects.filter(device_id__in=[1]).values("pk")[:1]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # the test table is empty
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    if connection.vendor == "postgresql":
        assert "Index" in plan and "Seq Scan" not in plan, plan
    else:
        assert "SEARCH monitoring_rawpacket USING" in plan and "(device_id=?)" in plan, plan


# ---- a record with no history is deleted, every row audited --------------------------


def _fresh_site(client: Any, enterprise: Enterprise) -> dict[str, int]:
    """An outlet, point and logger entered by mistake a minute ago."""
    outlet = post(
        client,
        "/api/v1/outlets",
        {
            "enterprise_id": enterprise.pk,
            "code": "DW009",
            "name": "误建排放口",
            "medium": "water",
            "kind": "general",
        },
    ).json()
    point = post(
        client,
        "/api/v1/points",
        {"outlet_id": outlet["id"], "name": "误建点位", "factors": ["w01018"]},
    ).json()
    device = post(
        client,
        "/api/v1/devices",
        {"point_id": point["id"], "mn": "MN0000MISTAKE1", "password": "abc123"},
    ).json()
    return {"outlet": outlet["id"], "point": point["id"], "device": device["id"]}


def test_deleting_a_fresh_outlet_removes_it_and_audits_every_row_it_removed(users, api_client):
    client = api_client(users["county"])
    ids = _fresh_site(client, users["keqiao"]["enterprise"])
    DeviceState.objects.create(device_id=ids["device"], packets=0)  # the gateway's row
    response = client.delete(f"/api/v1/outlets/{ids['outlet']}")
    assert response.status_code == 204, response.content
    assert not Outlet.objects.filter(pk=ids["outlet"]).exists()
    assert not MonitoringPoint.objects.filter(pk=ids["point"]).exists()
    assert not Device.objects.filter(pk=ids["device"]).exists()
    deleted = AuditLog.objects.filter(action="delete", actor=users["county"])
    rows = {(e.object_type, e.object_id): e.changes for e in deleted}
    assert set(rows) == {
        ("registry.outlet", str(ids["outlet"])),
        ("registry.monitoringpoint", str(ids["point"])),
        ("registry.device", str(ids["device"])),
        ("monitoring.devicestate", str(ids["device"])),
    }
    assert rows[("registry.outlet", str(ids["outlet"]))]["name"] == ["误建排放口", None]
    assert rows[("registry.device", str(ids["device"]))]["mn"] == ["MN0000MISTAKE1", None]
    assert rows[("registry.device", str(ids["device"]))]["password_digest"] == ["***", None]
    event = OutboxEvent.objects.get(topic="registry.outlet.deleted")
    assert event.payload["removed"] == {
        "registry.outlet": 1,
        "registry.monitoringpoint": 1,
        "registry.device": 1,
        "monitoring.devicestate": 1,
    }


def test_deleting_a_fresh_enterprise_removes_its_permit_not_yet_in_force(users, api_client):
    client = api_client(users["county"])
    created = post(
        client,
        "/api/v1/enterprises",
        {
            "credit_code": credit_code_for("330603", 88_001),
            "name": "误建企业",
            "region_code": "330603",
            "industry_code": "1713",
        },
    )
    enterprise = Enterprise.objects.get(pk=created.json()["id"])
    ids = _fresh_site(client, enterprise)
    start = timezone.localdate() + dt.timedelta(days=10)
    permit = Permit.objects.create(
        number="MISTAKE-P-1",
        enterprise=enterprise,
        permit_class="key",
        valid_from=start,
        valid_to=start + dt.timedelta(days=365),
    )
    PermitLimit.objects.create(
        permit=permit,
        outlet_id=ids["outlet"],
        factor_code="w01018",
        limit=Decimal("50"),
        unit="mg/L",
        basis="daily",
    )
    AnnualCap.objects.create(permit=permit, pollutant="w01018", tonnes_per_year=Decimal("1"))
    audit_before = AuditLog.objects.filter(action="delete").count()
    response = client.delete(f"/api/v1/enterprises/{enterprise.pk}")
    assert response.status_code == 204, response.content
    assert not Enterprise.objects.filter(pk=enterprise.pk).exists()
    assert not Permit.objects.filter(pk=permit.pk).exists()
    deleted = AuditLog.objects.filter(action="delete").order_by("id")[audit_before:]
    kinds = sorted(e.object_type for e in deleted)
    assert kinds == sorted(
        [
            "permits.permit",
            "permits.permitlimit",
            "permits.annualcap",
            "registry.device",
            "registry.monitoringpoint",
            "registry.outlet",
            "registry.enterprise",
        ]
    )


def test_an_enterprise_with_no_history_but_a_user_account_is_not_deleted(users, api_client):
    client = api_client(users["county"])
    enterprise = users["keqiao"]["enterprise"]
    Permit.objects.all().delete()  # nothing in force: only the account holds it
    response = client.delete(f"/api/v1/enterprises/{enterprise.pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "protected"
    assert "用户" in response.json()["error"]["message"]
    assert Outlet.objects.filter(pk=users["keqiao"]["outlet"].pk).exists()  # rolled back


def test_a_permit_that_has_been_in_force_is_not_deleted(users, api_client):
    client = api_client(users["county"])
    permit = users["keqiao"]["permit"]
    response = client.delete(f"/api/v1/permits/{permit.pk}")
    assert response.status_code == 409 and response.json()["error"]["code"] == "has_history"
    assert PermitLimit.objects.filter(permit=permit).exists()
    start = timezone.localdate() + dt.timedelta(days=1)
    Permit.objects.filter(pk=permit.pk).update(
        valid_from=start, valid_to=start + dt.timedelta(days=5 * 365)
    )
    assert client.delete(f"/api/v1/permits/{permit.pk}").status_code == 204
    assert AuditLog.objects.filter(object_type="permits.permitlimit", action="delete").exists()


# ---- who may retire -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "site", "expected"),
    [
        ("county", "shangyu", 404),  # another county: does not exist for them
        ("other_enterprise", "keqiao", 404),
        ("inspector", "keqiao", 403),  # sees it, may not change it
        ("enterprise", "keqiao", 403),  # its own point: enterprises neither retire nor delete
        ("county", "keqiao", 200),
    ],
)
@pytest.mark.parametrize("kind", ["enterprises", "outlets", "points", "devices"])
def test_retiring_is_scoped_as_editing_is(users, api_client, role, site, expected, kind):
    singular = {"enterprises": "enterprise", "outlets": "outlet", "points": "point"}
    obj = users[site][singular.get(kind, "device")]
    response = post(api_client(users[role]), f"/api/v1/{kind}/{obj.pk}/retire", {"reason": "关停"})
    assert response.status_code == expected, response.content
    assert (type(obj).objects.get(pk=obj.pk).retired_at is not None) is (expected == 200)


def test_a_county_regulator_cannot_retire_or_reinstate_through_the_pages_elsewhere(
    users, client_as
):
    other = users["shangyu"]
    client = client_as(users["county"])
    for name, obj in [("enterprise-retire", other["enterprise"]), ("point-retire", other["point"])]:
        assert client.post(reverse(name, args=[obj.pk]), {"reason": "关停"}).status_code == 404
    record_retire(user=users["other_county"], obj=other["point"], reason="撤除")
    assert client.post(reverse("point-reinstate", args=[other["point"].pk])).status_code == 404
    inspector = client_as(users["inspector"])
    url = reverse("point-reinstate", args=[other["point"].pk])
    assert inspector.post(url).status_code == 403
    assert MonitoringPoint.objects.get(pk=other["point"].pk).retired_at is not None


# ---- retiring down the tree, reinstating, refusing edits -------------------------------


def test_retiring_an_enterprise_retires_everything_under_it_and_reinstating_undoes_it(
    users, api_client
):
    site = users["keqiao"]
    client = api_client(users["county"])
    spare = Device.objects.create(
        point=site["point"], mn="MN0000SPARE0001", password_digest=device_password_digest("x1")
    )
    record_retire(user=users["county"], obj=spare, reason="备用机撤除")  # retired before
    spare_retired_at = Device.objects.get(pk=spare.pk).retired_at

    enterprise = site["enterprise"]
    assert (
        post(
            client, f"/api/v1/enterprises/{enterprise.pk}/retire", {"reason": "企业关停"}
        ).status_code
        == 200
    )
    for obj in (site["outlet"], site["point"], site["device"]):
        obj.refresh_from_db()
        assert obj.retired_reason == "企业关停"
    assert Device.objects.get(pk=spare.pk).retired_at == spare_retired_at  # kept its own

    # a retired record takes no edits, and its logger cannot be switched back on
    patched = client.patch(
        f"/api/v1/devices/{site['device'].pk}",
        json.dumps({"is_active": True}),
        content_type="application/json",
    )
    assert patched.status_code == 409 and patched.json()["error"]["code"] == "retired"
    new_point = post(client, "/api/v1/points", {"outlet_id": site["outlet"].pk, "name": "新点"})
    assert new_point.status_code == 422 and "outlet_id" in new_point.json()["error"]["fields"]
    child = post(client, f"/api/v1/points/{site['point'].pk}/reinstate")
    assert child.status_code == 409 and child.json()["error"]["code"] == "parent_retired"

    assert post(client, f"/api/v1/enterprises/{enterprise.pk}/reinstate").status_code == 200
    site["device"].refresh_from_db()
    assert site["device"].retired_at is None
    assert site["device"].is_active is False  # enabled again only by a person, on purpose
    assert Device.objects.get(pk=spare.pk).retired_at == spare_retired_at
    assert MonitoringPoint.objects.get(pk=site["point"].pk).retired_at is None


def test_a_retirement_needs_a_reason(users, api_client, client_as):
    point = users["keqiao"]["point"]
    response = post(
        api_client(users["county"]), f"/api/v1/points/{point.pk}/retire", {"reason": ""}
    )
    assert response.status_code == 422
    response = client_as(users["county"]).post(
        reverse("point-retire", args=[point.pk]), {"reason": "   "}
    )
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert MonitoringPoint.objects.get(pk=point.pk).retired_at is None


def test_lists_show_records_in_use_unless_asked_and_pages_say_who_retired_what(
    users, api_client, client_as
):
    site = users["keqiao"]
    record_retire(user=users["county"], obj=site["point"], reason="点位撤除")
    client = api_client(users["county"])
    ids = lambda r: {item["id"] for item in r.json()["items"]}  # noqa: E731
    assert site["point"].pk not in ids(client.get("/api/v1/points"))
    assert site["point"].pk in ids(client.get("/api/v1/points?state=retired"))
    assert site["point"].pk in ids(client.get("/api/v1/points?state=all"))
    assert client.get("/api/v1/points?state=gone").status_code == 422
    assert client.get(f"/api/v1/points/{site['point'].pk}").json()["retired_reason"] == "点位撤除"

    pages = client_as(users["county"])
    assert "锅炉出口" not in pages.get(reverse("point-list")).content.decode()
    retired = pages.get(reverse("point-list") + "?state=retired").content.decode()
    assert "锅炉出口" in retired and "已注销" in retired
    detail = pages.get(reverse("enterprise-detail", args=[site["enterprise"].pk])).content.decode()
    assert "点位撤除" in detail and users["county"].username in detail
    assert reverse("point-reinstate", args=[site["point"].pk]) in detail
