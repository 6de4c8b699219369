"""Every role × every API endpoint: who may read, who may write, and what outsiders see.

Expected outcomes, as a user would notice them:
- anonymous: 401 everywhere;
- admin: everything;
- city regulator (3306): reads and writes both counties;
- county regulator (330603): reads and writes 柯桥 only, 404 for 上虞 objects;
- inspector (3306): reads the city, every write refused with 403;
- enterprise user: reads their own enterprise only (404 for the other), writes refused.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from qingshan.registry.models import Enterprise
from tests.conftest import KEQIAO, credit_code_for

KINDS = {
    "enterprises": "enterprise",
    "outlets": "outlet",
    "points": "point",
    "devices": "device",
    "permits": "permit",
}

# role → (sees 柯桥, sees 上虞, may write 柯桥, may write 上虞)
MATRIX = {
    "admin": (True, True, True, True),
    "regulator": (True, True, True, True),
    "county": (True, False, True, False),
    "other_county": (False, True, False, True),
    "inspector": (True, True, False, False),
    "enterprise": (True, False, False, False),
    "other_enterprise": (False, True, False, False),
}

PATCHES = {
    "enterprises": {"address": "新地址 1 号"},
    "outlets": {"name": "新名称"},
    "points": {"name": "新点位"},
    "devices": {"is_active": False},
    "permits": {"status": "suspended"},
}


def _body(response: Any) -> Any:
    return json.loads(response.content) if response.content else None


@pytest.mark.parametrize("role", [*MATRIX, "anonymous"])
@pytest.mark.parametrize("path", KINDS)
def test_list_is_scoped(users, api_client, role, path):
    client = api_client(users.get(role))
    response = client.get(f"/api/v1/{path}")
    if role == "anonymous":
        assert response.status_code == 401
        assert _body(response)["error"]["code"] == "unauthenticated"
        return
    assert response.status_code == 200
    ids = {item["id"] for item in _body(response)["items"]}
    sees_keqiao, sees_shangyu, *_ = MATRIX[role]
    assert (users["keqiao"][KINDS[path]].pk in ids) is sees_keqiao
    assert (users["shangyu"][KINDS[path]].pk in ids) is sees_shangyu
    assert _body(response)["count"] == len(ids)


@pytest.mark.parametrize("role", [*MATRIX, "anonymous"])
@pytest.mark.parametrize("path", KINDS)
@pytest.mark.parametrize("site", ["keqiao", "shangyu"])
def test_detail_read_is_scoped(users, api_client, role, path, site):
    obj = users[site][KINDS[path]]
    response = api_client(users.get(role)).get(f"/api/v1/{path}/{obj.pk}")
    if role == "anonymous":
        assert response.status_code == 401
        return
    visible = MATRIX[role][0 if site == "keqiao" else 1]
    assert response.status_code == (200 if visible else 404)
    if not visible:
        assert _body(response)["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", [*MATRIX, "anonymous"])
@pytest.mark.parametrize("path", KINDS)
@pytest.mark.parametrize("site", ["keqiao", "shangyu"])
def test_patch_is_authorised(users, api_client, role, path, site):
    obj = users[site][KINDS[path]]
    before = type(obj).objects.get(pk=obj.pk)
    response = api_client(users.get(role)).patch(
        f"/api/v1/{path}/{obj.pk}", json.dumps(PATCHES[path]), content_type="application/json"
    )
    if role == "anonymous":
        assert response.status_code == 401
        return
    index = 0 if site == "keqiao" else 1
    visible, writable = MATRIX[role][index], MATRIX[role][index + 2]
    expected = 200 if writable else (403 if visible else 404)
    assert response.status_code == expected, response.content
    after = type(obj).objects.get(pk=obj.pk)
    field, value = next(iter(PATCHES[path].items()))
    assert (getattr(after, field) == value) is writable
    if not writable:
        assert getattr(after, field) == getattr(before, field)


@pytest.mark.parametrize("role", [*MATRIX, "anonymous"])
@pytest.mark.parametrize("site", ["keqiao", "shangyu"])
@pytest.mark.parametrize("path", KINDS)
def test_delete_is_authorised(users, api_client, role, site, path):
    obj = users[site][KINDS[path]]
    response = api_client(users.get(role)).delete(f"/api/v1/{path}/{obj.pk}")
    if role == "anonymous":
        assert response.status_code == 401
        assert type(obj).objects.filter(pk=obj.pk).exists()
        return
    index = 0 if site == "keqiao" else 1
    visible, writable = MATRIX[role][index], MATRIX[role][index + 2]
    if writable and path in ("enterprises", "outlets", "permits"):
        # each site's permit has been in force: it, its outlet and its enterprise are
        # history, retired and never deleted (issue 15); the refusal says so
        assert response.status_code == 409
        assert _body(response)["error"]["code"] == "has_history"
        assert type(obj).objects.filter(pk=obj.pk).exists()
        return
    assert response.status_code == (204 if writable else 403 if visible else 404)
    assert type(obj).objects.filter(pk=obj.pk).exists() is not writable


def _create_bodies(site: dict[str, Any], n: int) -> dict[str, dict[str, Any]]:
    region = site["enterprise"].region_code
    return {
        "enterprises": {
            "credit_code": credit_code_for(region, 50_000 + n),
            "name": f"新建单位{n}",
            "region_code": region,
            "industry_code": "2614",
        },
        "outlets": {
            "enterprise_id": site["enterprise"].pk,
            "code": f"DW{n:03d}",
            "name": "废水总排口",
            "medium": "water",
            "kind": "main",
        },
        "points": {"outlet_id": site["outlet"].pk, "name": f"新点位{n}", "factors": ["a21026"]},
        "devices": {"point_id": site["point"].pk, "mn": f"NEWMN{n:08d}", "password": "654321"},
        "permits": {
            "enterprise_id": site["enterprise"].pk,
            "number": f"NEW{n:06d}P",
            "permit_class": "simplified",
            "valid_from": "2025-01-01",
            "valid_to": "2030-01-01",
            "limits": [
                {
                    "outlet_id": site["outlet"].pk,
                    "factor_code": "a21002",
                    "limit": "50",
                    "unit": "mg/m3",
                    "basis": "hourly",
                    "reference_o2": "9",
                }
            ],
        },
    }


@pytest.mark.parametrize("role", [*MATRIX, "anonymous"])
@pytest.mark.parametrize("site_name", ["keqiao", "shangyu"])
@pytest.mark.parametrize("path", KINDS)
def test_create_is_authorised(users, api_client, role, site_name, path):
    site = users[site_name]
    body = _create_bodies(site, hash((role, site_name, path)) % 10_000)[path]
    response = api_client(users.get(role)).post(
        f"/api/v1/{path}", json.dumps(body), content_type="application/json"
    )
    if role == "anonymous":
        assert response.status_code == 401
        return
    index = 0 if site_name == "keqiao" else 1
    visible, writable = MATRIX[role][index], MATRIX[role][index + 2]
    if writable:
        assert response.status_code == 201, response.content
    elif path == "enterprises" or visible:
        # a new enterprise has no parent to hide; a visible parent gives an honest 403
        assert response.status_code == 403, response.content
    else:
        # the parent is invisible to this user: it does not exist as far as they can tell
        assert response.status_code == 422
        assert _body(response)["error"]["fields"]
    if not writable:
        assert not Enterprise.objects.filter(name__startswith="新建单位").exists()


# ── every endpoint of the OpenAPI document × every role ──────────────────────────────
#
# One row per (method, path) of /api/v1/openapi.json: who may call it. A new endpoint
# without a row fails test_every_endpoint_has_a_row. Outcomes, one pass over the table:
# anonymous → 401 (except PUBLIC rows); a role not in the row → refused (403 or 404,
# the object is hidden; 422 where the body names a parent the role cannot see); a role
# in the row → anything but 401/403 and never a 5xx (a made-up id may well be 404).
# Ids in paths: the 柯桥 site's objects, an alarm and a case there, else MISSING.

MISSING = 999_999_999
ALL = frozenset(MATRIX)
STAFF = frozenset({"admin", "regulator", "county", "other_county", "inspector"})
KEQIAO_EDITORS = frozenset({"admin", "regulator", "county"})
ADMIN = frozenset({"admin"})
PUBLIC = frozenset({"anonymous", *MATRIX})
KEQIAO_ENTERPRISE = frozenset({"enterprise"})


class Row:
    def __init__(
        self,
        allowed: frozenset[str],
        body: dict[str, Any] | None = None,
        *,
        multipart: bool = False,
        hidden_parent: bool = False,
        query: str = "",
    ) -> None:
        self.allowed, self.body, self.multipart, self.query = allowed, body, multipart, query
        self.refused = (403, 404, 422) if hidden_parent else (403, 404)


def _endpoint_rows() -> dict[tuple[str, str], Row]:
    when = {"starts_at": "2025-03-01T08:00:00+08:00", "ends_at": "2025-03-01T20:00:00+08:00"}
    station = {"code": "T001", "name": "测试站", "region_code": KEQIAO, "longitude": 120.5}
    station["latitude"] = 30.0
    rows: dict[tuple[str, str], Row] = {
        # auth: the token route; the token list and revoke routes (issue 16 item 2) follow
        ("POST", "/auth/token"): Row(PUBLIC, {"username": "regulator", "password": "pw-for-tests"}),
        ("GET", "/auth/tokens"): Row(ALL),
        ("POST", "/auth/tokens/{pk}/revoke"): Row(ALL),
        # registry: scoped reads for everyone, writes for the editors of 柯桥
        ("POST", "/enterprises/{pk}/retire"): Row(KEQIAO_EDITORS, {"reason": "停产"}),
        ("POST", "/enterprises/{pk}/reinstate"): Row(KEQIAO_EDITORS),
        ("POST", "/outlets/{pk}/retire"): Row(KEQIAO_EDITORS, {"reason": "停产"}),
        ("POST", "/outlets/{pk}/reinstate"): Row(KEQIAO_EDITORS),
        ("POST", "/points/{pk}/retire"): Row(KEQIAO_EDITORS, {"reason": "停产"}),
        ("POST", "/points/{pk}/reinstate"): Row(KEQIAO_EDITORS),
        ("POST", "/devices/{pk}/retire"): Row(KEQIAO_EDITORS, {"reason": "停产"}),
        ("POST", "/devices/{pk}/reinstate"): Row(KEQIAO_EDITORS),
        # monitoring
        ("GET", "/points/{pk}/readings"): Row(
            ALL - {"other_county", "other_enterprise"},
            query="?factor=a21026&start=2025-03-01T00:00:00%2B08:00&end=2025-03-02T00:00:00%2B08:00",
        ),
        ("GET", "/point-states"): Row(ALL),
        ("GET", "/alarms"): Row(ALL),
        ("GET", "/alarms/{pk}"): Row(ALL - {"other_county", "other_enterprise"}),
        ("POST", "/alarms/{pk}/acknowledge"): Row(KEQIAO_EDITORS | {"inspector"}, {}),
        # the enterprise takes part in its alarm's discussion
        ("POST", "/alarms/{pk}/comments"): Row(
            ALL - {"other_county", "other_enterprise"}, {"text": "已核实"}
        ),
        ("POST", "/alarms/{pk}/explanation"): Row(
            KEQIAO_ENTERPRISE, {"text": "设备故障"}, multipart=True
        ),
        ("POST", "/alarms/{pk}/explanation/review"): Row(KEQIAO_EDITORS, {"accept": True}),
        ("GET", "/declarations"): Row(ALL),
        # only the enterprise declares its own maintenance or shutdown; the bureau reviews
        ("POST", "/declarations"): Row(
            KEQIAO_ENTERPRISE,
            {"point_id": 0, "kind": "maintenance", "reason": "例行维护", **when},
            hidden_parent=True,
        ),
        ("GET", "/declarations/{pk}"): Row(ALL),
        ("POST", "/declarations/{pk}/review"): Row(KEQIAO_EDITORS, {"accept": True}),
        ("GET", "/monitoring/dead-letters"): Row(ALL),  # an enterprise's list is empty
        ("POST", "/monitoring/dead-letters/{pk}/judge-again"): Row(STAFF - {"inspector"}),
        ("POST", "/monitoring/dead-letters/{pk}/dismiss"): Row(
            STAFF - {"inspector"}, {"reason": "测试数据"}
        ),
        # supervision
        ("GET", "/cases"): Row(ALL),
        ("POST", "/cases"): Row(
            KEQIAO_EDITORS, {"enterprise_id": 0, "title": "人工立案"}, hidden_parent=True
        ),
        ("GET", "/cases/workflow"): Row(ALL),
        ("GET", "/cases/{pk}"): Row(ALL - {"other_county", "other_enterprise"}),
        ("POST", "/cases/{pk}/actions"): Row(
            KEQIAO_EDITORS | {"inspector"}, {"action": "comment", "version": 1, "comment": "跟进"}
        ),
        ("GET", "/cases/{pk}/timeline"): Row(ALL - {"other_county", "other_enterprise"}),
        ("POST", "/cases/{pk}/attachments"): Row(
            KEQIAO_EDITORS | {"inspector", "enterprise"}, {}, multipart=True
        ),
        # quality: stations and sections, managed by the bureau
        ("POST", "/quality/stations"): Row(KEQIAO_EDITORS, station),
        ("POST", "/quality/sections"): Row(KEQIAO_EDITORS, {**station, "water_body_name": "鉴湖"}),
    }
    for kind in ("stations", "sections"):
        rows[("GET", f"/quality/{kind}")] = Row(ALL)  # an enterprise's list is empty
        rows[("GET", f"/quality/{kind}/{{pk}}")] = Row(STAFF)
        rows[("PATCH", f"/quality/{kind}/{{pk}}")] = Row(KEQIAO_EDITORS, {"name": "改名"})
        rows[("DELETE", f"/quality/{kind}/{{pk}}")] = Row(KEQIAO_EDITORS)
        rows[("GET", f"/quality/{kind}/{{pk}}/days")] = Row(STAFF)
    rows[("GET", "/quality/stations/{pk}/hours")] = Row(STAFF)
    for kind in KINDS:
        rows[("GET", f"/{kind}")] = Row(ALL)
        rows[("GET", f"/{kind}/{{pk}}")] = Row(ALL - {"other_county", "other_enterprise"})
        rows[("PATCH", f"/{kind}/{{pk}}")] = Row(KEQIAO_EDITORS, PATCHES[kind])
        rows[("DELETE", f"/{kind}/{{pk}}")] = Row(KEQIAO_EDITORS)
        rows[("POST", f"/{kind}")] = Row(KEQIAO_EDITORS, {}, hidden_parent=kind != "enterprises")
    return rows


ROWS = _endpoint_rows()
PREFIX = "/api/v1"


def _schema_endpoints(client: Any) -> set[tuple[str, str]]:
    schema = json.loads(client.get(f"{PREFIX}/openapi.json").content)
    return {
        (method.upper(), path.removeprefix(PREFIX))
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_every_endpoint_has_a_row(db, api_client):
    endpoints = _schema_endpoints(api_client(None))
    assert endpoints - set(ROWS) == set(), "endpoints without a row in ROWS: who may call them?"
    assert set(ROWS) - endpoints == set(), "rows for endpoints that no longer exist"


def _subjects(users: dict[str, Any]) -> dict[str, int]:
    """The id that stands for {pk} under each path's first segment."""
    from qingshan.monitoring.models import Alarm
    from qingshan.supervision import services as supervision

    site = users["keqiao"]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def alarm(factor: str) -> Alarm:
        return Alarm.objects.create(
            point=site["point"],
            enterprise=site["enterprise"],
            region_code=site["enterprise"].region_code,
            factor_code=factor,
            kind="exceedance",
            severity="major",
            period=3,
            first_at=now - dt.timedelta(hours=2),
            last_at=now - dt.timedelta(hours=1),
            occurrences=2,
            worst_value=71.5,
            limit_value=35.0,
            rule="exceedance.hourly",
            evidence={},
        )

    case = supervision.case_open_from_alarm(user=None, alarm=alarm("a21002"))
    return {
        **{kind: site[KINDS[kind]].pk for kind in KINDS},
        "alarms": alarm("a21026").pk,
        "cases": case.pk,
    }


