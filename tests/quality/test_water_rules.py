"""GB 3838-2002 limits at each boundary and the 2011 method's rules beyond the vectors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingshan.quality.water import (
    assess_section,
    average_samples,
    exceedance_multiple,
    format_main_pollutants,
    item_class,
    river_status,
)
from qingshan.quality.water_standards import GB3838_2002, Direction, WaterBody, WaterClass

ITEMS = [i for i in GB3838_2002.items if i.direction is not Direction.RANGE]


@pytest.mark.parametrize("body", list(WaterBody))
@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.code)
def test_each_limit_belongs_to_the_best_class_that_has_it(item: object, body: WaterBody) -> None:
    spec = GB3838_2002.item(item.code)  # type: ignore[attr-defined]
    limits = spec.limits_for(body)
    for limit in limits:
        best = min(i for i, other in enumerate(limits) if other == limit)
        assert item_class(spec.code, limit, water_body=body) == WaterClass(best + 1)
    worse_than_v = (
        limits[-1] - Decimal("0.0001") if spec.direction is Direction.AT_LEAST else limits[-1] * 2
    )
    assert item_class(spec.code, worse_than_v, water_body=body) is WaterClass.WORSE_THAN_V


def test_zero_is_classified() -> None:
    assert item_class("nh3n", 0) is WaterClass.I
    assert item_class("do", 0) is WaterClass.WORSE_THAN_V


@pytest.mark.parametrize(
    ("ph", "expected"), [("5.99", "劣V"), ("6", "I"), ("9", "I"), ("9.01", "劣V")]
)
def test_ph_range(ph: str, expected: str) -> None:
    assert item_class("ph", ph).label == expected


@given(st.sampled_from(ITEMS), st.decimals(0, 50000, places=5), st.decimals(0, 50000, places=5))
def test_class_is_monotone_in_the_value(item: object, a: Decimal, b: Decimal) -> None:
    code = item.code  # type: ignore[attr-defined]
    lo, hi = item_class(code, min(a, b)), item_class(code, max(a, b))
    if GB3838_2002.item(code).direction is Direction.AT_LEAST:
        assert lo >= hi
    else:
        assert lo <= hi


def test_section_class_ignores_tn_and_fecal_coliform() -> None:
    section = assess_section({"tn": 5, "fecal_coliform": 100000, "nh3n": "0.1"})
    assert section.water_class is WaterClass.I
    assert section.item_classes["tn"] is WaterClass.WORSE_THAN_V


def test_cyanide_and_heavy_metals_come_first_when_they_exceed() -> None:
    section = assess_section({"cod": 60, "nh3n": 5, "tp": 1, "cn": "0.21", "pb": "0.06"})
    names = [p.item for p in section.main_pollutants]
    assert names == ["cn", "pb", "nh3n"]  # both priority; cn is 劣V, pb is V


def test_no_main_pollutants_at_class_iii_or_better() -> None:
    assert assess_section({"nh3n": 1, "do": 5}).main_pollutants == ()


def test_main_pollutant_text() -> None:
    section = assess_section({"do": "1", "nh3n": "2.4"})
    assert format_main_pollutants(section.main_pollutants) == "nh3n(1.4);do"


def test_exceedance_multiple_only_for_items_above_iii() -> None:
    assert exceedance_multiple("nh3n", "1.0") is None
    assert exceedance_multiple("do", "1") is None
    assert exceedance_multiple("tp", "0.06", water_body="lake") == Decimal("0.2")


def test_sections_without_classifying_items_have_no_class() -> None:
    section = assess_section({"tn": 1})
    assert section.water_class is None and section.status is None


def test_unknown_items_and_bodies_are_refused() -> None:
    with pytest.raises(KeyError):
        assess_section({"chla": 1})
    with pytest.raises(ValueError):
        assess_section({"tp": 1}, water_body="sea")


def test_river_of_fewer_than_5_sections_averages_items() -> None:
    with pytest.raises(ValueError):
        river_status([WaterClass.II] * 4)
    mean = average_samples([{"nh3n": "0.4", "tp": None}, {"nh3n": "1.2", "tp": "0.1"}])
    assert mean == {"nh3n": Decimal("0.8"), "tp": Decimal("0.1")}
    assert assess_section(mean).water_class is WaterClass.III


@pytest.mark.parametrize(
    ("classes", "status"),
    [
        ("I I I I I I I I I 劣V", "优"),  # I–III 90 %
        ("I I I I I I I I IV IV", "良好"),  # 80 %
        ("I I I I I I I IV IV IV", "轻度污染"),  # 70 %, 劣V 0
        ("I I I I I I I IV 劣V 劣V", "中度污染"),  # 劣V 20 %
        ("I I I I I I IV 劣V 劣V 劣V", "中度污染"),  # 劣V 30 %
        ("I I I I I I 劣V 劣V 劣V 劣V", "重度污染"),  # 劣V 40 %
    ],
)
def test_river_status_boundaries(classes: str, status: str) -> None:
    assert river_status([WaterClass.from_label(c) for c in classes.split()]).word == status


def test_class_labels() -> None:
    assert [c.label for c in WaterClass] == ["I", "II", "III", "IV", "V", "劣V"]
    assert WaterClass.from_label("Ⅳ") is WaterClass.IV
    with pytest.raises(ValueError):
        WaterClass.from_label("VI")
