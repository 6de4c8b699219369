"""The case pages as people use them: the list by state, the case page with only the
user's actions, forms that post, the phone view, the dashboard, the inbox, the PDF."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshan.core.models import Region
from qingshan.monitoring.models import Reading
from qingshan.supervision import services
from qingshan.supervision.models import CaseAttachment, Notification, SupervisionCase
from tests.conftest import client_for
from tests.helpers import skip_or_fail
from tests.supervision.conftest import png_upload


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def act(case, user, action, **kwargs):
    case.refresh_from_db()
    return services.case_act(user=user, case=case, action=action, version=case.version, **kwargs)


@pytest.fixture
def regions(db):
    Region.objects.update_or_create(
        code="330600", defaults={"name": "绍兴市", "name_en": "Shaoxing", "level": "city"}
    )
    Region.objects.update_or_create(
        code="330603", defaults={"name": "柯桥区", "name_en": "Keqiao", "level": "county"}
    )
    Region.objects.update_or_create(
        code="330604", defaults={"name": "上虞区", "name_en": "Shangyu", "level": "county"}
    )


def test_list_by_state_with_counts_and_filters(open_case, users, regions) -> None:
    a, b, c = open_case("keqiao"), open_case("keqiao"), open_case("shangyu")
    act(a, users["regulator"], "dispatch")
    act(c, users["regulator"], "close_false_alarm", comment="误报")
    client = client_for(users["regulator"])
    url = reverse("supervision:case-list")
    response = client.get(url)
    tabs = {t["value"]: t["count"] for t in response.context["tabs"]}
    assert tabs == {
        "open": 2,
        "pending": 1,
        "dispatched": 1,
        "investigating": 0,
        "rectifying": 0,
        "verifying": 0,
        "closed": 1,
        "": 3,
    }
    assert [x.pk for x in response.context["page"]] == [b.pk, a.pk]  # open cases, newest first
    assert [x.pk for x in client.get(url, {"state": "closed"}).context["page"]] == [c.pk]
    assert [x.pk for x in client.get(url, {"state": "", "region": "330604"}).context["page"]] == [
        c.pk
    ]
    county = client_for(users["county"]).get(url)
    assert {t["value"]: t["count"] for t in county.context["tabs"]}[""] == 2
    text = page(client, url)
    assert a.title in text and "柯桥区（330603）" in text


def test_enterprise_sees_its_own_cases_without_staff_filters(open_case, users) -> None:
    mine, other = open_case("keqiao"), open_case("shangyu")
    response = client_for(users["enterprise"]).get(reverse("supervision:case-list"))
    assert [x.pk for x in response.context["page"]] == [mine.pk]
    assert "assignee" not in response.context["filters"].fields
    assert "本单位的督办案件" in response.content.decode()
    client_for(users["enterprise"]).get(reverse("supervision:case", args=[other.pk]))
    assert (
        client_for(users["enterprise"])
        .get(reverse("supervision:case", args=[other.pk]))
        .status_code
        == 404
    )


def forms_on(client, case) -> list[str]:
    html = client.get(reverse("supervision:case", args=[case.pk])).content.decode()
    return re.findall(r'data-qs-action="([a-z_]+)"', html)


def test_case_page_offers_only_the_users_actions(open_case, users, regions) -> None:
    case = open_case()
    assert forms_on(client_for(users["regulator"]), case) == [
        "dispatch",
        "close_false_alarm",
        "comment",
    ]
    assert forms_on(client_for(users["county"]), case) == ["comment"]
    assert forms_on(client_for(users["enterprise"]), case) == []
    act(case, users["regulator"], "dispatch")
    act(case, users["county"], "accept", assignee=users["inspector"])
    act(case, users["inspector"], "order_rectification", comment="限期整改")
    assert forms_on(client_for(users["enterprise"]), case) == ["submit_rectification"]
    assert forms_on(client_for(users["inspector"]), case) == ["comment"]
    assert forms_on(client_for(users["county"]), case) == ["penalise", "comment"]
    assert (
        client_for(users["other_county"])
        .get(reverse("supervision:case", args=[case.pk]))
        .status_code
        == 404
    )


def test_forms_post_actions_with_files(open_case, users, regions) -> None:
    case = open_case()
    url = reverse("supervision:case-act", args=[case.pk])
    city = client_for(users["regulator"])
    response = city.post(
        url,
        {
            "action": "dispatch",
            "dispatch-action": "dispatch",
            "dispatch-version": 1,
            "dispatch-team_region_code": "330603",
            "dispatch-assignee": users["inspector"].pk,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "dispatched" and case.assignee == users["inspector"]
    # the same form sent again (a double click, or a stale page): 409 and nothing changes
    again = city.post(
        url,
        {
            "action": "dispatch",
            "dispatch-action": "dispatch",
            "dispatch-version": 1,
            "dispatch-team_region_code": "330603",
        },
    )
    assert again.status_code == 409 and "已派发" in again.content.decode()
    # an action of someone else's part: 403
    firm = client_for(users["enterprise"])
    assert (
        firm.post(
            url, {"action": "accept", "accept-action": "accept", "accept-version": 2}
        ).status_code
        == 403
    )

    inspector = client_for(users["inspector"])
    inspector.post(
        url, {"action": "accept", "view": "field", "accept-action": "accept", "accept-version": 2}
    )
    done = inspector.post(
        url,
        {
            "action": "order_rectification",
            "view": "field",
            "order_rectification-action": "order_rectification",
            "order_rectification-version": 3,
            "order_rectification-comment": "脱硫塔循环泵停运，责令 10 个工作日内恢复",
            "order_rectification-files": [png_upload("现场.png")],
            "order_rectification-lat": "30.0812",
            "order_rectification-lng": "120.4921",
        },
    )
    assert done.status_code == 302 and done["Location"].endswith(f"/field/{case.pk}/")
    # the rectification form needs the evidence: without a file it is sent back with the error
    missing = firm.post(
        url,
        {
            "action": "submit_rectification",
            "submit_rectification-action": "submit_rectification",
            "submit_rectification-version": 4,
            "submit_rectification-comment": "已修复",
        },
    )
    assert missing.status_code == 422 and "submit_rectification" in missing.context["open_form"]
    sent = firm.post(
        url,
        {
            "action": "submit_rectification",
            "submit_rectification-action": "submit_rectification",
            "submit_rectification-version": 4,
            "submit_rectification-comment": "已更换循环泵，附照片",
            "submit_rectification-files": [png_upload("整改后.png")],
        },
    )
    assert sent.status_code == 302
    case.refresh_from_db()
    assert case.state == "verifying"
    text = page(client_for(users["county"]), reverse("supervision:case", args=[case.pk]))
    assert "整改后.png" in text and "现场.png" in text and "30.0812" in text


def test_phone_view_for_inspectors(open_case, users) -> None:
    case = open_case()
    act(case, users["regulator"], "dispatch", assignee=users["inspector"])
    client = client_for(users["inspector"])
    listing = page(client, reverse("supervision:field"))
    assert case.enterprise.name in listing
    act(case, users["inspector"], "accept")
    html = page(client, reverse("supervision:field-case", args=[case.pk]))
    assert 'name="view" value="field"' in html and "data-qs-locate" in html
    assert 'accept="image/*' in html  # the phone offers its camera


def test_case_page_shows_the_alarm_chart(open_case, users) -> None:
    case = open_case()
    alarm = case.alarm
    base = alarm.first_at.replace(minute=0, second=0)
    for hour in range(-3, 4):
        Reading.objects.create(
            point=alarm.point,
            factor_code=alarm.factor_code,
            period=3,
            data_time=base + dt.timedelta(hours=hour),
            value=20.0 + hour * 15,
            zs=None,
            received_at=timezone.now(),
        )
    response = client_for(users["regulator"]).get(reverse("supervision:case", args=[case.pk]))
    series = response.context["series"]
    assert len(series["points"]) == 7 and series["limit"] == 35.0
    html = response.content.decode()
    assert 'id="qs-alarm-chart"' in html and "vendor/echarts/echarts.min.js" in html


def test_dashboard_per_city_and_county(open_case, users, regions) -> None:
    a, b, _c = open_case("keqiao"), open_case("keqiao"), open_case("shangyu")
    act(a, users["regulator"], "close_false_alarm", comment="误报")
    SupervisionCase.objects.filter(pk=b.pk).update(overdue_since=timezone.now())
    response = client_for(users["regulator"]).get(reverse("supervision:dashboard"))
    data = response.context["data"]
    assert (data["total"]["total"], data["total"]["open"], data["total"]["overdue"]) == (3, 2, 1)
    assert data["total"]["closure_rate"] == pytest.approx(1 / 3)
    rows = {r["region_code"]: r for r in data["regions"]}
    assert rows["330603"]["states"]["closed"] == 1 and rows["330603"]["overdue"] == 1
    assert rows["330604"]["states"]["pending"] == 1
    assert data["state_hours"]["pending"] is not None
    county = client_for(users["county"]).get(reverse("supervision:dashboard")).context["data"]
    assert [r["region_code"] for r in county["regions"]] == ["330603"]
    assert client_for(users["enterprise"]).get(reverse("supervision:dashboard")).status_code == 403


def test_inbox_and_marking_read(open_case, users) -> None:
    open_case()
    client = client_for(users["regulator"])
    html = page(client, reverse("supervision:inbox"))
    assert "新督办案件待派发" in html
    client.post(reverse("supervision:inbox"))
    assert not Notification.objects.filter(user=users["regulator"], read_at__isnull=True).exists()


def test_regulator_opens_a_case_from_the_alarm_page(make_alarm, users) -> None:
    alarm = make_alarm(users["keqiao"], kind="early_warning", severity="warning")
    client = client_for(users["county"])
    assert alarm.enterprise.name in page(client, reverse("supervision:case-new"))
    response = client.post(reverse("supervision:case-new"), {"alarm": alarm.pk})
    case = SupervisionCase.objects.get(alarm=alarm)
    assert response["Location"] == reverse("supervision:case", args=[case.pk])
    assert client_for(users["inspector"]).get(reverse("supervision:case-new")).status_code == 403


def _pdf_text_codes(data: bytes) -> str:
    """The Unicode code points the PDF's embedded font maps its glyphs to (ToUnicode)."""
    found = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            found.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            found.append(stream.decode("latin-1"))  # the CMap is stored as plain text
    return "".join(found)


