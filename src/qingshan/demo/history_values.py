"""What a demo point's logger would have sent on one past day: pure computation, no database.

The values come from the simulator's own signal model (``simulator.signals``): each
point's :class:`DeviceSignals` is built exactly as the demo's simulator builds it for the
same device (same seed, same place in the device file), so the site scale and the hour of
the daily peak of the history are those of the live data that follow it, and the chart
has no step where the two meet. Minute values are ``period()`` over ten minutes, hourly
values ``period()`` over the hour, as the simulated logger computes them; where minute
values exist, the hour is their aggregate and the day is always the aggregate of its
hours, so the three views agree.

On top of the signals, *spells*: what happens to a real point in three months. Each is
deterministic per seed and point:

=============  ============================================  =====================
spell          what the data show                            declared
=============  ============================================  =====================
offline        no value at all (the logger was not heard)    sometimes, as a fault
maintenance    every factor flagged M                        mostly, in advance
shutdown       days of F flags, stack O2 near air's          nearly always
fault          one analyser flagged D, reading low           half the time
exceed         one factor over its permit limit (flag N)     never: not excusable
stuck          one factor on one value for hours (flag N)    never (nobody noticed)
zero           one factor reading 0 for hours (flag N)       never
claimed        nothing: a declaration the data contradict    rejected by the bureau
=============  ============================================  =====================

Alarms already on record for a point (the demo enterprise's story) become *forced*
spells: the data then show what the alarm says (a daily mean over the limit, an analyser
stuck on its value), and no random spell overlaps them.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from qingshan.core.chinatime import china_day_start_of_epoch
from qingshan.monitoring.conversion import O2_FACTOR, judged_value
from qingshan.simulator.ambient import kinds_for
from qingshan.simulator.devices import DeviceSpec
from qingshan.simulator.signals import DeviceSignals, Faults, Kind, kind_of

HOUR, DAY = 3600, 86400
MINUTE, HOURLY, DAILY = 2, 3, 4  # monitoring.choices.PeriodKind
# kind → (mean days between two, shortest and longest in hours, chance it is declared)
SPELLS: dict[str, tuple[float, int, int, float]] = {
    "offline": (40.0, 1, 30, 0.3),
    "maintenance": (45.0, 2, 6, 0.85),
    "fault": (60.0, 2, 12, 0.5),
    "exceed": (20.0, 1, 4, 0.0),
    "stuck": (120.0, 6, 18, 0.0),
    "zero": (150.0, 2, 6, 0.0),
}
SHUTDOWN_SHARE, SHUTDOWN_DAYS = 0.25, (1, 4)  # points with one shutdown in the window
REJECTED = 0.05  # share of planned declarations the data contradict
DECLARED_AS = {"offline": "fault", "maintenance": "maintenance", "fault": "fault"}
DECLARED_AS["shutdown"] = "shutdown"
FLAG_OF = {"maintenance": "M", "shutdown": "F", "fault": "D"}
Row = tuple[int, str, int, int, float, float, float, None, float | None, str, str, int]


@dataclass(frozen=True, slots=True)
class FactorLimit:
    """The permit limit a factor is judged on (``permits.PermitLimit``, as plain numbers)."""

    value: float
    reference_o2: float | None = None


@dataclass(slots=True)
class PointSpec:
    """One demo point as the history needs it: identity, factors and their behaviour."""

    point_id: int
    enterprise_id: int
    region_code: str
    mn: str
    codes: tuple[str, ...]
    kinds: list[Kind]
    decimals: list[int]
    zs: list[bool]  # the logger also sends the O2-converted value
    limits: dict[int, FactorLimit]  # factor index → its (hourly, else daily) limit
    o2: int  # index of O2 among the factors, -1 if not measured
    order: list[int]  # factor indexes in code order (the readings' key order)
    signals: DeviceSignals
    rng: random.Random  # the signals' own stream, seeded again for each day
    levels: dict[int, float] = field(default_factory=dict)  # day → production level

    @classmethod
    def of(
        cls,
        spec: DeviceSpec,
        signals: tuple[DeviceSignals, random.Random],
        *,
        enterprise_id: int,
        region_code: str,
    ) -> PointSpec:
        kinds = [(kinds_for(spec.st) or {}).get(c) or kind_of(c) for c in spec.factors]
        codes = spec.factors
        device, rng = signals
        return cls(
            point_id=spec.point_id or 0,
            enterprise_id=enterprise_id,
            region_code=region_code,
            mn=spec.mn,
            codes=codes,
            kinds=kinds,
            decimals=device.decimals(),
            zs=list(device.zs),
            limits={},
            o2=codes.index(O2_FACTOR) if O2_FACTOR in codes else -1,
            order=sorted(range(len(codes)), key=codes.__getitem__),
            signals=device,
            rng=rng,
        )


@dataclass(slots=True)
class Spell:
    kind: str
    start: int  # epoch seconds, on the hour
    end: int
    factor: int = -1  # the factor it touches; -1: the whole point
    target: float = 0.0  # exceed: the judged value; stuck: the value kept
    daily: bool = False  # exceed: the day's mean reaches ``target`` (a daily-basis alarm)
    declared: str = ""  # DeclarationKind, "" when the enterprise said nothing
    rejected: bool = False
    forced: bool = False  # from an alarm on record

    def covers(self, t: int) -> bool:
        return self.start <= t < self.end


@dataclass(frozen=True, slots=True)
class Window:
    """The history's bounds: hours and days before ``end``, minutes before ``minutes_end``."""

    start: int  # China midnight, the first day
    end: int  # the hour the load started in: no hourly value from it on
    minutes_start: int
    minutes_end: int  # the ten minutes the load started in
    quiet: int  # no spell reaches past this (the live checks look at the last hours)
    step: int = 600  # the simulator's minute interval


