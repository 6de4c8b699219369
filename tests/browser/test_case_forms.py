"""The case forms in Chromium, on a phone (390×844), a laptop (1400) and a wide screen
(1920), on the demo city with its story.

The regulator opens a case by hand through the new-case form (narrowing the list of
enterprises by typing, the form reloading the enterprise's points), then finds its
dispatch form; the enterprise finds its rectification form on the story's case, beside the
alarm's chart (a lone daily value drawn as a mark). Every action form keeps one field per
line inside its card, with nothing running past it.
Screenshots: artifacts/screenshots/case-new-*.png, case-actions-*.png.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from qingshan.demo.industries import DEMO_ENTERPRISE_NAME
from qingshan.demo.loader import load_city
from qingshan.demo.plan import DEMO_PASSWORD
from qingshan.monitoring.models import Reading
from qingshan.supervision.models import SupervisionCase

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (390, 844), "laptop": (1400, 900), "wide": (1920, 1080)}

# every control of the open action form: inside its card, and as wide as the form (one
# field per line); returns what does not fit
FITS = """() => {
  const bad = [];
  for (const form of document.querySelectorAll('#qs-actions .accordion-collapse.show form')) {
    const card = form.closest('.card, .qs-field') || document.body;
    const box = card.getBoundingClientRect(), width = form.getBoundingClientRect().width;
    for (const el of form.querySelectorAll('input:not([type=hidden]), select, textarea')) {
      const r = el.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) bad.push(el.name + ' outside');
      if (r.width < width * 0.9) bad.push(el.name + ' ' + Math.round(r.width) + ' px wide');
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth) bad.push('page scrolls sideways');
  return bad;
}"""


def login(browser: Any, base: str, username: str, size: tuple[int, int]) -> Any:
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, locale="zh-CN", is_mobile=size[0] < 500
    )
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click('form[action="/login/"] button[type=submit]')
    page.wait_for_url(f"{base}/")
    return page


def open_every_form(page: Any, shots: Path, name: str) -> list[str]:
    """Expand each action form in turn; check it fits; a screenshot of the first."""
    problems: list[str] = []
    buttons = page.locator("#qs-actions .accordion-button")
    for index in range(buttons.count()):
        button = buttons.nth(index)
        if button.get_attribute("aria-expanded") != "true":
            button.click()
        page.wait_for_selector("#qs-actions .accordion-collapse.show:not(.collapsing)")
        problems += [f"{button.inner_text()}: {p}" for p in page.evaluate(FITS)]
        if index == 0:
            card = page.locator("#qs-actions").locator("xpath=ancestor::section[1]")
            card.screenshot(path=str(shots / f"{name}.png"))
    page.screenshot(path=str(shots / f"{name}-page.png"), full_page=True)
    return problems


def test_case_forms_fit_every_screen(
    live_server: Any, browser: Any, screenshot_dir: Path, tmp_path: Path
) -> None:
    load_city(seed=1, today=dt.date.today(), data_dir=tmp_path)
    story = SupervisionCase.objects.get(enterprise__name=DEMO_ENTERPRISE_NAME)
    alarm = story.alarm
    assert alarm is not None
    # the day's value the logger sent (the demo's history writes it; not loaded here)
    Reading.objects.create(
        point_id=alarm.point_id,
        factor_code=alarm.factor_code,
        period=alarm.period,
        data_time=alarm.last_at,
        value=alarm.worst_value,
        received_at=timezone.now(),
    )
    base = live_server.url
    problems: list[str] = []
    for label, size in SIZES.items():
        page = login(browser, base, "demo-regulator", size)
        page.goto(f"{base}/supervision/")
        page.click("[data-qs-case-open]")
        page.wait_for_url(re.compile(r"/supervision/open/$"))
        page.fill("#qs-enterprise-filter", "澄溪")
        visible = page.eval_on_selector_all(
            "#id_enterprise option:not([hidden])", "els => els.map(e => e.text)"
        )
        assert [t for t in visible if DEMO_ENTERPRISE_NAME in t] == visible[1:] != []
        page.press("#qs-enterprise-filter", "Enter")  # picks it; the form reloads
        page.wait_for_selector("#id_point")
        page.select_option("#id_point", index=1)
        page.fill("#id_title", f"现场检查发现雨水排口有泡沫（{label}）")
        page.fill("#id_description", "巡查时雨水排放口可见白色泡沫，疑似生产废水混入雨水管网。")
        page.screenshot(path=str(screenshot_dir / f"case-new-{label}.png"), full_page=True)
        page.click("#qs-case-open .card-footer button[type=submit]")
        page.wait_for_url(re.compile(r"/supervision/\d+/$"))
        assert "待派发" in page.inner_text("[data-qs-state]")
        problems += [
            f"regulator {label} " + p
            for p in open_every_form(page, screenshot_dir, f"case-actions-regulator-{label}")
        ]
        assert page.locator('[data-qs-action="dispatch"] select[name="dispatch-assignee"]').count()
        assert "demo-inspector" not in page.content()  # people by display name
        page.context.close()

        page = login(browser, base, "demo-enterprise", size)
        page.goto(f"{base}/supervision/{story.pk}/")
        assert page.locator('[data-qs-action="submit_rectification"]').count() == 1
        # a lone daily value is drawn as a mark (a line of one point shows nothing)
        shown = "window.echarts.getInstanceByDom(document.getElementById('qs-alarm-chart'))"
        assert page.evaluate(f"{shown}.getOption().series[0].showSymbol") is True
        problems += [
            f"enterprise {label} " + p
            for p in open_every_form(page, screenshot_dir, f"case-actions-enterprise-{label}")
        ]
        page.context.close()
    assert problems == []
    opened = SupervisionCase.objects.filter(source_kind="manual", title__startswith="现场检查")
    assert opened.count() == len(SIZES)