def test_supervision_order_pdf_renders_chinese(open_case, users, regions) -> None:
    from qingshan.supervision.pdf import FontMissing, cjk_font

    try:
        cjk_font()
    except FontMissing:
        skip_or_fail("no CJK font (make setup vendors Noto Sans SC)")
    case = open_case()
    act(case, users["regulator"], "dispatch", assignee=users["inspector"])
    response = client_for(users["county"]).get(reverse("supervision:case-order", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-") and b"/FontFile" in data  # the font travels with it
    cmap = _pdf_text_codes(data).upper()
    for char in "督办单柯桥区":
        assert f"<{ord(char):04X}>" in cmap, char
    assert (
        client_for(users["other_county"])
        .get(reverse("supervision:case-order", args=[case.pk]))
        .status_code
        == 404
    )


def test_pages_in_english(open_case, users, regions) -> None:
    case = open_case()
    client = client_for(users["regulator"])
    client.post(reverse("set_language"), {"language": "en"})
    listing = page(client, reverse("supervision:case-list"))
    assert "Pending dispatch" in listing and "Open from an alarm" in listing
    detail = page(client, reverse("supervision:case", args=[case.pk]))
    assert "Timeline" in detail and "Dispatch" in detail and "待派发" not in detail


def test_admin_shows_cases_read_only(open_case, users, client) -> None:
    from qingshan.core.models import User

    case = open_case()
    root = User.objects.create_superuser("root-sv", password="pw-for-tests", role="admin")
    client.force_login(root)
    assert case.title in page(client, reverse("admin:supervision_supervisioncase_changelist"))
    assert client.get(reverse("admin:supervision_caseevent_add")).status_code == 403
    url = reverse("admin:supervision_supervisioncase_delete", args=[case.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert SupervisionCase.objects.filter(pk=case.pk).exists()


@pytest.mark.parametrize("forged", ["abc", "", "-1", str(2**63), "1e3"])
def test_a_forged_alarm_id_on_the_new_case_form_is_not_found(forged, users) -> None:
    response = client_for(users["county"]).post(reverse("supervision:case-new"), {"alarm": forged})
    assert response.status_code == 404
    assert not SupervisionCase.objects.exists()


def test_a_control_character_in_an_uploaded_file_name_is_kept_out(open_case, users) -> None:
    """The client names the file: a bell or an escape in the name is replaced, and the
    upload is taken instead of failing when its record is saved."""
    from tests.supervision.conftest import upload

    case = open_case()
    response = upload(client_for(users["inspector"]), case, name="现场\x07照片\x1b.png")
    assert response.status_code == 201, response.content
    kept = CaseAttachment.objects.get().original_name
    assert kept.startswith("现场") and kept.endswith(".png")
    assert "\x07" not in kept and "\x1b" not in kept


def test_the_action_forms_fields_are_styled_like_every_other_form(open_case, users) -> None:
    """The action form adds its fields after the form is built: they still get the
    Bootstrap classes, or they spill out of the narrow action column."""
    case = open_case()
    html = page(client_for(users["regulator"]), reverse("supervision:case", args=[case.pk]))
    assert re.search(r'<select name="dispatch-team_region_code"[^>]*class="[^"]*form-select', html)
    assert re.search(r'<textarea name="dispatch-comment"[^>]*class="[^"]*form-control', html)
