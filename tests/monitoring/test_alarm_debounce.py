"""Alarms that do not cry wolf (issue 17): real-time runs with hysteresis and a minimum
duration, reopening instead of a new alarm, severity by how far over and how long.

The site of ``make_site``: an hourly SO2 limit of 35 mg/m³ at 6 % reference O2; real-time
values come with an O2 of 6 %, so the judged value is the measured one. Defaults of the
rule table (migration 0012): raise after 5 minutes over the level, clear after 10 minutes
under 0.9 × the level, reopen within 60 minutes.
"""

from __future__ import annotations

import datetime as dt

import pytest

from qingshan.core.models import OutboxEvent, RuleValue
from qingshan.monitoring.alarms import findings_apply
from qingshan.monitoring.choices import AlarmKind
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.evaluation import Evaluator
from tests.monitoring.test_alarm_rules import T0, alarms, hour, rtd

LIMIT = 35.0
EW, RX, EXC = AlarmKind.EARLY_WARNING, AlarmKind.RTD_EXCEEDANCE, AlarmKind.EXCEEDANCE


@pytest.fixture
def site(make_site):
    return make_site()


@pytest.fixture
def engine():
    contexts = Contexts()
    evaluator = Evaluator(contexts)
    return lambda readings: findings_apply(evaluator.evaluate(readings), contexts=contexts)


def feed(engine, site, start, values):
    """Real-time values 30 s apart from step ``start``; returns the next step."""
    for i, v in enumerate(values):
        engine(rtd(site, start + i, v))
    return start + len(values)


def noisy(n, centre, spread, *, seed=7):
    import random

    rng = random.Random(seed)
    return [centre + spread * (rng.random() + rng.random() - 1.0) for _ in range(n)]


def test_a_series_hovering_around_the_warning_level_raises_one_alarm_not_dozens(site, engine):
    # 28 is the warning level (0.8 × 35): two hours of values 24–32, crossing it all the time
    feed(engine, site, 0, noisy(240, 28.5, 4.0))
    assert len(alarms(EW)) <= 1
    entries = sum(a.entries.count() for a in alarms(EW))
    assert entries <= 2  # raised (and perhaps cleared once): before, dozens of each


def test_values_in_the_hysteresis_band_do_not_clear_an_open_early_warning(site, engine):
    step = feed(engine, site, 0, [30.0] * 11)  # five minutes over 28
    [alarm] = alarms(EW)
    feed(engine, site, step, [26.0] * 40)  # under 28, but over 25.2 (0.9 × 28): 20 minutes
    alarm.refresh_from_db()
    assert alarm.is_active


def test_a_single_real_time_spike_over_the_limit_raises_nothing(site, engine):
    feed(engine, site, 0, [10.0, 10.0, 88.0, 10.0, 10.0])
    assert alarms() == []


def test_real_time_values_far_over_the_limit_are_a_real_time_exceedance_not_a_warning(site, engine):
    # 251.8 against 100 was listed as "超标预警 · 提示": here 88 against 35 (2.5 ×)
    feed(engine, site, 0, [88.0, 88.1] * 5 + [88.0])  # five minutes
    assert alarms(EW) == []
    [alarm] = alarms(RX)
    assert (alarm.worst_value, alarm.limit_value) == (88.1, LIMIT)
    assert alarm.severity == "major"  # 2 × the limit for 5 minutes
    assert alarm.evidence["ratio"] == pytest.approx(88.0 / LIMIT, abs=1e-3)
    feed(engine, site, 11, [88.0, 88.1] * 25)  # 30 minutes in all
    alarm.refresh_from_db()
    assert alarm.severity == "critical"
    assert alarms(EXC) == []  # the law's exceedance is judged on the hourly value


def test_a_real_time_exceedance_just_over_the_limit_starts_minor(site, engine):
    feed(engine, site, 0, [36.0] * 11)
    [alarm] = alarms(RX)
    assert alarm.severity == "minor"
    feed(engine, site, 11, [36.0, 36.1] * 27)  # 32 minutes over the limit
    alarm.refresh_from_db()
    assert alarm.severity == "major"


