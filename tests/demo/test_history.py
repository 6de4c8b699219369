"""The demo city's monitoring history: the simulator's signals over 90 days, spells and
declarations that agree with each other and with the alarms on record, loaded partly with
the city and partly by the worker, and never judged by the alarm engine."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from qingshan.core.chinatime import china_day_start_of_epoch as day_start
from qingshan.core.models import AuditLog, RuleValue
from qingshan.demo import history
from qingshan.demo.geography import CITY
from qingshan.demo.history import RETENTION, history_job, history_load
from qingshan.demo.history_values import (
    DAILY,
    DAY,
    HOUR,
    HOURLY,
    AlarmFact,
    FactorLimit,
    PointSpec,
    Spell,
    Window,
    forced_spells,
    judged,
    point_day,
    point_hours,
    simulator_signals,
)
from qingshan.demo.models import DemoLoad
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import Alarm, AnomalyDeclaration, RawPacket, Reading, StatisticsDue
from qingshan.simulator import DeviceSpec, Faults, synthetic_devices

CHINA = dt.timezone(dt.timedelta(hours=8))
# 2026-11-20 10:25 China time: the load's clock in the tests that fix it
NOW = int(dt.datetime(2026, 11, 20, 10, 25, tzinfo=CHINA).timestamp())
GAS = ("a34013", "a21026", "a21002", "a19001", "a01012", "a01011", "a00000")


# ── the values, without a database ──────────────────────────────────────────────


def test_the_history_has_the_live_simulators_signals(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each device's site scale and peak hour are those ``qingshan simulate --seed``
    gives it, so the live values carry on where the history stops."""
    from qingshan.simulator import logger as logger_module
    from qingshan.simulator import simulation
    from tests.simulator.helpers import simulate

    made: list[Any] = []

    class Recorded(logger_module.Logger):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(simulation, "Logger", Recorded)
    devices = [*synthetic_devices(4), DeviceSpec("QSAQ0001", "pw", ("a34004", "a05024"))]
    # the demo's faults: exceedances and stuck loggers draw from the same streams
    simulate(devices=devices, faults=Faults(exceed=0.01, stuck=0.5), rate=200, count=5, seed=11)
    ours = simulator_signals(devices, 11)
    assert [lg.signals._scale for lg in made] == [s._scale for s, _ in ours]
    assert [lg.signals._peak for lg in made] == [s._peak for s, _ in ours]


def _point(seed: int = 1, limits: dict[int, FactorLimit] | None = None) -> PointSpec:
    spec = DeviceSpec("QS0000000000000000000001", "pw", GAS, point_id=7)
    point = PointSpec.of(
        spec, simulator_signals([spec], seed)[0], enterprise_id=1, region_code="330603"
    )
    point.limits = limits if limits is not None else {1: FactorLimit(50.0, 9.0)}  # SO2
    return point


def _window(now: int = NOW) -> Window:
    end = now - now % HOUR
    today = day_start(end)
    return Window(
        start=today - 90 * DAY,
        end=end,
        minutes_start=today - 7 * DAY,
        minutes_end=now - now % 600,
        quiet=end - 3 * HOUR,
    )


def _by(rows: list[tuple[Any, ...]], code: str) -> dict[int, tuple[Any, ...]]:
    return {r[3]: r for r in rows if r[1] == code}


def test_a_day_is_the_same_whichever_day_comes_first_and_differs_by_seed() -> None:
    window = _window()
    day = day_start(window.end) - 5 * DAY
    point = _point()
    first = point_day(point, [], day, window, 1, minutes=False)
    point_day(point, [], day - DAY, window, 1, minutes=True)  # other draws in between
    assert point_day(_point(), [], day, window, 1, minutes=False) == first
    assert point_day(point, [], day, window, 1, minutes=False) == first
    assert point_day(point, [], day, window, 2, minutes=False).hours != first.hours
    assert len(first.hours) == 24 * len(GAS) and len(first.days) == len(GAS)
    assert {r[2] for r in first.hours} == {HOURLY} and first.days[0][2] == DAILY


