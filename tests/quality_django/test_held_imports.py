"""Import rows dated in the future are held for review; re-imports say what they did.

Issue 15, item 2: a CSV row dated next year was accepted and the public ``/quality/``
page showed it as the station's latest value, hiding its live data, and a re-import said
"已导入 4 行" when nothing was imported. Every time here is relative to a frozen "now"
taken from the real clock, so the tests do not age.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from qingshan.core.chinatime import CHINA_TZ
from qingshan.core.chinatime import china_date_of_epoch as china_day
from qingshan.core.models import AuditLog
from qingshan.core.permissions import PermissionDenied
from qingshan.monitoring.models import Reading
from qingshan.monitoring.stream import StreamReading
from qingshan.quality import selectors, services
from qingshan.quality.choices import HeldStatus
from qingshan.quality.imports import ImportReport, import_data
from qingshan.quality.models import (
    AirDay,
    AirHour,
    AirStation,
    DataImport,
    HeldRow,
    WaterDay,
    WaterSection,
)
from qingshan.quality.results import readings_arrived
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
HOUR = 3600
# the top of the current hour, plus 20 minutes: an hour label an hour ago is complete
NOW = (int(time.time()) // HOUR) * HOUR + 20 * 60
LIVE = NOW - 20 * 60 - HOUR  # an hour label (its end) an hour before the last full hour
FUTURE = LIVE + 365 * 86400  # the same hour a year later


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def station(users: dict[str, Any]) -> AirStation:
    return services.station_create(
        user=users["regulator"],
        data={"code": "T01", "name": "测试站", "region_code": "330603", "level": "national",
              "longitude": Decimal("120.5"), "latitude": Decimal("30.0")},
    )  # fmt: skip


def label(epoch: int) -> str:
    """How a file writes a time: China time, ISO."""
    return dt.datetime.fromtimestamp(epoch, tz=CHINA_TZ).strftime("%Y-%m-%dT%H:%M")


def csv(*rows: str, header: str = "time,station,pm25,pm10,o3") -> io.BytesIO:
    return io.BytesIO(("\n".join([header, *rows]) + "\n").encode())


def air_import(user: Any, *rows: str) -> ImportReport:
    return import_data(user=user, kind="air", name="air.csv", data=csv(*rows))


def public_latest(client: Any) -> list[list[str]]:
    """The rows of the public page's CSV: station code, time, AQI."""
    text = client.get("/quality/?format=csv").content.decode("utf-8-sig")
    rows = [line.split(",") for line in text.splitlines()[1:]]
    return [[r[0], r[6], r[7]] for r in rows]


def test_a_future_row_is_held_and_the_live_row_is_the_latest(
    station: AirStation, users: dict[str, Any], client: Any
) -> None:
    report = air_import(
        users["county"],
        f"{label(FUTURE)},T01,300,400,50",  # next year, a very bad hour
        f"{label(LIVE)},T01,80,120,60",
    )
    assert (report.imported, report.readings, report.held, report.refused) == (1, 3, 1, 0)
    # the hour ago is the public page's latest value …
    live = AirHour.objects.get(station=station)
    assert live.data_time == dt.datetime.fromtimestamp(LIVE - HOUR, tz=dt.UTC)
    assert public_latest(client) == [
        ["T01", label(LIVE).replace("T", " "), str(live.aqi)]
    ]  # fmt: skip
    page = client.get("/quality/").content.decode()
    assert f"最新 {label(LIVE).replace('T', ' ')}" in page
    assert label(FUTURE).replace("T", " ") not in page
    # … and the future row is in no reading, no result: it is held, as the file said it
    assert not Reading.objects.filter(data_time__gt=NOW).exists()
    assert not AirHour.objects.filter(data_time__gt=NOW).exists()
    assert not AirDay.objects.filter(day__gt=china_day(NOW)).exists()
    held = HeldRow.objects.get()
    assert held.status == HeldStatus.HELD and held.station == station and held.line == 2
    assert held.cells["time"] == label(FUTURE) and held.cells["pm25"] == "300"
    assert held.values == {"a34004": 300.0, "a34002": 400.0, "a05024": 50.0}
    assert held.reason == "ahead" and held.ahead_minutes == 10  # the rule's ahead


