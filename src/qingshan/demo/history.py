"""The demo city's past: three months of what its loggers would have sent, and its window.

A fresh demo had a year of air quality and no monitoring data at all: ninety minutes in,
a point's hourly chart held one value and the daily one none. The load now writes, for
every enterprise point of the demo city, the values its logger would have sent
(``history_values``: the simulator's own signal model with the offline spells,
maintenance, shutdowns, faults, exceedances and declarations of three months):

- hourly and daily values for the ``HISTORY_DAYS`` days before the load,
- minute values for the last ``MINUTE_DAYS`` days (the minute view), and
- the enterprises' declarations of the spells they declared, reviewed by the city bureau.

They are written as the logger's own uploads (``Reading``, period minute/hour/day), the
table the charts read first, so charts, the export and the API show them as they would
show sent data. They go straight into the table in bulk, never through raw packets: the
stream (``monitoring.stream``) therefore hands them to no consumer, and three months of
old exceedances raise no alarm, mark no hour for statistics and clear nothing. (Were they
packets, the data-time window, 31 days behind, would keep them from being judged anyway;
they would still be evidence of packets never sent.)

The hourly values of today and yesterday and today's minutes load with the city
(``FOREGROUND_UNITS``), the rest in the worker's ``demo.history`` job while the demo runs,
newest first (``_units``), in steps of a tenth of a second or so and short transactions,
so the gateway keeps writing beside it. Progress is
kept in the city's ``DemoLoad`` row; a step is idempotent (rows already there are kept),
so a demo stopped half-way goes on where it was on its next start. One audit row (on the
``DemoLoad``) records the finished history.

The demo also sets the retention window a bureau would (``retention_set``), so that its
database stops growing: real-time data and raw packets for two days, minute data for
eight (the seven back-filled days and today), hourly and daily data for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from qingshan.core.actor import audit_context
from qingshan.core.audit import audit_record
from qingshan.core.chinatime import china_day_start_of_epoch
from qingshan.core.choices import AuditAction, Role
from qingshan.core.fields import epoch_seconds
from qingshan.core.models import RuleValue, User
from qingshan.demo.geography import CITY, CITY_PREFIX
from qingshan.demo.history_values import (
    DAY,
    HOUR,
    AlarmFact,
    FactorLimit,
    PointSpec,
    Row,
    Spell,
    Window,
    day_levels,
    forced_spells,
    point_day,
    random_spells,
    simulator_signals,
    spells_merge,
)
from qingshan.demo.models import DemoLoad
from qingshan.monitoring.choices import AlarmKind, DeclarationStatus, PeriodKind
from qingshan.monitoring.models import Alarm, AnomalyDeclaration, Reading
from qingshan.monitoring.storage import reading_partitions_ensure
from qingshan.permits.choices import PermitStatus
from qingshan.permits.models import PermitLimit
from qingshan.registry.models import MonitoringPoint
from qingshan.simulator.devices import load_devices_csv

log = logging.getLogger("qingshan.demo.history")

HISTORY_DAYS = 90  # days of hourly and daily values before the day of the load
MINUTE_DAYS = 7  # … and of minute values (the demo keeps 8: RETENTION)
# loaded with the city: the hours of today and yesterday, today's minutes; the rest in
# the worker (``_units``)
FOREGROUND_UNITS = 3
POINTS_PER_STEP = 25  # points of one day per step: well under a second, minutes too
STEP_SECONDS = 0.4  # the worker job's share of each second while the history loads
ROWS_PER_TRANSACTION = 20_000  # the writer waits at most one of these (tens of ms)
QUIET_HOURS = 3  # no spell in the last hours: the live silence checks look at them
IDLE_SECONDS = 60.0  # the job looks again this long after finding nothing to load
RETENTION = {"realtime_days": 2, "minute_days": 8, "raw_packet_days": 2}
RETENTION_SOURCE = (
    "演示城市自定：实时数据与原始报文保存 2 天，分钟数据 8 天（含回填的 7 天），"
    "小时、日数据长期保存；演示数据库因此不再无限增长"
)
STATE = "history"  # the key of the progress in DemoLoad.counts


@dataclass(frozen=True, slots=True)
class Progress:
    days_loaded: int
    days: int
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return self.days_loaded >= self.days


# ── the plan and its progress ────────────────────────────────────────────────


def simulator_seed() -> int:
    """The seed the demo's simulator runs with: the city's, so its loggers' signals are
    those the history was computed from (``history_values.simulator_signals``)."""
    seed = DemoLoad.objects.filter(pk=CITY.code).values_list("seed", flat=True).first()
    return int(seed) if seed is not None else 1


def _plan(devices_csv: Path, now: int) -> dict[str, Any]:
    end = now - now % HOUR
    minutes_end = now - now % 600
    today = china_day_start_of_epoch(end)
    ids = [spec.point_id for spec in load_devices_csv(devices_csv) if spec.point_id]
    points = MonitoringPoint.objects.filter(pk__in=ids, outlet__isnull=False).count()
    days = HISTORY_DAYS + (1 if end > today else 0)  # and today's hours so far
    slices = max(1, -(-points // POINTS_PER_STEP))
    state = {
        "end": end,
        "minutes_end": minutes_end,
        "devices_csv": str(devices_csv),
        "days": days,
        "slices": slices,
        "done": 0,
        "rows": 0,
        "planned": time.time_ns(),
    }
    state["steps"] = len(_units(state)) * slices
    return state


def _units(state: dict[str, Any]) -> list[tuple[bool, int]]:
    """What is loaded, in order: (minutes, or hours and days; how many days back). The
    newest first, and the hourly values of all days before the older minutes: the
    hourly chart is the one a point's page opens with."""
    window = _window(state)
    newest = china_day_start_of_epoch(window.end - 1)
    days = range(int(state["days"]))
    minutes = [k for k in days if newest - k * DAY >= window.minutes_start]
    units = [(False, 0), (False, 1), (True, 0)]
    units += [(False, k) for k in days if k > 1] + [(True, k) for k in minutes if k > 0]
    return [u for u in units if u[1] in days and (not u[0] or u[1] in minutes)]


