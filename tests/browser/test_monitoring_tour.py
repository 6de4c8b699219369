"""A regulator's monitoring tour: the overview map, a point's curves, an alarm acknowledged."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from qingshan.core.choices import Role
from qingshan.core.models import Region, User
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import Alarm, DeviceState, Reading
from qingshan.permits.models import Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_digest
from tests.conftest import credit_code_for

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "tour-password-2026"


def make_monitored_city() -> dict[str, Any]:
    Region.objects.update_or_create(
        code="330600", defaults={"name": "绍兴市", "name_en": "Shaoxing", "level": "city"}
    )
    Region.objects.update_or_create(
        code="330603", defaults={"name": "柯桥区", "name_en": "Keqiao", "level": "county"}
    )
    sites = []
    for n, (name, lng, lat) in enumerate(
        [
            ("绍兴柯桥青山印染有限公司", "120.4931", "30.0889"),
            ("柯桥滨海热电有限公司", "120.5402", "30.1301"),
        ]
    ):
        enterprise = Enterprise.objects.create(
            credit_code=credit_code_for("330603", 61_000 + n),
            name=name,
            region_code="330603",
            industry_code="1713" if n == 0 else "4411",
            longitude=Decimal(lng),
            latitude=Decimal(lat),
        )
        outlet = Outlet.objects.create(
            enterprise=enterprise, code="DA001", name="锅炉废气排放口", medium="air", kind="main"
        )
        point = MonitoringPoint.objects.create(
            outlet=outlet, name="锅炉出口", factors=["a21026", "a21002", "a19001"]
        )
        device = Device.objects.create(
            point=point, mn=f"3306030000000{n}", password_digest=device_password_digest("123456")
        )
        DeviceState.objects.create(device=device, connected=True, packets=100)
        permit = Permit.objects.create(
            number=f"91330603TOUR{n:04d}P",
            enterprise=enterprise,
            permit_class="key",
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2030, 1, 1),
        )
        PermitLimit.objects.create(
            permit=permit,
            outlet=outlet,
            factor_code="a21026",
            limit=Decimal("35"),
            unit="mg/m3",
            basis="hourly",
            reference_o2=Decimal("9"),
            standard="GB 13271-2014",
        )
        sites.append({"enterprise": enterprise, "point": point})
    point = sites[0]["point"]
    now = int(dt.datetime.now(dt.UTC).timestamp()) // 3600 * 3600
    readings = []
    for i in range(72):
        t = now - (72 - i) * 3600
        so2 = 22 + 8 * math.sin(i / 4) + (30 if i in (60, 61, 62) else 0)
        flag = "M" if i in (40, 41) else "N"
        readings.append((point.pk, "a21026", t, round(so2, 2), flag))
        readings.append((point.pk, "a19001", t, 10.5, "N"))
    Reading.objects.bulk_create(
        Reading(
            point_id=p,
            factor_code=f,
            period=PeriodKind.HOUR,
            data_time=t,
            value=v,
            flag=flag,
            received_at=(t + 60) * 1000,
        )
        for p, f, t, v, flag in readings
    )
    alarm = Alarm.objects.create(
        point=point,
        enterprise=sites[0]["enterprise"],
        region_code="330603",
        factor_code="a21026",
        kind="exceedance",
        severity="major",
        period=PeriodKind.HOUR,
        first_at=now - 12 * 3600,
        last_at=now - 10 * 3600,
        occurrences=3,
        worst_value=60.7,
        limit_value=35.0,
        rule="monitoring.exceedance",
        evidence={"basis": "hourly", "reference_o2": 9, "values": [[now - 12 * 3600, 52.1]]},
    )
    user = User.objects.create_user(
        username="keqiao-watch", password=PASSWORD, role=Role.REGULATOR, region_code="3306"
    )
    user.first_name = "王监管"
    user.save()
    return {"alarm": alarm, "point": point, "user": user}


def test_regulator_acknowledges_an_alarm(
    live_server: Any, browser: Any, screenshot_dir: Path
) -> None:
    city = make_monitored_city()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "keqiao-watch")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.click("nav >> text=在线监测")  # the drop-down of the monitoring pages
    page.click("nav .dropdown-menu >> text=在线监控")
    page.wait_for_url(re.compile(r"/monitoring/$"))
    page.wait_for_selector("#overview-map path.leaflet-interactive, #overview-map canvas")
    assert page.locator('#point-states [data-status="exceeding"]').count() == 1
    assert page.locator('#point-states [data-status="normal"]').count() == 1
    page.screenshot(path=str(screenshot_dir / "11-monitoring-overview.png"), full_page=True)

    page.click("#point-states >> text=绍兴柯桥青山印染有限公司")
    page.wait_for_url(re.compile(rf"/monitoring/points/{city['point'].pk}/$"))
    page.wait_for_selector("[data-series-chart] canvas")
    text = page.inner_text("main")
    assert "二氧化硫（a21026）" in text and "35" in text
    assert "72 个数据点" in text
    page.click("label[for=kind-minute]")  # the chart switches to minute data (none here)
    page.wait_for_url(re.compile(r"kind=minute"))
    assert "该时段没有数据" in page.inner_text("[data-series-chart]")
    page.go_back()
    page.wait_for_selector("[data-series-chart] canvas")
    page.screenshot(path=str(screenshot_dir / "12-monitoring-point-chart.png"), full_page=True)

    page.click("main >> text=超标 · 二氧化硫（a21026）")
    page.wait_for_url(re.compile(rf"/monitoring/alarms/{city['alarm'].pk}/$"))
    page.wait_for_selector("[data-series-chart] canvas")
    rule = page.inner_text("#alarm-rule")  # the rule in words, not its code
    assert "小时均值超过许可排放浓度限值" in rule and "monitoring.exceedance" not in rule
    assert "60.7（为限值的 1.73 倍）" in rule and "基准氧含量 9%" in rule
    assert "—" not in rule  # nothing the alarm did not record is shown as a blank
    assert "未确认" in page.inner_text("#alarm-state")
    page.fill("#acknowledge-form textarea", "已通知企业核查脱硫设施")
    page.click("#acknowledge-form button[type=submit]")
    page.wait_for_selector("#acknowledged-badge")  # htmx swapped the panel, no reload
    assert "王监管" in page.inner_text("#acknowledged-badge")
    assert "已通知企业核查脱硫设施" in page.inner_text("#alarm-history")
    page.screenshot(
        path=str(screenshot_dir / "13-monitoring-alarm-acknowledged.png"), full_page=True
    )
    city["alarm"].refresh_from_db()
    assert city["alarm"].acknowledged_by == city["user"]

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}/monitoring/points/{city['point'].pk}/")
    mobile.wait_for_selector("[data-series-chart] canvas")
    mobile.screenshot(path=str(screenshot_dir / "14-monitoring-point-phone.png"), full_page=True)
    phone.close()
    context.close()

    assert outside == [], "pages must not load anything from outside the platform"
    assert errors == []