def test_rows_older_than_the_backlog_window_are_imported(
    station: AirStation, users: dict[str, Any]
) -> None:
    """Back-filling history is what imports are for: only the ahead side holds a row."""
    old = LIVE - 400 * 86400
    report = air_import(users["county"], f"{label(old)},T01,80,120,60")
    assert (report.imported, report.held) == (1, 0)
    assert AirHour.objects.filter(station=station).count() == 1


def test_a_row_within_the_clock_skew_is_imported(
    station: AirStation, users: dict[str, Any]
) -> None:
    """Five minutes ahead is a clock, not a date from the future (rule: 10 minutes)."""
    report = air_import(users["county"], f"{label(NOW + 5 * 60)},T01,80,120,60",
                        f"{label(NOW + 15 * 60)},T01,80,120,60")  # fmt: skip
    assert (report.imported, report.held) == (1, 1)


def test_release_waits_for_the_time_to_come_and_is_audited(
    station: AirStation, users: dict[str, Any], client: Any, frozen: Any
) -> None:
    soon = LIVE + 2 * 86400  # the day after tomorrow
    air_import(users["county"], f"{label(LIVE)},T01,80,120,60", f"{label(soon)},T01,30,40,50")
    held = HeldRow.objects.get()
    county = client_for(users["county"])
    # still in the future: refused, with the reason on the form; nothing enters the data
    page = county.post(f"/quality/held/{held.pk}/release/", {"reason": "已核实"})
    assert page.status_code == 200 and "时间仍晚于当前时间" in page.content.decode()
    held.refresh_from_db()
    assert held.status == HeldStatus.HELD and not Reading.objects.filter(data_time__gt=NOW)
    # its time has come: released through the page
    frozen.move_to(soon + 30 * 60)
    answer = county.post(f"/quality/held/{held.pk}/release/", {"reason": "补录的监测数据"})
    assert answer.status_code == 302
    held.refresh_from_db()
    assert held.status == HeldStatus.RELEASED and held.decided_by == users["county"]
    assert held.decision_reason == "补录的监测数据" and held.released_readings == 3
    hour = AirHour.objects.get(station=station, data_time=soon - HOUR)
    assert hour.pm25 == 30.0
    assert public_latest(client)[0][1] == label(soon).replace("T", " ")
    audit = AuditLog.objects.get(object_type="quality.heldrow", object_id=str(held.pk))
    assert audit.action == "update" and audit.actor == users["county"] and audit.via == "web"
    assert audit.changes["status"] == ["held", "released"]
    assert audit.changes["decision_reason"] == ["", "补录的监测数据"]


def test_a_mislabelled_date_is_released_at_the_corrected_time(
    station: AirStation, users: dict[str, Any]
) -> None:
    """The file said next year; the regulator confirms it meant an hour ago."""
    air_import(users["county"], f"{label(FUTURE)},T01,80,120,60")
    held = HeldRow.objects.get()
    with pytest.raises(ValidationError) as refused:
        services.held_row_release(user=users["county"], held=held, reason="x",
                                  corrected_time=FUTURE - 86400)  # fmt: skip
    assert "corrected_time" in refused.value.message_dict
    services.held_row_release(user=users["county"], held=held, reason="年份录入错误",
                              corrected_time=LIVE)  # fmt: skip
    held.refresh_from_db()
    assert held.released_time == dt.datetime.fromtimestamp(LIVE, tz=dt.UTC)
    assert held.row_time == dt.datetime.fromtimestamp(FUTURE, tz=dt.UTC)  # what the file said
    assert AirHour.objects.get(station=station).data_time.timestamp() == LIVE - HOUR
    assert not Reading.objects.filter(data_time__gt=NOW).exists()