def _state() -> tuple[int, dict[str, Any]] | None:
    row = DemoLoad.objects.filter(pk=CITY.code).values_list("seed", "counts").first()
    if row is None or not isinstance(row[1], dict) or STATE not in row[1]:
        return None
    return int(row[0]), dict(row[1][STATE])


def _advance(state: dict[str, Any], rows: int) -> bool:
    """Count one step done, unless another process did it first (then False)."""
    counts = DemoLoad.objects.filter(pk=CITY.code).values_list("counts", flat=True).first()
    new = {**state, "done": state["done"] + 1, "rows": state["rows"] + rows}
    # queryset update: no audit row per step (one when the history is complete)
    moved = DemoLoad.objects.filter(
        pk=CITY.code, **{f"counts__{STATE}__done": state["done"]}
    ).update(counts={**(counts or {}), STATE: new})
    if moved:
        state.update(new)
    return bool(moved)


def _window(state: dict[str, Any]) -> Window:
    end = int(state["end"])
    today = china_day_start_of_epoch(end)
    return Window(
        start=today - HISTORY_DAYS * DAY,
        end=end,
        minutes_start=today - MINUTE_DAYS * DAY,
        minutes_end=int(state["minutes_end"]),
        quiet=end - QUIET_HOURS * HOUR,
    )


def _progress(state: dict[str, Any]) -> Progress:
    return Progress(*_days(state))


