"""Device sources: the demo CSV, synthetic devices, the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qingshan.simulator import (
    GAS_FACTORS,
    WATER_FACTORS,
    load_devices_csv,
    registry_devices,
    station_type,
    synthetic_devices,
    unknown_mn,
    wrong_password,
)


def test_demo_csv_format(tmp_path: Path) -> None:
    path = tmp_path / "demo_devices.csv"
    path.write_text(
        "mn,password,point_id,enterprise,factors\n"
        "33060300000109D7EE47326E,773854,1,绍兴柯桥澄溪印染有限公司,w01018 w21003 w00000\n"
        "330603000002B4140519637F,429765,2,绍兴柯桥澄溪印染有限公司,a34013 a21026 a19001\n",
        encoding="utf-8",
    )
    water, gas = load_devices_csv(path)
    assert (water.mn, water.password, water.point_id) == ("33060300000109D7EE47326E", "773854", 1)
    assert water.factors == ("w01018", "w21003", "w00000") and water.st == "32"
    assert gas.st == "31" and gas.enterprise == "绍兴柯桥澄溪印染有限公司"


def test_synthetic_pattern() -> None:
    devices = synthetic_devices(4, prefix="BENCH", password="654321")
    assert [d.mn for d in devices] == [f"BENCH{i:019d}" for i in range(1, 5)]
    assert [d.factors for d in devices] == [GAS_FACTORS, WATER_FACTORS] * 2
    assert {d.password for d in devices} == {"654321"}
    with pytest.raises(ValueError):
        synthetic_devices(1, prefix="X" * 24)


def test_station_types_and_hostile_identities() -> None:
    assert station_type(["a34004", "a34002"]) == "22"
    assert station_type(["LA"]) == "23"
    assert unknown_mn(3) == "ZZUNREG00000003"
    assert wrong_password("123456") != "123456"
    assert wrong_password("000000") != "000000"


@pytest.mark.django_db
def test_registry_devices_reads_active_devices(make_site: Any) -> None:
    site = make_site()
    inactive = make_site()["device"]
    inactive.is_active = False
    inactive.save()
    devices = registry_devices("123456")
    assert [(d.mn, d.password, d.point_id) for d in devices] == [
        (site["device"].mn, "123456", site["point"].id)
    ]
    assert devices[0].factors == ("a21026", "a21002", "a34013", "a19001")