def _call(client: Any, method: str, path: str, row: Row, subjects: dict[str, int], n: int) -> Any:
    segment = path.strip("/").split("/")[0]
    url = PREFIX + path.replace("{pk}", str(subjects.get(segment, MISSING))) + row.query
    body = dict(row.body or {})
    if "username" in body:
        body["username"] = SITES[body["username"]].username
    if method == "POST" and path.strip("/") in KINDS:  # a valid create body for 柯桥
        body = _create_bodies(SITES["keqiao"], 70_000 + n)[path.strip("/")]
    for parent in ("point_id", "enterprise_id"):
        if body.get(parent) == 0:
            body[parent] = SITES["keqiao"][parent.removesuffix("_id")].pk
    if method == "GET":
        return client.get(url)
    if row.multipart:
        return client.generic(method, url, **_multipart(body))
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def _multipart(body: dict[str, Any]) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    fields = {**body, "file": SimpleUploadedFile("note.txt", b"note", "text/plain")}
    return {"data": encode_multipart(BOUNDARY, fields), "content_type": MULTIPART_CONTENT}


SITES: dict[str, Any] = {}


def test_every_endpoint_with_every_role(users, api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    SITES.update(users)
    subjects = _subjects(users)
    roles = ["anonymous", *MATRIX]
    wrong: list[str] = []
    # refusals first: they must change nothing the later calls rely on
    calls = [(role, key) for key in ROWS for role in roles if role not in ROWS[key].allowed]
    calls += [(role, key) for key in ROWS for role in roles if role in ROWS[key].allowed]
    clients = {role: api_client(users.get(role)) for role in roles}
    for n, (role, (method, path)) in enumerate(calls):
        row = ROWS[(method, path)]
        response = _call(clients[role], method, path, row, subjects, n)
        status = response.status_code
        if role == "anonymous" and role not in row.allowed:
            ok = status == 401
        elif role not in row.allowed:
            ok = status in row.refused
        else:
            ok = status not in (401, 403) and status < 500
        if not ok:
            wrong.append(f"{role:>16} {method:6} {path}: {status} {response.content[:120]!r}")
    assert not wrong, "\n".join(wrong)