def simulator_signals(
    specs: Sequence[DeviceSpec], seed: int
) -> list[tuple[DeviceSignals, random.Random]]:
    """The signals of each device as ``qingshan simulate --seed`` builds them: the
    simulation hands device ``i`` of the file ``Random(master.getrandbits(64))``, the
    logger draws once for its hostility, and ``DeviceSignals`` draws the site's scales
    and peak hour. No faults here: the history's spells are its own. Each comes with the
    random stream it draws from, which the history seeds again per day."""
    master = random.Random(seed)
    out = []
    for spec in specs:
        rng = random.Random(master.getrandbits(64))
        rng.random()  # simulator.logger.Logger: hostile or not
        out.append((DeviceSignals(spec.factors, Faults(), rng, kinds_for(spec.st)), rng))
    return out


# a day's production level about 1 ± 0.12, one day much like the day before
LEVEL_SPREAD, LEVEL_KEEP = 0.12, 0.8


def day_levels(point: PointSpec, window: Window, seed: int) -> dict[int, float]:
    """Each day's production level: the simulator's cycle is the same every day, a
    plant's output is not. It eases to 1 over the last days, where the live data (at 1)
    take over."""
    rng = random.Random(f"{seed}:{point.mn}:levels")
    newest = china_day_start_of_epoch(window.end - 1)
    sigma = LEVEL_SPREAD * math.sqrt(1.0 - LEVEL_KEEP**2)
    z, levels = rng.gauss(0.0, LEVEL_SPREAD), {}
    for day in range(window.start, newest + DAY, DAY):
        z = LEVEL_KEEP * z + rng.gauss(0.0, sigma)
        back = (newest - day) // DAY
        levels[day] = 1.0 + (math.exp(z) - 1.0) * min(1.0, back / 3.0)
    return levels


# ── spells ──────────────────────────────────────────────────────────────────────


