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

import json
from typing import Any

import pytest

from qingshan.registry.models import Enterprise
from tests.conftest import credit_code_for

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
