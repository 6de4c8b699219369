"""The whole supervision loop in Chromium, with real logins.

The HJ 212 simulator sends hourly SO2 values above the permitted limit to the gateway
(both in this process, the gateway writing through its database sink); the monitoring
stream consumer judges them and raises an exceedance alarm with its outbox event; the
supervision consumer opens a case. Then, each person logged in through the login page:
the city dispatches the case to the county and an inspector; the inspector, on a phone,
accepts it and records findings with a photo and the location and orders rectification;
the enterprise uploads its rectification; the county verifies and the case closes.
A screenshot of each step goes to artifacts/screenshots/supervision-*.png.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from qingshan.core.choices import Role
from qingshan.core.models import EventCursor, OutboxEvent, Region, User
from qingshan.core.outbox import CONSUMERS, consumer_run
from qingshan.gateway.config import GatewayConfig
from qingshan.gateway.server import Gateway
from qingshan.hj212 import CHINA_TZ
from qingshan.monitoring.models import Alarm
from qingshan.monitoring.sink import DatabaseSink
from qingshan.monitoring.stream import stream_dispatch
from qingshan.permits.models import Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_digest
from qingshan.simulator.config import SimConfig
from qingshan.simulator.devices import DeviceSpec
from qingshan.simulator.signals import Faults
from qingshan.simulator.simulation import run_simulation
from qingshan.supervision.models import SupervisionCase
from tests.conftest import credit_code_for


def photo(colour: tuple[int, int, int]) -> bytes:
    """A small photo-like PNG (Pillow comes with fpdf2)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 30, 120, 100), fill=(90, 90, 90))
    draw.ellipse((60, 10, 100, 40), fill=(230, 230, 230))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "loop-password-2026"
MN = "33060300000077"
DEVICE_PASSWORD = "123456"
HOURS = 6


def make_city() -> dict[str, Any]:
    Region.objects.update_or_create(
        code="330600", defaults={"name": "绍兴市", "name_en": "Shaoxing", "level": "city"}
    )
    Region.objects.update_or_create(
        code="330603", defaults={"name": "柯桥区", "name_en": "Keqiao", "level": "county"}
    )
    dyeing = Enterprise.objects.create(
        credit_code=credit_code_for("330603", 61_001),
        name="绍兴柯桥青山印染有限公司",
        region_code="330603",
        industry_code="1713",
        address="柯桥区滨海工业区马鞍街道",
        is_key_discharger=True,
        contact_name="王工",
        contact_phone="0575-8888 0000",
    )
    boiler = Outlet.objects.create(
        enterprise=dyeing, code="DA001", name="锅炉废气排放口", medium="air", kind="main"
    )
    point = MonitoringPoint.objects.create(outlet=boiler, name="锅炉出口", factors=["a21026"])
    Device.objects.create(
        point=point, mn=MN, password_digest=device_password_digest(DEVICE_PASSWORD)
    )
    permit = Permit.objects.create(
        number="91330603MA2BLOOP01001P",
        enterprise=dyeing,
        permit_class="key",
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2029, 1, 1),
    )
    PermitLimit.objects.create(
        permit=permit,
        outlet=boiler,
        factor_code="a21026",
        limit=Decimal("35"),
        unit="mg/m3",
        basis="hourly",
        standard="GB 13271-2014",
    )
    people = {
        "city": User.objects.create_user(
            "loop-city",
            password=PASSWORD,
            role=Role.REGULATOR,
            region_code="3306",
            first_name="李督办",
        ),
        "county": User.objects.create_user(
            "loop-county",
            password=PASSWORD,
            role=Role.REGULATOR,
            region_code="330603",
            first_name="赵属地",
        ),
        "inspector": User.objects.create_user(
            "loop-inspector",
            password=PASSWORD,
            role=Role.INSPECTOR,
            region_code="330603",
            first_name="钱执法",
        ),
        "firm": User.objects.create_user(
            "loop-firm",
            password=PASSWORD,
            role=Role.ENTERPRISE,
            enterprise=dyeing,
            first_name="王工",
        ),
    }
    return {"enterprise": dyeing, "point": point, **people}


