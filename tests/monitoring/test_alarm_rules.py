"""Crafted series through the alarm rules: each alarm fires when it should, and only then.

The site of ``make_site``: a boiler outlet measuring SO2 (a21026), NOx (a21002), dust
(a34013) and O2 (a19001), with an hourly SO2 limit of 35 mg/m³ at 6 % reference O2.
"""

from __future__ import annotations

import datetime as dt

import pytest

from qingshan.core.models import OutboxEvent
from qingshan.monitoring.alarms import findings_apply
from qingshan.monitoring.choices import AlarmKind, PeriodKind
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.evaluation import Evaluator
from qingshan.monitoring.models import Alarm, AnomalyDeclaration
from qingshan.monitoring.stream import StreamReading

SO2, O2, NOX, PH = "a21026", "a19001", "a21002", "w01001"
T0 = int(dt.datetime(2026, 11, 2, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp())
RTD, HOUR = PeriodKind.RTD, PeriodKind.HOUR


@pytest.fixture
def site(make_site):
    return make_site()


@pytest.fixture
def engine():
    contexts = Contexts()
    evaluator = Evaluator(contexts)

    def feed(readings):
        return findings_apply(evaluator.evaluate(readings), contexts=contexts)

    return feed


def value(site, factor, t, v, *, period=HOUR, flag="N", zs=None):
    return StreamReading(
        point_id=site["point"].pk,
        factor_code=factor,
        period=period,
        data_time=t,
        value=v,
        flag=flag,
        zs=zs,
        received_ms=t * 1000,
        device_id=site["device"].pk,
    )


def hour(site, i, so2, *, o2=6.0, flag="N", zs=None):
    t = T0 + i * 3600
    return [value(site, SO2, t, so2, flag=flag, zs=zs), value(site, O2, t, o2)]


def alarms(kind=None):
    qs = Alarm.objects.all()
    return list(qs.filter(kind=kind) if kind else qs)


def test_a_valid_hourly_value_over_the_limit_raises_an_exceedance_once_and_clears(site, engine):
    engine(hour(site, 0, 40.0))
    [alarm] = alarms(AlarmKind.EXCEEDANCE)
    assert (alarm.factor_code, alarm.occurrences, alarm.worst_value) == (SO2, 1, 40.0)
    assert alarm.limit_value == 35.0 and alarm.is_active
    engine(hour(site, 1, 52.0))
    engine(hour(site, 1, 52.0))  # the same packet again: a logger that missed the answer
    alarm.refresh_from_db()
    assert (alarm.occurrences, alarm.worst_value) == (2, 52.0)
    assert alarm.last_at.timestamp() == T0 + 3600
    assert len(alarms()) == 1
    engine(hour(site, 2, 20.0))
    alarm.refresh_from_db()
    assert not alarm.is_active
    assert [e.action for e in alarm.entries.all()] == ["raised", "cleared"]


def test_raising_records_a_domain_event_for_cases_to_react_to(site, engine):
    engine(hour(site, 0, 40.0))
    event = OutboxEvent.objects.get(topic="monitoring.alarm.raised")
    alarm = Alarm.objects.get()
    assert event.payload["alarm_id"] == alarm.pk
    assert event.payload["enterprise_id"] == site["enterprise"].pk
    assert event.payload["kind"] == "exceedance"


def test_invalid_flags_never_raise_an_exceedance(site, engine):
    for i, flag in enumerate(["D", "M", "C", "F", "B"]):
        engine(hour(site, i, 400.0, flag=flag))
    assert alarms(AlarmKind.EXCEEDANCE) == []


def test_a_review_flag_raises_an_exceedance_marked_for_review(site, engine):
    engine(hour(site, 0, 400.0, flag="T"))  # above the instrument's range
    [alarm] = alarms(AlarmKind.EXCEEDANCE)
    assert alarm.evidence["needs_review"] is True


def test_the_converted_value_is_judged_when_the_limit_has_a_reference_o2(site, engine):
    # 30 measured at 12 % O2 is 30 × (21 − 6) / (21 − 12) = 50 at the reference 6 %
    engine(hour(site, 0, 30.0, o2=12.0))
    [alarm] = alarms(AlarmKind.EXCEEDANCE)
    assert alarm.worst_value == pytest.approx(50.0)
    assert alarm.evidence["measured"] == 30.0 and alarm.evidence["o2"] == 12.0


def test_a_measured_value_over_the_limit_is_fine_when_converted_under_it(site, engine):
    # 40 measured at 3 % O2 is 40 × 15 / 18 = 33.3 at 6 %: under the limit of 35
    engine(hour(site, 0, 40.0, o2=3.0))
    assert alarms() == []


def test_the_loggers_own_converted_value_wins(site, engine):
    engine(hour(site, 0, 20.0, o2=6.0, zs=36.0))
    [alarm] = alarms(AlarmKind.EXCEEDANCE)
    assert alarm.worst_value == 36.0 and alarm.evidence["converted_sent"] is True


def test_without_o2_or_a_converted_value_nothing_can_be_judged(site, engine):
    engine([value(site, SO2, T0, 90.0)])
    assert alarms(AlarmKind.EXCEEDANCE) == []


def test_real_time_values_are_not_judged_against_an_hourly_limit(site, engine):
    engine([value(site, SO2, T0, 90.0, period=RTD), value(site, O2, T0, 6.0, period=RTD)])
    assert alarms(AlarmKind.EXCEEDANCE) == []


def rtd(site, i, so2, *, flag="N", o2=6.0):
    t = T0 + i * 30
    return [value(site, SO2, t, so2, period=RTD, flag=flag), value(site, O2, t, o2, period=RTD)]


def test_early_warning_after_five_minutes_of_real_time_values_over_80_percent(site, engine):
    for i, so2 in enumerate([29.0, 30.0, 10.0, 29.0, 30.0]):  # 0.8 × 35 = 28
        engine(rtd(site, i, so2))
    assert alarms(AlarmKind.EARLY_WARNING) == []  # the run broke at 10.0
    for i in range(5, 13):  # 30 s apart: 29.0 from 00:01:30 to 00:05:30 (4 minutes)
        engine(rtd(site, i, 29.0))
    assert alarms(AlarmKind.EARLY_WARNING) == []
    engine(rtd(site, 13, 31.0))  # 00:06:00 … the run began at 00:01:30 (i = 3)
    [alarm] = alarms(AlarmKind.EARLY_WARNING)
    assert alarm.first_at.timestamp() == T0 + 3 * 30 and alarm.occurrences == 11
    assert alarm.evidence["values"] == 11 and alarm.evidence["threshold"] == 28.0
    for i in range(14, 14 + 20):  # ten minutes under 0.9 × 28 = 25.2
        engine(rtd(site, i, 12.0))
    alarm.refresh_from_db()
    assert alarm.is_active  # 9.5 minutes so far
    engine(rtd(site, 34, 12.0))
    alarm.refresh_from_db()
    assert not alarm.is_active


def test_a_stuck_value_is_caught_after_the_configured_repeats_only(site, engine):
    for i in range(59):
        engine([value(site, NOX, T0 + i * 30, 12.5, period=RTD)])
    assert alarms(AlarmKind.STUCK) == []
    engine([value(site, NOX, T0 + 59 * 30, 12.5, period=RTD)])
    [alarm] = alarms(AlarmKind.STUCK)
    assert alarm.factor_code == NOX and alarm.evidence["repeats"] == 60
    engine([value(site, NOX, T0 + 60 * 30, 12.6, period=RTD)])
    alarm.refresh_from_db()
    assert not alarm.is_active


def test_resent_values_do_not_count_towards_a_run(site, engine):
    for _ in range(100):  # one value, resent a hundred times
        engine([value(site, NOX, T0, 12.5, period=RTD)])
    assert alarms(AlarmKind.STUCK) == []


def test_zero_values_of_a_limited_factor_raise_a_zero_alarm(site, engine):
    for i in range(20):
        engine(rtd(site, i, 0.0))
    [alarm] = alarms(AlarmKind.ZERO)
    assert alarm.factor_code == SO2


def test_a_long_run_of_fault_flags_raises_a_flag_run_alarm(site, engine):
    for i in range(0, 121, 10):  # D for 120 minutes, one value every 10 minutes
        engine([value(site, NOX, T0 + i * 60, 5.0, period=RTD, flag="D")])
    [alarm] = alarms(AlarmKind.FLAG_RUN)
    assert alarm.evidence["flag"] == "D" and alarm.evidence["minutes"] == 120
    engine([value(site, NOX, T0 + 130 * 60, 5.0, period=RTD)])
    alarm.refresh_from_db()
    assert not alarm.is_active


def declare(site, start, end, kind="maintenance", status="submitted"):
    return AnomalyDeclaration.objects.create(
        point=site["point"],
        enterprise=site["enterprise"],
        kind=kind,
        starts_at=start,
        ends_at=end,
        reason="年度检修",
        status=status,
    )


def test_a_declared_maintenance_suppresses_the_flag_run_alarm(site, engine):
    declare(site, T0, T0 + 4 * 3600)
    for i in range(0, 181, 10):
        engine([value(site, NOX, T0 + i * 60, 5.0, period=RTD, flag="M")])
    assert alarms() == []


def test_a_rejected_declaration_suppresses_nothing(site, engine):
    declare(site, T0, T0 + 4 * 3600, status="rejected")
    for i in range(0, 181, 10):
        engine([value(site, NOX, T0 + i * 60, 5.0, period=RTD, flag="M")])
    assert len(alarms(AlarmKind.FLAG_RUN)) == 1


def test_hourly_values_pinned_just_under_the_limit_are_suspicious(site, engine):
    for i in range(23):
        engine(hour(site, i, 34.0))  # 97 % of the limit, hour after hour
    assert alarms(AlarmKind.NEAR_LIMIT) == []
    engine(hour(site, 23, 33.5))
    [alarm] = alarms(AlarmKind.NEAR_LIMIT)
    assert alarm.evidence["window"] == 24 and alarm.evidence["share"] == 1.0
    assert alarms(AlarmKind.EXCEEDANCE) == []


def test_values_that_vary_below_the_limit_are_not_near_limit(site, engine):
    for i in range(48):
        engine(hour(site, i, 10.0 + (i % 5) * 5))
    assert alarms(AlarmKind.NEAR_LIMIT) == []


def test_ambient_oxygen_with_a_converted_concentration_is_a_contradiction(site, engine):
    engine(hour(site, 0, 5.0, o2=20.5))
    [alarm] = alarms(AlarmKind.CONTRADICTION)
    assert alarm.factor_code == O2 and alarm.evidence["o2"] == 20.5
    engine(hour(site, 1, 5.0, o2=8.0))
    alarm.refresh_from_db()
    assert not alarm.is_active


def test_zero_flow_with_a_concentration_is_a_contradiction(site, engine):
    t = T0
    engine([*hour(site, 0, 20.0), value(site, "a00000", t, 0.0)])
    [alarm] = alarms(AlarmKind.CONTRADICTION)
    assert alarm.factor_code == "a00000"
    assert alarm.evidence["concentrations"] == {SO2: 20.0}


def test_an_exceedance_of_twice_the_limit_is_critical(site, engine):
    engine(hour(site, 0, 36.0))
    alarm = Alarm.objects.get()
    assert alarm.severity == "major"
    engine(hour(site, 1, 80.0))
    alarm.refresh_from_db()
    assert alarm.severity == "critical"


def test_a_province_can_set_its_own_threshold(site, engine):
    from qingshan.core.models import RuleValue

    RuleValue.objects.create(
        jurisdiction="33",
        rule="monitoring.early_warning",
        value={"share": 0.5, "consecutive": 1},
        effective_from=dt.date(2026, 1, 1),
        source="test",
    )
    RuleValue.objects.create(
        jurisdiction="33",
        rule="monitoring.realtime_debounce",
        value={"raise_minutes": 0, "clear_minutes": 0, "clear_share": 1.0},
        effective_from=dt.date(2026, 1, 1),
        source="test",
    )
    engine(rtd(site, 0, 18.0))  # over 50 % of 35, at once
    assert len(alarms(AlarmKind.EARLY_WARNING)) == 1


def test_an_old_packet_resent_after_its_alarm_cleared_raises_no_new_alarm(site, engine):
    engine(hour(site, 0, 40.0))
    engine(hour(site, 1, 20.0))  # cleared
    engine(hour(site, 0, 40.0))  # the first packet once more
    [alarm] = alarms()
    assert not alarm.is_active and alarm.occurrences == 1


def test_an_old_packet_resent_while_a_later_alarm_is_open_counts_nothing(site, engine):
    engine(hour(site, 0, 40.0))
    engine(hour(site, 1, 20.0))  # cleared
    engine(hour(site, 2, 20.0))
    engine(hour(site, 3, 45.0))  # a new alarm (two clean hours: not reopened)
    engine(hour(site, 0, 40.0))  # hour 0 once more: it belongs to the first alarm
    first, second = sorted(alarms(), key=lambda a: a.pk)
    assert (first.occurrences, second.occurrences) == (1, 1)


def test_an_o2_marked_invalid_converts_nothing(site, engine):
    t = T0
    engine([value(site, SO2, t, 30.0), value(site, O2, t, 12.0, flag="D")])
    assert alarms() == []  # 30 at an O2 of 12 would be 50 converted: not judged on a faulty O2


@pytest.fixture
def ph_range(site):
    """pH 6–9 (GB 8978-1996 Table 4): a range limit, judged per hourly value."""
    from decimal import Decimal

    from qingshan.permits.models import PermitLimit

    return PermitLimit.objects.create(
        permit=site["permit"],
        outlet=site["outlet"],
        factor_code=PH,
        limit=Decimal(9),
        lower_limit=Decimal(6),
        unit="无量纲",
        basis="hourly",
    )


def ph(site, i, v, *, period=HOUR):
    step = 3600 if period == HOUR else 30
    return [value(site, PH, T0 + i * step, v, period=period)]


def test_a_ph_under_the_lower_limit_exceeds_and_its_worst_value_is_the_lowest(
    site, engine, ph_range
):
    engine(ph(site, 0, 7.2))
    assert alarms() == []
    engine(ph(site, 1, 5.4))
    [alarm] = alarms(AlarmKind.EXCEEDANCE)
    assert (alarm.factor_code, alarm.limit_value, alarm.worst_value) == (PH, 6.0, 5.4)
    assert alarm.evidence["side"] == "below" and alarm.evidence["lower_limit"] == 6.0
    engine(ph(site, 2, 4.8))
    engine(ph(site, 3, 5.9))
    alarm.refresh_from_db()
    assert (alarm.occurrences, alarm.worst_value) == (3, 4.8)
    engine(ph(site, 4, 6.0))  # the bound itself is inside the range
    alarm.refresh_from_db()
    assert not alarm.is_active


def test_a_ph_over_the_upper_limit_exceeds_too(site, engine, ph_range):
    engine(ph(site, 0, 9.6))
    [alarm] = alarms(AlarmKind.EXCEEDANCE)
    assert (alarm.limit_value, alarm.worst_value, alarm.evidence["side"]) == (9.0, 9.6, "above")


def test_a_range_limit_raises_no_early_warning_inside_the_range(site, engine, ph_range):
    # 8.5 is over 80 % of 9, a warning for a concentration, but a normal pH
    for i in range(6):
        engine(ph(site, i, 8.5, period=RTD))
    assert alarms() == []
