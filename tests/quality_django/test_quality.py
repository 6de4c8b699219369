"""Stations and sections, results from arriving readings, late data, pages, API, import."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest

from qingshan.core.chinatime import china_day_start as day_start
from qingshan.core.choices import Role
from qingshan.core.permissions import PermissionDenied
from qingshan.monitoring.models import Reading
from qingshan.monitoring.stream import StreamReading
from qingshan.quality import services
from qingshan.quality.aqi import Report, compute_aqi
from qingshan.quality.imports import import_data
from qingshan.quality.models import AirDay, AirHour, AirStation, WaterDay, WaterSample
from qingshan.quality.results import readings_arrived
from qingshan.registry import selectors as registry
from qingshan.registry.models import Device, MonitoringPoint
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 10)  # HJ 633—2026 rules
HOURLY = {"a34004": 80.0, "a34002": 120.0, "a21026": 8.0, "a21004": 30.0, "a21005": 0.8,
          "a05024": 60.0}  # fmt: skip


@pytest.fixture
def station(users: dict[str, Any]) -> AirStation:
    return services.station_create(
        user=users["regulator"],
        data={"code": "T01", "name": "测试站", "region_code": "330603", "level": "national",
              "longitude": Decimal("120.5"), "latitude": Decimal("30.0")},
        mn="QSTEST0000000000000001",
        password="secret-1",
    )  # fmt: skip


def arrive(point_id: int, hour_start: int, values: dict[str, float], flag: str = "N") -> None:
    """Store readings as the gateway does and hand them to the consumer as the stream does."""
    Reading.objects.bulk_create(
        [
            Reading(
                point_id=point_id,
                factor_code=code,
                period=3,
                data_time=hour_start,
                value=value,
                flag=flag,
                received_at=0,
            )
            for code, value in values.items()
        ],
        ignore_conflicts=True,  # like the gateway's ON CONFLICT DO NOTHING
    )
    readings_arrived(
        [StreamReading(point_id, c, 3, hour_start, v, flag, None, 0, 0) for c, v in values.items()]
    )  # fmt: skip


def test_station_owns_an_ambient_point_and_logger_outside_enterprise_lists(
    station: AirStation, users: dict[str, Any]
) -> None:
    assert station.point.outlet is None
    assert Device.objects.get(point=station.point).mn == "QSTEST0000000000000001"
    admin = users["admin"]
    assert station.point not in registry.point_list(user=admin)
    assert not registry.device_list(user=admin).filter(point=station.point).exists()
    with pytest.raises(MonitoringPoint.DoesNotExist):
        registry.point_get(user=admin, pk=station.point_id)


def test_only_regulators_of_the_region_create_stations(users: dict[str, Any]) -> None:
    data = {"code": "T02", "name": "站", "region_code": "330603",
            "longitude": Decimal(120), "latitude": Decimal(30)}  # fmt: skip
    for who in ("other_county", "inspector", "enterprise"):
        with pytest.raises(PermissionDenied):
            services.station_create(user=users[who], data=data)
    with pytest.raises(Exception, match="访问密码"):
        services.station_create(user=users["county"], data=data, mn="QSX1")


def test_hourly_and_daily_results_follow_the_readings(station: AirStation) -> None:
    start = day_start(DAY)
    for h in range(24):
        arrive(station.point_id, start + 3600 * h, HOURLY)
    hour = AirHour.objects.get(station=station, data_time=start + 3600 * 5)
    expected = compute_aqi({"pm25": 80, "pm10": 120, "so2": 8, "no2": 30, "co": 0.8, "o3": 60},
                           report=Report.HOURLY, standard=hour_standard())  # fmt: skip
    assert hour.aqi == expected.aqi == 119  # PM2.5 80: ⌈100 + 50·20/55⌉ (2026 column)
    assert hour.primary_pollutants == "PM2.5" and hour.standard == "HJ633-2026"
    day = AirDay.objects.get(station=station, day=DAY)
    assert day.hours == 24 and day.pm25_24h == Decimal("80.0") and day.o3_8h == Decimal("60.0")
    assert day.aqi == 119


def hour_standard() -> Any:
    from qingshan.quality.standards import HJ633_2026

    return HJ633_2026


def test_resends_change_nothing_and_late_data_recomputes_the_old_day(station: AirStation) -> None:
    start = day_start(DAY)
    for h in range(19):
        arrive(station.point_id, start + 3600 * h, HOURLY)
    assert not AirDay.objects.get(station=station, day=DAY).pm25_24h  # 19 h: not valid
    arrive(station.point_id, start + 3600 * 3, HOURLY)  # a resend
    assert AirHour.objects.filter(station=station).count() == 19
    arrive(station.point_id, start + 86400 * 2, HOURLY)  # two days later …
    arrive(station.point_id, start + 3600 * 20, {**HOURLY, "a34004": 300.0})  # … the late hour
    day = AirDay.objects.get(station=station, day=DAY)
    assert day.hours == 20
    assert day.pm25_24h == Decimal("91.0")  # (19 × 80 + 300)/20
    assert AirHour.objects.get(station=station, data_time=start + 3600 * 20).aqi == 350


def test_invalid_flags_do_not_count(station: AirStation) -> None:
    start = day_start(DAY)
    arrive(station.point_id, start, HOURLY, flag="M")
    assert not AirHour.objects.filter(station=station).exists()


def test_edition_switches_with_the_hour_label(station: AirStation) -> None:
    last_2012_hour = day_start(dt.date(2026, 2, 28)) + 3600 * 22  # labelled 23:00
    arrive(station.point_id, last_2012_hour, {"a34004": 75.0})
    arrive(station.point_id, last_2012_hour + 3600, {"a34004": 75.0})  # labelled 03-01 00:00
    hours = AirHour.objects.filter(station=station).order_by("data_time")
    assert [(h.aqi, h.standard) for h in hours] == [(100, "HJ633-2012"), (114, "HJ633-2026")]


def test_water_samples_and_days(users: dict[str, Any]) -> None:
    section = services.section_create(
        user=users["admin"],
        data={"code": "W1", "name": "断面", "region_code": "330604", "water_body_name": "曹娥江",
              "water_body": "lake", "longitude": Decimal(120), "latitude": Decimal(30)},
    )  # fmt: skip
    t = day_start(DAY) + 3600
    values = {"w01001": 7.5, "w01009": 6.5, "w21003": 1.2, "w21011": 0.06, "w20115": 6.0}
    rows = []
    for code, value in values.items():
        Reading.objects.create(
            point_id=section.point_id,
            factor_code=code,
            period=1,
            data_time=t,
            value=value,
            flag="N",
            received_at=0,
        )
        rows.append(StreamReading(section.point_id, code, 1, t, value, "N", None, 0, 0))
    readings_arrived(rows)  # fmt: skip
    sample = WaterSample.objects.get(section=section)
    # lake TP 0.06 → IV; NH3-N 1.2 → IV; Cd 6 µg/L = 0.006 mg/L → V (first: heavy metal)
    assert sample.water_class == 5
    assert sample.item_classes["tp"] == 4 and sample.item_classes["cd"] == 5
    assert sample.main_pollutants.startswith("cd(")
    assert WaterDay.objects.get(section=section, day=DAY).water_class == 5


def test_public_pages_show_published_stations_only(station: AirStation, client: Any) -> None:
    hidden = services.station_create(
        user=_admin(), data={"code": "H1", "name": "内部站", "region_code": "330603",
                             "longitude": Decimal(120), "latitude": Decimal(30),
                             "is_published": False},
    )  # fmt: skip
    for h in range(24):
        arrive(station.point_id, day_start(DAY) + 3600 * h, HOURLY)
        arrive(hidden.point_id, day_start(DAY) + 3600 * h, HOURLY)
    page = client.get("/quality/")
    text = page.content.decode()
    assert page.status_code == 200 and "测试站" in text and "内部站" not in text
    csv = client.get("/quality/?format=csv").content.decode("utf-8-sig")
    assert "T01" in csv and "H1" not in csv and ",119," in csv
    for url in (
        "/quality/ranking/?period=month&month=2026-03",
        "/quality/water/",
        "/quality/reports/?month=2026-03",
        "/quality/reports/?year=2026&format=csv",
    ):
        assert client.get(url).status_code == 200, url  # fmt: skip
    ranking = client.get("/quality/ranking/?month=2026-03&format=csv").content.decode("utf-8-sig")
    assert "330603" in ranking


def _admin() -> Any:
    from qingshan.core.models import User

    return User.objects.create_user(username="qa-admin", password="x", role=Role.ADMIN)


def test_staff_pages_and_api_are_scoped(station: AirStation, users: dict[str, Any]) -> None:
    county = client_for(users["county"])
    assert county.get(f"/quality/stations/{station.pk}/").status_code == 200
    assert (
        client_for(users["other_county"]).get(f"/quality/stations/{station.pk}/").status_code == 404
    )
    assert client_for(None).get("/quality/stations/").status_code == 302
    api = client_for(users["other_county"])
    assert api.get("/api/v1/quality/stations").json()["count"] == 0
    assert client_for(None).get("/api/v1/quality/stations").status_code == 401
    created = county.post(
        "/api/v1/quality/sections",
        {"code": "W9", "name": "新断面", "region_code": "330603", "water_body_name": "西小江",
         "longitude": "120.4", "latitude": "30.1", "logger": {"mn": "QSW9", "password": "pw"}},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    refused = client_for(users["other_county"]).patch(
        f"/api/v1/quality/stations/{station.pk}", {"name": "x"}, content_type="application/json"
    )
    assert refused.status_code == 404
    ok = county.patch(
        f"/api/v1/quality/stations/{station.pk}",
        {"name": "柯桥新站"},
        content_type="application/json",
    )
    assert ok.json()["name"] == "柯桥新站"
    station.point.refresh_from_db()
    assert station.point.name == "柯桥新站"


def test_import_csv_like_the_command_line(station: AirStation, users: dict[str, Any]) -> None:
    text = "time,station,pm25,pm10,o3\n2026-03-10T01:00,T01,80,120,60\n2026-03-10T02:00,T01,x,1,1\n"
    text += "2026-03-10T03:00,NOPE,1,1,1\n"
    report = import_data(user=users["county"], kind="air", name="a.csv",
                         data=io.BytesIO(text.encode()))  # fmt: skip
    assert report.rows == 3 and report.readings == 3
    assert [line for line, _ in report.errors] == [3, 4]
    hour = AirHour.objects.get(station=station)
    assert hour.data_time == dt.datetime(2026, 3, 9, 16, tzinfo=dt.UTC)  # 00:00 China
    assert hour.aqi == 119
    refused = import_data(user=users["other_county"], kind="air", name="a.csv",
                          data=io.BytesIO(text.encode()))  # fmt: skip
    assert refused.readings == 0 and len(refused.errors) == 3


def test_public_pages_in_english(client: Any) -> None:
    page = client.get("/quality/water/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Surface-water quality" in text and "Share of class Ⅰ–Ⅲ" in text
