"""What the engine cannot judge is set aside, and the stream and the jobs move on (issue 15).

Packets are real HJ 212 frames stored as the gateway stores them; the stream job is the
worker's (``stream_dispatch``, with every registered consumer), unless a test needs a
consumer of its own.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import OperationalError
from django.db.models import Max

from qingshan.core.models import EventCursor, RuleValue
from qingshan.monitoring import jobs
from qingshan.monitoring.checks import offline_findings
from qingshan.monitoring.choices import AlarmKind, PeriodKind
from qingshan.monitoring.dead_letters import BAD_TIME, FAILED, NO_RULE
from qingshan.monitoring.models import (
    Alarm,
    DeadLetter,
    DerivedValue,
    DeviceState,
    RawPacket,
    Reading,
    StatisticsDue,
)
from qingshan.monitoring.statistics import statistics_derive
from qingshan.monitoring.stream import stream_dispatch, stream_run
from tests.conftest import SHANGYU
from tests.monitoring.conftest import china_text, hj212_frame, store_packet

SO2, O2 = "a21026", "a19001"
HOUR = 3600


def now_hour() -> int:
    return int(time.time()) // HOUR * HOUR - HOUR  # the last full hour: within the window


def hourly(site, t, so2, *, received_ms=None, qn="20261101000000001"):
    """An hourly packet of the site's logger with SO2 (limit 35 at 6 % O2) and O2 6 %."""
    frame = hj212_frame(
        site["device"].mn, china_text(t), {SO2: (so2, "N"), O2: ("6.0", "N")}, qn=qn
    )
    return store_packet(site["device"], frame, received_ms=received_ms or (t + 60) * 1000)


def exceedances(site):
    return Alarm.objects.filter(point=site["point"], kind=AlarmKind.EXCEEDANCE)


def cursor(name="monitoring.alarms"):
    return EventCursor.objects.get(consumer=f"stream:{name}").last_id


@pytest.fixture
def sites(make_site):
    return make_site(), make_site(SHANGYU)


# --- the stream ---------------------------------------------------------------------------


def test_a_packet_a_consumer_fails_on_is_set_aside_and_the_others_are_delivered(sites):
    a, _ = sites
    t = now_hour()
    packets = [hourly(a, t - i * HOUR, "20.0") for i in range(5)]
    poison = hourly(a, t - 5 * HOUR, "666")
    packets += [poison] + [hourly(a, t - (6 + i) * HOUR, "21.0") for i in range(4)]
    delivered: list[float] = []

    def handle(readings):
        if any(r.value == 666.0 for r in readings):
            raise KeyError("no such factor")  # a defect that only this packet reaches
        delivered.extend(r.value for r in readings if r.factor_code == SO2)

    assert stream_run("test", handle, now_ms=int(time.time() * 1000)) == 10
    assert sorted(delivered) == [20.0] * 5 + [21.0] * 4
    [letter] = DeadLetter.objects.all()
    assert (letter.consumer, letter.raw_packet_id, letter.device_id) == (
        "test",
        poison.pk,
        a["device"].pk,
    )
    assert (letter.point_id, letter.period, letter.reason) == (
        a["point"].pk,
        PeriodKind.HOUR,
        FAILED,
    )
    assert letter.data_time == t - 5 * HOUR
    assert "KeyError" in letter.detail and letter.resolved_at is None
    assert cursor("test") == packets[-1].pk  # past every packet
    assert stream_run("test", handle, now_ms=int(time.time() * 1000)) == 0


def test_a_failing_database_is_retried_next_run_not_set_aside(sites):
    a, _ = sites
    t = now_hour()
    packets = [hourly(a, t - i * HOUR, "20.0") for i in range(3)]
    calls = {"n": 0}

    def handle(readings):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("database is locked")

    with pytest.raises(OperationalError):
        stream_run("test", handle, now_ms=int(time.time() * 1000))
    assert not DeadLetter.objects.exists()
    assert cursor("test") == 0
    assert stream_run("test", handle, now_ms=int(time.time() * 1000)) == 3
    assert cursor("test") == packets[-1].pk and not DeadLetter.objects.exists()


def test_a_rolled_back_attempt_leaves_the_alarm_rules_no_state_ahead_of_the_database(
    sites, monkeypatch
):
    """The value that clears an exceedance is judged (the alarm cleared in memory), then
    the move of the cursor fails and all is rolled back: judged again, it clears it."""
    from qingshan.monitoring import stream

    a, _ = sites
    t = now_hour()
    hourly(a, t - 2 * HOUR, "50.0")
    stream_dispatch()
    [alarm] = exceedances(a)
    hourly(a, t - HOUR, "10.0")  # under the limit: clears
    real = stream._move
    failures = {"n": 0}

    def fails_once(name, last_id):
        if name == "monitoring.alarms" and not failures["n"]:
            failures["n"] += 1
            raise OperationalError("database is locked")
        real(name, last_id)

    monkeypatch.setattr(stream, "_move", fails_once)
    stream_dispatch()  # judged and cleared, then rolled back: retried next run
    alarm.refresh_from_db()
    assert alarm.is_active and failures["n"] == 1
    stream_dispatch()
    alarm.refresh_from_db()
    assert not alarm.is_active and not DeadLetter.objects.exists()


