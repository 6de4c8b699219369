"""The alarm pages say what happened in words (issue 17), and agree with the overview."""

from __future__ import annotations

import re

from django.urls import reverse

from qingshan.monitoring.alarms import findings_apply
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.evaluation import Evaluator
from qingshan.monitoring.models import Alarm
from tests.monitoring.test_alarm_rules import rtd

EPOCH = re.compile(r"\b1[6-9]\d{8}\b")  # a Unix time in seconds, 2020 … 2033


def _judge(site, values):
    contexts = Contexts()
    evaluator = Evaluator(contexts)
    for i, v in enumerate(values):
        findings_apply(evaluator.evaluate(rtd(site, i, v)), contexts=contexts)


def _facts(page: str) -> str:
    return page.split('id="alarm-rule"')[1].split("</section>")[0]


def test_an_early_warning_reads_as_values_levels_and_dates(users, client_as):
    _judge(users["keqiao"], [30.0] * 11 + [31.5] * 4)
    alarm = Alarm.objects.get()
    page = client_as(users["county"]).get(reverse("monitoring:alarm", args=[alarm.pk]))
    html = page.content.decode()
    facts = _facts(html)
    assert "31.5 mg/m3（为限值的 90%）" in facts
    assert "28 mg/m3（限值 35 的 80%）" in facts  # the warning level, and what it is a share of
    assert "7 分钟（2026-11-02 08:00 至 2026-11-02 08:07）" in facts
    for internal in ("early_warning", "share", "threshold", "consecutive", "raise_minutes"):
        assert internal not in html.split('id="alarm-rule"')[1], internal
    # the counted data times: their own field, shown as dates, apart from the findings
    times = facts.split('id="alarm-times"')[1]
    assert "2026-11-02 08:07:00" in times and not EPOCH.search(facts)
    assert "报警记录的数据时间（5 个，用于识别重复上报的数据）" in times  # the raise, 4 repeats
    # the history names the rule in words
    history = html.split('id="alarm-history"')[1]
    assert "实时值持续高于预警线" in history and "early_warning" not in history


def test_real_time_exceedance_and_early_warning_look_different_in_the_list(users, client_as):
    _judge(users["keqiao"], [30.0] * 11 + [88.0, 88.1] * 6)
    page = client_as(users["county"]).get(reverse("monitoring:alarm-list")).content.decode()
    kinds = re.findall(r'class="(text-\w+-emphasis)[^"]*"[^>]*data-kind="(\w+)"', page)
    rows = dict(kinds)
    assert set(rows.values()) == {"early_warning", "rtd_exceedance"}
    assert len(rows) == 2  # two colours
    assert "88.1 mg/m3（限值 35，为限值的 2.52 倍）" in page
    assert "超标预警" in page and "实时超限" in page


def test_the_overview_counts_the_open_alarms_the_alarm_list_counts(users, client_as, make_alarm):
    site = users["keqiao"]
    make_alarm(site)  # open exceedance
    make_alarm(site, kind="rtd_exceedance", factor_code="a21002")
    make_alarm(users["shangyu"], kind="early_warning")
    make_alarm(site, kind="stuck", cleared_at="2026-11-02T00:00:00Z")
    client = client_as(users["county"])  # 柯桥 only
    overview = client.get(reverse("monitoring:overview")).content.decode()
    listed = client.get(reverse("monitoring:alarm-list") + "?active=1")
    shown = re.search(r'id="open-alarm-count">(\d+)<', overview)
    assert shown is not None and int(shown.group(1)) == listed.context["page"].paginator.count == 2
    assert 'data-status="exceeding"' in overview  # a real-time exceedance breaks nothing


def test_a_ph_over_its_range_is_not_so_many_times_the_limit(users, client_as, make_alarm):
    alarm = make_alarm(
        users["keqiao"],
        factor_code="w01001",
        worst_value=13.8,
        limit_value=9.0,
        evidence={"side": "above", "lower_limit": 6.0, "limit": 9.0, "unit": "无量纲"},
    )
    client = client_as(users["county"])
    listed = client.get(reverse("monitoring:alarm-list")).content.decode()
    assert "13.8 无量纲（许可范围 6–9）" in listed
    page = client.get(reverse("monitoring:alarm", args=[alarm.pk])).content.decode()
    assert "倍" not in _facts(page) and "6–9" in _facts(page)


def test_the_outlet_code_is_said_once(users, client_as, make_alarm):
    """The demo names points after their outlet ("DW001 废水总排放口在线监测点"): the pages
    do not put the code in front of it again ("DW001 DW001 …")."""
    site = users["keqiao"]
    point, code = site["point"], site["point"].outlet.code
    point.name = f"{code} 废水总排放口在线监测点"
    point.save(update_fields=["name"])
    alarm = make_alarm(site)
    client = client_as(users["county"])
    for url in (
        reverse("monitoring:alarm", args=[alarm.pk]),
        reverse("monitoring:point", args=[point.pk]),
        reverse("monitoring:overview"),
        reverse("monitoring:gateway-status"),
    ):
        html = client.get(url).content.decode()
        assert f"{code} {code}" not in html, url
    assert (
        f"{code} 废水总排放口在线监测点"
        in client.get(reverse("monitoring:alarm", args=[alarm.pk])).content.decode()
    )


def test_the_list_line_of_an_early_warning_without_its_line_has_no_blank(
    users, client_as, make_alarm
):
    alarm = make_alarm(users["keqiao"], kind="early_warning", severity="warning", worst_value=30.0)
    html = client_as(users["county"]).get(reverse("monitoring:alarm-list")).content.decode()
    assert "30 mg/m3（限值 35）" in html or "30（限值 35）" in html
    assert "预警线 —" not in html
    assert f'href="/monitoring/alarms/{alarm.pk}/"' in html


def test_a_link_naming_only_the_kind_shows_no_error(users, client_as):
    point = users["keqiao"]["point"]
    url = reverse("monitoring:point", args=[point.pk])
    html = client_as(users["county"]).get(url, {"kind": "day"}).content.decode()
    assert "is-invalid" not in html and "这个字段是必填项" not in html
    assert 'id="kind-day" value="day" autocomplete="off" onchange' not in html  # …is checked
    assert 'id="kind-day" value="day" autocomplete="off" checked' in html
