"""Retention (rule ``monitoring.retention``): what a jurisdiction says is past keeping goes,
in bounded batches, with one audit row per run; hourly and daily values never go."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from qingshan.core.audit import audit_context
from qingshan.core.models import AuditLog, EventCursor, RuleValue
from qingshan.core.worker import JOBS
from qingshan.monitoring import retention
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import DeadLetter, RawPacket, Reading
from qingshan.monitoring.retention import retention_apply

DAY = 86400
NOW = int(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC).timestamp())
KEEP = {"realtime_days": 2, "minute_days": 8, "raw_packet_days": 2}
RTD, MINUTE, HOUR, DAILY = PeriodKind.RTD, PeriodKind.MINUTE, PeriodKind.HOUR, PeriodKind.DAY


def _readings(point: Any, period: int, times: list[int], factors: tuple[str, ...] = ("a21026",)):
    Reading.objects.bulk_create(
        Reading(point=point, factor_code=code, period=period, data_time=t, value=1.0,
                flag="N", received_at=t * 1000)
        for t in times
        for code in factors
    )  # fmt: skip


def _times(point: Any, period: int) -> list[int]:
    rows = Reading.objects.filter(point=point, period=period).values_list("data_time", flat=True)
    return sorted({int(t.timestamp()) for t in rows})


def _packet(device: Any, received: int, dated: bool = True) -> RawPacket:
    return RawPacket.objects.create(
        received_at=received * 1000,
        data_time=received - 30 if dated else None,
        device=device,
        peer="127.0.0.1:1",
        raw=b"##0000",
    )


def _rule(jurisdiction: str, value: dict[str, Any]) -> RuleValue:
    return RuleValue.objects.create(
        rule="monitoring.retention",
        jurisdiction=jurisdiction,
        value=value,
        effective_from=dt.date(2026, 1, 1),
        source="test",
    )


@pytest.fixture
def sites(users: dict[str, Any]) -> dict[str, Any]:
    """Keqiao (330603) keeps 2/8/2 days; Shangyu (330604) has the national rule: all."""
    rule = _rule("330603", KEEP)
    for site in (users["keqiao"], users["shangyu"]):
        point = site["point"]
        _readings(point, RTD, [NOW - 3 * DAY, NOW - 3 * DAY + 30, NOW - DAY])
        _readings(point, MINUTE, [NOW - 9 * DAY, NOW - 7 * DAY])
        _readings(point, HOUR, [NOW - 400 * DAY, NOW - DAY])
        _readings(point, DAILY, [NOW - 400 * DAY])
    return {"keqiao": users["keqiao"], "shangyu": users["shangyu"], "rule": rule}


def test_readings_past_the_jurisdictions_days_go_hourly_and_daily_stay(sites: dict) -> None:
    keqiao, shangyu = sites["keqiao"]["point"], sites["shangyu"]["point"]
    done = retention_apply(now=NOW)
    assert done == {"realtime_days": 2, "minute_days": 1}
    assert _times(keqiao, RTD) == [NOW - DAY]
    assert _times(keqiao, MINUTE) == [NOW - 7 * DAY]
    assert _times(keqiao, HOUR) == [NOW - 400 * DAY, NOW - DAY]  # never pruned
    assert _times(keqiao, DAILY) == [NOW - 400 * DAY]
    # the other county keeps everything: the national default is None
    assert len(_times(shangyu, RTD)) == 3 and len(_times(shangyu, MINUTE)) == 2


def test_a_county_rule_reaches_only_that_county_and_a_city_rule_both(sites: dict) -> None:
    _rule("3306", {"realtime_days": 1, "minute_days": None, "raw_packet_days": None})
    done = retention_apply(now=NOW)
    assert done["realtime_days"] == 4
    # Keqiao's own (county) rule is the more specific: 2 days, not the city's 1
    assert _times(sites["keqiao"]["point"], RTD) == [NOW - DAY]
    assert _times(sites["shangyu"]["point"], RTD) == [NOW - DAY]  # the city's 1 day
    assert len(_times(sites["shangyu"]["point"], MINUTE)) == 2


def test_raw_packets_go_unless_unread_or_held_by_a_dead_letter(sites: dict) -> None:
    device = sites["keqiao"]["device"]
    old = [_packet(device, NOW - 3 * DAY + i) for i in range(4)]
    recent = _packet(device, NOW - DAY)
    other = _packet(sites["shangyu"]["device"], NOW - 3 * DAY)
    undated = _packet(device, NOW - 3 * DAY, dated=False)  # a command, a log: kept
    DeadLetter.objects.create(consumer="monitoring.alarms", raw_packet_id=old[1].pk, reason="x")
    # one consumer has read up to old[2]: old[3] and later are not read yet
    EventCursor.objects.create(consumer="stream:monitoring.alarms", last_id=old[2].pk)
    EventCursor.objects.create(consumer="stream:monitoring.statistics", last_id=undated.pk)
    done = retention_apply(now=NOW)
    left = set(RawPacket.objects.values_list("pk", flat=True))
    assert left == {old[1].pk, old[3].pk, recent.pk, other.pk, undated.pk}
    assert done["raw_packet_days"] == 2


def test_no_stream_cursor_deletes_no_packet(sites: dict) -> None:
    _packet(sites["keqiao"]["device"], NOW - 3 * DAY)
    retention_apply(now=NOW)
    assert RawPacket.objects.count() == 1  # nothing is known to have been read


def test_a_run_deletes_in_bounded_batches_and_the_next_goes_on(
    sites: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    point = sites["keqiao"]["point"]
    _readings(point, RTD, [NOW - 5 * DAY + 30 * i for i in range(40)], ("a21026", "a21002"))
    monkeypatch.setattr(retention, "BATCH", 7)
    before = Reading.objects.filter(point=point, period=RTD).count()  # 84 with 2 to keep
    assert retention_apply(now=NOW, limit=50) == {"realtime_days": 50}
    assert Reading.objects.filter(point=point, period=RTD).count() == before - 50
    done = retention_apply(now=NOW, limit=50)
    assert done["realtime_days"] == before - 50 - 1
    assert _times(point, RTD) == [NOW - DAY]


def test_one_audit_row_per_run_on_the_rule_that_deleted(sites: dict) -> None:
    audits = AuditLog.objects.filter(object_type="core.rulevalue", action="delete")
    with audit_context(user=None, via="worker", actor_name="monitoring.retention"):
        retention_apply(now=NOW)
        retention_apply(now=NOW)  # nothing left: no row
    row = audits.get()
    assert row.object_id == str(sites["rule"].pk) and row.via == "worker"
    assert row.changes["realtime"][0]["deleted"] == 2
    assert row.changes["minute"][0]["deleted"] == 1
    assert row.changes["realtime"][0]["before"].startswith("2026-11-29T12:00")


def test_the_national_default_keeps_everything(users: dict[str, Any]) -> None:
    point = users["keqiao"]["point"]
    _readings(point, RTD, [NOW - 3000 * DAY])
    assert retention_apply(now=NOW) == {}
    assert _times(point, RTD) == [NOW - 3000 * DAY]
    assert not AuditLog.objects.filter(object_type="core.rulevalue", action="delete").exists()


def test_the_worker_runs_it() -> None:
    assert any(job.name == "monitoring.retention" for job in JOBS)


def test_quality_stations_keep_their_data(users: dict[str, Any]) -> None:
    """A surface-water station's samples are real-time readings: the city's rule for
    pollution sources does not reach them."""
    from decimal import Decimal

    from qingshan.quality.models import WaterSection
    from qingshan.registry.models import MonitoringPoint

    _rule("3306", KEEP)
    station = MonitoringPoint.objects.create(outlet=None, name="断面", factors=["w01009"])
    WaterSection.objects.create(
        code="3306W99", name="测试断面", water_body_name="曹娥江", water_body="river",
        target_class=3, region_code="330604", level="city", point=station,
        longitude=Decimal("120.8"), latitude=Decimal("30.1"),
    )  # fmt: skip
    _readings(station, RTD, [NOW - 30 * DAY])
    retention_apply(now=NOW)
    assert _times(station, RTD) == [NOW - 30 * DAY]
