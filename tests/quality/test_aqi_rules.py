"""Each special rule of HJ 633 at its boundary, row by row and vectorised."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest

from qingshan.quality.aqi import Report, aqi_for, compute_aqi, iaqi
from qingshan.quality.aqi_vector import compute_aqi_arrays, round_half_even
from qingshan.quality.standards import (
    HJ633_2012,
    HJ633_2026,
    IAQI_STEPS,
    AqiStandard,
    Column,
    aqi_standard_by_code,
)

BOTH = pytest.mark.parametrize("standard", [HJ633_2012, HJ633_2026], ids=lambda s: s.code)


def _aqi(values: dict[str, object], report: str, standard: AqiStandard) -> int | None:
    return compute_aqi(values, report=report, standard=standard).aqi  # type: ignore[arg-type]


@BOTH
def test_every_breakpoint_maps_to_its_own_iaqi(standard: AqiStandard) -> None:
    for column, limits in standard.breakpoints.items():
        for step, limit in zip(IAQI_STEPS, limits, strict=True):
            if limit is not None:
                assert iaqi(column, limit, standard=standard) == step, (column, limit)


def test_co_1h_grid_is_ceiled_exactly() -> None:
    # CO 1-h 60–90 mg/m³: IAQI = 200 + (c − 60)·100/30; in tenths t: 200 + (t − 600)/3.
    for tenths in range(600, 901):
        expected = 200 + math.ceil(Decimal(tenths - 600) / 3)
        c = Decimal(tenths).scaleb(-1)
        assert iaqi(Column.CO_1H, c, standard=HJ633_2012) == expected, c
        fast = compute_aqi_arrays({"co": [float(c)]}, report="hourly", standard=HJ633_2012)
        assert int(fast.aqi[0]) == expected, c


def test_float_input_means_its_decimal_text() -> None:
    assert iaqi(Column.CO_24H, 2.2, standard=HJ633_2012) == 55
    assert iaqi(Column.CO_1H, 65.4, standard=HJ633_2012) == 218


@BOTH
def test_so2_1h_at_800_is_200(standard: AqiStandard) -> None:
    assert _aqi({"so2": 800}, "hourly", standard) == 200


def test_so2_1h_above_800_uses_24h_mean_in_2012() -> None:
    result = compute_aqi({"so2": "800.1", "so2_24h": 300}, report="hourly", standard=HJ633_2012)
    assert result.iaqi == {"SO2": 124}
    assert any("note (2)" in f for f in result.flags)


def test_so2_1h_above_800_without_24h_mean_has_no_so2_iaqi_in_2012() -> None:
    result = compute_aqi({"so2": 900, "no2": 50}, report="hourly", standard=HJ633_2012)
    assert result.iaqi == {"NO2": 25}
    assert any("not computed" in f for f in result.flags)
    fast = compute_aqi_arrays({"so2": [900.0], "no2": [50.0]}, report="hourly", standard=HJ633_2012)
    assert int(fast.iaqi["SO2"][0]) == -1 and int(fast.aqi[0]) == 25


def test_so2_1h_above_800_is_200_in_2026_even_with_24h_mean() -> None:
    result = compute_aqi({"so2": "800.4", "so2_24h": 2000}, report="hourly", standard=HJ633_2026)
    # 800.4 rounds to 800 under 2026 rules: not above 800.
    assert result.iaqi == {"SO2": 200} and not result.flags
    result = compute_aqi({"so2": "801", "so2_24h": 2000}, report="hourly", standard=HJ633_2026)
    assert result.iaqi == {"SO2": 200} and result.flags


@BOTH
def test_o3_8h_at_800_is_300(standard: AqiStandard) -> None:
    assert _aqi({"o3_8h": 800}, "daily", standard) == 300


def test_o3_8h_above_800_uses_1h_in_2012() -> None:
    result = compute_aqi({"o3_8h": 801, "o3_1h": 1000}, report="daily", standard=HJ633_2012)
    assert result.iaqi == {"O3": 400}
    result = compute_aqi({"o3_8h": 801}, report="daily", standard=HJ633_2012)
    assert result.aqi is None and result.flags


def test_o3_8h_above_800_is_300_in_2026() -> None:
    result = compute_aqi({"o3_8h": 801, "o3_1h": 250}, report="daily", standard=HJ633_2026)
    assert result.iaqi == {"O3_8h": 300, "O3": 125}


@BOTH
def test_daily_report_includes_o3_daily_max_1h(standard: AqiStandard) -> None:
    result = compute_aqi({"o3_8h": 150, "o3_1h": 320}, report="daily", standard=standard)
    assert result.iaqi == {"O3_8h": 92, "O3": 160}
    assert result.primary_pollutants == ("O3",)


@BOTH
def test_hourly_pm_uses_1h_value_on_24h_column(standard: AqiStandard) -> None:
    expected = iaqi(Column.PM25_24H, 80, standard=standard)
    assert _aqi({"pm25": 80}, "hourly", standard) == expected


@BOTH
def test_primary_pollutant_only_above_50(standard: AqiStandard) -> None:
    assert compute_aqi({"pm25_24h": 35}, report="daily", standard=standard).primary_pollutants == ()
    assert compute_aqi({"pm25_24h": 36}, report="daily", standard=standard).primary_pollutants == (
        "PM2.5",
    )


@BOTH
def test_exceeding_only_above_100(standard: AqiStandard) -> None:
    at_100 = compute_aqi({"co_24h": 4}, report="daily", standard=standard)
    above = compute_aqi({"co_24h": "4.1"}, report="daily", standard=standard)
    assert at_100.exceeding_pollutants == () and above.exceeding_pollutants == ("CO",)


@BOTH
def test_above_top_breakpoint_is_500_and_flagged(standard: AqiStandard) -> None:
    at_top = compute_aqi({"pm25_24h": 500}, report="daily", standard=standard)
    above = compute_aqi({"pm25_24h": 501}, report="daily", standard=standard)
    assert (at_top.aqi, at_top.flags) == (500, ())
    assert above.aqi == 500 and "above the top breakpoint" in above.flags[0]
    fast = compute_aqi_arrays({"pm25_24h": [500.0, 501.0]}, report="daily", standard=standard)
    assert fast.aqi.tolist() == [500, 500] and fast.capped.tolist() == [False, True]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("35.5", 52), ("36.5", 52), ("35.4999", 50), ("37.5", 56)],
)
def test_2026_rounds_concentrations_half_even_before_iaqi(value: str, expected: int) -> None:
    assert _aqi({"pm25_24h": value}, "daily", HJ633_2026) == expected


@pytest.mark.parametrize(("value", "expected"), [("2.25", 55), ("2.35", 60), ("2.251", 58)])
def test_2026_rounds_co_to_a_tenth_half_even(value: str, expected: int) -> None:
    assert _aqi({"co_24h": value}, "daily", HJ633_2026) == expected
    fast = compute_aqi_arrays({"co_24h": [float(value)]}, report="daily", standard=HJ633_2026)
    assert int(fast.aqi[0]) == expected


def test_2012_does_not_round_concentrations() -> None:
    assert _aqi({"pm25_24h": "35.5"}, "daily", HJ633_2012) == 51


def test_round_half_even_matches_decimal() -> None:
    values = np.array([0.05, 0.15, 0.25, 2.25, 2.35, 2.45, 65.45, 1.0e-9, 3.05])
    got = round_half_even(values, 1)
    expected = [float(Decimal(repr(float(v))).quantize(Decimal("0.1"))) for v in values]
    assert got.tolist() == expected


@pytest.mark.parametrize(
    ("aqi_value", "level", "category", "colour"),
    [
        (50, "一级", "优", "绿色"),
        (51, "二级", "良", "黄色"),
        (100, "二级", "良", "黄色"),
        (101, "三级", "轻度污染", "橙色"),
        (150, "三级", "轻度污染", "橙色"),
        (151, "四级", "中度污染", "红色"),
        (200, "四级", "中度污染", "红色"),
        (201, "五级", "重度污染", "紫色"),
        (300, "五级", "重度污染", "紫色"),
        (301, "六级", "严重污染", "褐红色"),
        (500, "六级", "严重污染", "褐红色"),
    ],
)
def test_band_boundaries(aqi_value: int, level: str, category: str, colour: str) -> None:
    band = HJ633_2012.band(aqi_value)
    assert (band.level, band.category, band.colour) == (level, category, colour)
    index = compute_aqi_arrays({"o3": [np.nan]}, report="hourly", standard=HJ633_2012)
    assert index.band_index().tolist() == [-1]


def test_2026_health_advice_uses_revised_wording() -> None:
    old, new = HJ633_2012.band(120), HJ633_2026.band(120)
    assert "心脏病、呼吸系统疾病患者" in old.advice
    assert new.advice.startswith("青少年儿童") and "心血管、呼吸系统疾病患者" in new.advice
    assert (old.rgb, old.colour) == (new.rgb, new.colour)
    assert new.advice_en


def test_aqi_for_picks_edition_by_date() -> None:
    values = {"pm25_24h": 75}
    assert aqi_for(values, report=Report.DAILY, when=dt.date(2026, 2, 28)).aqi == 100
    assert aqi_for(values, report=Report.DAILY, when=dt.date(2026, 3, 1)).aqi == 114


def test_standard_codes() -> None:
    assert aqi_standard_by_code("HJ 633—2026") is HJ633_2026
    assert aqi_standard_by_code("hj633-2012") is HJ633_2012
    with pytest.raises(KeyError):
        aqi_standard_by_code("HJ633-2024")


@pytest.mark.parametrize("bad", ["-1", "abc", "nan", "inf"])
def test_bad_concentrations_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        compute_aqi({"pm25_24h": bad}, report="daily", standard=HJ633_2012)


def test_unknown_measurement_is_refused() -> None:
    with pytest.raises(KeyError):
        compute_aqi({"pm2.5": 30}, report="daily", standard=HJ633_2012)
    with pytest.raises(KeyError):
        compute_aqi_arrays({"pm2.5": [30.0]}, report="daily", standard=HJ633_2012)


def test_unverified_items_are_marked_in_the_data() -> None:
    assert any("800" in v for v in HJ633_2026.provenance.verify)
    assert "VERIFY" in HJ633_2026.over_range[0].clause
    assert HJ633_2026.rounding is not None and "VERIFY" in HJ633_2026.rounding.clause


def test_columns_that_stop_early_refuse_values_beyond_them() -> None:
    with pytest.raises(ValueError):
        iaqi(Column.SO2_1H, 801, standard=HJ633_2012)


def test_very_long_decimals_stay_exact() -> None:
    just_above = "35." + "0" * 150 + "1"
    assert iaqi(Column.PM25_24H, just_above, standard=HJ633_2012) == 51


@pytest.mark.parametrize(
    "arrays",
    [{"pm25": [[1.0]]}, {"pm25": [-1.0]}, {"pm25": [1.0], "pm10": [1.0, 2.0]}],
    ids=["2-d", "negative", "lengths"],
)
def test_vectorised_refuses_bad_arrays(arrays: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        compute_aqi_arrays(arrays, report="hourly", standard=HJ633_2012)  # type: ignore[arg-type]
