"""Reference-oxygen conversion (折算): the value a limit set at a reference O2 is judged on.

GB 13271-2014 §5.2 (also GB 13223-2011 §5.2, HJ 75-2017 appendix): the measured
concentration of flue gas is converted to the reference oxygen content of the source's
standard before it is compared with the limit:

    C_ref = C_meas × (21 − O2_ref) / (21 − O2_meas)

The logger's own converted value (``ZsRtd``/``ZsAvg``) is used when it sent one; this
computes it from the O2 (a19001) measured at the same point and time otherwise.
"""

from __future__ import annotations

O2_FACTOR = "a19001"  # HJ 212 code of oxygen content, %
AIR_O2 = 21.0
# Near-ambient O2 makes the divisor tiny and the result meaningless (a stopped fan, a
# leaking probe); above this, no converted value is computed and the reading is flagged
# for review instead. Platform default; sector standards say nothing of it.
MAX_MEASURED_O2 = 19.0


def converted_concentration(
    measured: float | None, *, o2_measured: float | None, o2_reference: float
) -> float | None:
    """``measured`` converted to ``o2_reference``; None if it cannot be computed."""
    if measured is None or o2_measured is None:
        return None
    if o2_measured < 0 or o2_measured > MAX_MEASURED_O2:
        return None
    return measured * (AIR_O2 - o2_reference) / (AIR_O2 - o2_measured)


def judged_value(
    measured: float | None,
    *,
    sent_converted: float | None,
    o2_measured: float | None,
    o2_reference: float | None,
) -> float | None:
    """The value a limit is judged on: converted when the limit has a reference O2."""
    if o2_reference is None:
        return measured
    if sent_converted is not None:
        return sent_converted
    return converted_concentration(measured, o2_measured=o2_measured, o2_reference=o2_reference)


def outside_limit(judged: float, upper: float | None, lower: float | None) -> bool:
    """Over the limit, or under its lower limit where it has one (a range: pH 6–9)."""
    return (upper is not None and judged > upper) or (lower is not None and judged < lower)