def test_discard_keeps_the_row_out_and_on_record(
    station: AirStation, users: dict[str, Any]
) -> None:
    air_import(users["county"], f"{label(FUTURE)},T01,80,120,60")
    held = HeldRow.objects.get()
    county = client_for(users["county"])
    assert county.post(f"/quality/held/{held.pk}/discard/", {"reason": ""}).status_code == 200
    answer = county.post(f"/quality/held/{held.pk}/discard/", {"reason": "测试数据"})
    assert answer.status_code == 302
    held.refresh_from_db()
    assert held.status == HeldStatus.DISCARDED and held.decided_by == users["county"]
    assert not Reading.objects.exists() and not AirHour.objects.exists()
    audit = AuditLog.objects.get(object_type="quality.heldrow", object_id=str(held.pk))
    assert audit.changes["status"] == ["held", "discarded"] and audit.actor == users["county"]
    with pytest.raises(ValidationError, match="已舍弃"):
        services.held_row_release(user=users["county"], held=held, reason="改主意")
    listed = county.get("/quality/held/?status=discarded").content.decode()
    assert "测试数据" in listed and "T01" in listed


REIMPORT = (
    "{live},T01,80,120,60",
    "{before},T01,70,110,50",
    "{earlier},T01,60,100,40",
    "{future},T01,80,120,60",
    "{live},NOPE,1,1,1",
)


def _rows() -> list[str]:
    times = {"live": label(LIVE), "before": label(LIVE - HOUR),
             "earlier": label(LIVE - 2 * HOUR), "future": label(FUTURE)}  # fmt: skip
    return [r.format(**times) for r in REIMPORT]


def test_a_reimport_says_exactly_what_it_did(station: AirStation, users: dict[str, Any]) -> None:
    first = air_import(users["county"], *_rows())
    assert first.message() == (
        "共 5 行：已导入 3 行（新增监测数据 9 条），已存在跳过 0 行，与已存数据不同未导入 0 行，"
        "日期晚于当前时间待审核 1 行，拒收 1 行"
    )
    assert first.errors == [(6, "station 'NOPE' 不存在或无权导入")]
    again = air_import(users["county"], *_rows())
    assert again.message() == (
        "共 5 行：已导入 0 行（新增监测数据 0 条），已存在跳过 3 行，与已存数据不同未导入 0 行，"
        "日期晚于当前时间待审核 1 行，拒收 1 行（待审核的行中 1 行已在待审核列表中，未重复登记）"
    )
    assert HeldRow.objects.count() == 1 and Reading.objects.count() == 9
    # the import's own record, audited, with the same counts
    record = DataImport.objects.get(pk=again.import_id)
    assert (record.rows, record.imported, record.present, record.held, record.held_known,
            record.refused) == (5, 0, 3, 1, 1, 1)  # fmt: skip
    assert AuditLog.objects.filter(object_type="quality.dataimport").count() == 2


def test_a_changed_value_is_reported_and_the_stored_one_kept(
    station: AirStation, users: dict[str, Any]
) -> None:
    """Today's behaviour stays: the first value wins, as for a resent packet; the report
    says which rows differ instead of calling them imported."""
    air_import(users["county"], f"{label(LIVE)},T01,80,120,60")
    report = air_import(
        users["county"],
        f"{label(LIVE)},T01,85,120,60",  # pm25 differs
        f"{label(LIVE - HOUR)},T01,70,110,",  # new
    )
    assert (report.imported, report.present, report.kept) == (1, 0, 1)
    assert report.differing == [(2, "pm25 85 ≠ 80")]
    assert AirHour.objects.get(station=station, data_time=LIVE - HOUR).pm25 == 80.0


