"""The public quality pages, as a citizen sees them: no login, on a laptop and a phone."""

from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from qingshan.core.chinatime import china_date_of_epoch as china_day
from qingshan.core.chinatime import china_day_start as day_start
from qingshan.core.choices import Role
from qingshan.core.models import Region, User
from qingshan.monitoring.models import Reading
from qingshan.monitoring.stream import StreamReading
from qingshan.quality import services
from qingshan.quality.results import readings_arrived

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def feed(point_id: int, period: int, times: list[int], values: dict[str, float]) -> None:
    Reading.objects.bulk_create(
        [
            Reading(point_id=point_id, factor_code=c, period=period, data_time=t, value=v,
                    flag="N", received_at=0)
            for t in times for c, v in values.items()
        ]
    )  # fmt: skip
    readings_arrived(
        [StreamReading(point_id, c, period, t, v, "N", None, 0, 0)
         for t in times for c, v in values.items()]
    )  # fmt: skip


def make_city() -> None:
    Region.objects.update_or_create(
        code="330600", defaults={"name": "绍兴市", "name_en": "Shaoxing", "level": "city"}
    )
    Region.objects.update_or_create(
        code="330603", defaults={"name": "柯桥区", "name_en": "Keqiao", "level": "county"}
    )
    Region.objects.update_or_create(
        code="330624", defaults={"name": "新昌县", "name_en": "Xinchang", "level": "county"}
    )
    admin = User.objects.create_user(username="qa", password="x", role=Role.ADMIN)
    today = china_day(int(time.time()))
    hours = [
        day_start(today - dt.timedelta(days=d)) + 3600 * h for d in range(3) for h in range(24)
    ]
    hours = [h for h in hours if h < time.time() - 3600]
    for code, name, county, lon, lat, pm25 in (
        ("B01", "柯桥区柯岩站", "330603", "120.49", "30.04", 95.0),
        ("B02", "新昌县七星站", "330624", "120.90", "29.50", 20.0),
    ):
        station = services.station_create(
            user=admin,
            data={"code": code, "name": name, "region_code": county, "level": "national",
                  "longitude": Decimal(lon), "latitude": Decimal(lat)},
        )  # fmt: skip
        feed(station.point_id, 3, hours, {"a34004": pm25, "a34002": pm25 * 1.6, "a21026": 6,
                                          "a21004": 25, "a21005": 0.7, "a05024": 70})  # fmt: skip
    section = services.section_create(
        user=admin,
        data={"code": "S01", "name": "柯桥钱清", "region_code": "330603",
              "water_body_name": "西小江",
              "longitude": Decimal("120.39"), "latitude": Decimal("30.08")},
    )  # fmt: skip
    feed(section.point_id, 1, hours[::4], {"w01001": 7.4, "w01009": 5.5, "w01019": 5.0,
                                          "w21003": 1.3, "w21011": 0.15})  # fmt: skip


def test_public_quality_pages(live_server: Any, browser: Any, screenshot_dir: Path) -> None:
    make_city()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}/quality/")
    page.wait_for_selector("#air-map .qs-marker")
    assert page.locator("#air-map .qs-marker").count() == 2
    main = page.inner_text("main")
    assert "柯桥区柯岩站" in main and "轻度污染" in main and "/login/" not in page.url
    page.screenshot(path=str(screenshot_dir / "quality-01-air-map.png"), full_page=True)

    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.click(".qs-quality-nav >> text=县区排名")
    page.wait_for_selector("#chart-ranking svg")
    rows = page.locator("#ranking-table tbody tr")
    assert rows.count() == 2 and "新昌县" in rows.nth(0).inner_text()
    page.screenshot(path=str(screenshot_dir / "quality-02-ranking.png"), full_page=True)

    page.click(".qs-quality-nav >> text=地表水")
    page.wait_for_url("**/quality/water/")
    page.wait_for_selector("#water-map .qs-marker")
    assert "Ⅳ" in page.inner_text("#water-table")
    page.screenshot(path=str(screenshot_dir / "quality-03-water.png"), full_page=True)

    page.click(".qs-quality-nav >> text=月报与年报")
    page.wait_for_selector("#chart-daily svg")
    page.wait_for_selector("#chart-levels svg")
    page.screenshot(path=str(screenshot_dir / "quality-04-report.png"), full_page=True)
    with page.expect_download() as download:
        page.click("text=逐日数据 CSV")
    assert download.value.suggested_filename.startswith("report-")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}/quality/")
    mobile.wait_for_selector("#air-map .qs-marker")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    mobile.screenshot(path=str(screenshot_dir / "quality-05-air-phone.png"), full_page=True)
    phone.close()
    context.close()
    assert errors == []
    assert outside == [], "public pages must not load anything from outside the platform"