def test_a_broken_rule_of_one_region_stalls_no_other_region(sites):
    """Keqiao's flag table was entered wrong (a list): its packet cannot be judged; the
    Shangyu logger's exceedance that follows is an alarm all the same."""
    a, b = sites
    RuleValue.objects.create(
        jurisdiction="330603",
        rule="monitoring.flag_validity",
        value=["N", "valid"],
        effective_from=dt.date(2020, 1, 1),
        source="录入错误",
    )
    t = now_hour()
    bad = hourly(a, t, "20.0")
    last = hourly(b, t, "99.0")
    stream_dispatch()
    assert exceedances(b).count() == 1
    [letter] = DeadLetter.objects.all()
    assert (letter.consumer, letter.raw_packet_id, letter.reason) == (
        "monitoring.alarms",
        bad.pk,
        FAILED,
    )
    assert cursor() == last.pk
    assert cursor("monitoring.statistics") == last.pk  # the others took it as it was


def test_a_packet_judged_against_no_rule_in_force_is_set_aside_with_that_reason(sites):
    """Before the window existed a logger whose clock reset to 2000-01-01 stalled the
    platform: no rule was in force on that date. The date is set aside as the reason."""
    a, b = sites
    t = int(dt.datetime(2000, 1, 1, 8, tzinfo=dt.UTC).timestamp())
    RuleValue.objects.filter(rule="monitoring.data_time_window").delete()  # no window at all
    old = hourly(a, t, "20.0", received_ms=int(time.time() * 1000))
    last = hourly(b, now_hour(), "99.0")
    stream_dispatch()
    assert exceedances(b).count() == 1
    letter = DeadLetter.objects.get()
    assert (letter.raw_packet_id, letter.reason) == (old.pk, NO_RULE)
    assert "flag_validity" in letter.detail
    assert cursor() == last.pk


# --- the window ----------------------------------------------------------------------------


def test_packets_outside_the_window_reach_no_consumer_and_clear_nothing(sites):
    a, _ = sites
    t = now_hour()
    now_ms = int(time.time() * 1000)
    hourly(a, t - HOUR, "50.0")
    stream_dispatch()
    [alarm] = exceedances(a)
    reset = hj212_frame(a["device"].mn, "20000101000000", {SO2: ("80.0", "N"), O2: ("6", "N")})
    ahead = hj212_frame(a["device"].mn, "20990101000000", {SO2: ("1.0", "N"), O2: ("6", "N")})
    minutes = hj212_frame(a["device"].mn, "00010101000000", {SO2: ("1", "N")}, cn="2051")
    for frame in (reset, ahead, minutes):
        store_packet(a["device"], frame, received_ms=now_ms)
    seen: list = []
    stream_run("everything", seen.extend, now_ms=now_ms)
    assert [r.value for r in seen if r.factor_code == SO2] == [50.0]  # only the first
    stream_dispatch()
    alarm.refresh_from_db()
    assert alarm.is_active and alarm.occurrences == 1  # 2099 cleared nothing, 2000 counted nothing
    assert not StatisticsDue.objects.filter(data_time__lt=t - 31 * 86400).exists()
    assert not DeadLetter.objects.exists()
    assert cursor() == RawPacket.objects.aggregate(last=Max("pk"))["last"]


def test_a_packet_the_gateway_marked_outside_the_window_is_not_judged_from_its_frame(sites):
    a, _ = sites
    t = now_hour()
    packet = hourly(a, t, "99.0")
    RawPacket.objects.filter(pk=packet.pk).update(time_status=1)  # the gateway's verdict
    stream_dispatch()
    assert not Alarm.objects.exists() and cursor() == packet.pk


def test_the_window_is_the_rule_of_the_points_region(sites):
    """Shangyu accepts a logger's backlog of two months; Keqiao keeps the national month."""
    a, b = sites
    RuleValue.objects.create(
        jurisdiction=SHANGYU,
        rule="monitoring.data_time_window",
        value={"ahead_minutes": 10, "behind_days": 62},
        effective_from=dt.date(2020, 1, 1),
        source="测试",
    )
    t = now_hour() - 45 * 86400
    now_ms = int(time.time() * 1000)
    hourly(a, t, "99.0", received_ms=now_ms)
    hourly(b, t, "99.0", received_ms=now_ms)
    stream_dispatch()
    assert not exceedances(a).exists()
    assert exceedances(b).count() == 1