def random_spells(point: PointSpec, window: Window, seed: int) -> list[Spell]:
    """The point's spells in the window, from a random stream of its own."""
    rng = random.Random(f"{seed}:{point.mn}:spells")
    spells: list[Spell] = []
    for kind, (every, shortest, longest, declared) in SPELLS.items():
        t = window.start + rng.expovariate(1.0 / every) * DAY
        while t < window.quiet:
            start = int(t) // HOUR * HOUR
            end = min(start + rng.randint(shortest, longest) * HOUR, window.quiet)
            spell = _spell(kind, start, end, point, rng, declared)
            if spell is not None:
                spells.append(spell)
            t += rng.expovariate(1.0 / every) * DAY
    if rng.random() < SHUTDOWN_SHARE:
        days = rng.randint(*SHUTDOWN_DAYS)
        first = china_day_start_of_epoch(
            window.start + int(rng.random() * (window.quiet - window.start))
        )
        end = min(first + days * DAY, window.quiet)
        if end > first:
            spells.append(Spell("shutdown", first, end, declared="shutdown"))
    for spell in spells:
        planned = spell.kind in ("maintenance", "shutdown")
        if spell.declared and planned and rng.random() < REJECTED:
            spell.rejected = True  # declared, but the data show the plant ran
    for spell in spells:
        if spell.kind == "stuck":  # the value it sticks at: the signal at its start
            spell.target = _value_at(point, spell)
    return spells


def _spell(
    kind: str, start: int, end: int, point: PointSpec, rng: random.Random, declared: float
) -> Spell | None:
    factor = -1
    target = 0.0
    if kind == "exceed":
        if not point.limits:
            return None
        factor = rng.choice(sorted(point.limits))
        target = point.limits[factor].value * rng.uniform(1.1, 1.8)
    elif kind in ("fault", "stuck", "zero"):
        factor = rng.randrange(len(point.codes))
    said = DECLARED_AS.get(kind, "") if rng.random() < declared else ""
    return Spell(kind, start, end, factor, target, declared=said)