def test_minutes_average_to_their_hour_and_the_day_to_its_hours() -> None:
    window = _window()
    day = day_start(window.end) - DAY
    point = _point()
    hours = point_day(point, [], day, window, 1, minutes=False)
    minutes = point_day(point, [], day, window, 1, minutes=True).minutes
    so2 = _by(hours.hours, "a21026")
    for h, row in so2.items():
        parts = [r for t, r in _by(minutes, "a21026").items() if h <= t < h + HOUR]
        assert len(parts) == 6
        mean = sum(r[4] for r in parts) / 6
        assert mean == pytest.approx(row[4], abs=0.002)  # each rounded to 3 decimals
        assert min(r[5] for r in parts) >= row[5] - 0.001
        assert max(r[6] for r in parts) <= row[6] + 0.001
    day_row = _by(hours.days, "a21026")[day]
    assert day_row[4] == pytest.approx(sum(r[4] for r in so2.values()) / 24, abs=0.002)
    # the daily cycle: the afternoon above the night
    night, noon = (so2[day + h * HOUR][4] for h in (3, 13))
    assert noon > night


def test_minutes_stop_at_the_ten_minutes_the_load_began_in_and_hours_at_its_hour() -> None:
    window = _window()
    today = point_day(_point(), [], day_start(window.end), window, 1, minutes=False)
    minutes = point_day(_point(), [], day_start(window.end), window, 1, minutes=True)
    assert max(r[3] for r in today.hours) == window.end - HOUR
    assert max(r[3] for r in minutes.minutes) == window.minutes_end - 600
    assert today.days == []  # the day is not over


def test_spells_show_in_the_data() -> None:
    window = _window()
    day = day_start(window.end) - 3 * DAY
    at = [day + h * HOUR for h in range(24)]
    spells = [
        Spell("offline", at[1], at[3]),
        Spell("maintenance", at[4], at[6], declared="maintenance"),
        Spell("shutdown", at[7], at[9], declared="shutdown"),
        Spell("fault", at[10], at[11], factor=2, declared="fault"),
        Spell("exceed", at[12], at[14], factor=1, target=80.0),
        Spell("stuck", at[15], at[20], factor=0, target=4.321),
        Spell("zero", at[20], at[22], factor=2),
        Spell("maintenance", at[22], at[23], declared="maintenance", rejected=True),
    ]
    point = _point()
    rows = point_day(point, spells, day, window, 1, minutes=False).hours
    flags = {(r[3], r[1]): r[9] for r in rows}
    values = {(r[3], r[1]): r[4] for r in rows}
    assert not any(t in (at[1], at[2]) for t, _ in flags)  # offline: nothing at all
    assert all(flags[(at[4], c)] == "M" for c in GAS)
    assert all(flags[(at[7], c)] == "F" for c in GAS) and values[(at[7], "a19001")] == 20.6
    assert flags[(at[10], "a21002")] == "D" and flags[(at[10], "a21026")] == "N"
    assert {values[(t, "a34013")] for t in at[15:20]} == {4.321}
    assert {values[(t, "a21002")] for t in at[20:22]} == {0.0}
    assert all(flags[(at[22], c)] == "N" for c in GAS)  # the data contradict the claim
    hours = point_hours(point, spells, day, window, 1)
    exceeding = [h for h in hours if h.t in (at[12], at[13])]
    assert [judged(point, h, 1) for h in exceeding] == pytest.approx([80.0, 80.0])


def test_the_alarms_on_record_are_what_the_data_show() -> None:
    """The demo enterprise's story: COD over its daily limit two days running, ammonia
    stuck for eleven hours; the history agrees, whatever its random spells."""
    window = _window()
    today = day_start(window.end)
    water = ("w01018", "w21003", "w21011", "w21001", "w01001", "w00000")
    spec = DeviceSpec("QS0000000000000000000002", "pw", water, point_id=8)
    point = PointSpec.of(spec, simulator_signals([spec], 1)[0], enterprise_id=1, region_code="")
    point.limits = {0: FactorLimit(100.0)}
    facts = [
        AlarmFact("w01018", "exceedance", DAILY, today - 2 * DAY, today - DAY, 2, 131.0, 100.0, 6),
        AlarmFact("w21003", "stuck", HOURLY, today - DAY + 7 * HOUR, today - DAY + 12 * HOUR,
                  6, 3.27, None, 6),
    ]  # fmt: skip
    spells = forced_spells(point, facts)
    days = {
        d: _by(point_day(point, spells, d, window, 1, minutes=False).days, "w01018")[d][4]
        for d in (today - 2 * DAY, today - DAY)
    }
    assert days[today - DAY] == pytest.approx(131.0, abs=0.01)
    assert 100.0 < days[today - 2 * DAY] < 131.0
    hours = _by(point_day(point, spells, today - DAY, window, 1, minutes=False).hours, "w21003")
    stuck = [hours[today - DAY + h * HOUR][4] for h in range(2, 13)]
    assert stuck == [3.27] * 11 and hours[today - DAY + 13 * HOUR][4] != 3.27
    minutes = point_day(point, spells, today - DAY, window, 1, minutes=True).minutes
    assert {r[4] for r in minutes if r[1] == "w21003" and r[3] // HOUR * HOUR in
            range(today - DAY + 2 * HOUR, today - DAY + 13 * HOUR)} == {3.27}  # fmt: skip