def simulate_exceedance() -> None:
    """Simulator → gateway → database, in a thread of its own (Playwright owns this one)."""
    start = dt.datetime.now(CHINA_TZ).replace(minute=0, second=0, microsecond=0)
    config = SimConfig(
        devices=[DeviceSpec(mn=MN, password=DEVICE_PASSWORD, factors=("a21026",))],
        rate=20,
        uploads=("2061",),
        rtd_interval=3600,  # one sample an hour: each step is one hourly upload
        count=HOURS,
        start_time=start - dt.timedelta(hours=HOURS),
        ack_timeout=5.0,
        retries=1,
        faults=Faults(exceed=1.0, exceed_factor=3.0),
    )
    failure: list[BaseException] = []

    async def scenario() -> None:
        gateway = Gateway(
            GatewayConfig(port=0, metrics_port=None, commit_interval=0.005), DatabaseSink()
        )
        await gateway.start()
        try:
            summary = await run_simulation(dataclasses.replace(config, port=gateway.bound_port))
            assert summary.acknowledged == HOURS, summary
        finally:
            await gateway.stop()

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(scenario(), 60))
        except BaseException as exc:
            failure.append(exc)
        finally:
            from django.db import connection

            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(90)
    assert not failure, failure


def open_cases_from_alarms() -> Alarm:
    stream_dispatch()  # the worker's stream job: judge the committed readings
    alarm = Alarm.objects.get(kind="exceedance", factor_code="a21026")
    raised = OutboxEvent.objects.get(topic="monitoring.alarm.raised", aggregate_id=str(alarm.pk))
    # the consumer starts at this event (ids of earlier, rolled-back tests are gaps)
    EventCursor.objects.update_or_create(
        consumer="supervision.alarms", defaults={"last_id": raised.pk - 1}
    )
    consumer_run(CONSUMERS["supervision.alarms"])  # the worker's core.events job
    return alarm


def login(browser: Any, base: str, username: str, **context: Any) -> Any:
    ctx = browser.new_context(locale="zh-CN", **context)
    page = ctx.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def open_action(page: Any, action: str) -> None:
    page.click(f"[data-qs-action={action}] .accordion-button")
    page.wait_for_selector(f"#act-{action}.show")


