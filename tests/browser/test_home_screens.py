"""The home page as each demo account sees it (issue 17), at 1400 px, 1920 px and on a
390×844 phone, with the navigation's search and unread badge; screenshots go to
artifacts/screenshots/home-<account>-<viewport>.png (and search-*, nav-*)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from qingshan.core.models import User
from qingshan.demo.plan import ACCOUNTS, DEMO_PASSWORD
from qingshan.monitoring.choices import Severity
from qingshan.monitoring.models import Alarm, DeviceState
from qingshan.permits.models import Permit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_digest
from qingshan.supervision import services
from qingshan.supervision.models import Notification, SupervisionCase
from tests.conftest import credit_code_for

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"1400": (1400, 900), "1920": (1920, 1080), "phone": (390, 844)}
KEQIAO, SHANGYU = "330603", "330604"
NEIGHBOUR = "上虞江滨化工有限公司"  # in 上虞区: never on the county's or the firm's pages


def _site(name: str, region: str, n: int) -> dict[str, Any]:
    enterprise = Enterprise.objects.create(
        credit_code=credit_code_for(region, 61_000 + n),
        name=name,
        region_code=region,
        industry_code="1713",
        is_key_discharger=True,
    )
    outlet = Outlet.objects.create(
        enterprise=enterprise, code="DA001", name="锅炉废气排放口", medium="air", kind="main"
    )
    point = MonitoringPoint.objects.create(
        outlet=outlet, name="锅炉出口", factors=["a21026", "a21002", "a34013"]
    )
    device = Device.objects.create(
        point=point,
        mn=f"{region}{n:06d}ABCDEF012345",
        password_digest=device_password_digest("123456"),
    )
    DeviceState.objects.create(device=device, connected=n % 4 != 0)
    return {"enterprise": enterprise, "point": point}


def _alarm(site: dict[str, Any], factor: str, severity: str, hours_ago: int) -> Alarm:
    at = timezone.now().replace(microsecond=0) - dt.timedelta(hours=hours_ago)
    return Alarm.objects.create(
        point=site["point"],
        enterprise=site["enterprise"],
        region_code=site["enterprise"].region_code,
        factor_code=factor,
        kind="exceedance",
        severity=severity,
        period=3,
        first_at=at - dt.timedelta(hours=1),
        last_at=at,
        occurrences=2,
        worst_value=71.5,
        limit_value=35.0,
        rule="exceedance.hourly",
    )


def make_city() -> dict[str, Any]:
    """The demo accounts (as the demo loads them) over a few enterprises with the day's
    alarms, cases at each step, unread notifications and permits running out."""
    today = timezone.localdate()
    firm_name = next(a.enterprise_name for a in ACCOUNTS if a.enterprise_name)
    sites = [_site(firm_name, KEQIAO, 1), _site(NEIGHBOUR, SHANGYU, 2)]
    sites += [_site(f"绍兴柯桥青山印染{n}厂", KEQIAO, n) for n in range(3, 9)]
    for n, site in enumerate(sites):
        for i, factor in enumerate(site["point"].factors[: 1 + n % 3]):
            severity = Severity.values[(n + i) % len(Severity.values)]
            _alarm(site, factor, severity, hours_ago=(n * 3 + i) % 20)
        for i in range(2):
            Permit.objects.create(
                number=f"{site['enterprise'].credit_code}{i:03d}P",
                enterprise=site["enterprise"],
                permit_class="key",
                valid_from=today - dt.timedelta(days=1500),
                valid_to=today + dt.timedelta(days=5 + 7 * n + 40 * i),
            )
    encoded = make_password(DEMO_PASSWORD)
    accounts = {
        a.username: User.objects.create(
            username=a.username,
            password=encoded,
            role=a.role,
            region_code=a.region_code,
            enterprise=sites[0]["enterprise"] if a.enterprise_name else None,
            first_name=a.display_name,
            is_superuser=a.is_superuser,
            is_staff=a.is_superuser,
        )
        for a in ACCOUNTS
    }
    cases = [
        services.case_open_from_alarm(user=None, alarm=a) for a in Alarm.objects.order_by("id")[:6]
    ]
    SupervisionCase.objects.filter(pk=cases[0].pk).update(  # the firm's rectification
        state="rectifying",
        team_region_code=KEQIAO,
        deadline=timezone.now() + dt.timedelta(days=4),
    )
    SupervisionCase.objects.filter(pk__in=[c.pk for c in cases[2:4]]).update(
        state="investigating",
        team_region_code=KEQIAO,
        assignee=accounts["demo-inspector"],
        overdue_since=timezone.now() - dt.timedelta(hours=6),
    )
    for username in ("demo-regulator", "demo-county", "demo-enterprise"):
        Notification.objects.create(
            user=accounts[username], case=cases[0], kind="rectify", text="需要整改"
        )
    return {"accounts": accounts, "firm": sites[0]["enterprise"]}


def _login(browser: Any, base: str, username: str) -> list[dict[str, Any]]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click('form[action="/login/"] button[type=submit]')
    page.wait_for_url(f"{base}/")
    cookies = context.cookies()
    context.close()
    return cookies


def _fits(page: Any) -> None:
    """Nothing runs off the right of the screen: not the page, not the navigation bar."""
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth, window.innerWidth,
                  document.querySelector('nav .container-fluid').scrollWidth,
                  document.querySelector('nav .container-fluid').clientWidth]"""
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[3], widths