def test_a_series_going_over_the_limit_escalates_its_early_warning(site, engine):
    step = feed(engine, site, 0, [30.0] * 11)
    [warning] = alarms(EW)
    step = feed(engine, site, step, [40.0] * 11)
    warning.refresh_from_db()
    [over] = alarms(RX)
    assert not warning.is_active and over.is_active
    assert warning.entries.last().text == "realtime.escalated"
    assert warning.worst_value == 30.0  # values over the limit are not the warning's


def test_a_spike_over_the_limit_during_an_early_warning_is_not_its_worst_value(site, engine):
    step = feed(engine, site, 0, [30.0] * 11)
    feed(engine, site, step, [31.0, 90.0, 31.0])
    [warning] = alarms(EW)
    assert warning.worst_value == 31.0 and alarms(RX) == []


def test_a_raise_soon_after_clearing_reopens_the_same_alarm(site, engine):
    step = feed(engine, site, 0, [30.0] * 11)
    step = feed(engine, site, step, [10.0] * 21)  # cleared after 10 minutes
    [alarm] = alarms(EW)
    assert not alarm.is_active
    feed(engine, site, step + 40, [30.0] * 11)  # back 30 minutes later
    [again] = alarms(EW)
    assert again.pk == alarm.pk and again.is_active
    assert [e.action for e in again.entries.all()] == ["raised", "cleared", "reopened"]
    assert again.occurrences == 22
    assert OutboxEvent.objects.filter(topic="monitoring.alarm.raised").count() == 1
    assert OutboxEvent.objects.filter(topic="monitoring.alarm.reopened").count() == 1


def test_a_raise_long_after_clearing_is_a_new_alarm(site, engine):
    step = feed(engine, site, 0, [30.0] * 11)
    step = feed(engine, site, step, [10.0] * 21)
    feed(engine, site, step + 2 * 120, [30.0] * 11)  # two hours later
    first, second = sorted(alarms(EW), key=lambda a: a.pk)
    assert not first.is_active and second.is_active


def test_one_clean_hour_between_two_exceeding_hours_is_one_alarm(site, engine):
    engine(hour(site, 0, 40.0))
    engine(hour(site, 1, 20.0))  # cleared
    engine(hour(site, 2, 41.0))  # two hours after its last occurrence: within 120 minutes
    [alarm] = alarms(EXC)
    assert alarm.is_active and alarm.occurrences == 2
    assert [e.action for e in alarm.entries.all()] == ["raised", "cleared", "reopened"]


def test_an_exceedance_back_after_two_clean_hours_is_a_new_alarm(site, engine):
    engine(hour(site, 0, 40.0))
    engine(hour(site, 1, 20.0))
    engine(hour(site, 2, 20.0))
    engine(hour(site, 3, 41.0))
    assert len(alarms(EXC)) == 2


def test_a_province_may_never_reopen_exceedances(site, engine):
    RuleValue.objects.create(
        jurisdiction="33",
        rule="monitoring.alarm_reopen_minutes",
        value={"default": 60, "exceedance": 0},
        effective_from=dt.date(2026, 1, 1),
        source="test",
    )
    engine(hour(site, 0, 40.0))
    engine(hour(site, 1, 20.0))
    engine(hour(site, 2, 41.0))
    assert len(alarms(EXC)) == 2


def test_four_hours_running_over_the_limit_is_critical(site, engine):
    for i in range(3):
        engine(hour(site, i, 40.0))
    [alarm] = alarms(EXC)
    assert alarm.severity == "major"
    engine(hour(site, 3, 40.0))  # the fourth hour: 240 minutes over
    alarm.refresh_from_db()
    assert alarm.severity == "critical"


def test_a_resent_hourly_value_moves_no_severity_run(site, engine):
    engine(hour(site, 0, 40.0))
    for _ in range(5):
        engine(hour(site, 0, 40.0))  # the same hour, resent
    [alarm] = alarms(EXC)
    assert (alarm.severity, alarm.occurrences) == ("major", 1)


def test_counted_data_times_are_kept_apart_from_the_evidence(site, engine):
    engine(hour(site, 0, 40.0))
    engine(hour(site, 1, 45.0))
    [alarm] = alarms(EXC)
    assert "times" not in alarm.evidence
    assert alarm.counted_times == [T0, T0 + 3600]
