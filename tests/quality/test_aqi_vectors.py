"""Every row of shared/testdata/aqi_vectors.csv, reproduced exactly by the row-by-row path
and by the vectorised path."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from qingshan.quality.aqi import Report, compute_aqi
from qingshan.quality.aqi_vector import compute_aqi_arrays
from qingshan.quality.standards import aqi_standard_by_code

from .helpers import read_vectors

VECTORS = read_vectors("aqi_vectors.csv")


def _measurement(key: str, report: Report) -> str:
    """Vector keys (``PM2.5_24h``, ``SO2_1h``) → measurement names (``pm25_24h``, ``so2``)."""
    name = key.replace("PM2.5", "PM25").lower()
    if report is Report.HOURLY and name.endswith("_1h"):
        name = name[: -len("_1h")]
    return name


def _inputs(row: dict[str, str]) -> tuple[Report, dict[str, Any]]:
    report = Report.HOURLY if row["report"] == "realtime" else Report.DAILY
    raw = json.loads(row["inputs"], parse_float=str, parse_int=str)
    return report, {_measurement(k, report): v for k, v in raw.items()}


def _by_pollutant(iaqi: dict[str, int]) -> dict[str, int]:
    """The vectors name one O3 IAQI: the larger of the 1-h and 8-h ones."""
    out = {k: v for k, v in iaqi.items() if k != "O3_8h"}
    if "O3_8h" in iaqi:
        out["O3"] = max(iaqi["O3_8h"], out.get("O3", 0))
    return out


def _names(field: str) -> set[str]:
    return set() if field == "-" else set(field.split("|"))


def _collapse(names: tuple[str, ...]) -> set[str]:
    return {"O3" if n == "O3_8h" else n for n in names}


@pytest.mark.parametrize("row", VECTORS, ids=[r["case"] for r in VECTORS])
def test_row_by_row_reproduces_vector(row: dict[str, str]) -> None:
    report, inputs = _inputs(row)
    standard = aqi_standard_by_code(row["standard"])
    result = compute_aqi(inputs, report=report, standard=standard)
    band = result.band
    assert result.aqi == int(row["expected_aqi"])
    assert _by_pollutant(dict(result.iaqi)) == json.loads(row["expected_iaqi"])
    assert _collapse(result.primary_pollutants) == _names(row["expected_primary"])
    assert _collapse(result.exceeding_pollutants) == _names(row["expected_exceeding"])
    assert band is not None
    assert band.level == row["expected_level"]
    assert band.category == row["expected_category"]
    assert band.colour == row["expected_colour"]
    assert ",".join(map(str, band.rgb)) == row["expected_rgb"]


@pytest.mark.parametrize("row", VECTORS, ids=[r["case"] for r in VECTORS])
def test_vectorised_reproduces_vector(row: dict[str, str]) -> None:
    report, inputs = _inputs(row)
    standard = aqi_standard_by_code(row["standard"])
    arrays = {k: np.array([np.nan if v is None else float(v)]) for k, v in inputs.items()}
    result = compute_aqi_arrays(arrays, report=report, standard=standard)
    iaqi = {slot: int(a[0]) for slot, a in result.iaqi.items() if a[0] >= 0}
    assert int(result.aqi[0]) == int(row["expected_aqi"])
    assert _by_pollutant(iaqi) == json.loads(row["expected_iaqi"])
    assert _collapse(result.primary_names(0)) == _names(row["expected_primary"])
    assert _collapse(result.exceeding_names(0)) == _names(row["expected_exceeding"])
