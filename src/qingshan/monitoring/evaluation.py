"""The alarm rules: newly committed values in, findings (raise or clear an alarm) out.

Run by the worker on each batch of the readings stream (``monitoring.stream``) and on
hourly and daily values derived from finer data (``monitoring.statistics``), never by
scanning the readings table. Rules that need a run of values (early warning, stuck and
zero values, flag runs, values pinned under the limit) keep a small state per series
(point, factor, period kind) in memory; a series seen for the first time since the worker
started loads its recent values from the readings table first, so a restart does not
reset the counts.

A value is counted once: one whose data time is not after the last one counted for its
series (a resent packet, or late data) moves no counter. Exceedance findings are
idempotent at the alarm (``alarms.findings_apply`` counts each data time once).

Real-time values are noisy: a real-time alarm (early warning, real-time value over the
limit) raises only after its values stayed above the level for ``raise_minutes``, and
clears only after they stayed under a lower level (hysteresis) for ``clear_minutes``
(rule ``monitoring.realtime_debounce``); a series that never settles raises one alarm,
not one every few minutes. Severity follows how far over the limit a series stayed and
for how long (rule ``monitoring.severity_bands``).

Thresholds come from the dated rule table (migrations 0003 and 0012, ``rules_cn.md`` §3).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.db import connection

from qingshan.core.chinatime import china_date_of_epoch
from qingshan.core.fields import epoch_seconds
from qingshan.monitoring.choices import AlarmKind, PeriodKind
from qingshan.monitoring.context import Contexts, Limit, PointContext
from qingshan.monitoring.conversion import O2_FACTOR, judged_value
from qingshan.monitoring.declarations import declarations_covering
from qingshan.monitoring.models import Alarm, Reading
from qingshan.monitoring.stream import StreamReading

VALID, INVALID, REVIEW = "valid", "invalid", "review"
# the flag of a derived hourly or daily value with too few valid values in it (not HJ 212)
INSUFFICIENT = "-"
# the period kind a limit is judged on (rules_cn §3.4: gas hourly, water daily)
BASIS_PERIOD = {"hourly": PeriodKind.HOUR, "daily": PeriodKind.DAY}
# the length of time an hourly or daily value stands for (a real-time value: an instant)
PERIOD_SECONDS = {int(PeriodKind.HOUR): 3600, int(PeriodKind.DAY): 86400}
SEVERITY_ORDER = ["critical", "major", "minor", "warning"]  # Severity, worst first
# alarms an accepted or pending declaration of the period suppresses: the data loggers'
# silence and the instruments' own fault and stop marks, not what the data show
SUPPRESSED_BY_DECLARATION = {
    AlarmKind.OFFLINE,
    AlarmKind.MISSING,
    AlarmKind.FLAG_RUN,
    AlarmKind.ZERO,
}


@dataclass(slots=True)
class Finding:
    """Raise (or repeat) an alarm, or clear it, as of a data time."""

    raise_alarm: bool
    point_id: int
    factor_code: str
    kind: str
    data_time: int
    period: int | None = None
    value: float | None = None
    limit: float | None = None
    rule: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    # a raise after a run of values: the run's first data time and its values counted
    since: int | None = None
    occurrences: int = 1
    # the severity the severity bands give (how far over the limit, for how long); ""
    # leaves it to the kind's default (rule ``monitoring.alarm_severity``)
    severity: str = ""


@dataclass(slots=True)
class Debounce:
    """A real-time alarm's runs: above the raising level, and under the clearing one."""

    since: int | None = None  # first data time of the run above the level
    count: int = 0  # values in that run
    peak: float | None = None  # its highest value at or under ``cap`` (the early warning's)
    low_since: int | None = None  # first data time of the run under the clearing level

    def step(self, value: float, t: int, level: float, clear_level: float, cap: float) -> None:
        if value > level:
            if self.since is None:
                self.since, self.count, self.peak = t, 0, None
            self.count += 1
            if value <= cap and (self.peak is None or value > self.peak):
                self.peak = value
        else:
            self.since, self.count, self.peak = None, 0, None
        if value <= clear_level:
            if self.low_since is None:
                self.low_since = t
        else:
            self.low_since = None

    def may_raise(self, t: int, minutes: float, min_values: int) -> bool:
        return (
            self.since is not None and self.count >= min_values and t - self.since >= minutes * 60
        )

    def may_clear(self, t: int, minutes: float) -> bool:
        return self.low_since is not None and t - self.low_since >= minutes * 60


