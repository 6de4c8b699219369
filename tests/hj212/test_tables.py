"""Code tables and the Appendix B factor catalogue."""

from __future__ import annotations

import csv
from importlib import resources

from qingshan.hj212 import (
    SYSTEMS,
    DataFlag,
    Direction,
    ExeRtn,
    QnRtn,
    Version,
    command_info,
    commands,
    data_flag,
    data_flags,
    factor,
    factor_2005,
    load_factors,
)
from qingshan.hj212.tables import EXE_RTN_NAMES, QN_RTN_NAMES


def test_system_codes() -> None:
    assert SYSTEMS["32"].name_zh == "地表水体环境污染源"
    assert SYSTEMS["91"].name_en == "system interaction"
    assert "80" not in SYSTEMS


def test_commands_by_version() -> None:
    info = command_info("2011")
    assert info is not None and info.direction is Direction.BOTH and not info.answered_with_9013
    assert command_info("1013", Version.V2017).answered_with_9013  # type: ignore[union-attr]
    assert command_info("1013", Version.V2005) is None
    assert command_info("2072", Version.V2005) is not None
    assert command_info("3014", Version.V2005).name_en == "set sampling period"  # type: ignore[union-attr]
    assert command_info("3014", Version.V2017).name_en == "comparison sampling"  # type: ignore[union-attr]
    assert command_info("9015", Version.V2025).answered_with_9013  # type: ignore[union-attr]
    assert command_info("9015", None) is None
    assert command_info(None) is None
    assert command_info("8013") is None
    assert set(commands(Version.V2017)) <= set(commands(Version.V2025))
    assert {"9011", "9012", "9013", "9014"} <= set(commands(Version.V2005))


def test_data_flags() -> None:
    assert data_flag("N") == DataFlag("N", "正常", "normal", True)
    assert data_flag("B").name_en == "instrument communication failure"  # type: ignore[union-attr]
    assert data_flag("B", Version.V2005) is None
    assert data_flag("P", Version.V2005).name_zh == "电源故障"  # type: ignore[union-attr]
    assert data_flag("P", None) is None
    assert data_flag(None) is None
    assert list(data_flags()) == list("NFMSDCTB")
    assert len(data_flags(Version.V2005)) == 12


def test_result_codes() -> None:
    assert set(QN_RTN_NAMES) == set(QnRtn) and QnRtn.CRC_ERROR == 9
    assert set(EXE_RTN_NAMES) == set(ExeRtn) and ExeRtn.NO_DATA == 100


def test_factor_catalogue_is_one_csv_file() -> None:
    text = resources.files("qingshan.hj212").joinpath("data/factors.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0])[:6] == ["code", "name_zh", "name_en", "unit", "code_2005", "medium"]
    factors = load_factors()
    assert [r["code"] for r in rows] == list(factors)
    media = {f.medium for f in factors.values()}
    assert media == {"water", "air", "noise", "device"}
    counts = {m: sum(f.medium == m for f in factors.values()) for m in media}
    assert counts == {"water": 63, "air": 121, "noise": 12, "device": 74}
    assert all(f.name_zh and f.name_en for f in factors.values())


def test_factor_facts_from_the_standard() -> None:
    cod = factor("w01018")
    assert cod is not None
    assert (cod.name_zh, cod.unit, cod.unit_amount, cod.code_2005, cod.data_type) == (
        "化学需氧量",
        "mg/L",
        "kg",
        "011",
        "N5.1",
    )
    so2 = factor("a21026")
    assert so2 is not None and (so2.unit, so2.code_2005, so2.medium) == ("mg/m³", "02", "air")
    assert factor("LA").unit == "dB"  # type: ignore[union-attr]
    assert factor("I33400") == factor("i33400")  # the standard prints a capital I
    assert factor("i33317") is not None  # i3331x expanded
    assert factor("a34006") is None  # sent by real devices, not in Appendix B
    assert factor_2005("B01") == factor("w00000")
    assert factor_2005("S01") == factor("a19001")
    assert factor_2005("XYZ") is None
    load_factors().clear()  # callers get a copy
    assert factor("w01018") is not None
