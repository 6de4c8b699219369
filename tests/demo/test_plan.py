"""The demo city plan as data: deterministic, valid identifiers, plausible structure."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from qingshan.demo.geography import COUNTIES
from qingshan.demo.industries import DEMO_ENTERPRISE_NAME, PROFILES
from qingshan.demo.plan import build_city
from qingshan.demo.standards import LIMITS, SCENARIOS, in_unit
from qingshan.registry.validators import credit_code_problem

DAY = dt.date(2026, 3, 1)


def test_same_seed_same_city_and_another_seed_another() -> None:
    assert build_city(1, DAY) == build_city(1, DAY)
    other = build_city(2, DAY)
    assert [e.name for e in other.enterprises] != [e.name for e in build_city(1, DAY).enterprises]


def test_credit_codes_are_valid_and_carry_the_county() -> None:
    plan = build_city(7, DAY)
    for e in plan.enterprises:
        assert credit_code_problem(e.credit_code) is None, e.credit_code
        assert e.credit_code[2:8] == e.region_code
    assert len({e.credit_code for e in plan.enterprises}) == len(plan.enterprises)


def test_dyeing_is_the_largest_sector_and_concentrated_in_keqiao() -> None:
    plan = build_city(1, DAY)
    sectors = Counter(e.sector for e in plan.enterprises)
    assert sectors.most_common(1)[0][0] == "印染"
    dyeing = Counter(e.region_code for e in plan.enterprises if e.sector == "印染")
    assert dyeing.most_common(1)[0][0] == "330603"
    assert sum(e.name == DEMO_ENTERPRISE_NAME for e in plan.enterprises) == 1


def test_mn_are_24_alphanumerics_unique_and_passwords_six_characters() -> None:
    points = [p for _, _, p in build_city(1, DAY).points()]
    assert len({p.mn for p in points}) == len(points)
    for p in points:
        assert len(p.mn) == 24 and p.mn.isalnum(), p.mn
        assert len(p.password) == 6


def test_coordinates_lie_inside_their_county() -> None:
    for e in build_city(3, DAY).enterprises:
        county = COUNTIES[e.region_code]
        assert county.west <= e.longitude <= county.east
        assert county.south <= e.latitude <= county.north
        assert county.name in e.address


def test_every_scenario_an_outlet_names_has_limits() -> None:
    named = {o.scenario for p in PROFILES for o in p.outlets if o.scenario}
    assert named <= SCENARIOS


def test_limit_table_rows_are_unique_and_positive() -> None:
    keys = Counter((r.scenario, r.factor, r.basis) for r in LIMITS)
    assert max(keys.values()) == 1
    assert all(r.value > 0 and r.standard.startswith(("GB ", "DB33/")) for r in LIMITS)


def test_units_convert_to_the_catalogue_unit() -> None:
    hexavalent = next(r for r in LIMITS if r.factor == "w20117")
    assert in_unit(hexavalent.value, hexavalent.unit, "μg/L") == 200