@dataclass(slots=True)
class SeriesState:
    last_time: int = -1
    last_value: float | None = None
    same: int = 0  # identical values in a row, this one included
    zeros: int = 0
    run_start: int | None = None  # data time a run of fault/maintenance flags began
    window: deque[bool] = field(default_factory=deque)  # hourly values pinned under the limit
    # real-time series under a limit only (made on first use: most series have none)
    warning: Debounce | None = None  # early warning
    over: Debounce | None = None  # real-time value over the limit
    bands: list[int | None] | None = None  # run starts at each severity band's ratio


def flag_validity(flag: str, table: dict[str, str]) -> str:
    """A flag's standing for statistics; no flag at all means a normal value."""
    if not flag:
        return VALID
    if flag == INSUFFICIENT:
        return INVALID
    return table.get(flag, REVIEW)  # a flag no table knows is for a person to judge


class Evaluator:
    def __init__(self, contexts: Contexts | None = None, *, load_history: bool = True) -> None:
        self.contexts = contexts or Contexts()
        self.load_history = load_history
        self.states: dict[tuple[int, str, int], SeriesState] = {}
        # (point, factor, kind) of the open alarms: a value within bounds clears only those,
        # instead of making a finding per value. Reloaded now and then, for alarms closed
        # by hand.
        self._open: set[tuple[int, str, str]] = set()
        self._open_loaded = -OPEN_RELOAD_SECONDS

    def reset(self) -> None:
        """Forget the in-memory state (after a rolled-back batch it may be ahead of the DB)."""
        self.states.clear()
        self._open_loaded = -OPEN_RELOAD_SECONDS
        self.contexts.invalidate()

    @property
    def open(self) -> set[tuple[int, str, str]]:
        if time.monotonic() - self._open_loaded >= OPEN_RELOAD_SECONDS:
            self._open = set(
                Alarm.objects.filter(cleared_at__isnull=True).values_list(
                    "point_id", "factor_code", "kind"
                )
            )
            self._open_loaded = time.monotonic()
        return self._open

    # entry point -------------------------------------------------------------------------
    def evaluate(self, readings: Iterable[StreamReading]) -> list[Finding]:
        ordered = sorted(readings, key=lambda r: (r.data_time, r.point_id, r.period))
        declared = _declarations(ordered)
        findings: list[Finding] = []
        for (point_id, period, data_time), group in groupby(
            ordered, key=lambda r: (r.point_id, r.period, r.data_time)
        ):
            ctx = self.contexts.point(point_id)
            if ctx is None:
                continue
            judge = _Judge(self, ctx, period, data_time, list(group), declared.get(point_id, []))
            findings.extend(judge.run())
        return findings

    def state(self, key: tuple[int, str, int], before: int) -> SeriesState:
        found = self.states.get(key)
        if found is None:
            found = self.states[key] = SeriesState()
            if self.load_history:
                self._replay_history(key, before, found)
        return found

    def _replay_history(self, key: tuple[int, str, int], before: int, state: SeriesState) -> None:
        """Counts of the series' last values, so that a restart does not reset its runs."""
        with connection.cursor() as cursor:
            # plain SQL: thousands of series appear at once when the worker starts
            cursor.execute(HISTORY_SQL, [*key, before, HISTORY])
            rows = cursor.fetchall()
        for data_time, value, flag in reversed(rows):
            state.last_time = data_time
            if value is not None and flag in ("", "N"):
                state.same = state.same + 1 if value == state.last_value else 1
                state.zeros = state.zeros + 1 if value == 0 else 0
                state.last_value = value


