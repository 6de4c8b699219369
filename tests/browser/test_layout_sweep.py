"""The layout sweep (issue 17): every page, as every demo account, on three screens.

The demo city is loaded (``demo.loader.load_city``) with what the live simulator would
add — alarms, a case, a declaration, a dead letter, a refused sender, an import with
a bad row, a held quality row, a change by a person — and every page of the URL conf
is visited at 390×844 (a phone), 1400×900 (a laptop) and 1920×1080 as each account of
``demo.plan.ACCOUNTS`` and as the public: every GET page without arguments, and each
route with arguments on an object of that data. A page must

(a) not scroll sideways (a table scrolling inside its .table-responsive is fine: the
    page's own width is measured, not its inner scrollers);
(b) give every visible input, select and textarea at least the width of its label's
    text (a formset's column header is its label; ≥ 8 em with none), never under three
    glyphs, a select the width of its chosen option, buttons one line of text, and no
    control drawn over another;
(c) show no internals: snake_case names (``early_warning``), 10-digit Unix times,
    English words of the UI, login names of the demo accounts.

The browser loads each page once per account and is resized to the three widths (the
pages lay out by media queries and the charts and maps follow ``resize``). A screenshot
of each page at each width goes to artifacts/screenshots/sweep/ — the first account to
see the page takes it, the public first — and of each failure, named by its account.

The sweep runs once, in a module fixture; the tests
read its results.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.browser.conftest import SCREENSHOTS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The pages lay out the same whatever the database: the sweep (about 5 minutes) runs once
# per CI run, on SQLite; QINGSHAN_SWEEP=1 runs it on PostgreSQL too, QINGSHAN_SWEEP=0 skips it.
_SWEEP = os.environ.get("QINGSHAN_SWEEP", "")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        _SWEEP == "0" or (not _SWEEP and bool(os.environ.get("QINGSHAN_TEST_DATABASE_URL"))),
        reason="the layout sweep runs on SQLite (QINGSHAN_SWEEP=1 runs it here)",
    ),
]

WIDTHS = ((390, 844), (1400, 900), (1920, 1080))
PUBLIC = "public"
SHOTS = SCREENSHOTS / "sweep"

# parts of the URL conf that are not pages of ours
NOT_OURS = {
    "api/": "the JSON API (django-ninja), no page",
    "admin/": "Django's own admin",
    "i18n/": "Django's language switch: a POST",
}
# routes of ours that are not pages, and why they are not swept
NOT_PAGES = {
    "logout": "a POST",
    "exchange:template": "a download (xlsx)",
    "exchange:export": "a download (xlsx)",
    "exchange:job-report": "a download (xlsx)",
    "exchange:job-progress": "a fragment the job page polls",
    "monitoring:point-export": "a download (xlsx)",
    "monitoring:alarm-attachment": "a download (an uploaded file)",
    "monitoring:declaration-attachment": "a download (an uploaded file)",
    "supervision:case-order": "a download (PDF)",
    "supervision:attachment": "a download (an uploaded file)",
    "supervision:case-open": "a form fragment swapped into the new-case page",
}
# route with arguments → the object of the sweep's data it is visited with
OBJECTS = {
    "exchange:job": "job",
    "monitoring:dead-letter-judge-again": "dead_letter",
    "monitoring:dead-letter-dismiss": "dead_letter",
    "monitoring:point": "point",
    "monitoring:alarm": "alarm",
    "monitoring:alarm-acknowledge": "alarm",
    "monitoring:alarm-comment": "alarm",
    "monitoring:alarm-explain": "alarm",
    "monitoring:alarm-review": "alarm",
    "monitoring:declaration": "declaration",
    "quality:station-detail": "station",
    "quality:station-edit": "station",
    "quality:station-delete": "station",
    "quality:section-detail": "section",
    "quality:section-edit": "section",
    "quality:section-delete": "section",
    "quality:held-release": "held",
    "quality:held-discard": "held",
    "supervision:case": "case",
    "supervision:case-act": "case",
    "supervision:field-case": "case",
    "enterprise-detail": "enterprise",
    "enterprise-edit": "enterprise",
    "enterprise-delete": "enterprise",
    "enterprise-retire": "enterprise",
    "enterprise-reinstate": "retired_enterprise",
    "outlet-create": "enterprise",
    "outlet-edit": "outlet",
    "outlet-delete": "outlet",
    "outlet-retire": "outlet",
    "outlet-reinstate": "retired_outlet",
    "point-create": "enterprise",
    "point-edit": "point",
    "point-delete": "point",
    "point-retire": "point",
    "point-reinstate": "retired_point",
    "device-create": "enterprise",
    "device-edit": "device",
    "device-password": "device",
    "device-delete": "device",
    "device-retire": "device",
    "device-reinstate": "retired_device",
    "permit-detail": "permit",
    "permit-create": "enterprise",
    "permit-edit": "permit",
    "permit-delete": "permit",
}
# (c): what a page must never show; the login names come from the demo plan
ENGLISH = (
    "Enterprise|Enterprises|Outlet|Permit|Device|Alarm|Region|Status|Submit|Save|Delete|"
    "Edit|Search|Filter|Username|Password|Logout|Details|Created|Updated|Actions|None|"
    "True|False|Yes|No|Unknown|Pending|Active|Inactive"
)


def internals() -> list[tuple[str, str]]:
    from qingshan.demo.plan import ACCOUNTS

    logins = "|".join(re.escape(a.username) for a in ACCOUNTS)
    return [
        ("snake_case name", r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
        ("Unix time", r"(?<![\d.:-])1\d{9}(?![\d.:-])"),
        ("English word", rf"\b(?:{ENGLISH})\b"),
        ("login name", rf"(?<![\w-])(?:{logins})(?![\w-])"),
    ]


CHECKS = (Path(__file__).parent / "layout_checks.js").read_text(encoding="utf-8")


# ── the pages ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    needs_object: bool


def routes() -> list[Route]:
    """Every named route of ours in the URL conf, in its order."""
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if not any(route.startswith(part) for part in NOT_OURS):
                    inner = ":".join(filter(None, [namespace, p.namespace or ""]))
                    walk(p.url_patterns, route, inner)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                found.append(Route(name, route, bool(p.pattern.converters)))

    walk(get_resolver().url_patterns, "", "")
    return found


ROUTES = routes()


# ── the data ──────────────────────────────────────────────────────────────────────


def build_city(data_dir: Path) -> dict[str, int]:
    """The demo city, and what its first hours of live data and work would add."""
    from django.utils import timezone

    from qingshan.core.audit import audit_context
    from qingshan.core.models import User
    from qingshan.demo.industries import DEMO_ENTERPRISE_NAME
    from qingshan.demo.loader import load_city
    from qingshan.exchange.services import import_job_create, import_job_run
    from qingshan.monitoring.models import (
        Alarm,
        AnomalyDeclaration,
        DeadLetter,
        DeviceState,
        RefusedSender,
    )
    from qingshan.monitoring.services import declaration_submit
    from qingshan.permits.models import Permit
    from qingshan.quality.imports import import_data
    from qingshan.quality.models import AirStation, HeldRow, WaterSection
    from qingshan.registry import services as registry
    from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
    from qingshan.registry.retirement import record_retire
    from qingshan.supervision.models import SupervisionCase
    from qingshan.supervision.services import case_open_from_alarm

    load_city(seed=1, data_dir=data_dir)
    people = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    county, firm = people["demo-county"], people["demo-enterprise"]
    enterprise = Enterprise.objects.get(name=DEMO_ENTERPRISE_NAME)
    point = MonitoringPoint.objects.filter(outlet__enterprise=enterprise).order_by("pk").first()
    assert point is not None and point.outlet is not None
    device = Device.objects.get(point=point)
    now = int(time.time())
    DeviceState.objects.update_or_create(
        device=device,
        defaults={"connected": True, "peer": "10.8.0.21:50312", "packets": 1440,
                  "connected_since": (now - 86400) * 1000, "last_seen_at": (now - 30) * 1000,
                  "last_cn": "2061"},
    )  # fmt: skip
    RefusedSender.objects.create(
        mn="33060399999999", host="10.8.0.99", reason="unknown-device",
        first_seen_at=(now - 7200) * 1000, last_seen_at=(now - 60) * 1000, count=12,
    )  # fmt: skip
    factor = point.factors[0]
    # the demo's own story may have raised these already (demo.story): use its own then
    for kind, severity, worst in (
        ("exceedance", "major", 312.5),
        ("early_warning", "warning", 185.0),
    ):
        if not Alarm.objects.filter(point=point, factor_code=factor, kind=kind).exists():
            Alarm.objects.create(
                point=point, enterprise=enterprise, region_code=enterprise.region_code,
                factor_code=factor, kind=kind, severity=severity, period=3,
                first_at=now - 5 * 3600, last_at=now - 3600, occurrences=4,
                worst_value=worst, limit_value=200.0, rule=f"monitoring.{kind}",
                evidence={"basis": "hourly", "values": [[now - 3600, worst]]},
            )  # fmt: skip
    alarm = Alarm.objects.filter(enterprise=enterprise, kind="exceedance").order_by("pk").first()
    assert alarm is not None
    case = SupervisionCase.objects.filter(alarm=alarm).first() or case_open_from_alarm(
        user=None, alarm=alarm
    )
    declaration = AnomalyDeclaration.objects.filter(enterprise=enterprise).first()
    if declaration is None:
        declaration = declaration_submit(
            user=firm, point=point, kind="maintenance",
            starts_at=timezone.now() + dt.timedelta(hours=2),
            ends_at=timezone.now() + dt.timedelta(hours=6), reason="更换 COD 分析仪试剂",
        )  # fmt: skip
    dead = DeadLetter.objects.create(
        consumer="monitoring.stream", device_id=device.pk, point_id=point.pk, period=3,
        data_time=now - 3600, reason="该因子没有许可限值，无法判定是否超标", detail="",
    )  # fmt: skip
    with audit_context(user=county, ip_address="10.20.30.40", via="web"):
        registry.enterprise_update(
            user=county, enterprise=enterprise, data={"contact_name": "董琴琴"}
        )
        spare = registry.outlet_save(
            user=county, outlet=Outlet(), data={"enterprise": enterprise, "code": "DA099",
                                                "name": "备用锅炉废气排放口", "medium": "air",
                                                "kind": "general"},
        )  # fmt: skip
        spare_point = registry.point_save(
            user=county, point=MonitoringPoint(),
            data={"outlet": spare, "name": "备用锅炉出口", "factors": ["a21026"]},
        )  # fmt: skip
        spare_device = registry.device_save(
            user=county, device=Device(), data={"point": spare_point, "mn": "33060300009999"},
            password="spare-123",
        )  # fmt: skip
        # retired with its outlet: the reinstate pages have a record to offer back
        record_retire(user=county, obj=spare, reason="锅炉已拆除")
    job = _import_job(people["demo-admin"], import_job_create, import_job_run)
    closed = Enterprise.objects.get(name="导入印染有限公司")
    with audit_context(user=county, ip_address="10.20.30.40", via="web"):
        record_retire(user=county, obj=closed, reason="企业关停")
    station = AirStation.objects.order_by("code").first()
    assert station is not None
    ahead = dt.datetime.fromtimestamp(now + 400 * 86400, tz=dt.UTC).strftime("%Y-%m-%dT%H:00")
    rows = f"time,station,pm25,pm10,o3\n{ahead},{station.code},35,60,80\n"
    import_data(
        user=people["demo-admin"], kind="air", name="air.csv", data=io.BytesIO(rows.encode())
    )
    held = HeldRow.objects.order_by("-pk").first()
    assert held is not None
    permit = Permit.objects.filter(enterprise=enterprise).first()
    assert permit is not None
    section = WaterSection.objects.order_by("code").first()
    assert section is not None
    return {
        "enterprise": enterprise.pk, "outlet": point.outlet.pk, "retired_outlet": spare.pk,
        "retired_point": spare_point.pk, "retired_device": spare_device.pk,
        "retired_enterprise": closed.pk,
        "point": point.pk, "device": device.pk, "permit": permit.pk, "alarm": alarm.pk,
        "case": case.pk, "declaration": declaration.pk, "dead_letter": dead.pk,
        "job": job, "station": station.pk, "section": section.pk, "held": held.pk,
    }  # fmt: skip


def _import_job(admin: Any, create: Any, run: Any) -> int:
    """An Excel import with a good row and a bad one (a longitude out of range)."""
    from django.core.files.base import ContentFile

    from qingshan.exchange.writer import registry_workbook, workbook_bytes
    from tests.conftest import credit_code_for

    rows = {
        "enterprises": [
            {"credit_code": credit_code_for("330603", 880_001), "name": "导入印染有限公司",
             "region_code": "330603", "industry_code": "1713"},
            {"credit_code": credit_code_for("330603", 880_002), "name": "经度有误有限公司",
             "region_code": "330603", "industry_code": "1713", "longitude": 500},
        ]
    }  # fmt: skip
    upload = ContentFile(workbook_bytes(registry_workbook(rows)), name="registry.xlsx")
    job = create(user=admin, upload=upload, file_name="2026年排污单位.xlsx")
    run(job_id=job.pk)
    return int(job.pk)


# ── the sweep ─────────────────────────────────────────────────────────────────────


@dataclass
class Visit:
    url: str = ""
    skipped: str = ""  # why the page was not checked for this account
    problems: dict[int, list[str]] = field(default_factory=dict)  # width → problems


Results = dict[tuple[str, str], Visit]


def accounts() -> list[str]:
    from qingshan.demo.plan import ACCOUNTS

    return [PUBLIC, *(a.username for a in ACCOUNTS)]


def swept_accounts() -> list[str]:
    """All of them; QINGSHAN_SWEEP_ACCOUNTS="public demo-admin" narrows a run by hand."""
    chosen = os.environ.get("QINGSHAN_SWEEP_ACCOUNTS", "").split()
    return [a for a in accounts() if not chosen or a in chosen]


def _login(page: Any, base: str, username: str) -> None:
    from qingshan.demo.plan import DEMO_PASSWORD

    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click('form[action="/login/"] button[type=submit]')
    page.wait_for_url(lambda url: "/login/" not in url)


def _url(route: Route, objects: dict[str, int]) -> str:
    if not route.needs_object:
        return reverse(route.name)
    return reverse(route.name, kwargs={"pk": objects[OBJECTS[route.name]]})


def _slug(name: str) -> str:
    return name.replace(":", "-")


def _visit(page: Any, base: str, url: str) -> tuple[str, Any]:
    """Open the page; why it is not a page to check for this account, or ""."""
    try:
        response = page.goto(base + url, wait_until="load")
    except Exception as error:  # a file download, or an error with an empty body
        if "Download is starting" in str(error):
            return "a download", None
        # Chromium goes on to its own error page: let it, before the next page is opened
        page.wait_for_timeout(200)
        page.goto("about:blank")
        status = page.request.get(base + url, max_redirects=0).status
        if status == 405:
            return "a POST only", None
        if status in (401, 403, 404):
            return f"not for this account ({status})", None
        raise
    status = response.status if response else 0
    kind = (response.headers.get("content-type", "") if response else "").split(";")[0]
    if status == 405:
        return "a POST only", response
    if status in (401, 403, 404):
        return f"not for this account ({status})", response
    if kind != "text/html":
        return f"a download ({kind})", response
    landed = page.url.removeprefix(base).split("?")[0]
    if landed != url.split("?")[0]:
        return f"redirects to {landed}", response
    return "", response


def _sweep_account(browser: Any, base: str, account: str, objects: dict[str, int],
                   results: Results, shot: set[tuple[str, int]]) -> None:  # fmt: skip
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    if account != PUBLIC:
        _login(page, base, account)
    checks = internals()
    for route in ROUTES:
        if route.name in NOT_PAGES or (route.needs_object and route.name not in OBJECTS):
            continue
        url = _url(route, objects)
        page.set_viewport_size({"width": 390, "height": 844})
        started = time.monotonic()
        skipped, response = _visit(page, base, url)
        if os.environ.get("QINGSHAN_SWEEP_VERBOSE"):
            print(f"{account} {url} {time.monotonic() - started:.2f}s {skipped}", flush=True)
        visit = results[(route.name, account)] = Visit(url=url, skipped=skipped)
        if skipped:
            continue
        if response.status >= 500:
            visit.problems[0] = [f"server error {response.status}"]
            continue
        for width, height in WIDTHS:
            if width != 390:
                page.set_viewport_size({"width": width, "height": height})
                page.wait_for_timeout(120)  # the charts' and maps' resize handlers
            problems = page.evaluate(CHECKS, checks)
            visit.problems[width] = problems
            if (route.name, width) not in shot or problems:
                suffix = f"-{account}" if (route.name, width) in shot else ""
                path = SHOTS / f"{_slug(route.name)}-{width}{suffix}.png"
                page.screenshot(path=str(path), full_page=True)
                shot.add((route.name, width))
    context.close()


@pytest.fixture(scope="module")
def sweep(
    browser: Any,
    live_server: Any,
    django_db_setup: Any,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Results, dict[str, int]]]:
    """Build the city, then visit every page as every account; the tests read this."""
    if BROKEN:  # pytest runs a failed fixture again for each test: once is enough
        pytest.fail(f"the sweep did not run: {BROKEN[0]}")
    try:
        yield _run_sweep(browser, live_server, django_db_blocker, tmp_path_factory)
    except Exception as error:
        BROKEN.append(repr(error))
        raise


BROKEN: list[str] = []


def _run_sweep(
    browser: Any, live_server: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> tuple[Results, dict[str, int]]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    results: Results = {}
    shot: set[tuple[str, int]] = set()
    # unblocked throughout: the live server's thread is refused the database otherwise
    with django_db_blocker.unblock():
        # a module fixture runs before the autouse one that puts back the rule table an
        # earlier transactional test flushed: put it back here
        from qingshan.core.models import RuleValue
        from tests.conftest import _regions_seed, _rules_seed

        if not RuleValue.objects.filter(rule="monitoring.flag_validity").exists():
            _rules_seed()
        _regions_seed()
        objects = build_city(tmp_path_factory.mktemp("demo-data"))
        for account in swept_accounts():
            _sweep_account(browser, live_server.url, account, objects, results, shot)
    return results, objects


def _cases() -> list[Any]:
    cases = []
    for route in ROUTES:
        for account in accounts():
            cases.append(pytest.param(route, account, id=f"{route.name}@{account}"))
    return cases


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("route", "account"), _cases())
def test_page_holds_at_every_width(
    route: Route, account: str, sweep: tuple[Results, dict[str, int]]
) -> None:
    results, _objects = sweep
    if route.name in NOT_PAGES:
        pytest.skip(NOT_PAGES[route.name])
    if route.needs_object and route.name not in OBJECTS:
        pytest.fail(f"{route.name} ({route.pattern}) has no object to visit: add it to OBJECTS")
    if (route.name, account) not in results:
        pytest.skip("this account was not swept in this run (QINGSHAN_SWEEP_ACCOUNTS)")
    visit = results[(route.name, account)]
    if visit.skipped:
        pytest.skip(visit.skipped)
    failures = [f"{width}px: {p}" for width, found in visit.problems.items() for p in found]
    assert not failures, f"{visit.url} as {account}:\n" + "\n".join(failures)


@pytest.mark.django_db(transaction=True)
def test_every_page_was_seen_by_some_account(sweep: tuple[Results, dict[str, int]]) -> None:
    """A page no account could open is a page the sweep does not cover: say which.

    An action that only takes a POST, and a download, are not pages; anything else
    that every account was refused, or redirected from, needs an account or an object.
    """
    results, _objects = sweep
    unseen = []
    for route in ROUTES:
        if route.name in NOT_PAGES:
            continue
        reasons = {results[(route.name, a)].skipped for a in swept_accounts()}
        if all(reasons) and not any(r.startswith(("a POST", "a download")) for r in reasons):
            unseen.append(f"{route.name}: {'; '.join(sorted(reasons))}")
    assert not unseen, "\n".join(unseen)