def test_the_import_page_shows_the_counts_and_links_the_held_rows(
    station: AirStation, users: dict[str, Any]
) -> None:
    county = client_for(users["county"])

    def upload() -> str:
        data = csv(*_rows())
        data.name = "air.csv"
        return county.post("/quality/import/", {"kind": "air", "file": data}).content.decode()

    first = upload()
    record = DataImport.objects.get()
    assert f'href="/quality/held/?data_import={record.pk}"' in first
    # the link shows the held row of that import, to be released or discarded
    held = county.get(f"/quality/held/?data_import={record.pk}").content.decode()
    assert f"/quality/held/{HeldRow.objects.get().pk}/release/" in held
    page = upload()
    assert (
        "共 5 行：已导入 0 行（新增监测数据 0 条），已存在跳过 3 行，与已存数据不同未导入 0 行，"
        "日期晚于当前时间待审核 1 行，拒收 1 行" in page
    )
    # the row was held by the first import: the second links to the waiting rows
    assert 'href="/quality/held/"' in page and "?data_import=" not in page
    assert 'href="/quality/held/"' in county.get("/quality/import/").content.decode()
    assert county.get("/quality/held/?data_import=x").status_code == 200  # bad filter: ignored


def test_only_regulators_of_the_region_decide(station: AirStation, users: dict[str, Any]) -> None:
    air_import(users["county"], f"{label(FUTURE)},T01,80,120,60")
    held = HeldRow.objects.get()
    release = f"/quality/held/{held.pk}/release/"
    other = client_for(users["other_county"])
    assert "T01" not in other.get("/quality/held/").content.decode()
    assert other.get(release).status_code == 404
    assert other.post(release, {"reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.held_row_discard(user=users["other_county"], held=held, reason="x")
    enterprise = client_for(users["enterprise"])
    assert enterprise.get("/quality/held/").status_code == 403
    assert enterprise.post(release, {"reason": "x"}).status_code == 404
    assert client_for(None).get("/quality/held/").status_code == 302  # to the login page
    inspector = client_for(users["inspector"])
    listed = inspector.get("/quality/held/").content.decode()
    assert "T01" in listed and release not in listed  # sees it, may not decide
    assert inspector.post(release, {"reason": "x"}).status_code == 403
    assert "T01" in client_for(users["regulator"]).get("/quality/held/").content.decode()
    held.refresh_from_db()
    assert held.status == HeldStatus.HELD
    assert client_for(users["county"]).get(release).status_code == 200
    # the station list tells staff of the region that a row waits, and no one else
    assert (
        "/quality/held/" in client_for(users["county"]).get("/quality/stations/").content.decode()
    )
    assert "/quality/held/" not in other.get("/quality/stations/").content.decode()
    assert "/quality/held/" not in enterprise.get("/quality/stations/").content.decode()


def _arrive(point_id: int, hour_start: int, pm25: float) -> None:
    """A reading stored before this fix (or by a logger far ahead), and its results."""
    Reading.objects.create(point_id=point_id, factor_code="a34004", period=3,
                           data_time=hour_start, value=pm25, flag="N", received_at=0)  # fmt: skip
    readings_arrived([StreamReading(point_id, "a34004", 3, hour_start, pm25, "N", None, 0, 0)])


def test_results_already_stored_with_a_future_date_do_not_hide_live_data(
    station: AirStation, users: dict[str, Any], client: Any
) -> None:
    _arrive(station.point_id, FUTURE - HOUR, 300.0)
    _arrive(station.point_id, LIVE - HOUR, 80.0)
    assert AirHour.objects.count() == 2  # both computed: the guard is on what is shown
    for moment, aqi in ((FUTURE, 350), (LIVE, 106)):
        AirDay.objects.create(station=station, day=china_day(moment - HOUR), aqi=aqi,
                              standard="HJ633-2026")  # fmt: skip
    latest = selectors.latest_hours(AirStation.objects.all())[station.pk]
    assert latest.data_time.timestamp() == LIVE - HOUR
    assert public_latest(client)[0][1] == label(LIVE).replace("T", " ")
    county = client_for(users["county"])
    api = county.get(f"/api/v1/quality/stations/{station.pk}/hours").json()
    assert [h["pm25"] for h in api] == [80.0]
    days = county.get(f"/api/v1/quality/stations/{station.pk}/days").json()["items"]
    assert [d["day"] for d in days] == [china_day(LIVE - HOUR).isoformat()]
    detail = county.get(f"/quality/stations/{station.pk}/").content.decode()
    assert label(FUTURE).replace("T", " ") not in detail
    assert str(china_day(FUTURE)) not in detail
    month = f"{china_day(FUTURE):%Y-%m}"  # the reports of that month do not report it yet
    report = client.get(f"/quality/reports/?month={month}&format=csv").content.decode("utf-8-sig")
    assert str(china_day(FUTURE)) not in report
    ranking = client.get(f"/quality/ranking/?month={month}&format=csv").content.decode("utf-8-sig")
    assert "330603" not in ranking


def test_water_latest_days_skip_future_days(users: dict[str, Any], client: Any) -> None:
    section = services.section_create(
        user=users["county"],
        data={"code": "W1", "name": "断面", "region_code": "330603", "water_body_name": "曹娥江",
              "longitude": Decimal(120), "latitude": Decimal(30)},
    )  # fmt: skip
    report = import_data(
        user=users["county"], kind="water", name="w.csv",
        data=csv(f"{label(LIVE)},W1,7.5,6.5,0.2", f"{label(FUTURE)},W1,7.5,1.0,3.0",
                 header="time,section,ph,do,nh3n"),
    )  # fmt: skip
    assert (report.imported, report.held) == (1, 1)
    _ = WaterSection.objects.get(pk=section.pk)
    latest = selectors.latest_water_days(WaterSection.objects.all())[section.pk]
    assert latest.day == china_day(LIVE) and latest.water_class == 2
    # a future day stored before this fix is not the latest either
    WaterDay.objects.create(section=section, day=china_day(FUTURE), samples=1, water_class=6)
    latest = selectors.latest_water_days(WaterSection.objects.all())[section.pk]
    assert latest.day == china_day(LIVE)
    text = client.get("/quality/water/?format=csv").content.decode("utf-8-sig")
    assert str(china_day(LIVE)) in text and str(china_day(FUTURE)) not in text


@pytest.mark.parametrize(
    ("time_text", "reason"),
    [
        ("9999-12-31T24:00", "超出可处理的范围"),
        ("0001-01-01T01:00", "超出可处理的范围"),
        ("2026-02-30T01:00", "is not an ISO date"),
        ("", "time is empty"),
    ],
)
def test_impossible_times_are_refused_rows(
    station: AirStation, users: dict[str, Any], time_text: str, reason: str
) -> None:
    report = air_import(users["county"], f"{time_text},T01,80,120,60")
    assert report.refused == 1 and reason in report.errors[0][1]


def test_a_far_future_row_is_held_not_a_crash(station: AirStation, users: dict[str, Any]) -> None:
    report = air_import(users["county"], "9999-12-31T23:00,T01,80,120,60", f"{label(LIVE)},T01,,,")
    assert (report.held, report.refused) == (1, 1)
    assert report.errors == [(3, "该行没有监测值")]
    page = client_for(users["county"]).get("/quality/held/").content.decode()
    assert "9999-12-31 23:00" in page


def test_held_pages_in_english_are_translated(station: AirStation, users: dict[str, Any]) -> None:
    air_import(users["county"], f"{label(FUTURE)},T01,80,120,60", "x,T01,1,1,1")
    held = HeldRow.objects.get()
    county = client_for(users["county"])
    county.cookies["django_language"] = "en"
    data = {"测试站", "柯桥区", "青山", "简体中文"}  # data, the product, the language switch
    for url in ("/quality/held/", f"/quality/held/{held.pk}/release/",
                f"/quality/held/{held.pk}/discard/", "/quality/import/"):  # fmt: skip
        text = county.get(url).content.decode()
        for item in data:
            text = text.replace(item, "")
        text = re.sub(r"<option[^>]*>[^<]*</option>", "", text)
        assert not re.findall(r"[\u4e00-\u9fff]", text), (
            url,
            re.findall(r"[\u4e00-\u9fff]+", text),
        )
    upload = csv(f"{label(FUTURE)},T01,80,120,60")
    upload.name = "air.csv"
    page = county.post("/quality/import/", {"kind": "air", "file": upload}).content.decode()
    assert "1 held for review" in page