HISTORY = 120  # values replayed into a new series state: the longest run a rule counts
HISTORY_SQL = (
    f"SELECT data_time, value, flag FROM {Reading._meta.db_table}"  # noqa: S608 (a model name)
    " WHERE point_id = %s AND factor_code = %s AND period = %s AND data_time < %s"
    " ORDER BY data_time DESC LIMIT %s"
)
OPEN_RELOAD_SECONDS = 60.0


def _declarations(readings: list[StreamReading]) -> dict[int, list[tuple[int, int]]]:
    """Declared (pending or accepted) periods of the points in the batch."""
    if not readings:
        return {}
    points = {r.point_id for r in readings}
    rows = declarations_covering(points, readings[0].data_time, readings[-1].data_time).values_list(
        "point_id", "starts_at", "ends_at"
    )
    found: dict[int, list[tuple[int, int]]] = {}
    for point_id, starts, ends in rows:
        found.setdefault(point_id, []).append(
            (epoch_seconds(starts) or 0, epoch_seconds(ends) or 0)
        )
    return found


class _Judge:
    """The rules applied to the values of one point, period kind and data time."""

    def __init__(
        self,
        engine: Evaluator,
        ctx: PointContext,
        period: int,
        data_time: int,
        group: list[StreamReading],
        declared: list[tuple[int, int]],
    ) -> None:
        self.engine, self.ctx, self.period, self.t = engine, ctx, period, data_time
        self.group = group
        self.declared = any(start <= data_time < end for start, end in declared)
        self.rules = engine.contexts.rules(
            region_code=ctx.region_code, on=china_date_of_epoch(data_time)
        )
        self.by_factor = {r.factor_code: r for r in group}
        self.o2: float | None = None
        self.findings: list[Finding] = []

    def rule(self, name: str) -> Any:
        return self.rules[name]

    def emit(self, raise_alarm: bool, factor: str, kind: str, **details: Any) -> None:
        key = (self.ctx.point_id, factor, str(kind))
        if raise_alarm:
            if self.declared and kind in SUPPRESSED_BY_DECLARATION:
                return
            self.engine.open.add(key)
        elif key in self.engine.open:
            self.engine.open.discard(key)
        else:
            return  # nothing open to clear
        self.findings.append(
            Finding(raise_alarm, self.ctx.point_id, factor, kind, self.t, self.period, **details)
        )

    def run(self) -> list[Finding]:
        validity_table = self.rule("monitoring.flag_validity")
        o2 = self.by_factor.get(O2_FACTOR)
        if o2 is not None and flag_validity(o2.flag, validity_table) == VALID:
            self.o2 = o2.value  # an O2 marked invalid converts nothing
        for reading in self.group:
            limit = self.ctx.limits.get(reading.factor_code)
            judged = None
            if limit is not None:
                judged = judged_value(
                    reading.value,
                    sent_converted=reading.zs,
                    o2_measured=self.o2,
                    o2_reference=limit.reference_o2,
                )
                if judged is not None and not math.isfinite(judged):
                    judged = None  # 1e308 converted at 20.9 % O2: no measurement, nothing to judge
            self.series(reading, flag_validity(reading.flag, validity_table), limit, judged)
        if self.period in (PeriodKind.HOUR, PeriodKind.DAY):
            self.contradictions(validity_table)
        return self.findings

    # per value ---------------------------------------------------------------------------
    def series(
        self, r: StreamReading, validity: str, limit: Limit | None, judged: float | None
    ) -> None:
        key = (r.point_id, r.factor_code, r.period)
        state = self.engine.state(key, before=r.data_time)
        if limit is not None and judged is not None and BASIS_PERIOD[limit.basis] == r.period:
            self.exceedance(r, state, validity, limit, judged)
        if r.data_time <= state.last_time:
            return  # a resend or late value: counted already, or too late to count in a run
        self.flag_run(r, state)
        if validity == VALID and r.value is not None:
            self.stuck_and_zero(r, state, limit)
            # the share-of-limit rules are for a value that should stay low; a range
            # limit (pH 6–9) is judged only on leaving the range
            if limit is not None and judged is not None and limit.lower is None:
                if r.period == PeriodKind.RTD:
                    self.realtime(r, state, limit, judged)
                if BASIS_PERIOD[limit.basis] == r.period:
                    self.near_limit(r, state, limit, judged)
            state.last_value = r.value
        state.last_time = r.data_time

    def exceedance(
        self, r: StreamReading, state: SeriesState, validity: str, limit: Limit, judged: float
    ) -> None:
        if validity == INVALID:
            return  # data marked invalid are not used for exceedance (MEE 公告2022年第21号)
        evidence = {
            "measured": r.value,
            "converted": judged if limit.reference_o2 is not None else None,
            "converted_sent": r.zs is not None,
            "o2": self.o2,
            "reference_o2": limit.reference_o2,
            "limit": limit.value,
            "lower_limit": limit.lower,
            "unit": limit.unit,
            "standard": limit.standard,
            "flag": r.flag,
            "needs_review": validity == REVIEW,
        }
        severity = self.band_severity(
            state, AlarmKind.EXCEEDANCE, limit, judged, r.data_time, r.period
        )
        if limit.outside(judged):
            below = judged <= limit.value  # outside, and not above: under the lower limit
            self.emit(
                True,
                r.factor_code,
                AlarmKind.EXCEEDANCE,
                value=judged,
                limit=limit.lower if below else limit.value,
                rule=f"exceedance.{limit.basis}",
                severity="" if below else severity,
                evidence=evidence | {"side": "below" if below else "above"},
            )
        elif validity == VALID:
            self.emit(False, r.factor_code, AlarmKind.EXCEEDANCE)

    def is_open(self, factor: str, kind: str) -> bool:
        return (self.ctx.point_id, factor, kind) in self.engine.open

    def realtime(self, r: StreamReading, state: SeriesState, limit: Limit, judged: float) -> None:
        """Real-time values over the limit, and over the warning share of it, each with its
        own run (rule ``monitoring.realtime_debounce``). A series over the limit long enough
        is escalated: its early warning is cleared and it is a real-time exceedance, whose
        severity follows how far over and how long; values over the limit are never the
        early warning's (``251.8`` against ``100`` is not "approaching the limit")."""
        debounce = self.rule("monitoring.realtime_debounce")
        warning_rule = self.rule("monitoring.early_warning")
        min_values = int(warning_rule["consecutive"])
        clear_share = float(debounce["clear_share"])
        raise_minutes, clear_minutes = (
            float(debounce["raise_minutes"]),
            float(debounce["clear_minutes"]),
        )
        t, factor = r.data_time, r.factor_code
        over = state.over = state.over or Debounce()
        over.step(judged, t, limit.value, limit.value * clear_share, math.inf)
        severity = self.band_severity(state, AlarmKind.RTD_EXCEEDANCE, limit, judged, t, 0)
        over_open = self.is_open(factor, AlarmKind.RTD_EXCEEDANCE)
        if over_open and over.may_clear(t, clear_minutes):
            self.emit(False, factor, AlarmKind.RTD_EXCEEDANCE, rule="realtime.cleared")
            over_open = False
        elif judged > limit.value and (over_open or over.may_raise(t, raise_minutes, min_values)):
            self.emit(
                True,
                factor,
                AlarmKind.RTD_EXCEEDANCE,
                value=judged if over_open else over.peak,
                limit=limit.value,
                rule="rtd_exceedance",
                since=None if over_open else over.since,
                occurrences=1 if over_open else over.count,
                severity=severity,
                evidence=self._realtime_evidence(limit, judged, over, debounce, ratio=True),
            )
            over_open = True
        share = float(warning_rule["share"])
        threshold = share * limit.value
        warning = state.warning = state.warning or Debounce()
        warning.step(judged, t, threshold, threshold * clear_share, limit.value)
        warning_open = self.is_open(factor, AlarmKind.EARLY_WARNING)
        if warning_open and over_open:
            self.emit(False, factor, AlarmKind.EARLY_WARNING, rule="realtime.escalated")
        elif warning_open and warning.may_clear(t, clear_minutes):
            self.emit(False, factor, AlarmKind.EARLY_WARNING, rule="realtime.cleared")
        elif over_open or judged > limit.value or judged <= threshold:
            return  # over the limit it is the real-time exceedance's value, not the warning's
        elif warning_open or warning.may_raise(t, raise_minutes, min_values):
            self.emit(
                True,
                factor,
                AlarmKind.EARLY_WARNING,
                value=judged if warning_open else warning.peak,
                limit=limit.value,
                rule="early_warning",
                since=None if warning_open else warning.since,
                occurrences=1 if warning_open else warning.count,
                evidence=self._realtime_evidence(limit, judged, warning, debounce)
                | {"share": share, "threshold": threshold},
            )

    @staticmethod
    def _realtime_evidence(
        limit: Limit, judged: float, run: Debounce, debounce: dict[str, Any], *, ratio: bool = False
    ) -> dict[str, Any]:
        evidence = {
            "value": judged,
            "limit": limit.value,
            "unit": limit.unit,
            "standard": limit.standard,
            "since": run.since,
            "values": run.count,
            "raise_minutes": debounce["raise_minutes"],
            "clear_minutes": debounce["clear_minutes"],
            "clear_share": debounce["clear_share"],
        }
        if ratio:
            evidence["ratio"] = round(judged / limit.value, 3) if limit.value else None
        return evidence

    def band_severity(
        self, state: SeriesState, kind: str, limit: Limit, judged: float, t: int, period: int
    ) -> str:
        """The worst severity band the series is in now: at or above ``ratio`` × the limit
        without a break for at least ``minutes`` (an hourly value stands for its hour).
        Counts new data times only (a resend moves no run); "" when no band applies."""
        bands = self.rule("monitoring.severity_bands").get(str(kind), [])
        if not bands or not limit.value:
            return ""
        runs = state.bands
        if runs is None or len(runs) != len(bands):
            runs = state.bands = [None] * len(bands)
        fresh = t > state.last_time
        found = ""
        for i, band in enumerate(bands):
            if judged >= float(band["ratio"]) * limit.value:
                if runs[i] is None and fresh:
                    runs[i] = t
            elif fresh:
                runs[i] = None
            start = runs[i]
            if start is None:
                continue
            lasted = t - start + PERIOD_SECONDS.get(period, 0)
            if lasted >= float(band.get("minutes", 0)) * 60:
                severity = str(band["severity"])
                if not found or SEVERITY_ORDER.index(severity) < SEVERITY_ORDER.index(found):
                    found = severity
        return found

    def flag_run(self, r: StreamReading, state: SeriesState) -> None:
        setting = self.rule("monitoring.flag_run")
        if r.flag and r.flag in setting["flags"]:
            if state.run_start is None:
                state.run_start = r.data_time
            minutes = (r.data_time - state.run_start) / 60
            if minutes >= float(setting["minutes"]):
                self.emit(
                    True,
                    r.factor_code,
                    AlarmKind.FLAG_RUN,
                    rule="flag_run",
                    evidence={
                        "flag": r.flag,
                        "since": state.run_start,
                        "minutes": round(minutes),
                        "threshold_minutes": setting["minutes"],
                    },
                )
        elif state.run_start is not None:
            state.run_start = None
            self.emit(False, r.factor_code, AlarmKind.FLAG_RUN)

    def stuck_and_zero(self, r: StreamReading, state: SeriesState, limit: Limit | None) -> None:
        period = str(r.period)
        state.same = state.same + 1 if r.value == state.last_value else 1
        stuck_after = self.rule("monitoring.stuck_repeats").get(period)
        if stuck_after and state.same >= int(stuck_after):
            self.emit(
                True,
                r.factor_code,
                AlarmKind.STUCK,
                value=r.value,
                rule="stuck",
                evidence={"value": r.value, "repeats": state.same, "threshold": stuck_after},
            )
        elif state.same == 1:
            self.emit(False, r.factor_code, AlarmKind.STUCK)
        if limit is None:
            return  # zero is suspicious for a concentration under a limit, not for a flow
        state.zeros = state.zeros + 1 if r.value == 0 else 0
        zero_after = self.rule("monitoring.zero_repeats").get(period)
        if zero_after and state.zeros >= int(zero_after):
            self.emit(
                True,
                r.factor_code,
                AlarmKind.ZERO,
                value=0.0,
                rule="zero",
                evidence={"repeats": state.zeros, "threshold": zero_after},
            )
        elif state.zeros == 0:
            self.emit(False, r.factor_code, AlarmKind.ZERO)

    def near_limit(self, r: StreamReading, state: SeriesState, limit: Limit, judged: float) -> None:
        setting = self.rule("monitoring.near_limit")
        size = int(setting["window_hours"])
        state.window.append(float(setting["low"]) * limit.value <= judged <= limit.value)
        while len(state.window) > size:
            state.window.popleft()
        if len(state.window) < size:
            return
        share = sum(state.window) / size
        if share >= float(setting["share"]):
            self.emit(
                True,
                r.factor_code,
                AlarmKind.NEAR_LIMIT,
                value=judged,
                limit=limit.value,
                rule="near_limit",
                evidence={
                    "share": round(share, 3),
                    "window": size,
                    "low": setting["low"],
                    "threshold_share": setting["share"],
                    "limit": limit.value,
                },
            )
        else:
            self.emit(False, r.factor_code, AlarmKind.NEAR_LIMIT)

    # per data time -----------------------------------------------------------------------
    def contradictions(self, validity_table: dict[str, str]) -> None:
        """Oxygen or flow that contradict the concentrations of the same time (rules_cn §3.6)."""
        setting = self.rule("monitoring.contradiction")
        valid = {
            code: r.value
            for code, r in self.by_factor.items()
            if r.value is not None and flag_validity(r.flag, validity_table) == VALID
        }
        concentrations = {
            code: value
            for code, value in valid.items()
            if code in self.ctx.limits
            and value > float(setting["min_share"]) * self.ctx.limits[code].value
        }
        o2 = valid.get(O2_FACTOR)
        converted = [c for c in concentrations if self.ctx.limits[c].reference_o2 is not None]
        if o2 is not None and converted:
            if o2 >= float(setting["o2_max"]):
                self.emit(
                    True,
                    O2_FACTOR,
                    AlarmKind.CONTRADICTION,
                    value=o2,
                    rule="contradiction.o2",
                    evidence={
                        "o2": o2,
                        "o2_max": setting["o2_max"],
                        "concentrations": {c: valid[c] for c in converted},
                    },
                )
            else:
                self.emit(False, O2_FACTOR, AlarmKind.CONTRADICTION)
        for flow_code in setting["flow_factors"]:
            flow = valid.get(flow_code)
            if flow is None:
                continue
            if flow <= 0 and concentrations:
                self.emit(
                    True,
                    flow_code,
                    AlarmKind.CONTRADICTION,
                    value=flow,
                    rule="contradiction.flow",
                    evidence={"flow": flow, "concentrations": concentrations},
                )
            elif flow > 0:
                self.emit(False, flow_code, AlarmKind.CONTRADICTION)
