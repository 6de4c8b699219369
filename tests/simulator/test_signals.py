"""Values follow their kind's range; faults change them the way they say."""

from __future__ import annotations

import random

from qingshan.simulator import GAS_FACTORS, WATER_FACTORS, Faults
from qingshan.simulator.signals import DeviceSignals, kind_of

DAY = [1_772_000_000 + 600 * i for i in range(144)]


def test_ph_and_oxygen_stay_in_their_ranges_over_a_day() -> None:
    water = DeviceSignals(WATER_FACTORS, Faults(), random.Random(3))
    ph = [water.values(t)[WATER_FACTORS.index("w01001")] for t in DAY]
    assert min(ph) >= 6.0 and max(ph) <= 9.0
    gas = DeviceSignals(GAS_FACTORS, Faults(), random.Random(3))
    o2 = [gas.values(t)[GAS_FACTORS.index("a19001")] for t in DAY]
    assert min(o2) >= 7.0 and max(o2) <= 13.0
    assert max(o2) - min(o2) > 2.0  # a daily cycle, not a constant


def test_exceedances_go_above_the_limit() -> None:
    gas = DeviceSignals(GAS_FACTORS, Faults(exceed=1.0, exceed_factor=2.0), random.Random(1))
    for t in DAY[:20]:
        values = gas.values(t)
        assert any(
            (limit := kind_of(code).limit) is not None and v >= 2.0 * limit
            for code, v in zip(GAS_FACTORS, values, strict=True)
        )


def test_zero_and_stuck_values() -> None:
    zero = DeviceSignals(WATER_FACTORS, Faults(zero=1.0), random.Random(1))
    assert zero.values(DAY[0]) == [0.0] * len(WATER_FACTORS)
    stuck = DeviceSignals(WATER_FACTORS, Faults(stuck=1.0), random.Random(1))
    series = [stuck.values(t) for t in DAY[:30]]
    constant = [i for i in range(len(WATER_FACTORS)) if len({s[i] for s in series}) == 1]
    assert len(constant) == 1