def _days(state: dict[str, Any]) -> tuple[int, int]:
    """Days of hourly values loaded, of how many."""
    done = _units(state)[: int(state["done"]) // int(state["slices"])]
    return sum(1 for minutes, _ in done if not minutes), int(state["days"])


# ── loading ──────────────────────────────────────────────────────────────────────


def history_load(
    *, seed: int, devices_csv: Path, now: int | None = None, units: int = FOREGROUND_UNITS
) -> Progress:
    """Plan the history of a city just loaded, set the demo's window, load the first
    ``units`` (``_units``); the worker's ``demo.history`` job loads the rest. A plan made
    before is left to the worker (a second load changes nothing)."""
    started = time.monotonic()
    found = _state()
    if found is None:
        found = history_plan(seed=seed, devices_csv=devices_csv, now=now)
        with audit_context(user=None, via="demo"):
            history_run(found, steps=units * int(found[1]["slices"]))
    progress = _progress(found[1])
    return Progress(progress.days_loaded, progress.days, time.monotonic() - started)


def history_plan(
    *, seed: int, devices_csv: Path, now: int | None = None
) -> tuple[int, dict[str, Any]]:
    """Plan the history up to ``now`` (default: the clock) in the city's ``DemoLoad`` and
    set the demo's retention window."""
    with audit_context(user=None, via="demo"):
        retention_set()
    state = _plan(devices_csv, int(now if now is not None else time.time()))
    counts = DemoLoad.objects.filter(pk=CITY.code).values_list("counts", flat=True)
    DemoLoad.objects.filter(pk=CITY.code).update(counts={**(counts.first() or {}), STATE: state})
    return seed, state


def history_run(
    found: tuple[int, dict[str, Any]], *, steps: int | None = None, seconds: float | None = None
) -> int:
    """Run the next steps: ``steps`` of them at most, or for ``seconds``; returns how many."""
    seed, state = found
    total = int(state["steps"])
    ran = 0
    deadline = None if seconds is None else time.monotonic() + seconds
    context = _context(seed, state)
    while state["done"] < total:
        if steps is not None and ran >= steps:
            break
        if deadline is not None and time.monotonic() >= deadline:
            break
        rows, declarations = _step(context, int(state["done"]))
        with transaction.atomic():
            if not _advance(state, rows):
                break  # another process runs the history (its readings are the same)
            _declarations_insert(declarations)
            if state["done"] >= total:
                _finished(state)
        ran += 1
    return ran


_idle_until = 0.0
_announced: set[int] = set()
_contexts: dict[tuple[int, int, str], _Context] = {}  # by plan: a reset makes another


def _context(seed: int, state: dict[str, Any]) -> _Context:
    """The run's context, kept between the worker's runs (a fifth of a second to build)."""
    key = (seed, int(state["end"]), str(state["planned"]))
    if key not in _contexts:
        _contexts.clear()
        _contexts[key] = _Context.load(seed, state)
    return _contexts[key]


def history_job() -> dict[str, int]:
    """Worker job: load the history's next steps for about ``STEP_SECONDS``."""
    global _idle_until  # the job's own pacing, per worker process
    if time.monotonic() < _idle_until:
        return {}
    found = _state() or _unplanned()
    if found is None or found[1]["done"] >= found[1]["steps"]:
        _idle_until = time.monotonic() + IDLE_SECONDS
        return {}
    state = found[1]
    before, days = _days(state)
    if state["planned"] not in _announced:  # once per plan and worker process
        _announced.add(state["planned"])
        log.info("demo history: loading %s of %s days in the background", days - before, days)
    with audit_context(user=None, via="worker", actor_name="demo.history"):
        ran = history_run(found, seconds=STEP_SECONDS)
    loaded, days = _days(state)
    if loaded // 10 > before // 10 and loaded < days:
        log.info("demo history: hourly values of %s of %s days loaded", loaded, days)
    return {"steps": ran, "days_loaded": loaded, "days": days}


def _unplanned() -> tuple[int, dict[str, Any]] | None:
    """A demo city loaded before it had a history (an older data directory): planned now,
    all of it for the worker."""
    from qingshan.demo.loader import DEVICES_CSV  # (the loader calls this module)

    seed = DemoLoad.objects.filter(pk=CITY.code).values_list("seed", flat=True).first()
    devices_csv = Path(settings.DATA_DIR) / DEVICES_CSV
    if seed is None or not devices_csv.exists():
        return None
    return history_plan(seed=seed, devices_csv=devices_csv)


def _finished(state: dict[str, Any]) -> None:
    load = DemoLoad.objects.get(pk=CITY.code)
    summary = {"days": state["days"], "readings": state["rows"], "end": state["end"]}
    summary["minute_days"] = sum(1 for minutes, _ in _units(state) if minutes)
    audit_record(load, AuditAction.UPDATE, {"history": [None, summary]})
    log.info("demo history complete: %s days, %s readings", state["days"], state["rows"])


# ── one step: one day of a slice of the points ───────────────────────────────


@dataclass(slots=True)
class _Context:
    """What every step needs, read once per run: the points, their limits and alarms."""

    seed: int
    window: Window
    points: list[PointSpec]
    spells: list[list[Spell]]
    slices: int
    units: list[tuple[bool, int]]
    reviewers: dict[str, User]  # region prefix → the regulator who reviews
    declarers: dict[int, User]  # enterprise → its demo account

    @classmethod
    def load(cls, seed: int, state: dict[str, Any]) -> _Context:
        window = _window(state)
        points = _points(Path(state["devices_csv"]), seed, window)
        alarms = _alarm_facts([p.point_id for p in points], window)
        for point in points:
            point.levels = day_levels(point, window, seed)
        spells = [
            spells_merge(
                random_spells(p, window, seed), forced_spells(p, alarms.get(p.point_id, []))
            )
            for p in points
        ]
        users = User.objects.filter(Q(role=Role.REGULATOR) | Q(role=Role.ENTERPRISE))
        return cls(
            seed=seed,
            window=window,
            points=points,
            spells=spells,
            slices=int(state["slices"]),
            units=_units(state),
            reviewers={u.region_code: u for u in users if u.role == Role.REGULATOR},
            declarers={u.enterprise_id: u for u in users if u.enterprise_id},
        )


def _points(devices_csv: Path, seed: int, window: Window) -> list[PointSpec]:
    """The enterprise points of the device file, in its order (the simulator's)."""
    specs = load_devices_csv(devices_csv)
    signals = simulator_signals(specs, seed)
    ids = [s.point_id for s in specs if s.point_id]
    known = {
        pk: (enterprise, region)
        for pk, enterprise, region in MonitoringPoint.objects.filter(
            pk__in=ids, outlet__isnull=False
        ).values_list("pk", "outlet__enterprise_id", "outlet__enterprise__region_code")
    }
    outlets = dict(
        MonitoringPoint.objects.filter(pk__in=list(known)).values_list("pk", "outlet_id")
    )
    limits = _limits(set(outlets.values()), window)
    points = []
    for spec, pair in zip(specs, signals, strict=True):
        if spec.point_id not in known:
            continue  # an air station or water section: the quality app's history
        enterprise, region = known[spec.point_id]
        point = PointSpec.of(spec, pair, enterprise_id=enterprise, region_code=region)
        own = limits.get(outlets[spec.point_id], {})
        point.limits = {i: own[c] for i, c in enumerate(point.codes) if c in own}
        points.append(point)
    return points


def _limits(outlet_ids: set[int], window: Window) -> dict[int, dict[str, FactorLimit]]:
    """Outlet → factor → the limit in force at the window's end (hourly before daily)."""
    on = timezone.localdate(dt.datetime.fromtimestamp(window.end, tz=dt.UTC))
    rows = PermitLimit.objects.filter(
        outlet_id__in=outlet_ids,
        permit__status=PermitStatus.VALID,
        permit__valid_from__lte=on,
        permit__valid_to__gte=on,
        lower_limit__isnull=True,  # a range (pH 6–9) is not exceeded upwards only
    ).values_list("outlet_id", "factor_code", "basis", "limit", "reference_o2")
    out: dict[int, dict[str, FactorLimit]] = {}
    for outlet, code, _basis, limit, o2 in sorted(rows, key=lambda r: r[2] != "hourly"):
        ref = float(o2) if o2 is not None else None
        out.setdefault(outlet, {}).setdefault(code, FactorLimit(float(limit), ref))
    return out


def _alarm_facts(point_ids: list[int], window: Window) -> dict[int, list[AlarmFact]]:
    """Exceedance and stuck-value alarms already on record inside the window."""
    alarms = Alarm.objects.filter(
        point_id__in=point_ids,
        kind__in=[AlarmKind.EXCEEDANCE, AlarmKind.STUCK],
        period__in=[PeriodKind.HOUR, PeriodKind.DAY],
        first_at__gte=window.start,
        last_at__lt=window.end,
    ).values_list(
        "point_id", "factor_code", "kind", "period", "first_at", "last_at", "occurrences",
        "worst_value", "limit_value", "evidence",
    )  # fmt: skip
    out: dict[int, list[AlarmFact]] = {}
    for point, factor, kind, period, first, last, n, worst, limit, evidence in alarms:
        evidence = evidence if isinstance(evidence, dict) else {}
        if kind == AlarmKind.STUCK:
            worst = evidence.get("value", worst)
        out.setdefault(point, []).append(
            AlarmFact(
                factor_code=factor,
                kind=kind,
                period=int(period or PeriodKind.HOUR),
                first_at=epoch_seconds(first) or 0,
                last_at=epoch_seconds(last) or 0,
                occurrences=n,
                worst=worst,
                limit=limit,
                threshold=int(evidence.get("threshold", 6)),
            )
        )
    return out


Declared = list[tuple[AnomalyDeclaration, dt.datetime]]  # and when it was declared


def _step(context: _Context, step: int) -> tuple[int, Declared]:
    """Step ``step``: unit ``step // slices`` (``_units``), slice ``step % slices`` of the
    points. Writes its readings; returns how many, and its declarations."""
    window = context.window
    minutes, back = context.units[step // context.slices]
    day = china_day_start_of_epoch(window.end - 1) - back * DAY
    first = (step % context.slices) * POINTS_PER_STEP
    rows: list[Row] = []
    declarations: Declared = []
    for index in range(first, min(first + POINTS_PER_STEP, len(context.points))):
        point, spells = context.points[index], context.spells[index]
        day_rows = point_day(point, spells, day, window, context.seed, minutes=minutes)
        rows += day_rows.minutes + day_rows.hours + day_rows.days
        if not minutes:
            declarations += _declarations(context, point, spells, day)
    readings_insert(rows)
    return len(rows), declarations


def _declarations_insert(declarations: Declared) -> None:
    objects = [d for d, _ in declarations]
    AnomalyDeclaration.objects.bulk_create(objects)  # stamps declared_at with the clock …
    for declaration, at in declarations:
        declaration.declared_at = at
    AnomalyDeclaration.objects.bulk_update(objects, ["declared_at"])  # … so it is set after


def readings_insert(rows: list[Row]) -> None:
    """Bulk insert in short transactions; a row whose key is there already is kept as it is
    (a step run again after a stop adds nothing). PostgreSQL: COPY through a temporary
    table, and monthly partitions for the whole history first."""
    if connection.vendor == "postgresql" and rows:
        with connection.cursor() as cursor:
            oldest = timezone.localdate(
                dt.datetime.fromtimestamp(min(r[3] for r in rows), tz=dt.UTC)
            )
            today = timezone.localdate()
            months = (today - oldest).days // 28 + 1
            reading_partitions_ensure(cursor, today=today, months_back=months)
    for i in range(0, len(rows), ROWS_PER_TRANSACTION):
        with transaction.atomic(), connection.cursor() as cursor:
            _insert(cursor, rows[i : i + ROWS_PER_TRANSACTION])


COLUMNS = (
    "point_id, factor_code, period, data_time, value, min, max, cou, zs, flag, eflag, received_at"
)
INSERT_SQL = (
    f"INSERT INTO {Reading._meta.db_table} ({COLUMNS})"  # noqa: S608 (a model's table)
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (point_id, period, data_time, factor_code) DO NOTHING"
)


def _insert(cursor: Any, rows: list[Row]) -> None:
    if connection.vendor != "postgresql":
        cursor.executemany(INSERT_SQL, rows)
        return
    table = Reading._meta.db_table
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS history_reading (LIKE {table} INCLUDING DEFAULTS)"
        " ON COMMIT DELETE ROWS"
    )
    with cursor.cursor.copy(f"COPY history_reading ({COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(
        f"INSERT INTO {table} ({COLUMNS}) SELECT {COLUMNS} FROM history_reading"  # noqa: S608
        " ON CONFLICT (point_id, period, data_time, factor_code) DO NOTHING"
    )


# ── declarations ─────────────────────────────────────────────────────────────


REASONS = {
    "maintenance": (
        "在线监测设备例行维护保养（更换滤芯、零点和量程校准），预计 {hours} 小时，"
        "期间数据标记为维护（M）。"
    ),
    "shutdown": "生产线停产检修，污染治理设施同步停运，预计 {days} 天，期间数据标记为停运（F）。",
    "fault": "在线监测设备故障，已通知运维单位抢修，修复后补报维修记录。",
}
REJECTION = "在线数据显示申报时段内生产设施和监测设备正常运行，申报内容与实际不符，不予采纳。"
ACCEPTANCE = "经核查，情况属实，予以采纳。"


def _declarations(
    context: _Context, point: PointSpec, spells: Iterable[Spell], day: int
) -> Declared:
    """The declarations of the spells that start on ``day``, as the enterprise made them:
    planned ones ahead of time, faults after they began; reviewed by the bureau a few
    hours later, unless that is still ahead."""
    out = []
    for spell in spells:
        if not spell.declared or not day <= spell.start < day + DAY:
            continue
        planned = spell.kind in ("maintenance", "shutdown")
        # fixed offsets per spell, from its start: the same on every run
        declared = spell.start - (20 * HOUR if planned else -2 * HOUR) - spell.start % 7 * 600
        reviewed = declared + (2 + spell.start % 70) * HOUR  # the bureau takes its time
        open_still = reviewed > context.window.end
        status = (
            DeclarationStatus.SUBMITTED
            if open_still
            else DeclarationStatus.REJECTED
            if spell.rejected
            else DeclarationStatus.ACCEPTED
        )
        reviewer = None if open_still else _reviewer(context, point.region_code)
        hours = (spell.end - spell.start) // HOUR
        decl = AnomalyDeclaration(
            point_id=point.point_id,
            enterprise_id=point.enterprise_id,
            kind=spell.declared,
            starts_at=spell.start,
            ends_at=spell.end,
            reason=REASONS[spell.declared].format(hours=hours, days=max(1, hours // 24)),
            status=status,
            declared_by=context.declarers.get(point.enterprise_id),
            reviewed_by=reviewer,
            reviewed_at=None if open_still else dt.datetime.fromtimestamp(reviewed, tz=dt.UTC),
            review_comment="" if open_still else REJECTION if spell.rejected else ACCEPTANCE,
        )
        out.append((decl, dt.datetime.fromtimestamp(declared, tz=dt.UTC)))
    return out


def _reviewer(context: _Context, region_code: str) -> User | None:
    """The county's regulator where the demo has one, else the city's."""
    for prefix in (region_code, region_code[:4], region_code[:2], ""):
        if prefix in context.reviewers:
            return context.reviewers[prefix]
    return None


# ── the demo's retention window ──────────────────────────────────────────────


def retention_set(*, on: dt.date | None = None) -> RuleValue:
    """The city's retention rule (``monitoring.retention``), as its bureau would enter it:
    a dated row for the city's jurisdiction, audited like any edit of the rule table."""
    since = on or DemoLoad.objects.filter(pk=CITY.code).values_list("plan_date", flat=True).first()
    rule, _ = RuleValue.objects.get_or_create(
        rule="monitoring.retention",
        jurisdiction=CITY_PREFIX,
        effective_from=since or timezone.localdate(),
        defaults={"value": RETENTION, "source": RETENTION_SOURCE},
    )
    return rule