# --- statistics ----------------------------------------------------------------------------


def minutes(site, start, so2, count=60):
    Reading.objects.bulk_create(
        Reading(
            point=site["point"],
            factor_code=code,
            period=PeriodKind.MINUTE,
            data_time=start + i * 60,
            value=v,
            flag="N",
            received_at=(start + i * 60 + 30) * 1000,
        )
        for i in range(count)
        for code, v in ((SO2, so2), (O2, 6.0))
    )
    StatisticsDue.objects.create(point_id=site["point"].pk, period=PeriodKind.HOUR, data_time=start)


def test_a_year_one_hour_is_set_aside_and_every_other_hour_derived(sites, caplog):
    a, b = sites
    year_one = -62135625600  # 0001-01-01 00:00 China time: before any datetime in UTC
    minutes(a, year_one, 40.0)
    hour = now_hour() - 3 * HOUR
    minutes(b, hour, 40.0)
    jobs.statistics_job()
    # the hour only: after midnight (China time) its day is complete and is derived too
    derived = DerivedValue.objects.get(
        point_id=b["point"].pk, factor_code=SO2, period=PeriodKind.HOUR
    )
    assert derived.value == 40.0 and derived.is_valid
    assert exceedances(b).count() == 1  # the derived hour was judged
    letter = DeadLetter.objects.get()
    assert (letter.consumer, letter.point_id, letter.period) == (
        "statistics",
        a["point"].pk,
        PeriodKind.HOUR,
    )
    assert letter.reason in (NO_RULE, BAD_TIME)
    assert not StatisticsDue.objects.filter(point_id=a["point"].pk).exists()  # mark removed
    caplog.clear()
    jobs.statistics_job()  # nothing left to fail on: no traceback storm
    assert DeadLetter.objects.count() == 1
    assert not [r for r in caplog.records if r.exc_info]


def test_statistics_derive_reads_a_year_one_mark_without_failing_the_rest(sites):
    a, b = sites
    StatisticsDue.objects.create(
        point_id=a["point"].pk, period=PeriodKind.DAY, data_time=-62135625600
    )
    hour = now_hour() - 3 * HOUR
    minutes(b, hour, 10.0)
    judged = statistics_derive(now=int(time.time()), contexts=jobs.contexts)
    assert {r.point_id for r in judged} == {b["point"].pk}
    assert DeadLetter.objects.get().period == PeriodKind.DAY


# --- silence ---------------------------------------------------------------------------------


def test_a_point_whose_offline_rule_is_broken_is_set_aside_once_and_the_others_checked(sites):
    a, b = sites
    RuleValue.objects.create(
        jurisdiction="330603",
        rule="monitoring.offline_after_minutes",
        value={"minutes": 30},  # not a number
        effective_from=dt.date(2020, 1, 1),
        source="录入错误",
    )
    long_ago = (int(time.time()) - 3 * HOUR) * 1000
    for site in sites:
        DeviceState.objects.create(device=site["device"], last_seen_at=long_ago)
    jobs.silence_job()
    jobs.silence_job()  # every 30 seconds: one entry, not one a run
    assert Alarm.objects.filter(point=b["point"], kind=AlarmKind.OFFLINE).count() == 1
    assert not Alarm.objects.filter(point=a["point"]).exists()
    letter = DeadLetter.objects.get()
    assert (letter.consumer, letter.point_id) == ("silence", a["point"].pk)
    with pytest.raises(TypeError):  # a caller checking without failures gets the error
        offline_findings(now=int(time.time()), contexts=jobs.contexts)


def test_a_finding_for_a_point_retired_since_it_was_judged_raises_nothing(sites):
    from qingshan.monitoring.alarms import findings_apply
    from qingshan.monitoring.evaluation import Finding

    _, b = sites
    t = now_hour()
    gone = Finding(True, 10**9, SO2, AlarmKind.EXCEEDANCE, t, PeriodKind.HOUR, 99.0, 35.0)
    kept = Finding(True, b["point"].pk, SO2, AlarmKind.EXCEEDANCE, t, PeriodKind.HOUR, 99.0, 35.0)
    assert findings_apply([gone, kept], contexts=jobs.contexts)["raised"] == 1
    assert exceedances(b).count() == 1


def test_a_window_rule_entered_wrong_judges_as_before_rather_than_stall(sites, caplog):
    a, _ = sites
    RuleValue.objects.create(
        jurisdiction="330603",
        rule="monitoring.data_time_window",
        value={"ahead": 10},  # the names are wrong
        effective_from=dt.date(2020, 1, 1),
        source="录入错误",
    )
    packet = hourly(a, now_hour(), "99.0")
    stream_dispatch()
    assert exceedances(a).count() == 1 and cursor() == packet.pk
    assert "event=bad-rule" in caplog.text
