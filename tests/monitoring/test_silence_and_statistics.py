"""Silence (offline, missing hours), derived hours and days, and the stream that feeds it all."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from qingshan.hj212 import encode_frame
from qingshan.monitoring.alarms import findings_apply
from qingshan.monitoring.checks import missing_findings, offline_findings
from qingshan.monitoring.choices import AlarmKind, PeriodKind
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.evaluation import Evaluator
from qingshan.monitoring.models import (
    Alarm,
    AnomalyDeclaration,
    DerivedValue,
    DeviceState,
    RawPacket,
    Reading,
    StatisticsDue,
)
from qingshan.monitoring.statistics import derive, due_mark, statistics_derive
from qingshan.monitoring.stream import StreamReading, stream_run

SO2, O2 = "a21026", "a19001"
CHINA = dt.timezone(dt.timedelta(hours=8))
T0 = int(dt.datetime(2026, 11, 2, 8, tzinfo=CHINA).timestamp())
VALIDITY = {"N": "valid", "D": "invalid", "M": "invalid", "T": "review"}


@pytest.fixture
def site(make_site):
    return make_site()


def apply(findings):
    return findings_apply(findings, contexts=Contexts())


def seen(site, at_seconds):
    DeviceState.objects.update_or_create(
        device=site["device"], defaults={"last_seen_at": at_seconds * 1000, "connected": True}
    )


def test_a_silent_device_raises_offline_once_and_clears_when_it_talks_again(site):
    now = int(time.time())
    seen(site, now - 40 * 60)  # 40 minutes ago; the default allows 30
    apply(offline_findings(now=now, contexts=Contexts()))
    apply(offline_findings(now=now + 30, contexts=Contexts()))  # checked again: no repeat
    [alarm] = Alarm.objects.filter(kind=AlarmKind.OFFLINE)
    assert alarm.occurrences == 1 and alarm.evidence["mn"] == site["device"].mn
    seen(site, now + 60)
    apply(offline_findings(now=now + 61, contexts=Contexts()))
    alarm.refresh_from_db()
    assert not alarm.is_active


def test_a_declared_maintenance_window_suppresses_the_offline_alarm(site):
    now = int(time.time())
    seen(site, now - 3 * 3600)
    AnomalyDeclaration.objects.create(
        point=site["point"],
        enterprise=site["enterprise"],
        kind="maintenance",
        starts_at=now - 4 * 3600,
        ends_at=now + 3600,
        reason="更换采样探头",
    )
    apply(offline_findings(now=now, contexts=Contexts()))
    assert not Alarm.objects.exists()
    # after the window the silence is an alarm again
    apply(offline_findings(now=now + 2 * 3600, contexts=Contexts()))
    assert Alarm.objects.filter(kind=AlarmKind.OFFLINE).count() == 1


def test_a_device_recently_seen_is_not_offline(site):
    now = int(time.time())
    seen(site, now - 60)
    apply(offline_findings(now=now, contexts=Contexts()))
    assert not Alarm.objects.exists()


def test_a_device_s_own_interval_overrides_the_jurisdiction_s_rule(site):
    """An hourly-only logger is silent for an hour by design; a chatty one is late sooner."""
    device, now = site["device"], int(time.time())
    seen(site, now - 40 * 60)  # 40 minutes ago; the rule allows 30
    device.offline_after_minutes = 90
    device.save()
    apply(offline_findings(now=now, contexts=Contexts()))
    assert not Alarm.objects.exists()
    apply(offline_findings(now=now + 51 * 60, contexts=Contexts()))  # 91 minutes of silence
    [alarm] = Alarm.objects.filter(kind=AlarmKind.OFFLINE)
    assert alarm.evidence["threshold_minutes"] == 90

    back = now + 52 * 60
    seen(site, back)
    apply(offline_findings(now=back + 10, contexts=Contexts()))
    alarm.refresh_from_db()
    assert not alarm.is_active
    device.offline_after_minutes = 5
    device.save()
    apply(offline_findings(now=back + 6 * 60, contexts=Contexts()))  # the rule would wait 30
    [alarm] = Alarm.objects.filter(kind=AlarmKind.OFFLINE, cleared_at__isnull=True)
    assert alarm.evidence["threshold_minutes"] == 5


def hourly_reading(site, t, v=10.0, factor=SO2):
    Reading.objects.create(
        point=site["point"],
        factor_code=factor,
        period=PeriodKind.HOUR,
        data_time=t,
        value=v,
        flag="N",
        received_at=t * 1000,
    )


def test_a_missing_hour_of_a_point_that_reports_hourly_raises_missing(site):
    now = T0 + 5 * 3600 + 30 * 60  # 13:30; grace 20 minutes: 12:00 should be here
    for h in range(1, 4):  # 09:00 .. 11:00 arrived
        hourly_reading(site, T0 + h * 3600)
    apply(missing_findings(now=now, contexts=Contexts()))
    [alarm] = Alarm.objects.filter(kind=AlarmKind.MISSING)
    assert alarm.evidence["hour"] == T0 + 4 * 3600
    hourly_reading(site, T0 + 5 * 3600)  # 13:00 arrives
    apply(missing_findings(now=now + 3600, contexts=Contexts()))
    alarm.refresh_from_db()
    assert not alarm.is_active


def test_a_point_that_never_sent_hourly_data_is_not_missing_it(site):
    apply(missing_findings(now=T0 + 5 * 3600, contexts=Contexts()))
    assert not Alarm.objects.exists()


def test_an_hour_is_derived_from_its_valid_minutes_only():
    rows = [(T0 + i * 60, 10.0 + i, None, "N") for i in range(50)]
    rows += [(T0 + (50 + i) * 60, 999.0, None, "D") for i in range(10)]
    [value] = derive(1, PeriodKind.HOUR, T0, {SO2: rows}, min_valid=45, validity=VALIDITY)
    assert value.value == pytest.approx(sum(10.0 + i for i in range(50)) / 50)
    assert (value.min, value.max) == (10.0, 59.0)
    assert (value.valid_count, value.total_count, value.is_valid) == (50, 60, True)


def test_an_hour_with_fewer_than_45_valid_minutes_is_invalid():
    rows = [(T0 + i * 60, 10.0, None, "N") for i in range(44)]
    rows += [(T0 + (44 + i) * 60, 10.0, None, "M") for i in range(16)]
    [value] = derive(1, PeriodKind.HOUR, T0, {SO2: rows}, min_valid=45, validity=VALIDITY)
    assert value.valid_count == 44 and not value.is_valid


def test_wastewater_concentrations_are_flow_weighted():
    cod = [(T0, 100.0, None, "N"), (T0 + 60, 10.0, None, "N")]
    flow = [(T0, 3.0, None, "N"), (T0 + 60, 1.0, None, "N")]
    values = derive(
        1, PeriodKind.HOUR, T0, {"w01018": cod, "w00000": flow}, min_valid=2, validity=VALIDITY
    )
    by_code = {v.factor_code: v for v in values}
    assert by_code["w01018"].value == pytest.approx((100 * 3 + 10 * 1) / 4)
    assert by_code["w00000"].value == pytest.approx(2.0)  # flow itself: the plain mean


def minute_readings(site, start, so2, count, flag="N"):
    Reading.objects.bulk_create(
        Reading(
            point=site["point"],
            factor_code=code,
            period=PeriodKind.MINUTE,
            data_time=start + i * 60,
            value=v,
            flag=flag,
            received_at=0,
        )
        for i in range(count)
        for code, v in ((SO2, so2), (O2, 6.0))
    )
    due_mark(
        [
            StreamReading(
                site["point"].pk,
                SO2,
                PeriodKind.MINUTE,
                start,
                so2,
                flag,
                None,
                0,
                site["device"].pk,
            )
        ]
    )


def test_a_derived_hour_over_the_limit_raises_an_exceedance(site):
    minute_readings(site, T0, 40.0, 60)
    contexts = Contexts()
    judged = statistics_derive(now=T0 + 2 * 3600, contexts=contexts)
    findings_apply(Evaluator(contexts).evaluate(judged), contexts=contexts)
    derived = DerivedValue.objects.get(factor_code=SO2, period=PeriodKind.HOUR)
    assert derived.value == 40.0 and derived.is_valid
    [alarm] = Alarm.objects.filter(kind=AlarmKind.EXCEEDANCE)
    assert alarm.worst_value == 40.0
    # the day is marked for its own derivation
    assert StatisticsDue.objects.filter(period=PeriodKind.DAY).exists()


def test_a_derived_hour_with_too_few_valid_minutes_raises_nothing(site):
    minute_readings(site, T0, 40.0, 30)
    contexts = Contexts()
    judged = statistics_derive(now=T0 + 2 * 3600, contexts=contexts)
    findings_apply(Evaluator(contexts).evaluate(judged), contexts=contexts)
    assert not DerivedValue.objects.get(factor_code=SO2).is_valid
    assert not Alarm.objects.exists()


def test_a_minute_landing_while_the_hour_is_derived_is_counted(site, monkeypatch):
    """The values are read before the storing transaction; one that lands in between (a
    late minute, the stream's consumer on another thread) makes the hour derived again."""
    from qingshan.monitoring import statistics

    minute_readings(site, T0, 40.0, 44)  # 44 valid minutes: one short of a valid hour
    first_read = statistics._finer_values

    def read_then_a_minute_lands(point, period, start):
        values = first_read(point, period, start)
        if not Reading.objects.filter(data_time=T0 + 44 * 60).exists():
            Reading.objects.create(
                point=site["point"],
                factor_code=SO2,
                period=PeriodKind.MINUTE,
                data_time=T0 + 44 * 60,
                value=40.0,
                flag="N",
                received_at=1,
            )
        return values

    monkeypatch.setattr(statistics, "_finer_values", read_then_a_minute_lands)
    statistics_derive(now=T0 + 2 * 3600, contexts=Contexts())
    derived = DerivedValue.objects.get(factor_code=SO2, period=PeriodKind.HOUR)
    assert (derived.valid_count, derived.is_valid) == (45, True)


def test_an_hour_is_not_derived_before_it_has_ended(site):
    minute_readings(site, T0, 40.0, 60)
    assert statistics_derive(now=T0 + 1800, contexts=Contexts()) == []
    assert not DerivedValue.objects.exists()


def test_the_loggers_own_hourly_value_is_judged_not_the_derived_one(site):
    minute_readings(site, T0, 40.0, 60)
    hourly_reading(site, T0, 20.0)  # the logger's hourly value of that hour
    contexts = Contexts()
    judged = statistics_derive(now=T0 + 2 * 3600, contexts=contexts)
    assert SO2 not in {r.factor_code for r in judged}


def packet(site, qn, t, so2, o2=6.0):
    when = dt.datetime.fromtimestamp(t, CHINA).strftime("%Y%m%d%H%M%S")
    segment = (
        f"QN={qn};ST=31;CN=2061;PW=123456;MN={site['device'].mn};Flag=5;"
        f"CP=&&DataTime={when};{SO2}-Avg={so2},{SO2}-Flag=N;{O2}-Avg={o2},{O2}-Flag=N&&"
    )
    return encode_frame(segment)


def raw_packet(site, qn, t, so2):
    RawPacket.objects.create(
        received_at=t * 1000 + 5,
        device=site["device"],
        peer="127.0.0.1:5000",
        st="31",
        cn="2061",
        qn=qn,
        flag=5,
        version="2017",
        data_time=t,
        raw=packet(site, qn, t, so2),
    )


def test_the_stream_judges_each_committed_packet_and_a_resend_raises_nothing_more(site):
    contexts = Contexts()
    evaluator = Evaluator(contexts)

    def handle(readings):
        findings_apply(evaluator.evaluate(readings), contexts=contexts)

    raw_packet(site, "20261102080000001", T0, 50.0)
    assert stream_run("test", handle, now_ms=T0 * 1000) == 1
    raw_packet(site, "20261102080000001", T0, 50.0)  # resent: kept as evidence
    assert stream_run("test", handle, now_ms=T0 * 1000) == 1
    assert stream_run("test", handle, now_ms=T0 * 1000) == 0  # nothing new
    [alarm] = Alarm.objects.all()
    assert (alarm.kind, alarm.occurrences, alarm.worst_value) == ("exceedance", 1, 50.0)


def test_a_stored_frame_reads_as_the_gateway_read_it():
    """The stream parses a stored frame's data segment directly (the gateway checked the
    frame); for every public sample the gateway would accept, the values are the same."""
    from qingshan.gateway.readings import reading_rows
    from qingshan.hj212 import Frame, decode_frame
    from qingshan.monitoring.stream import _packet_of
    from tests.hj212.helpers import load_samples

    compared = 0
    for sample in load_samples():
        event = decode_frame(sample.frame, lenient=True)
        if not isinstance(event, Frame):
            continue
        packet = _packet_of(sample.frame)
        assert packet is not None, sample.line_no

        def rows(p):
            return reading_rows(p, point_id=1, data_time=0, received_ms=0)

        assert rows(packet) == rows(event.packet), sample.line_no
        compared += 1
    assert compared > 20
