"""A city regulator's tour: log in, find an enterprise, open it and its permit, in English too."""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from qingshan.core.choices import Role
from qingshan.core.models import Region, User
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_digest
from tests.conftest import credit_code_for

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "tour-password-2026"


def make_city() -> dict[str, Any]:
    Region.objects.update_or_create(
        code="330600", defaults={"name": "绍兴市", "name_en": "Shaoxing", "level": "city"}
    )
    Region.objects.update_or_create(
        code="330603", defaults={"name": "柯桥区", "name_en": "Keqiao", "level": "county"}
    )
    Region.objects.update_or_create(
        code="330604", defaults={"name": "上虞区", "name_en": "Shangyu", "level": "county"}
    )
    dyeing = Enterprise.objects.create(
        credit_code=credit_code_for("330603", 52_001),
        name="绍兴柯桥青山印染有限公司",
        region_code="330603",
        industry_code="1713",
        address="柯桥区滨海工业区马鞍街道",
        is_key_discharger=True,
        contact_name="王工",
        contact_phone="0575-8888 0000",
    )
    Enterprise.objects.create(
        credit_code=credit_code_for("330604", 52_002),
        name="上虞江滨化工有限公司",
        region_code="330604",
        industry_code="2614",
        is_key_discharger=False,
    )
    boiler = Outlet.objects.create(
        enterprise=dyeing, code="DA001", name="锅炉废气排放口", medium="air", kind="main"
    )
    water = Outlet.objects.create(
        enterprise=dyeing, code="DW001", name="废水总排口", medium="water", kind="main"
    )
    point = MonitoringPoint.objects.create(
        outlet=boiler, name="锅炉出口", factors=["a21026", "a21002", "a34013", "a19001"]
    )
    MonitoringPoint.objects.create(outlet=water, name="总排口", factors=["w01018", "w21003"])
    Device.objects.create(
        point=point, mn="33060300000001", password_digest=device_password_digest("123456")
    )
    permit = Permit.objects.create(
        number="91330603MA2BXXXX01001P",
        enterprise=dyeing,
        permit_class="key",
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2029, 1, 1),
    )
    for outlet, factor, limit, o2 in [
        (boiler, "a21026", "35", "6"),
        (boiler, "a21002", "50", "6"),
        (boiler, "a34013", "5", "6"),
        (water, "w01018", "200", None),
    ]:
        PermitLimit.objects.create(
            permit=permit,
            outlet=outlet,
            factor_code=factor,
            limit=Decimal(limit),
            unit="mg/m3" if outlet is boiler else "mg/L",
            basis="hourly" if outlet is boiler else "daily",
            reference_o2=Decimal(o2) if o2 else None,
            standard="GB 13271-2014" if outlet is boiler else "GB 4287-2012",
        )
    AnnualCap.objects.create(permit=permit, pollutant="a21026", tonnes_per_year=Decimal("12.5"))
    user = User.objects.create_user(
        username="shaoxing", password=PASSWORD, role=Role.REGULATOR, region_code="3306"
    )
    user.first_name = "李监管"
    user.save()
    return {"enterprise": dyeing, "permit": permit, "user": user}


def test_regulator_tour(live_server: Any, browser: Any, screenshot_dir: Path) -> None:
    city = make_city()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )

    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", "shaoxing")
    page.fill("input[name=password]", PASSWORD)
    page.screenshot(path=str(screenshot_dir / "01-login.png"), full_page=True)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "概览" in page.inner_text("main")
    page.screenshot(path=str(screenshot_dir / "02-home.png"), full_page=True)

    page.click("nav >> text=污染源")  # the drop-down of the registry pages
    page.click("nav .dropdown-menu >> text=排污单位")
    page.wait_for_url(re.compile(r"/enterprises/$"))
    page.fill("main input[name=q]", "印染")
    page.click("main form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r"q=%E5%8D%B0%E6%9F%93"))
    assert "上虞江滨化工有限公司" not in page.inner_text("main")
    page.screenshot(path=str(screenshot_dir / "03-enterprise-list.png"), full_page=True)

    page.click("text=绍兴柯桥青山印染有限公司")
    page.wait_for_url(re.compile(rf"/enterprises/{city['enterprise'].pk}/$"))
    main = page.inner_text("main")
    assert "二氧化硫（a21026）" in main and "33060300000001" in main
    page.screenshot(path=str(screenshot_dir / "04-enterprise-detail.png"), full_page=True)

    page.click(f"text={city['permit'].number}")
    page.wait_for_url(re.compile(rf"/permits/{city['permit'].pk}/$"))
    assert "许可排放浓度限值" in page.inner_text("main")
    page.screenshot(path=str(screenshot_dir / "05-permit-detail.png"), full_page=True)

    page.click("button[name=language][value=en]")
    page.wait_for_load_state("load")
    main = page.inner_text("main")
    assert "Permitted concentration limits" in main
    assert "sulfur dioxide (a21026)" in main
    assert page.get_attribute("html", "lang") == "en"
    page.screenshot(path=str(screenshot_dir / "06-permit-detail-en.png"), full_page=True)

    page.click("main >> text=Edit")
    page.wait_for_url(re.compile(rf"/permits/{city['permit'].pk}/edit/$"))
    page.click("button[data-formset-add=limits]")  # a row is added in the page, no reload
    assert page.locator("#limits-table tbody tr").count() == 6
    page.screenshot(path=str(screenshot_dir / "08-permit-edit-en.png"), full_page=True)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}/enterprises/{city['enterprise'].pk}/")
    assert mobile.is_visible(".navbar-toggler")
    mobile.screenshot(path=str(screenshot_dir / "07-enterprise-phone-en.png"), full_page=True)
    phone.close()
    context.close()

    assert outside == [], "pages must not load anything from outside the platform"