def _open(browser: Any, viewport: str, cookies: list[dict[str, Any]]) -> tuple[Any, Any]:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", is_mobile=width < 600
    )
    context.add_cookies(cookies)
    return context, context.new_page()


@pytest.mark.parametrize("account", [a.username for a in ACCOUNTS] + ["public"], ids=lambda a: a)
def test_home_page_of_each_account(
    live_server: Any, browser: Any, screenshot_dir: Path, account: str
) -> None:
    city = make_city()
    base = live_server.url
    cookies = [] if account == "public" else _login(browser, base, account)
    outside: list[str] = []
    for viewport in VIEWPORTS:
        context, page = _open(browser, viewport, cookies)
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
        page.goto(f"{base}/")
        page.wait_for_load_state("load")
        page.screenshot(path=str(screenshot_dir / f"home-{account}-{viewport}.png"), full_page=True)
        _fits(page)
        main = page.inner_text("main")
        if account == "public":  # the login page, and the way to the published results
            assert "/login/" in page.url and "公众查看" in main
            page.goto(f"{base}/search/?q=印染")
            assert "/login/" in page.url and "印染" not in page.inner_text("main")
        elif account == "demo-enterprise":
            assert "待办事项" in main and city["firm"].name in main
            assert "待说明的报警" in main and "待完成的整改" in main
            assert NEIGHBOUR not in main and "今日报警" not in main
            assert page.inner_text("#nav-inbox").strip() == "1"
        else:
            assert "今日值班" in main and "今日报警" in main and "数采仪在线率" in main
            assert (NEIGHBOUR in main) is (account != "demo-county"), account
            if account == "demo-county":
                assert "柯桥区" in page.inner_text("h1")
        context.close()
    assert outside == [], "pages must not load anything from outside the platform"


def test_navigation_search_and_the_expiring_list(
    live_server: Any, browser: Any, screenshot_dir: Path
) -> None:
    make_city()
    base = live_server.url
    cookies = _login(browser, base, "demo-county")

    # a laptop: the search sits behind a button in the bar, and finds within the county
    context, page = _open(browser, "1400", cookies)
    page.goto(f"{base}/")
    assert page.inner_text("#nav-inbox").strip() == "1"
    page.click("#nav-search-toggle")
    box = page.locator(".qs-nav-search-toggle input[name=q]")
    assert box.evaluate("e => e === document.activeElement")  # ready to type
    box.fill("印染")
    page.screenshot(path=str(screenshot_dir / "nav-search-open-1400.png"))
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    results = page.inner_text("#search-results")
    assert "绍兴柯桥青山印染3厂" in results and NEIGHBOUR not in results
    page.screenshot(path=str(screenshot_dir / "search-county-1400.png"), full_page=True)

    # the expiring count leads to every permit it counted, not the ten on the home page
    page.goto(f"{base}/")
    counted = int(page.inner_text("[data-expiring-count]"))
    assert counted > 10 and page.locator("#expiring-permits tbody tr").count() == 10
    page.click("[data-expiring-all]")
    page.wait_for_url(re.compile(r"/permits/\?expiring=90"))
    assert f"共 {counted} 条" in page.inner_text("main")
    assert page.locator("main table tbody tr").count() == counted
    page.screenshot(path=str(screenshot_dir / "permits-expiring-1400.png"), full_page=True)
    context.close()

    # a wide screen shows the box itself
    context, page = _open(browser, "1920", cookies)
    page.goto(f"{base}/")
    assert page.is_visible("#nav-search input") and not page.is_visible("#nav-search-toggle")
    context.close()

    # a phone: the badge beside the menu button, the box inside the menu, within the screen
    context, page = _open(browser, "phone", cookies)
    page.goto(f"{base}/")
    assert page.is_visible("#nav-inbox") and not page.is_visible("#nav-search input")
    page.click(".navbar-toggler")
    page.wait_for_selector("#qs-nav.show")  # opened, not still sliding open
    box = page.locator("#nav-search input")
    left, right = box.evaluate(
        "e => [e.getBoundingClientRect().left, e.getBoundingClientRect().right]"
    )
    assert left >= 0 and right <= VIEWPORTS["phone"][0]
    page.screenshot(path=str(screenshot_dir / "nav-menu-phone.png"))
    box.fill(KEQIAO)  # the county's code begins its MNs and credit codes
    box.press("Enter")
    page.wait_for_url(re.compile(rf"/search/\?q={KEQIAO}"))
    _fits(page)
    assert page.is_visible("#group-devices") and page.is_visible("#group-enterprises")
    assert NEIGHBOUR not in page.inner_text("#search-results")
    page.screenshot(path=str(screenshot_dir / "search-county-phone.png"), full_page=True)
    context.close()


def test_english_navigation_fits_a_1400_screen(
    live_server: Any, browser: Any, screenshot_dir: Path
) -> None:
    make_city()
    base = live_server.url
    context, page = _open(browser, "1400", _login(browser, base, "demo-regulator"))
    page.goto(f"{base}/")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state("load")
    assert "On duty today" in page.inner_text("main")
    _fits(page)
    height = page.evaluate("document.querySelector('nav').getBoundingClientRect().height")
    assert height < 70, "the bar holds one line"
    page.screenshot(path=str(screenshot_dir / "home-demo-regulator-1400-en.png"), full_page=True)
    context.close()
