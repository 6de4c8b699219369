"""Bad input is refused with a clear message, and nothing already stored is lost."""

import json

from qingshan.permits.models import Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint
from tests.conftest import credit_code_for


def post(client, path, body):
    return client.post(f"/api/v1/{path}", json.dumps(body), content_type="application/json")


def enterprise_body(**overrides):
    body = {
        "credit_code": credit_code_for("330603", 77_001),
        "name": "绍兴柯桥测试印染有限公司",
        "region_code": "330603",
        "industry_code": "C1713",
    }
    return body | overrides


def permit_body(site, number, **overrides):
    body = {
        "enterprise_id": site["enterprise"].pk,
        "number": number,
        "permit_class": "key",
        "valid_from": "2025-01-01",
        "valid_to": "2030-01-01",
    }
    return body | overrides


def test_wrong_credit_code_is_refused_with_the_reason(users, api_client):
    before = Enterprise.objects.count()
    good = enterprise_body()["credit_code"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = post(api_client(users["county"]), "enterprises", enterprise_body(credit_code=wrong))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert f"第 18 位应为 '{good[17]}'" in error["fields"]["credit_code"][0]
    assert Enterprise.objects.count() == before


def test_duplicate_credit_code_is_refused(users, api_client):
    existing = users["keqiao"]["enterprise"].credit_code
    response = post(
        api_client(users["county"]), "enterprises", enterprise_body(credit_code=existing)
    )
    assert response.status_code == 422
    assert "credit_code" in response.json()["error"]["fields"]


def test_duplicate_mn_is_refused_and_the_existing_device_keeps_its_password(users, api_client):
    device = users["keqiao"]["device"]
    digest = device.password_digest
    body = {"point_id": users["keqiao"]["point"].pk, "mn": device.mn, "password": "999999"}
    response = post(api_client(users["county"]), "devices", body)
    assert response.status_code == 422
    assert "mn" in response.json()["error"]["fields"]
    assert Device.objects.filter(mn=device.mn).count() == 1
    assert Device.objects.get(pk=device.pk).password_digest == digest


def test_device_password_is_write_only(users, api_client):
    body = {"point_id": users["keqiao"]["point"].pk, "mn": "WRITEONLY0001", "password": "abc123"}
    client = api_client(users["county"])
    created = post(client, "devices", body)
    assert created.status_code == 201
    assert "password" not in created.json() and "password_digest" not in created.json()
    shown = client.get(f"/api/v1/devices/{created.json()['id']}").json()
    assert not any("password" in key for key in shown)


def test_device_offline_interval_is_checked_kept_and_cleared(users, api_client):
    device, client = users["keqiao"]["device"], api_client(users["county"])
    path = f"/api/v1/devices/{device.pk}"

    def patch(value):
        body = json.dumps({"offline_after_minutes": value})
        return client.patch(path, body, content_type="application/json")

    for bad in (0, -5, 7 * 24 * 60 + 1, "soon"):
        response = patch(bad)
        assert response.status_code == 422, bad
        assert "offline_after_minutes" in json.dumps(response.json()["error"])
    response = patch(120)
    assert response.status_code == 200 and response.json()["offline_after_minutes"] == 120
    assert patch(None).json()["offline_after_minutes"] is None
    assert Device.objects.get(pk=device.pk).offline_after_minutes is None


def test_permit_ending_before_it_starts_is_refused(users, api_client):
    site = users["keqiao"]
    body = permit_body(site, "BADPERIOD001P", valid_from="2026-01-01", valid_to="2025-01-01")
    response = post(api_client(users["county"]), "permits", body)
    assert response.status_code == 422
    assert "有效期止必须晚于有效期起" in json.dumps(response.json(), ensure_ascii=False)
    assert not Permit.objects.filter(number="BADPERIOD001P").exists()


def test_a_lower_limit_not_under_the_limit_is_refused(users, api_client):
    site = users["keqiao"]
    body = permit_body(site, "PHRANGE001P") | {
        "limits": [
            {
                "outlet_id": site["outlet"].pk,
                "factor_code": "w01001",
                "lower_limit": "9",
                "limit": "6",
                "unit": "无量纲",
            }
        ],
    }
    client = api_client(users["county"])
    response = post(client, "permits", body)
    assert response.status_code == 422
    assert "下限应不小于 0 且小于限值" in json.dumps(response.json(), ensure_ascii=False)
    assert not Permit.objects.filter(number="PHRANGE001P").exists()
    body["limits"][0] |= {"lower_limit": "6", "limit": "9"}
    created = post(client, "permits", body)
    assert created.status_code == 201
    assert created.json()["limits"][0]["lower_limit"] == "6.0000"


def test_unknown_factor_code_in_a_limit_refuses_the_whole_permit(users, api_client):
    site = users["keqiao"]
    body = permit_body(site, "BADFACTOR001P") | {
        "limits": [
            {
                "outlet_id": site["outlet"].pk,
                "factor_code": "a21026",
                "limit": "35",
                "unit": "mg/m3",
                "basis": "hourly",
            },
            {
                "outlet_id": site["outlet"].pk,
                "factor_code": "x99999",
                "limit": "1",
                "unit": "mg/m3",
                "basis": "hourly",
            },
        ],
    }
    response = post(api_client(users["county"]), "permits", body)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert "x99999" in fields["limits[1].factor_code"][0]
    assert not Permit.objects.filter(number="BADFACTOR001P").exists()
    assert PermitLimit.objects.count() == 2  # the two fixtures' limits, untouched


def test_unknown_factor_code_on_a_point_is_refused(users, api_client):
    body = {
        "outlet_id": users["keqiao"]["outlet"].pk,
        "name": "新点位",
        "factors": ["a21026", "zz"],
    }
    response = post(api_client(users["county"]), "points", body)
    assert response.status_code == 422
    assert "zz" in response.json()["error"]["fields"]["factors"][0]
    assert not MonitoringPoint.objects.filter(name="新点位").exists()


def test_limit_on_another_enterprises_outlet_is_refused(users, api_client):
    site, other = users["keqiao"], users["shangyu"]
    body = permit_body(site, "CROSS001P") | {
        "limits": [
            {
                "outlet_id": other["outlet"].pk,
                "factor_code": "a21026",
                "limit": "35",
                "unit": "mg/m3",
                "basis": "hourly",
            }
        ],
    }
    response = post(api_client(users["regulator"]), "permits", body)
    assert response.status_code == 422
    assert "排放口不属于该许可证的排污单位" in json.dumps(response.json(), ensure_ascii=False)


def test_malformed_json_and_wrong_types_get_the_error_shape(users, api_client):
    client = api_client(users["county"])
    response = client.post("/api/v1/enterprises", "{not json", content_type="application/json")
    # docs/api.md and docs/architecture.md: a body that is not JSON is 400 bad_request
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    response = post(client, "enterprises", enterprise_body(longitude="east", is_key_discharger=[]))
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert "longitude" in fields and "is_key_discharger" in fields


def test_enterprise_outside_the_jurisdiction_cannot_be_created(users, api_client):
    body = enterprise_body(region_code="330604", credit_code=credit_code_for("330604", 77_002))
    response = post(api_client(users["county"]), "enterprises", body)
    assert response.status_code == 403
    assert "330604" in response.json()["error"]["message"]


def test_region_code_must_be_six_digits(users, api_client):
    response = post(api_client(users["admin"]), "enterprises", enterprise_body(region_code="3306"))
    assert response.status_code == 422
    assert "region_code" in response.json()["error"]["fields"]


def test_errors_follow_the_callers_language(users, api_client):
    good = enterprise_body()["credit_code"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = api_client(users["county"]).post(
        "/api/v1/enterprises",
        json.dumps(enterprise_body(credit_code=wrong)),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    error = response.json()["error"]
    assert error["message"] == "Validation failed"
    assert error["fields"]["credit_code"][0].startswith("Wrong check character: character 18")