def test_whole_loop(live_server: Any, browser: Any, screenshot_dir: Path) -> None:
    city = make_city()
    base = live_server.url
    shot = lambda page, name: page.screenshot(  # noqa: E731
        path=str(screenshot_dir / f"supervision-{name}.png"), full_page=True
    )

    simulate_exceedance()
    alarm = open_cases_from_alarms()
    case = SupervisionCase.objects.get(alarm=alarm)
    assert case.state == "pending" and alarm.worst_value > 35

    # the city regulator sees the new case and dispatches it to the county and an inspector
    page = login(browser, base, "loop-city", viewport={"width": 1280, "height": 900})
    page.click("nav >> text=督办案件")
    page.wait_for_url(re.compile(r"/supervision/"))
    assert city["enterprise"].name in page.inner_text("#qs-cases")
    shot(page, "01-city-list")
    page.click(f"#qs-cases >> text={case.number}")
    page.wait_for_selector("#qs-alarm-chart svg")  # the alarm's data, drawn by ECharts
    shot(page, "02-city-case")
    open_action(page, "dispatch")
    page.select_option("#id_dispatch-team_region_code", "330603")
    page.select_option("#id_dispatch-assignee", str(city["inspector"].pk))
    page.fill("#id_dispatch-comment", "请柯桥区分局即刻核查锅炉脱硫设施运行情况")
    page.click("#form-dispatch button[type=submit]")
    page.wait_for_selector("[data-qs-state=dispatched]")
    shot(page, "03-city-dispatched")

    # the inspector, on a phone, accepts, records findings with a photo, orders rectification
    phone = login(
        browser,
        base,
        "loop-inspector",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        geolocation={"latitude": 30.0812, "longitude": 120.4921},
        permissions=["geolocation"],
    )
    phone.goto(f"{base}/supervision/field/")
    assert city["enterprise"].name in phone.inner_text("main")
    shot(phone, "04-inspector-tasks")
    phone.click(f"text={city['enterprise'].name}")
    open_action(phone, "accept")
    phone.click("#form-accept button[type=submit]")
    phone.wait_for_selector("[data-qs-state=investigating]")
    open_action(phone, "order_rectification")
    phone.fill(
        "#id_order_rectification-comment", "现场检查：脱硫塔循环泵停运，责令恢复运行并提交整改材料"
    )
    phone.set_input_files(
        "#id_order_rectification-files",
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": photo((150, 40, 40))}],
    )
    phone.click("#form-order_rectification [data-qs-locate]")
    phone.wait_for_function(
        "document.querySelector('#form-order_rectification [data-qs-location]')"
        ".textContent.includes('30.08')"
    )
    shot(phone, "05-inspector-findings")
    phone.click("#form-order_rectification button[type=submit]")
    phone.wait_for_selector("[data-qs-state=rectifying]")
    shot(phone, "06-inspector-ordered")

    # the enterprise sees its case and uploads its rectification
    firm = login(browser, base, "loop-firm", viewport={"width": 1280, "height": 900})
    firm.goto(f"{base}/supervision/")
    firm.click(f"#qs-cases >> text={case.number}")
    open_action(firm, "submit_rectification")
    firm.fill("#id_submit_rectification-comment", "已更换循环泵并恢复运行，附整改后照片")
    firm.set_input_files(
        "#id_submit_rectification-files",
        files=[{"name": "整改后.png", "mimeType": "image/png", "buffer": photo((40, 140, 70))}],
    )
    shot(firm, "07-enterprise-rectification")
    firm.click("#form-submit_rectification button[type=submit]")
    firm.wait_for_selector("[data-qs-state=verifying]")
    shot(firm, "08-enterprise-submitted")

    # the county verifies; the case closes
    county = login(browser, base, "loop-county", viewport={"width": 1280, "height": 900})
    county.goto(f"{base}/supervision/inbox/")
    assert "企业已提交整改材料" in county.inner_text("#qs-inbox")
    county.click("#qs-inbox a >> nth=0")
    open_action(county, "verify")
    county.fill("#id_verify-comment", "现场复核，设施运行正常，同意销号")
    county.click("#form-verify button[type=submit]")
    county.wait_for_selector("[data-qs-state=closed]")
    timeline = county.inner_text("#qs-timeline")
    for step in ("立案", "派发", "签收", "责令整改", "提交整改", "复核通过并销号"):
        assert step in timeline
    # the two photos, served to the county and decoded by the browser
    county.wait_for_function(
        "[...document.querySelectorAll('#qs-timeline img')]"
        ".filter(i => i.complete && i.naturalWidth === 160).length === 2"
    )
    shot(county, "09-county-closed")
    county.goto(f"{base}/supervision/dashboard/")
    shot(county, "10-county-dashboard")

    case.refresh_from_db()
    assert (case.state, case.resolution) == ("closed", "rectified")
    actors = list(case.events.values_list("action", "actor__username"))
    assert actors == [
        ("open", None),
        ("dispatch", "loop-city"),
        ("accept", "loop-inspector"),
        ("order_rectification", "loop-inspector"),
        ("submit_rectification", "loop-firm"),
        ("verify", "loop-county"),
    ]
    findings = case.events.get(action="order_rectification")
    assert findings.data["location"] == {"lat": 30.0812, "lng": 120.4921}
    for ctx_page in (page, phone, firm, county):
        ctx_page.context.close()
