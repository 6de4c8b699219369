"""Every row of shared/testdata/water_vectors.csv, reproduced exactly."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from qingshan.quality.water import (
    assess_section,
    item_class,
    river_status,
    river_trend,
    share_iii_or_better,
    share_worse_than_v,
    trophic_state,
)
from qingshan.quality.water_standards import WaterClass

from .helpers import read_vectors

VECTORS = read_vectors("water_vectors.csv")

#: Vector item names → code names (GLOSSARY / CLI columns).
ITEM_CODES = {
    "pH": "ph", "DO": "do", "CODMn": "codmn", "COD": "cod", "BOD5": "bod5", "NH3-N": "nh3n",
    "TP": "tp", "TN": "tn", "Cu": "cu", "Zn": "zn", "F": "f", "Se": "se", "As": "as",
    "Hg": "hg", "Cd": "cd", "Cr6+": "cr6", "Pb": "pb", "CN": "cn", "VolatilePhenol": "phenol",
    "Petroleum": "oil", "LAS": "las", "Sulfide": "s", "FecalColiform": "fecal_coliform",
}  # fmt: skip
VECTOR_NAMES = {v: k for k, v in ITEM_CODES.items()}


def _cases(prefix_test: str) -> list[dict[str, str]]:
    return [r for r in VECTORS if _kind(r) == prefix_test]


def _kind(row: dict[str, str]) -> str:
    inputs = json.loads(row["inputs"])
    if "section_classes" in inputs:
        return "river"
    if "G1" in inputs:
        return "trend"
    if "chla_mg_m3" in inputs:
        return "tli"
    if row["expected_item_class"].startswith("{"):
        return "section"
    return "item"


def _inputs(row: dict[str, str]) -> dict[str, Any]:
    return json.loads(row["inputs"], parse_float=Decimal, parse_int=Decimal)


def _ids(rows: list[dict[str, str]]) -> list[str]:
    return [r["case"] for r in rows]


def test_every_vector_is_covered() -> None:
    kinds = [_kind(r) for r in VECTORS]
    assert len(kinds) == 41 and set(kinds) == {"item", "section", "river", "trend", "tli"}


@pytest.mark.parametrize("row", _cases("item"), ids=_ids(_cases("item")))
def test_item_class(row: dict[str, str]) -> None:
    inputs = _inputs(row)
    body = inputs.pop("water_body")
    ((name, value),) = inputs.items()
    got = item_class(ITEM_CODES[name], value, water_body=body)
    assert got.label == row["expected_item_class"]


@pytest.mark.parametrize("row", _cases("section"), ids=_ids(_cases("section")))
def test_section(row: dict[str, str]) -> None:
    inputs = _inputs(row)
    body = inputs.pop("water_body")
    section = assess_section({ITEM_CODES[k]: v for k, v in inputs.items()}, water_body=body)
    got_items = {VECTOR_NAMES[k]: c.label for k, c in section.item_classes.items()}
    assert got_items == json.loads(row["expected_item_class"])
    assert section.water_class is not None and section.status is not None
    assert section.water_class.label == row["expected_section_class"]
    assert str(section.status) == row["expected_status"]
    expected = row["expected_main_pollutants"]
    got = "|".join(
        VECTOR_NAMES[p.item] + (f"({format(p.multiple.normalize(), 'f')})" if p.multiple else "")
        for p in section.main_pollutants
    )
    assert got == ("" if expected == "-" else expected)


@pytest.mark.parametrize("row", _cases("river"), ids=_ids(_cases("river")))
def test_river_status(row: dict[str, str]) -> None:
    classes = [WaterClass.from_label(c) for c in json.loads(row["inputs"])["section_classes"]]
    good, worst = share_iii_or_better(classes), share_worse_than_v(classes)
    assert f"I-III {good:f}%, 劣V {worst:f}%" == row["expected_section_class"]
    assert str(river_status(classes)) == row["expected_status"]


@pytest.mark.parametrize("row", _cases("trend"), ids=_ids(_cases("trend")))
def test_trend(row: dict[str, str]) -> None:
    i = _inputs(row)
    trend = river_trend(i["G1"], i["D1"], i["G2"], i["D2"])
    assert f"dG-dD={trend.delta}" == row["expected_section_class"]
    assert trend.word == row["expected_status"]


@pytest.mark.parametrize("row", _cases("tli"), ids=_ids(_cases("tli")))
def test_trophic_state(row: dict[str, str]) -> None:
    i = json.loads(row["inputs"])
    state = trophic_state(
        chla=i["chla_mg_m3"], tp=i["TP_mg_L"], tn=i["TN_mg_L"], sd=i["SD_m"], codmn=i["CODMn_mg_L"]
    )
    expected = json.loads(row["expected_item_class"])
    assert {k: state.items[k.lower()] for k in expected} == expected
    assert f"TLI={state.tli}" == row["expected_section_class"]
    assert state.state == row["expected_status"]
