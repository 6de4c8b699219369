"""Creating and changing records through the pages: the services' answers reach the form."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from qingshan.core.models import AuditLog
from qingshan.permits.models import Permit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_matches
from tests.conftest import KEQIAO, credit_code_for
from tests.web.conftest import without_history


def enterprise_form(**fields: Any) -> dict[str, Any]:
    return {
        "name": "柯桥新建印染有限公司",
        "credit_code": credit_code_for(KEQIAO, 77_001),
        "region_code": KEQIAO,
        "industry_code": "1713",
        "is_key_discharger": "on",
    } | fields


def test_a_wrong_credit_code_shows_the_validators_message(users, client_as) -> None:
    good = credit_code_for(KEQIAO, 77_002)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = client_as(users["county"]).post(
        reverse("enterprise-create"), enterprise_form(credit_code=wrong)
    )
    assert response.status_code == 200
    assert "校验码错误" in response.context["form"].errors["credit_code"][0]
    assert "校验码错误" in response.content.decode()
    assert not Enterprise.objects.filter(credit_code=wrong).exists()


def test_enterprise_create_is_audited_as_the_web_user(users, client_as) -> None:
    response = client_as(users["county"]).post(
        reverse("enterprise-create"), enterprise_form(), REMOTE_ADDR="10.0.0.7"
    )
    enterprise = Enterprise.objects.get(name="柯桥新建印染有限公司")
    assert response["Location"] == reverse("enterprise-detail", args=[enterprise.pk])
    entry = AuditLog.objects.get(object_type="registry.enterprise", object_id=str(enterprise.pk))
    assert (entry.actor, entry.via, entry.ip_address) == (users["county"], "web", "10.0.0.7")


def test_enterprise_with_user_accounts_is_not_deleted(users, client_as) -> None:
    enterprise = users["keqiao"]["enterprise"]
    client = client_as(users["county"])
    response = client.post(reverse("enterprise-delete", args=[enterprise.pk]), follow=True)
    assert Enterprise.objects.filter(pk=enterprise.pk).exists()
    assert "不能删除" in response.content.decode()


def test_enterprise_delete_page_says_what_goes_with_it(users, client_as) -> None:
    site = users["shangyu"]
    site["enterprise"].users.all().delete()
    without_history(site)  # entered by mistake: nothing has happened to it yet
    client = client_as(users["regulator"])
    url = reverse("enterprise-delete", args=[site["enterprise"].pk])
    page = client.get(url).content.decode()
    assert "排放口：1" in page and "数采仪：1" in page
    assert client.post(url)["Location"] == reverse("enterprise-list")
    assert not Enterprise.objects.filter(pk=site["enterprise"].pk).exists()
    assert not Device.objects.filter(pk=site["device"].pk).exists()


def test_enterprise_with_history_offers_retirement_instead(users, client_as) -> None:
    site = users["shangyu"]  # its permit has been in force
    site["enterprise"].users.all().delete()
    client = client_as(users["regulator"])
    url = reverse("enterprise-delete", args=[site["enterprise"].pk])
    page = client.get(url).content.decode()
    assert "不能删除" in page and "已生效的排污许可证" in page
    assert reverse("enterprise-retire", args=[site["enterprise"].pk]) in page
    assert "确认删除</button>" not in page
    assert client.post(url)["Location"] == url
    assert Enterprise.objects.filter(pk=site["enterprise"].pk).exists()


def test_outlet_point_and_device_from_the_enterprise_page(users, client_as) -> None:
    enterprise = users["keqiao"]["enterprise"]
    client = client_as(users["county"])
    back = reverse("enterprise-detail", args=[enterprise.pk])
    outlet_form = {"code": "DW001", "name": "废水总排口", "medium": "water", "kind": "main"}
    response = client.post(
        reverse("outlet-create", args=[enterprise.pk]), outlet_form | {"emission_mode": "ducted"}
    )
    assert response["Location"] == back + "#outlets"
    outlet = Outlet.objects.get(enterprise=enterprise, code="DW001")

    response = client.post(
        reverse("point-create", args=[enterprise.pk]),
        {"outlet": outlet.pk, "name": "总排口", "factors": "w01018，w21003"},
    )
    assert response["Location"] == back + "#points"
    point = MonitoringPoint.objects.get(outlet=outlet)
    assert point.factors == ["w01018", "w21003"]

    response = client.post(
        reverse("device-create", args=[enterprise.pk]),
        {"point": point.pk, "mn": "33060300000001", "password": "pw-2026", "is_active": "on"},
    )
    assert response["Location"] == back + "#devices"
    device = Device.objects.get(mn="33060300000001")
    assert device_password_matches("pw-2026", device.password_digest)


def test_an_unknown_factor_code_is_reported_under_the_field(users, client_as) -> None:
    site = users["keqiao"]
    response = client_as(users["county"]).post(
        reverse("point-edit", args=[site["point"].pk]),
        {"outlet": site["outlet"].pk, "name": "锅炉出口", "factors": "a21026 zz999"},
    )
    assert response.status_code == 200
    assert "zz999" in " ".join(response.context["form"].errors["factors"])
    site["point"].refresh_from_db()
    assert site["point"].factors == ["a21026", "a21002", "a34013", "a19001"]


def test_a_device_needs_a_password_and_never_shows_it(users, client_as) -> None:
    site = users["keqiao"]
    client = client_as(users["county"])
    create = reverse("device-create", args=[site["enterprise"].pk])
    response = client.post(create, {"point": site["point"].pk, "mn": "MNX1", "password": ""})
    assert response.status_code == 200 and "password" in response.context["form"].errors
    assert not Device.objects.filter(mn="MNX1").exists()

    edit = client.get(reverse("device-edit", args=[site["device"].pk]))
    assert "password" not in edit.context["form"].fields
    assert 'type="password"' not in edit.content.decode()

    reset = reverse("device-password", args=[site["device"].pk])
    response = client.post(reset, {"password": "new-secret", "confirm": "new-secret"}, follow=True)
    assert "new-secret" not in response.content.decode()
    site["device"].refresh_from_db()
    assert device_password_matches("new-secret", site["device"].password_digest)


def test_a_device_s_offline_interval_is_set_on_its_form_and_shown(users, client_as) -> None:
    site = users["keqiao"]
    device, client = site["device"], client_as(users["county"])
    edit = reverse("device-edit", args=[device.pk])
    form = {"point": site["point"].pk, "mn": device.mn, "is_active": "on"}
    response = client.post(edit, form | {"offline_after_minutes": "0"})
    assert response.status_code == 200
    assert "offline_after_minutes" in response.context["form"].errors
    response = client.post(edit, form | {"offline_after_minutes": "90"}, follow=True)
    device.refresh_from_db()
    assert device.offline_after_minutes == 90
    assert "90 分钟" in response.content.decode()  # back on the enterprise page


def test_a_password_with_a_semicolon_is_refused_by_the_service(users, client_as) -> None:
    device = users["keqiao"]["device"]
    before = device.password_digest
    response = client_as(users["county"]).post(
        reverse("device-password", args=[device.pk]), {"password": "a;b", "confirm": "a;b"}
    )
    assert response.status_code == 200
    assert "分号" in response.content.decode()
    device.refresh_from_db()
    assert device.password_digest == before


def permit_post(number: str, limits: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": number,
        "permit_class": "key",
        "status": "valid",
        "valid_from": "2025-01-01",
        "valid_to": "2030-01-01",
        "limits-TOTAL_FORMS": str(len(limits)),
        "limits-INITIAL_FORMS": str(initial),
        "caps-TOTAL_FORMS": "1",
        "caps-INITIAL_FORMS": "0",
        "caps-0-pollutant": "a21026",
        "caps-0-tonnes_per_year": "12.5",
    }
    for index, row in enumerate(limits):
        data.update({f"limits-{index}-{key}": value for key, value in row.items()})
    return data


def limit_row(outlet: Outlet, factor: str, limit: str, **more: Any) -> dict[str, Any]:
    return {
        "outlet": outlet.pk,
        "factor_code": factor,
        "limit": limit,
        "unit": "mg/m3",
        "basis": "hourly",
    } | more


def test_permit_create_with_limits_and_caps(users, client_as) -> None:
    site = users["keqiao"]
    rows = [
        limit_row(site["outlet"], "a21026", "35", reference_o2="6"),
        limit_row(site["outlet"], "a21002", "50", reference_o2="6"),
        {"unit": "mg/m3"},  # the blank extra row is ignored
    ]
    response = client_as(users["county"]).post(
        reverse("permit-create", args=[site["enterprise"].pk]), permit_post("P-2025-001", rows)
    )
    permit = Permit.objects.get(number="P-2025-001")
    assert response["Location"] == reverse("permit-detail", args=[permit.pk])
    assert sorted(permit.limits.values_list("factor_code", flat=True)) == ["a21002", "a21026"]
    assert permit.annual_caps.get().tonnes_per_year == 12.5


def test_permit_edit_keeps_the_rows_it_did_not_touch(users, client_as) -> None:
    site = users["keqiao"]
    client = client_as(users["county"])
    url = reverse("permit-edit", args=[site["permit"].pk])
    limits = client.get(url).context["limits"]
    assert limits.initial_form_count() == 1
    row = limit_row(site["outlet"], "a21026", "35", reference_o2="6.0")
    added = limit_row(site["outlet"], "a34013", "10")
    response = client.post(url, permit_post(site["permit"].number, [row, added], initial=1))
    assert response.status_code == 302
    codes = sorted(site["permit"].limits.values_list("factor_code", flat=True))
    assert codes == ["a21026", "a34013"]


def test_permit_limit_errors_land_in_their_row(users, client_as) -> None:
    site = users["keqiao"]
    bad_o2 = limit_row(site["outlet"], "a21026", "35", reference_o2="25")
    response = client_as(users["county"]).post(
        reverse("permit-edit", args=[site["permit"].pk]),
        permit_post(site["permit"].number, [bad_o2], initial=1),
    )
    assert response.status_code == 200
    assert response.context["limits"].forms[0].errors
    assert site["permit"].limits.get().reference_o2 == 6


def test_a_ph_range_limit_is_kept_with_its_lower_bound_and_checked(users, client_as) -> None:
    site = users["keqiao"]
    client, url = client_as(users["county"]), reverse("permit-edit", args=[site["permit"].pk])
    kept = limit_row(site["outlet"], "a21026", "35", reference_o2="6.0")
    ph = limit_row(site["outlet"], "w01001", "9", lower_limit="6") | {"unit": "无量纲"}
    upside_down = ph | {"lower_limit": "9.5"}
    response = client.post(url, permit_post(site["permit"].number, [kept, upside_down], initial=1))
    assert response.status_code == 200
    assert "下限应不小于 0 且小于限值" in response.content.decode()
    assert not site["permit"].limits.filter(factor_code="w01001").exists()

    response = client.post(
        url, permit_post(site["permit"].number, [kept, ph], initial=1), follow=True
    )
    assert site["permit"].limits.get(factor_code="w01001").lower_limit == 6
    assert "6–9" in response.content.decode()  # the permit page shows the range


def test_permit_dates_must_be_ordered(users, client_as) -> None:
    site = users["keqiao"]
    data = permit_post("P-BAD", []) | {"valid_from": "2030-01-01", "valid_to": "2025-01-01"}
    response = client_as(users["county"]).post(
        reverse("permit-create", args=[site["enterprise"].pk]), data
    )
    assert response.status_code == 200
    assert "有效期止必须晚于有效期起" in response.content.decode()
    assert not Permit.objects.filter(number="P-BAD").exists()