def _value_at(point: PointSpec, spell: Spell) -> float:
    point.rng.seed(f"stuck:{point.mn}:{spell.start}")
    value = point.signals.values(spell.start + HOUR // 2)[spell.factor]
    return round(value, point.decimals[spell.factor])


@dataclass(frozen=True, slots=True)
class AlarmFact:
    """What an alarm on record says of a point's data (``monitoring.Alarm``)."""

    factor_code: str
    kind: str  # exceedance / stuck
    period: int
    first_at: int
    last_at: int
    occurrences: int
    worst: float | None
    limit: float | None
    threshold: int  # stuck: the repeats before it was raised


def forced_spells(point: PointSpec, alarms: Iterable[AlarmFact]) -> list[Spell]:
    """Spells that make the data say what the point's alarms say."""
    spells: list[Spell] = []
    for alarm in alarms:
        if alarm.factor_code not in point.codes or alarm.worst is None:
            continue
        factor = point.codes.index(alarm.factor_code)
        step = DAY if alarm.period == DAILY else HOUR
        if alarm.kind == "stuck":
            start = alarm.first_at - (alarm.threshold - 1) * step
            spells.append(
                Spell("stuck", start, alarm.last_at + step, factor, alarm.worst, forced=True)
            )
            continue
        times = list(range(alarm.first_at, alarm.last_at + 1, step))
        if len(times) != alarm.occurrences:
            times = sorted({alarm.first_at, alarm.last_at})
        limit = alarm.limit or alarm.worst
        for t in times:
            # the worst at the last time; the others between the limit and the worst
            target = alarm.worst if t == times[-1] else (limit + alarm.worst) / 2.0
            spells.append(
                Spell("exceed", t, t + step, factor, target, daily=step == DAY, forced=True)
            )
    return spells


def spells_merge(random_ones: list[Spell], forced: list[Spell]) -> list[Spell]:
    """Forced spells win: a random spell touching one of their periods is dropped."""
    kept = [s for s in random_ones if not any(s.start < f.end and f.start < s.end for f in forced)]
    return kept + forced


# ── one day of one point ───────────────────────────────────────────────────────


class Sample:
    """One period's values of every factor: minimum, average, maximum, converted, flag."""

    __slots__ = ("avg", "flags", "high", "low", "t", "zs")

    def __init__(self, t: int, low: list[float], avg: list[float], high: list[float]) -> None:
        self.t, self.low, self.avg, self.high = t, low, avg, high
        self.zs: list[float] = []
        self.flags = ["N"] * len(avg)

    def scale(self, i: int, f: float) -> None:
        self.low[i] *= f
        self.avg[i] *= f
        self.high[i] *= f
        if self.zs:
            self.zs[i] *= f

    def fix(self, i: int, value: float) -> None:
        self.low[i] = self.avg[i] = self.high[i] = value
        if self.zs:
            self.zs[i] = value


def _sample(signals: DeviceSignals, t: int) -> Sample:
    """An hour as the simulated logger computes it: ``period()`` at its middle."""
    low, avg, high = signals.period(t + HOUR // 2)
    sample = Sample(t, low, avg, high)
    sample.zs = signals.converted(avg, avg) if any(signals.zs) else []
    return sample


def _minutes(hour: Sample, times: range, rng: random.Random) -> list[Sample]:
    """The hour's minute values: around its average within its range, averaging to it
    (the mean of each factor's deviations is taken out), flagged as the hour. A value
    held fixed (stuck, zero: no range) stays fixed."""
    n = len(times)
    parts = [Sample(t, [], [], []) for t in times]
    for i, avg in enumerate(hour.avg):
        half = (hour.high[i] - hour.low[i]) / 4.0
        ups = [rng.random() * 2.0 - 1.0 for _ in times]
        mean = sum(ups) / n if n == 6 else 0.0  # a full hour averages to the hour exactly
        for part, up in zip(parts, ups, strict=True):
            value = avg + (up - mean) * half
            width = half * rng.random()
            part.avg.append(value)
            part.low.append(max(hour.low[i], value - width))
            part.high.append(min(hour.high[i], value + width))
    for part in parts:
        part.flags = list(hour.flags)
        if hour.zs:
            part.zs = [
                z * (v / a) if a else z for z, v, a in zip(hour.zs, part.avg, hour.avg, strict=True)
            ]
    return parts


def _aggregate(t: int, parts: list[Sample]) -> Sample:
    """The day over its hours: mean of the valid averages (of all where none is valid),
    lowest minimum, highest maximum, each factor's commonest flag."""
    n = len(parts[0].avg)
    low, avg, high, zs, flag = [], [], [], [], []
    for i in range(n):
        valid = [p for p in parts if p.flags[i] == "N"] or parts
        avg.append(sum(p.avg[i] for p in valid) / len(valid))
        low.append(min(p.low[i] for p in parts))
        high.append(max(p.high[i] for p in parts))
        if parts[0].zs:
            zs.append(sum(p.zs[i] for p in valid) / len(valid))
        flag.append(Counter(p.flags[i] for p in parts).most_common(1)[0][0])
    out = Sample(t, low, avg, high)
    out.zs, out.flags = zs, flag
    return out


def judged(point: PointSpec, sample: Sample, i: int) -> float | None:
    """The value the factor's limit is judged on (the converted one, where it says so)."""
    limit = point.limits.get(i)
    return judged_value(
        sample.avg[i],
        sent_converted=sample.zs[i] if sample.zs and point.zs[i] else None,
        o2_measured=sample.avg[point.o2] if point.o2 >= 0 else None,
        o2_reference=limit.reference_o2 if limit else None,
    )


def _affect(point: PointSpec, sample: Sample, spells: list[Spell]) -> None:
    """The hour's spells. A plant stopped or under maintenance shows that alone: an
    analyser's own trouble does not show through it."""
    spells = [s for s in spells if not s.rejected]
    whole = [s for s in spells if s.factor < 0]
    for spell in whole[:1] or spells:
        kind, i = spell.kind, spell.factor
        if kind == "shutdown":
            _idle(point, sample)
        elif kind == "maintenance":
            sample.flags = ["M"] * len(sample.flags)
        elif kind == "fault":
            sample.scale(i, 0.2)
            sample.flags[i] = "D"
        elif kind in ("stuck", "zero"):
            sample.fix(i, spell.target if kind == "stuck" else 0.0)
        elif kind == "exceed" and not spell.daily:
            now = judged(point, sample, i)
            if now:
                sample.scale(i, spell.target / now)


def _level(point: PointSpec, sample: Sample, level: float) -> None:
    """The day's production level on what depends on the site (pollutants, flows)."""
    if level != 1.0:
        for i, kind in enumerate(point.kinds):
            if kind.scaled and i != point.o2:
                sample.scale(i, level)


def _idle(point: PointSpec, sample: Sample) -> None:
    """A plant that stopped: pollutants and flows near nothing, stack O2 near air's."""
    for i, kind in enumerate(point.kinds):
        if i == point.o2:
            sample.fix(i, 20.6)
        elif kind.scaled:
            sample.scale(i, 0.05)
    sample.flags = ["F"] * len(sample.flags)


def _exceed_day(point: PointSpec, spell: Spell, hours: list[Sample]) -> None:
    """Scale the factor's hours so that the day's mean of valid hours is the target."""
    i = spell.factor
    values = [judged(point, h, i) for h in hours if h.flags[i] == "N"]
    numbers = [v for v in values if v]
    if not numbers:
        return
    f = spell.target / (sum(numbers) / len(numbers))
    for hour in hours:
        hour.scale(i, f)


@dataclass(slots=True)
class DayRows:
    minutes: list[Row] = field(default_factory=list)
    hours: list[Row] = field(default_factory=list)
    days: list[Row] = field(default_factory=list)


def point_hours(
    point: PointSpec, spells: list[Spell], day: int, window: Window, seed: int
) -> list[Sample]:
    """The hours of one China day of one point that its logger sent, spells applied, up
    to the hour the minutes end in (that one is not a complete hour yet); the same
    whichever day is computed first."""
    point.rng.seed(f"{seed}:{point.mn}:{day}")
    stop = min(day + DAY, -(-window.minutes_end // HOUR) * HOUR)
    mine = [s for s in spells if s.start < day + DAY and s.end > day]
    level = point.levels.get(day, 1.0)
    hours = []
    for h in range(day, stop, HOUR):
        sample = _sample(point.signals, h)  # drawn for every hour: the next ones do not move
        _level(point, sample, level)
        now = [s for s in mine if s.covers(h)]
        if any(s.kind == "offline" and not s.rejected for s in now):
            continue
        _affect(point, sample, now)
        hours.append(sample)
    for spell in mine:
        if spell.kind == "exceed" and spell.daily and spell.start == day:
            _exceed_day(point, spell, [h for h in hours if h.t < window.end])
    return hours


def point_day(
    point: PointSpec, spells: list[Spell], day: int, window: Window, seed: int, *, minutes: bool
) -> DayRows:
    """Hourly and daily rows of one day of one point, or (``minutes``) its minute rows."""
    hours = point_hours(point, spells, day, window, seed)
    rows = DayRows()
    if minutes:
        rng = random.Random(f"{seed}:{point.mn}:{day}:minutes")
        for hour in hours:
            times = range(hour.t, min(hour.t + HOUR, window.minutes_end), window.step)
            for part in _minutes(hour, times, rng):
                rows.minutes.extend(_rows(point, part, MINUTE, window.step))
        return rows
    complete = [h for h in hours if h.t < window.end]
    for hour in complete:
        rows.hours.extend(_rows(point, hour, HOURLY, HOUR))
    if complete and day + DAY <= window.end:
        rows.days.extend(_rows(point, _aggregate(day, complete), DAILY, DAY))
    return rows


def _rows(point: PointSpec, s: Sample, period: int, length: int) -> list[Row]:
    """The sample as reading rows, in the readings' key order, rounded as the logger prints."""
    received = (s.t + length) * 1000 + 5000  # a few seconds after the period, as sent
    pid, t, codes, decimals, zs_sent = point.point_id, s.t, point.codes, point.decimals, point.zs
    low, avg, high, zs, flags = s.low, s.avg, s.high, s.zs, s.flags
    out: list[Row] = []
    for i in point.order:
        d = decimals[i]
        value = round(avg[i], d)
        if not math.isfinite(value):
            continue
        converted = round(zs[i], d) if zs_sent[i] and zs else None
        out.append(
            (pid, codes[i], period, t, value, round(low[i], d), round(high[i], d), None,
             converted, flags[i], "", received)
        )  # fmt: skip
    return out
