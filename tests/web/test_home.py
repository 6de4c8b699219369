"""The home page (issue 17): the duty officer's day, scoped as the lists are, and every
number a link to the list that shows exactly what it counted."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qingshan.core.choices import Role
from qingshan.monitoring.choices import AlarmKind, DeclarationStatus, Severity
from qingshan.monitoring.models import Alarm, DeviceState
from qingshan.permits.forms import EXPIRING_WITHIN_DAYS
from qingshan.permits.models import Permit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.supervision import services
from qingshan.supervision.choices import CaseState
from qingshan.supervision.models import SupervisionCase
from qingshan.web.views.home import EXPIRY_WARNING_DAYS
from tests.web.pagetext import has_element, links_of, text_of

pytestmark = pytest.mark.django_db

_factor = itertools.count()
HAN = re.compile(r"[\u4e00-\u9fff]")


def page(client: Client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def alarm(site: dict[str, Any], **fields: Any) -> Alarm:
    """An alarm at the site's point; each takes a factor code of its own (one open alarm
    per point, factor and kind)."""
    now = timezone.now().replace(microsecond=0)
    values: dict[str, Any] = {
        "point": site["point"],
        "enterprise": site["enterprise"],
        "region_code": site["enterprise"].region_code,
        "factor_code": f"x{next(_factor):05d}",
        "kind": AlarmKind.EXCEEDANCE,
        "severity": Severity.values[0],
        "period": 3,
        "first_at": now,
        "last_at": now,
        "worst_value": 71.5,
        "limit_value": 35.0,
        "rule": "exceedance.hourly",
    }
    values.update(fields)
    return Alarm.objects.create(**values)


def listed_total(client: Client, url: str) -> int:
    """The "共 N 条" under a list page: how many rows the list holds, all pages."""
    found = re.search(r"共 (\d+) 条", page(client, url))
    assert found, url
    return int(found.group(1))


def today_start() -> dt.datetime:
    return dt.datetime.combine(
        timezone.localdate(), dt.time(), timezone.get_current_timezone()
    ).replace(microsecond=0)


# --- today's alarms ----------------------------------------------------------------------


def test_todays_alarms_by_every_severity_each_linking_to_the_list_of_them(users, client_as) -> None:
    """Alarms with an occurrence today, per severity (whatever severities the choices
    hold); each badge opens the alarm list filtered alike, which holds as many."""
    severities = Severity.values
    for n, severity in enumerate(severities):
        for _ in range(n + 1):
            alarm(users["keqiao"], severity=severity)
    alarm(users["shangyu"], severity=severities[0])
    yesterday = today_start() - dt.timedelta(hours=3)
    alarm(users["keqiao"], first_at=yesterday, last_at=yesterday)  # not today's

    expected = {
        "regulator": {s: n + 1 + (s == severities[0]) for n, s in enumerate(severities)},
        "county": {s: n + 1 for n, s in enumerate(severities)},
    }
    for role, counts in expected.items():
        client = client_as(users[role])
        html = page(client)
        card = text_of(html, "card-alarms-today")
        assert f"今日报警 {sum(counts.values())}" in card, (role, card)
        links = dict(links_of(html, "card-alarms-today"))
        labels = dict(Severity.choices)
        for severity, n in counts.items():
            url = next(u for u, t in links.items() if f"severity={severity}" in u)
            assert links[url] == f"{labels[severity]} {n}", (role, severity)
            assert listed_total(client, url) == n, (role, severity)


def test_alarms_of_another_county_are_not_counted_for_a_county(users, client_as) -> None:
    alarm(users["shangyu"])
    card = text_of(page(client_as(users["county"])), "card-alarms-today")
    assert card.startswith("今日报警 0"), card


# --- cases -------------------------------------------------------------------------------


def _case(site: dict[str, Any], state: str = CaseState.PENDING, **fields: Any) -> SupervisionCase:
    case = services.case_open_from_alarm(user=None, alarm=alarm(site))
    SupervisionCase.objects.filter(pk=case.pk).update(state=state, **fields)
    return case


def test_open_and_overdue_cases_link_to_the_cases_counted(users, client_as) -> None:
    late = timezone.now() - dt.timedelta(days=1)
    _case(users["keqiao"])
    _case(users["keqiao"], CaseState.INVESTIGATING, overdue_since=late)
    _case(users["shangyu"], CaseState.RECTIFYING, overdue_since=late)
    _case(
        users["keqiao"],
        CaseState.CLOSED,
        resolution="rectified",
        closed_at=late,
        overdue_since=late,
    )
    for role, (open_, overdue) in {"regulator": (3, 2), "county": (2, 1)}.items():
        client = client_as(users[role])
        html = page(client)
        card = text_of(html, "card-cases")
        assert f"未销号案件 {open_} 逾期 {overdue} 件" in card, (role, card)
        links = dict(links_of(html, "card-cases"))
        overdue_url = next(u for u, t in links.items() if t.startswith("逾期"))
        response = client.get(overdue_url)
        assert response.context["page"].paginator.count == overdue, role


def test_an_inspector_sees_the_cases_waiting_on_them(users, client_as) -> None:
    _case(users["keqiao"], CaseState.INVESTIGATING, assignee=users["inspector"])
    _case(users["shangyu"], CaseState.DISPATCHED)
    client = client_as(users["inspector"])
    html = page(client)
    assert "我承办 1 件" in text_of(html, "card-cases")
    mine = next(u for u, t in links_of(html, "card-cases") if t.startswith("我承办"))
    assert client.get(mine).context["page"].paginator.count == 1
    # a regulator is assigned nothing: no such line
    assert "我承办" not in text_of(page(client_as(users["regulator"])), "card-cases")


# --- data loggers ------------------------------------------------------------------------


def test_online_rate_of_the_loggers_in_use(users, client_as, make_site) -> None:
    """Connected loggers among those in use (not retired, enabled), in scope."""
    extra = make_site("330603")
    DeviceState.objects.create(device=users["keqiao"]["device"], connected=True)
    DeviceState.objects.create(device=extra["device"], connected=False)
    DeviceState.objects.create(device=users["shangyu"]["device"], connected=True)
    disabled = make_site("330603")["device"]
    Device.objects.filter(pk=disabled.pk).update(is_active=False)
    retired = make_site("330603")["device"]
    Device.objects.filter(pk=retired.pk).update(
        is_active=False, retired_at=timezone.now(), retired_reason="设备更换"
    )
    county = text_of(page(client_as(users["county"])), "card-loggers")
    assert "数采仪在线率 50.0% 在线 1 / 在用 2 离线 1 台" in county, county
    city = text_of(page(client_as(users["regulator"])), "card-loggers")
    assert "66.7% 在线 2 / 在用 3" in city, city


def test_no_logger_in_scope_reads_as_a_dash(users, client_as, make_user) -> None:
    empty = make_user(Role.REGULATOR, "330602")  # a county with no enterprise here
    card = text_of(page(client_as(empty)), "card-loggers")
    assert "数采仪在线率 — 在线 0 / 在用 0" in card, card


# --- exceedances in the last 24 hours ----------------------------------------------------


def test_exceedances_of_the_last_24_hours(users, client_as) -> None:
    now = timezone.now().replace(microsecond=0)
    recent = alarm(users["keqiao"], first_at=now - dt.timedelta(hours=23), last_at=now)
    alarm(
        users["keqiao"], first_at=now - dt.timedelta(hours=30), last_at=now - dt.timedelta(hours=25)
    )
    alarm(users["keqiao"], kind=AlarmKind.OFFLINE, factor_code="")
    other = alarm(users["shangyu"])
    county = page(client_as(users["county"]))
    assert "24 小时内超标 1" in text_of(county, "card-exceedances")
    rows = links_of(county, "exceedances")
    assert (reverse("monitoring:alarm", args=[recent.pk]), recent.enterprise.name) in rows
    assert reverse("monitoring:alarm", args=[other.pk]) not in dict(rows)
    city = page(client_as(users["regulator"]))
    assert "24 小时内超标 2" in text_of(city, "card-exceedances")
    # the list link asks for exceedances from yesterday on: the alarm list filters by day
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert any(
        f"kind={AlarmKind.EXCEEDANCE}" in u and f"start={yesterday}" in u
        for u, _t in links_of(city, "exceedances")
    )


# --- permits running out -----------------------------------------------------------------


def _expiring(site: dict[str, Any], n: int, *, start: int = 1) -> list[Permit]:
    today = timezone.localdate()
    return [
        Permit.objects.create(
            number=f"{site['enterprise'].credit_code}{start + i:03d}E",
            enterprise=site["enterprise"],
            permit_class="key",
            valid_from=today - dt.timedelta(days=700),
            valid_to=today + dt.timedelta(days=1 + i * 2),
        )
        for i in range(n)
    ]


def test_the_expiring_count_links_to_a_list_of_every_permit_it_counted(users, client_as) -> None:
    """The defect of issue 17: the page said 20 and listed 10, with no way to the rest."""
    assert EXPIRY_WARNING_DAYS in EXPIRING_WITHIN_DAYS
    today = timezone.localdate()
    counted = _expiring(users["keqiao"], 30)
    Permit.objects.create(  # expires too late
        number="LATE-1",
        enterprise=users["keqiao"]["enterprise"],
        permit_class="key",
        valid_from=today - dt.timedelta(days=10),
        valid_to=today + dt.timedelta(days=EXPIRY_WARNING_DAYS + 1),
    )
    Permit.objects.create(  # revoked: nothing to renew
        number="REVOKED-1",
        enterprise=users["keqiao"]["enterprise"],
        permit_class="key",
        valid_from=today - dt.timedelta(days=10),
        valid_to=today + dt.timedelta(days=5),
        status="revoked",
    )
    _expiring(users["shangyu"], 3)
    client = client_as(users["county"])
    html = page(client)
    assert text_of(html, "card-expiring").startswith("90 天内到期的许可证 30")
    table = text_of(html, "expiring-permits")
    assert "显示最早到期的 10 张，共 30 张。" in table
    all_url = next(u for u, t in links_of(html, "expiring-permits") if t == "查看全部 30 张")
    assert all_url == f"{reverse('permit-list')}?expiring={EXPIRY_WARNING_DAYS}"

    first = client.get(all_url)
    assert first.context["page"].paginator.count == 30
    second = client.get(all_url + "&page=2")
    listed = [p.number for p in first.context["page"]] + [p.number for p in second.context["page"]]
    assert listed == [p.number for p in counted]  # every one, the soonest first
    assert "共 30 条" in second.content.decode()
    # the city regulator's count and list hold the other county's too
    city = client_as(users["regulator"])
    assert text_of(page(city), "card-expiring").startswith("90 天内到期的许可证 33")
    assert city.get(all_url).context["page"].paginator.count == 33


def test_the_permit_list_filters_by_expiry_window(users, client_as) -> None:
    _expiring(users["keqiao"], 20)  # the n-th expires in 1 + 2n days
    client = client_as(users["regulator"])
    assert (
        client.get(reverse("permit-list"), {"expiring": "30"}).context["page"].paginator.count == 15
    )
    html = page(client, f"{reverse('permit-list')}?expiring=30")
    assert 'value="30" selected' in html  # the bar says which window is shown
    # a window the list does not offer is ignored, as any invalid filter value
    assert (
        client.get(reverse("permit-list"), {"expiring": "9999"}).context["page"].paginator.count
        == Permit.objects.count()
    )


# --- an enterprise's to-do list ----------------------------------------------------------


def test_an_enterprise_sees_its_own_to_do_list(users, client_as) -> None:
    keqiao, shangyu = users["keqiao"], users["shangyu"]
    unexplained = alarm(keqiao)
    rejected = alarm(keqiao, explanation_status=DeclarationStatus.REJECTED)
    alarm(keqiao, explanation_status=DeclarationStatus.SUBMITTED)  # waits on the bureau
    alarm(keqiao, cleared_at=timezone.now())  # over
    foreign = alarm(shangyu)
    due = _case(
        keqiao,
        CaseState.RECTIFYING,
        team_region_code="330603",
        deadline=timezone.now() + dt.timedelta(days=3),
    )
    _case(keqiao, CaseState.INVESTIGATING)  # the bureau's step, not the enterprise's
    _case(shangyu, CaseState.RECTIFYING)
    Alarm.objects.filter(case__isnull=False).update(cleared_at=timezone.now())  # the cases'
    _expiring(keqiao, 2)
    _expiring(shangyu, 4)

    html = page(client_as(users["enterprise"]))
    assert text_of(html, "card-to-explain").endswith("待说明的报警 2")
    alarms = dict(links_of(html, "to-explain"))
    for shown in (unexplained, rejected):
        assert reverse("monitoring:alarm", args=[shown.pk]) in alarms
    assert reverse("monitoring:alarm", args=[foreign.pk]) not in alarms
    assert "已驳回 重新说明" in text_of(html, "to-explain")
    assert text_of(html, "card-rectifications").endswith("待完成的整改 1")
    cases = dict(links_of(html, "rectifications"))
    assert cases == {
        reverse("supervision:case", args=[due.pk]): due.number,
        f"{reverse('supervision:case-list')}?state=rectifying": "在督办案件中查看",
    }
    assert text_of(html, "card-expiring").endswith("90 天内到期的许可证 2")
    # none of the bureau's day: no city counts, no other enterprise's name
    for bureau in ("card-alarms-today", "card-loggers", "registry-cards"):
        assert not has_element(html, bureau)
    assert shangyu["enterprise"].name not in html


# --- links, and who gets in --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", {"站内通知", "我的导入记录", "督办统计", "接入状态", "API 文档"}),
        ("regulator", {"站内通知", "我的导入记录", "督办统计", "接入状态", "API 文档"}),
        ("inspector", {"站内通知", "督办统计", "接入状态", "API 文档"}),
        ("enterprise", {"站内通知"}),
    ],
)
def test_the_links_each_role_is_offered(users, client_as, role, expected) -> None:
    client = client_as(users[role])
    links = dict(links_of(page(client), "home-links"))
    assert set(links.values()) == expected
    for url in links:  # each opens
        assert client.get(url).status_code == 200, (role, url)
    if "API 文档" in expected:
        assert links[reverse("api:openapi-view")] == "API 文档"


def test_the_public_is_sent_to_the_login_page(client_as) -> None:
    response = client_as(None).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_english_home_and_search_pages_have_no_chinese_chrome(users, client_as) -> None:
    """Apart from data (names, titles), the English pages carry no Chinese text."""
    case = _case(users["keqiao"], CaseState.RECTIFYING)
    alarm(users["keqiao"])
    _expiring(users["keqiao"], 12)
    data = [
        *Enterprise.objects.values_list("name", flat=True),
        *Outlet.objects.values_list("name", flat=True),
        *MonitoringPoint.objects.values_list("name", flat=True),
        case.title,
        "青山",
        "简体中文",
    ]
    q = users["keqiao"]["enterprise"].name
    for role, url, heading in (
        ("county", "/", "On duty today"),
        ("inspector", "/", "On duty today"),
        ("enterprise", "/", "To do"),
        ("county", f"{reverse('search')}?q={q}", "results for"),
        ("county", f"{reverse('search')}?q=x", "Type at least"),
        ("county", f"{reverse('permit-list')}?expiring=90", "within 90 days"),
    ):
        client = client_as(users[role])
        client.cookies["django_language"] = "en"
        html = page(client, url)
        assert heading in html, (role, url)
        for item in sorted(data, key=len, reverse=True):
            html = html.replace(item, "")
        html = re.sub(r"<option[^>]*>[^<]*</option>", "", html)  # e.g. region names
        assert not HAN.findall(html), (role, url, sorted(set(HAN.findall(html))))