# ── the load, with a database ───────────────────────────────────────────────


@pytest.fixture
def demo_site(users: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Two sites of the test registry as a demo city's points, in a device file."""
    monkeypatch.setattr(history, "_contexts", {})
    monkeypatch.setattr(history, "_idle_until", 0.0)
    DemoLoad.objects.create(city_code=CITY.code, seed=1, plan_date=dt.date.today(), counts={})
    path = tmp_path / "demo_devices.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["mn", "password", "point_id", "enterprise", "factors"])
        for site in (users["keqiao"], users["shangyu"]):
            point = site["point"]
            writer.writerow([site["device"].mn, "123456", point.pk, "e", " ".join(point.factors)])
    return {**users, "csv": path}


def _periods(point: Any) -> dict[int, tuple[int, int, int]]:
    rows = Reading.objects.filter(point=point).values_list("period", "data_time")
    out: dict[int, list[int]] = {}
    for period, t in rows:
        out.setdefault(period, []).append(int(t.timestamp()))
    return {p: (min(ts), max(ts), len(ts)) for p, ts in out.items()}


def _complete(demo_site: dict, now: int | None = None) -> None:
    history_load(seed=1, devices_csv=demo_site["csv"], now=now, units=10_000)


def test_the_load_writes_90_days_of_hours_and_days_7_of_minutes(demo_site: dict) -> None:
    _complete(demo_site, NOW)
    point = demo_site["keqiao"]["point"]
    periods = _periods(point)
    end, today = NOW - NOW % HOUR, day_start(NOW)
    assert set(periods) == {PeriodKind.MINUTE, PeriodKind.HOUR, PeriodKind.DAY}  # no RTD
    first, last, _ = periods[PeriodKind.HOUR]
    assert first == today - 90 * DAY and last == end - HOUR
    assert periods[PeriodKind.DAY][:2] == (today - 90 * DAY, today - DAY)
    first, last, _ = periods[PeriodKind.MINUTE]
    assert first == today - 7 * DAY and last == NOW - NOW % 600 - 600
    assert not RawPacket.objects.exists() and not StatisticsDue.objects.exists()


def test_declarations_agree_with_the_data(demo_site: dict) -> None:
    _complete(demo_site, NOW)
    declared = AnomalyDeclaration.objects.all()
    assert declared.exists()
    for d in declared:
        start, stop = int(d.starts_at.timestamp()), int(d.ends_at.timestamp())
        assert start < stop <= NOW - 3 * HOUR  # none reaches the last hours
        assert d.declared_at.timestamp() < NOW
        if d.status == "submitted":
            assert d.reviewed_by is None
            continue
        assert d.reviewed_by is not None and d.reviewed_at > d.declared_at
        flags = set(
            Reading.objects.filter(
                point_id=d.point_id,
                period=PeriodKind.HOUR,
                data_time__gte=start,
                data_time__lt=stop,
            ).values_list("flag", flat=True)
        )
        if d.kind == "maintenance" and d.status == "accepted":
            assert flags <= {"M", "F", ""}, d  # (a shutdown may hold it)
        if d.status == "rejected":
            assert "N" in flags  # the plant ran: that is why it was rejected


def test_the_history_raises_no_alarm_and_reaches_no_consumer(demo_site: dict) -> None:
    from qingshan.monitoring import jobs
    from qingshan.monitoring.stream import stream_dispatch

    _complete(demo_site)  # up to this hour: the silence checks look at the last hours
    assert Reading.objects.filter(period=PeriodKind.HOUR).count() > 4000
    stream_dispatch()
    jobs.statistics_job()
    jobs.silence_job()
    assert not Alarm.objects.exists()
    assert not StatisticsDue.objects.exists()


def test_the_worker_loads_the_rest_once(demo_site: dict) -> None:
    progress = history_load(seed=1, devices_csv=demo_site["csv"], now=NOW)
    assert progress.days_loaded == 2 and progress.days == 91 and not progress.complete
    hours = Reading.objects.filter(period=PeriodKind.HOUR)
    assert hours.filter(data_time__lt=day_start(NOW) - DAY).count() == 0
    runs = 0
    while history_job():
        runs += 1
        assert runs < 500
    state = DemoLoad.objects.get().counts["history"]
    assert state["done"] == state["steps"] and state["rows"] == Reading.objects.count()
    audits = AuditLog.objects.filter(object_type="demo.demoload", changes__has_key="history")
    assert audits.count() == 1
    declarations = AnomalyDeclaration.objects.count()
    again = history_load(seed=1, devices_csv=demo_site["csv"], now=NOW + 7200)
    assert again.complete and Reading.objects.count() == state["rows"]
    assert AnomalyDeclaration.objects.count() == declarations


def test_a_city_loaded_without_history_gets_it_from_the_worker(
    demo_site: dict, settings: Any
) -> None:
    """A demo data directory from before the history: the worker plans and loads it."""
    settings.DATA_DIR = demo_site["csv"].parent
    runs = 0
    while history_job():
        runs += 1
        assert runs < 500
    state = DemoLoad.objects.get().counts["history"]
    assert state["done"] == state["steps"] > 0
    assert Reading.objects.filter(period=PeriodKind.HOUR).count() > 4000
    assert RuleValue.objects.filter(rule="monitoring.retention", jurisdiction="3306").exists()


def test_a_step_loaded_twice_adds_nothing(demo_site: dict) -> None:
    """A demo stopped between a step's readings and its count runs the step again."""
    history_load(seed=1, devices_csv=demo_site["csv"], now=NOW, units=1)
    before = Reading.objects.count()
    state = DemoLoad.objects.get().counts["history"]
    context = history._context(1, state)
    for step in range(state["done"]):
        history._step(context, step)
    assert Reading.objects.count() == before


def test_the_demo_sets_its_retention_window(demo_site: dict) -> None:
    history_load(seed=1, devices_csv=demo_site["csv"], now=NOW, units=0)
    rule = RuleValue.objects.get(rule="monitoring.retention", jurisdiction="3306")
    assert rule.value == RETENTION and rule.value["minute_days"] > 7  # the back-filled week
    assert AuditLog.objects.filter(object_type="core.rulevalue", object_id=str(rule.pk)).exists()


def test_the_point_page_charts_the_history(demo_site: dict) -> None:
    from qingshan.monitoring.series import reading_series

    _complete(demo_site)
    point, user = demo_site["keqiao"]["point"], demo_site["regulator"]
    hourly = reading_series(user=user, point_id=point.pk, factor_code="a21026", kind="hour")
    daily = reading_series(user=user, point_id=point.pk, factor_code="a21026", kind="day")
    minutes = reading_series(user=user, point_id=point.pk, factor_code="a21026", kind="minute")
    assert len(hourly.values) > 24 * 25 and len(daily.values) >= 85
    assert len(minutes.values) > 100
    assert {v.source for v in hourly.values} == {"logger"}


def test_the_seed_makes_the_history(demo_site: dict) -> None:
    _complete(demo_site, NOW)
    rows = sorted(
        Reading.objects.values_list("point_id", "factor_code", "period", "data_time", "value")
    )
    Reading.objects.all().delete()
    AnomalyDeclaration.objects.all().delete()
    DemoLoad.objects.update(counts={})
    history._contexts.clear()
    _complete(demo_site, NOW)
    again = Reading.objects.values_list("point_id", "factor_code", "period", "data_time", "value")
    assert sorted(again) == rows
