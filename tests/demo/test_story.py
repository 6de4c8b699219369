"""The demo enterprise's story: after a load, its account finds alarms, its explanation,
its declaration and a case waiting for its rectification; a second load adds nothing;
a reset removes the story with the city and writes it afresh."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshan.core.chinatime import CHINA_TZ as CHINA
from qingshan.core.models import AuditLog, OutboxEvent, User
from qingshan.demo.industries import DEMO_ENTERPRISE_NAME
from qingshan.demo.loader import LoadReport, load_city, remove_city
from qingshan.demo.plan import build_city
from qingshan.demo.story import RECTIFY_WORKING_DAYS, STEPS
from qingshan.monitoring import selectors as monitoring
from qingshan.monitoring.models import Alarm, AlarmEntry, AnomalyDeclaration
from qingshan.supervision import selectors as supervision
from qingshan.supervision.deadlines import calendar_for
from qingshan.supervision.models import Notification, SupervisionCase
from tests.conftest import client_for
from tests.demo.conftest import PLAN_DATE


@pytest.fixture
def staff(city: LoadReport) -> User:
    return User.objects.get(username="demo-enterprise")


def _story_counts() -> dict[str, int]:
    mine = {"enterprise__name": DEMO_ENTERPRISE_NAME}
    return {
        "alarms": Alarm.objects.filter(**mine).count(),
        "declarations": AnomalyDeclaration.objects.filter(**mine).count(),
        "cases": SupervisionCase.objects.filter(**mine).count(),
        "entries": AlarmEntry.objects.filter(alarm__enterprise__name=DEMO_ENTERPRISE_NAME).count(),
        "notifications": Notification.objects.filter(case__enterprise__name=DEMO_ENTERPRISE_NAME)
        .values("pk")
        .count(),
    }


def test_the_enterprise_sees_its_alarms_from_the_last_days(staff: User) -> None:
    alarms = {a.kind: a for a in monitoring.alarm_list(user=staff)}
    assert set(alarms) == {"exceedance", "stuck"}
    cod = alarms["exceedance"]
    assert cod.factor_code == "w01018" and cod.occurrences == 2
    assert cod.worst_value is not None and cod.limit_value is not None
    assert cod.worst_value > cod.limit_value
    days = {
        timezone.localtime(cod.first_at, CHINA).date(),
        timezone.localtime(cod.last_at, CHINA).date(),
    }
    assert days == {PLAN_DATE - dt.timedelta(days=2), PLAN_DATE - dt.timedelta(days=1)}
    stuck = alarms["stuck"]
    assert stuck.factor_code == "w21003" and stuck.occurrences >= 2
    # raised as the engine raises them: its history and its domain event
    assert AlarmEntry.objects.filter(alarm=cod, action="raised").exists()
    raised = OutboxEvent.objects.filter(topic="monitoring.alarm.raised")
    assert {str(cod.pk), str(stuck.pk)} <= set(raised.values_list("aggregate_id", flat=True))


def test_the_enterprise_has_explained_the_stuck_analyser(staff: User) -> None:
    stuck = monitoring.alarm_list(user=staff).get(kind="stuck")
    assert stuck.explanation_status == "submitted"  # waiting for the regulator
    entry = AlarmEntry.objects.get(alarm=stuck, action="explained")
    assert entry.actor == staff and "氨氮" in entry.text
    audit = AuditLog.objects.get(object_type="monitoring.alarmentry", object_id=str(entry.pk))
    assert (audit.actor, audit.via) == (staff, "demo")


def test_the_enterprise_has_declared_a_planned_maintenance(staff: User) -> None:
    declaration = monitoring.declaration_list(user=staff).get()
    assert (declaration.kind, declaration.status) == ("maintenance", "submitted")
    assert declaration.declared_by == staff
    assert declaration.starts_at > timezone.now()  # planned: it lies ahead
    assert AuditLog.objects.filter(
        object_type="monitoring.anomalydeclaration", object_id=str(declaration.pk), actor=staff
    ).exists()


def test_a_case_waits_at_the_enterprises_rectification(staff: User) -> None:
    case = supervision.case_list(user=staff).get()
    assert case.state == "rectifying" and case.alarm is not None
    assert case.alarm.kind == "exceedance"
    assert [t.action for t in supervision.case_actions(user=staff, case=case)] == [
        "submit_rectification"
    ]
    opened = case.events.get(action="open")
    assert opened.actor is not None and opened.actor.username == "demo-regulator"
    assert [e.action for e in case.events.order_by("at", "id")] == [
        "open",
        "dispatch",
        "accept",
        "record_findings",
        "order_rectification",
    ]
    order = case.events.get(action="order_rectification")
    assert order.visibility == "shared"  # the order reaches the enterprise
    calendar = calendar_for(case.region_code, order.at)
    assert case.deadline == calendar.add_working_days(order.at, RECTIFY_WORKING_DAYS)
    assert case.assignee is not None and case.assignee.username == "demo-inspector"
    assert Notification.objects.filter(user=staff, case=case, kind="rectify").exists()
    actors = set(
        AuditLog.objects.filter(
            object_type="supervision.supervisioncase", object_id=str(case.pk)
        ).values_list("actor__username", "via")
    )
    assert actors == {("demo-regulator", "demo"), ("demo-inspector", "demo")}


def test_logging_in_as_the_enterprise_shows_the_to_do(staff: User) -> None:
    client = client_for(staff)
    case = supervision.case_list(user=staff).get()
    listing = client.get(reverse("supervision:case-list")).content.decode()
    assert case.title in listing
    detail = client.get(reverse("supervision:case", args=[case.pk])).content.decode()
    assert 'data-qs-action="submit_rectification"' in detail
    assert "市局执法人员" not in detail  # staff read as the bureau to the enterprise
    inbox = client.get(reverse("supervision:inbox")).content.decode()
    assert "请按期完成整改并提交整改材料" in inbox


def test_the_regulators_see_the_story_too(city: LoadReport) -> None:
    regulator = User.objects.get(username="demo-regulator")
    county = User.objects.get(username="demo-county")
    for user in (regulator, county):
        assert supervision.case_list(user=user, state="rectifying").count() == 1
        assert monitoring.alarm_list(user=user, explanation_status="submitted").exists()
    assert Notification.objects.filter(user=county, kind="assigned").exists()


def test_a_second_load_adds_nothing(city: LoadReport, demo_dir: Path) -> None:
    assert city.created["story"] == len(STEPS) == city.totals["story"]
    before = _story_counts()
    again = load_city(seed=1, data_dir=demo_dir)
    assert again.created["story"] == 0 and not again.changed
    assert _story_counts() == before


def test_reset_removes_the_story_and_writes_it_afresh(city: LoadReport, tmp_path: Path) -> None:
    old_case = SupervisionCase.objects.get(enterprise__name=DEMO_ENTERPRISE_NAME)
    old_alarms = set(Alarm.objects.values_list("pk", flat=True))
    remove_city(build_city(1, PLAN_DATE))
    assert _story_counts() == dict.fromkeys(_story_counts(), 0)
    assert not User.objects.filter(username__startswith="demo-").exists()
    report = load_city(seed=1, reset=True, today=PLAN_DATE, data_dir=tmp_path)
    assert report.created["story"] == len(STEPS)
    fresh = SupervisionCase.objects.get(enterprise__name=DEMO_ENTERPRISE_NAME)
    assert fresh.pk != old_case.pk and fresh.state == "rectifying"
    assert old_alarms.isdisjoint(Alarm.objects.values_list("pk", flat=True))


def test_a_reset_city_of_another_seed_has_its_story(city: LoadReport, tmp_path: Path) -> None:
    report = load_city(seed=2, reset=True, data_dir=tmp_path)
    assert report.created["story"] == len(STEPS)
    case: Any = SupervisionCase.objects.get(enterprise__name=DEMO_ENTERPRISE_NAME)
    assert case.state == "rectifying"
