"""A point's chart as a person sees it: a single value drawn, the limit line on the chart,
China time in a browser set to New York, and the demo history in the hourly, daily and
minute views (screenshots: point-chart-*.png)."""

from __future__ import annotations

import csv
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from qingshan.core.choices import Role
from qingshan.core.models import Region, User
from qingshan.demo.geography import CITY
from qingshan.demo.history import history_load
from qingshan.demo.models import DemoLoad
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import Reading
from qingshan.permits.models import Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_digest
from tests.conftest import credit_code_for

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "chart-password-2026"
CHINA = dt.timezone(dt.timedelta(hours=8))
FACTORS = ["a34013", "a21026", "a21002", "a19001", "a01012", "a01011", "a00000"]


def _site() -> dict[str, Any]:
    Region.objects.update_or_create(
        code="330603", defaults={"name": "柯桥区", "name_en": "Keqiao", "level": "county"}
    )
    enterprise = Enterprise.objects.create(
        credit_code=credit_code_for("330603", 71_000),
        name="绍兴柯桥曲线印染有限公司",
        region_code="330603",
        industry_code="1713",
    )
    outlet = Outlet.objects.create(
        enterprise=enterprise, code="DA001", name="导热油炉废气排放口", medium="air", kind="main"
    )
    point = MonitoringPoint.objects.create(outlet=outlet, name="导热油炉出口", factors=FACTORS)
    device = Device.objects.create(
        point=point, mn="33060300000000000000CH01", password_digest=device_password_digest("1")
    )
    permit = Permit.objects.create(
        number="91330603CHART001P",
        enterprise=enterprise,
        permit_class="key",
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2030, 1, 1),
    )
    PermitLimit.objects.create(
        permit=permit, outlet=outlet, factor_code="a21026", limit=Decimal("50"),
        unit="mg/m3", basis="hourly", reference_o2=Decimal("3.5"), standard="GB 13271-2014",
    )  # fmt: skip
    User.objects.create_user(
        username="chart-watch", password=PASSWORD, role=Role.REGULATOR, region_code="3306"
    )
    return {"point": point, "device": device}


def _page(browser: Any, live_server: Any) -> tuple[Any, Any, list[str]]:
    # the browser in New York: the chart must still say China time
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="America/New_York"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "chart-watch")
    page.fill("input[name=password]", PASSWORD)
    page.click('form[action="/login/"] button[type=submit]')
    page.wait_for_url(f"{live_server.url}/")
    return context, page, errors


CHART_STATE = """() => {
  const chart = echarts.getInstanceByDom(document.querySelector('[data-series-chart]'));
  const option = chart.getOption();
  const y = chart.getModel().getComponent('yAxis').axis.scale.getExtent();
  chart.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 0 });
  const tip = [...document.querySelectorAll('.qs-chart div')].find(d => d.innerText.includes(':'));
  return {
    dots: option.series.filter(s => s.type === 'scatter' && s.name === '实测值')
      .map(s => s.data.length),
    yMax: y[1],
    tip: tip ? tip.innerText : '',
  };
}"""


def test_one_value_is_drawn_with_the_limit_in_china_time(live_server: Any, browser: Any) -> None:
    site = _site()
    hour = int(dt.datetime.now(dt.UTC).timestamp()) // 3600 * 3600 - 2 * 3600
    Reading.objects.create(
        point=site["point"], factor_code="a21026", period=PeriodKind.HOUR, data_time=hour,
        value=12.5, zs=13.0, flag="N", received_at=(hour + 3600) * 1000,
    )  # fmt: skip
    context, page, errors = _page(browser, live_server)
    page.goto(f"{live_server.url}/monitoring/points/{site['point'].pk}/?factor=a21026&kind=hour")
    page.wait_for_selector("[data-series-chart] canvas")
    state = page.evaluate(CHART_STATE)
    shown = dt.datetime.fromtimestamp(hour, CHINA).strftime("%Y-%m-%d %H:%M")
    seen = {
        "dots": state["dots"],  # the one value is a dot: a line of one point is nothing
        "limit in range": state["yMax"] >= 50 * 1.1,  # the limit (50), with room above
        "China time": shown in state["tip"],  # not New York's
    }
    assert seen == {"dots": [1], "limit in range": True, "China time": True}, state
    assert errors == []
    context.close()


def test_the_demo_history_in_the_three_views(
    live_server: Any, browser: Any, screenshot_dir: Path, tmp_path: Path
) -> None:
    site = _site()
    DemoLoad.objects.create(city_code=CITY.code, seed=1, plan_date=dt.date.today(), counts={})
    devices = tmp_path / "demo_devices.csv"
    with open(devices, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["mn", "password", "point_id", "enterprise", "factors"])
        writer.writerow([site["device"].mn, "1", site["point"].pk, "e", " ".join(FACTORS)])
    history_load(seed=1, devices_csv=devices, units=10_000)
    context, page, errors = _page(browser, live_server)
    url = f"{live_server.url}/monitoring/points/{site['point'].pk}/?factor=a21026"
    for kind, least in (("hour", 600), ("day", 85), ("minute", 100)):
        page.goto(f"{url}&kind={kind}")
        page.wait_for_selector("[data-series-chart] canvas")
        count = int(page.inner_text(".card-header").split("个数据点")[0].split()[-1])
        assert count >= least, (kind, count)
        page.screenshot(path=str(screenshot_dir / f"point-chart-{kind}.png"), full_page=True)
    assert errors == []
    context.close()
