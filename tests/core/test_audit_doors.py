"""Every door a write can come through leaves an audit row: who, when, from where, old → new.

Two walks, each driven by what the platform declares so that a new door cannot be
forgotten: every model registered in the Django admin (its change form, posted as a
browser would, by the administrator), and every write operation of the OpenAPI document.
A new model in the admin or a new write endpoint without a row in the tables below fails
the test. The command line and the one-transaction rule are tested at the end.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qingshan.cli import main as qingshan
from qingshan.core import audit
from qingshan.core.actor import os_user
from qingshan.core.models import ApiToken, AuditLog, Region, RuleValue, User
from qingshan.monitoring.models import Alarm, DeadLetter
from qingshan.registry.models import Enterprise
from tests.conftest import KEQIAO, client_for, credit_code_for

ADDRESS = "10.20.30.40"  # REMOTE_ADDR of every request below
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def administrator(db: Any) -> User:
    return User.objects.create_superuser("root", password="pw-for-tests", role="admin")


def rows_after(mark: int) -> list[AuditLog]:
    return list(AuditLog.objects.filter(pk__gt=mark).order_by("pk"))


def last_id() -> int:
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


class World:
    """What the writes act on, made on first use (each test makes only what it needs)."""

    def __init__(self, users: dict[str, Any], make_site: Callable[..., dict[str, Any]]) -> None:
        self.users = users
        self.site = users["keqiao"]
        self._make_site = make_site

    @cached_property
    def spare(self) -> dict[str, Any]:
        """A site of its own, for retiring."""
        return self._make_site(KEQIAO)

    def retired(self, kind: str) -> Any:
        from qingshan.registry import retirement

        obj = self.spare[kind]
        return retirement.record_retire(user=self.users["admin"], obj=obj, reason="停产")

    def blank(self, kind: str) -> Any:
        """A record with no history (nothing below it, a permit never in force): one
        that may be deleted."""
        from qingshan.permits.models import Permit
        from qingshan.registry.models import Device, MonitoringPoint, Outlet

        enterprise = self.site["enterprise"].__class__.objects.create(
            credit_code=credit_code_for(KEQIAO, 98_000 + len(kind)),
            name=f"空白{kind}有限公司",
            region_code=KEQIAO,
            industry_code="1713",
        )
        if kind == "enterprise":
            return enterprise
        if kind == "permit":
            today = timezone.localdate()
            return Permit.objects.create(
                number=f"{enterprise.credit_code}001P",
                enterprise=enterprise,
                permit_class="key",
                valid_from=today + dt.timedelta(days=30),
                valid_to=today + dt.timedelta(days=1000),
            )
        outlet = Outlet.objects.create(
            enterprise=enterprise, code="DA009", name="空白排口", medium="air", kind="main"
        )
        if kind == "outlet":
            return outlet
        point = MonitoringPoint.objects.create(outlet=outlet, name="空白点", factors=["a21026"])
        if kind == "point":
            return point
        return Device.objects.create(point=point, mn="MN77777777777777777777", password_digest="x")

    @cached_property
    def token(self) -> ApiToken:
        return ApiToken.objects.create(
            user=self.users["county"],
            digest="0" * 64,
            expires_at=timezone.now() + dt.timedelta(days=30),
        )

    @cached_property
    def alarm(self) -> Alarm:
        now = timezone.now().replace(microsecond=0)
        return Alarm.objects.create(
            point=self.site["point"],
            enterprise=self.site["enterprise"],
            region_code=KEQIAO,
            factor_code="a21026",
            kind="exceedance",
            severity="major",
            period=3,
            first_at=now - dt.timedelta(hours=2),
            last_at=now - dt.timedelta(hours=1),
            worst_value=52.5,
            limit_value=35.0,
            rule="monitoring.exceedance",
        )

    @cached_property
    def explained_alarm(self) -> Alarm:
        from qingshan.monitoring import services

        services.alarm_explain(alarm=self.alarm, user=self.users["enterprise"], text="检修")
        return self.alarm

    @cached_property
    def declaration(self) -> Any:
        from qingshan.monitoring import services

        start = timezone.now() + dt.timedelta(hours=1)
        return services.declaration_submit(
            user=self.users["enterprise"],
            point=self.site["point"],
            kind="maintenance",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=4),
            reason="更换滤膜",
        )

    @cached_property
    def letter(self) -> DeadLetter:
        return DeadLetter.objects.create(
            consumer="monitoring.alarms",
            device_id=self.site["device"].pk,
            point_id=self.site["point"].pk,
            period=3,
            data_time=0,
            reason="no rule",
            detail="RuleMissing",
        )

    @cached_property
    def case(self) -> Any:
        from qingshan.supervision import services

        return services.case_open_from_alarm(user=None, alarm=self.alarm)

    @cached_property
    def station(self) -> Any:
        from qingshan.quality import services

        data = {"code": "A9", "name": "测试站", "region_code": KEQIAO}
        return services.station_create(user=self.users["admin"], data=data | _PLACE)

    @cached_property
    def section(self) -> Any:
        from qingshan.quality import services

        data = {
            "code": "W9",
            "name": "测试断面",
            "region_code": KEQIAO,
            "water_body_name": "西小江",
        }
        return services.section_create(user=self.users["admin"], data=data | _PLACE)


_PLACE = {"longitude": Decimal("120.4"), "latitude": Decimal("30.1")}


# --- the API ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    role: str | None  # the key in ``users``; None: anonymous
    url: str
    body: dict[str, Any] | None
    object_type: str  # the audit row expected
    multipart: bool = False
    actor: str | None = None  # whom the row names, when not ``role`` (a login)


def _registry_body(w: World, kind: str) -> dict[str, Any]:
    if kind == "enterprises":
        return {
            "credit_code": credit_code_for(KEQIAO, 99_001),
            "name": "新建印染有限公司",
            "region_code": KEQIAO,
            "industry_code": "1713",
        }
    if kind == "outlets":
        return {
            "enterprise_id": w.site["enterprise"].pk,
            "code": "DW009",
            "name": "污水排放口",
            "medium": "water",
            "kind": "main",
        }
    if kind == "points":
        return {"outlet_id": w.site["outlet"].pk, "name": "二号点", "factors": ["a21026"]}
    return {"point_id": w.site["point"].pk, "mn": "MN88888888888888888888", "password": "x1y2"}


_KIND = {"enterprises": "enterprise", "outlets": "outlet", "points": "point", "devices": "device"}
_PATCHES = {
    "enterprises": {"address": "新地址 1 号"},
    "outlets": {"name": "新名称"},
    "points": {"name": "新点位"},
    "devices": {"is_active": False},
}
_TYPES = {
    "enterprises": "registry.enterprise",
    "outlets": "registry.outlet",
    "points": "registry.monitoringpoint",
    "devices": "registry.device",
}

# (method, path as the OpenAPI document spells it) → the call, with a valid body
WRITES: dict[tuple[str, str], Callable[[World], Call]] = {
    ("POST", "/api/v1/auth/token"): lambda w: Call(
        None,
        "/api/v1/auth/token",
        {"username": w.users["county"].username, "password": "pw-for-tests"},
        "core.apitoken",
        actor="county",
    ),
    ("POST", "/api/v1/auth/tokens/{pk}/revoke"): lambda w: Call(
        "county", f"/api/v1/auth/tokens/{w.token.pk}/revoke", None, "core.apitoken"
    ),
    **{
        key: value
        for kind in _KIND
        for key, value in {
            ("POST", f"/api/v1/{kind}"): lambda w, k=kind: Call(
                "county", f"/api/v1/{k}", _registry_body(w, k), _TYPES[k]
            ),
            ("PATCH", f"/api/v1/{kind}/{{pk}}"): lambda w, k=kind: Call(
                "county", f"/api/v1/{k}/{w.site[_KIND[k]].pk}", _PATCHES[k], _TYPES[k]
            ),
            ("DELETE", f"/api/v1/{kind}/{{pk}}"): lambda w, k=kind: Call(
                "county", f"/api/v1/{k}/{w.blank(_KIND[k]).pk}", None, _TYPES[k]
            ),
            ("POST", f"/api/v1/{kind}/{{pk}}/retire"): lambda w, k=kind: Call(
                "county",
                f"/api/v1/{k}/{w.spare[_KIND[k]].pk}/retire",
                {"reason": "停产"},
                _TYPES[k],
            ),
            ("POST", f"/api/v1/{kind}/{{pk}}/reinstate"): lambda w, k=kind: Call(
                "county", f"/api/v1/{k}/{w.retired(_KIND[k]).pk}/reinstate", None, _TYPES[k]
            ),
        }.items()
    },
    ("POST", "/api/v1/permits"): lambda w: Call(
        "county",
        "/api/v1/permits",
        {
            "enterprise_id": w.site["enterprise"].pk,
            "number": f"{w.site['enterprise'].credit_code}002P",
            "permit_class": "key",
            "valid_from": "2025-01-01",
            "valid_to": "2030-01-01",
        },
        "permits.permit",
    ),
    ("PATCH", "/api/v1/permits/{pk}"): lambda w: Call(
        "county",
        f"/api/v1/permits/{w.site['permit'].pk}",
        {"status": "suspended"},
        "permits.permit",
    ),
    ("DELETE", "/api/v1/permits/{pk}"): lambda w: Call(
        "county", f"/api/v1/permits/{w.blank('permit').pk}", None, "permits.permit"
    ),
    ("POST", "/api/v1/alarms/{pk}/acknowledge"): lambda w: Call(
        "county", f"/api/v1/alarms/{w.alarm.pk}/acknowledge", {"note": "已知悉"}, "monitoring.alarm"
    ),
    ("POST", "/api/v1/alarms/{pk}/comments"): lambda w: Call(
        "county",
        f"/api/v1/alarms/{w.alarm.pk}/comments",
        {"text": "请说明"},
        "monitoring.alarmentry",
    ),
    ("POST", "/api/v1/alarms/{pk}/explanation"): lambda w: Call(
        "enterprise",
        f"/api/v1/alarms/{w.alarm.pk}/explanation",
        {"text": "设备检修"},
        "monitoring.alarm",
        multipart=True,
    ),
    ("POST", "/api/v1/alarms/{pk}/explanation/review"): lambda w: Call(
        "county",
        f"/api/v1/alarms/{w.explained_alarm.pk}/explanation/review",
        {"accept": True},
        "monitoring.alarm",
    ),
    ("POST", "/api/v1/declarations"): lambda w: Call(
        "enterprise",
        "/api/v1/declarations",
        {
            "point_id": w.site["point"].pk,
            "kind": "maintenance",
            "starts_at": (timezone.now() + dt.timedelta(hours=1)).isoformat(),
            "ends_at": (timezone.now() + dt.timedelta(hours=5)).isoformat(),
            "reason": "更换滤膜",
        },
        "monitoring.anomalydeclaration",
    ),
    ("POST", "/api/v1/declarations/{pk}/review"): lambda w: Call(
        "county",
        f"/api/v1/declarations/{w.declaration.pk}/review",
        {"accept": True},
        "monitoring.anomalydeclaration",
    ),
    ("POST", "/api/v1/monitoring/dead-letters/{pk}/judge-again"): lambda w: Call(
        "county",
        f"/api/v1/monitoring/dead-letters/{w.letter.pk}/judge-again",
        None,
        "monitoring.deadletter",
    ),
    ("POST", "/api/v1/monitoring/dead-letters/{pk}/dismiss"): lambda w: Call(
        "county",
        f"/api/v1/monitoring/dead-letters/{w.letter.pk}/dismiss",
        {"reason": "测试数采仪"},
        "monitoring.deadletter",
    ),
    ("POST", "/api/v1/cases"): lambda w: Call(
        "county", "/api/v1/cases", {"alarm_id": w.alarm.pk}, "supervision.supervisioncase"
    ),
    ("POST", "/api/v1/cases/{pk}/actions"): lambda w: Call(
        "county",
        f"/api/v1/cases/{w.case.pk}/actions",
        {"action": "comment", "version": w.case.version, "comment": "已联系企业"},
        "supervision.supervisioncase",
    ),
    ("POST", "/api/v1/cases/{pk}/attachments"): lambda w: Call(
        "county",
        f"/api/v1/cases/{w.case.pk}/attachments",
        {"file": SimpleUploadedFile("photo.png", PNG, content_type="image/png")},
        "supervision.caseattachment",
        multipart=True,
    ),
    ("POST", "/api/v1/quality/stations"): lambda w: Call(
        "county",
        "/api/v1/quality/stations",
        {"code": "A1", "name": "新站", "region_code": KEQIAO, "longitude": 120.4, "latitude": 30.1},
        "quality.airstation",
    ),
    ("PATCH", "/api/v1/quality/stations/{pk}"): lambda w: Call(
        "county", f"/api/v1/quality/stations/{w.station.pk}", {"name": "新名"}, "quality.airstation"
    ),
    ("DELETE", "/api/v1/quality/stations/{pk}"): lambda w: Call(
        "county", f"/api/v1/quality/stations/{w.station.pk}", None, "quality.airstation"
    ),
    ("POST", "/api/v1/quality/sections"): lambda w: Call(
        "county",
        "/api/v1/quality/sections",
        {
            "code": "W1",
            "name": "新断面",
            "region_code": KEQIAO,
            "water_body_name": "西小江",
            "longitude": 120.4,
            "latitude": 30.1,
        },
        "quality.watersection",
    ),
    ("PATCH", "/api/v1/quality/sections/{pk}"): lambda w: Call(
        "county",
        f"/api/v1/quality/sections/{w.section.pk}",
        {"name": "新名"},
        "quality.watersection",
    ),
    ("DELETE", "/api/v1/quality/sections/{pk}"): lambda w: Call(
        "county", f"/api/v1/quality/sections/{w.section.pk}", None, "quality.watersection"
    ),
}


def test_every_write_endpoint_has_a_row_in_the_table(db: Any) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    writes = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"post", "put", "patch", "delete"}
    }
    assert writes - set(WRITES) == set(), "write endpoints without a row in WRITES"
    assert set(WRITES) - writes == set(), "rows in WRITES for endpoints that are gone"


def _send(client: Client, method: str, call: Call) -> Any:
    extra = {"REMOTE_ADDR": ADDRESS}
    if call.multipart:
        return client.post(call.url, call.body or {}, **extra)
    data = json.dumps(call.body) if call.body is not None else ""
    return client.generic(method, call.url, data, content_type="application/json", **extra)


@pytest.mark.parametrize(("method", "path"), sorted(WRITES))
def test_every_write_endpoint_leaves_an_audit_row(
    users: dict[str, Any], make_site: Callable[..., dict[str, Any]], method: str, path: str
) -> None:
    call = WRITES[(method, path)](World(users, make_site))
    client = client_for(users[call.role] if call.role else None)
    actor = users[call.actor or call.role] if (call.actor or call.role) else None
    mark = last_id()
    response = _send(client, method, call)
    assert response.status_code < 300, response.content
    rows = [r for r in rows_after(mark) if r.object_type == call.object_type]
    assert rows, f"{method} {path} left no audit row of {call.object_type}"
    for row in rows:
        assert (row.actor, row.ip_address, row.via) == (actor, ADDRESS, "api")
        assert row.changes


def test_a_write_with_a_bearer_token_is_audited_as_its_holder(users: dict[str, Any]) -> None:
    county = users["county"]
    issued = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": county.username, "password": "pw-for-tests"}),
        content_type="application/json",
    )
    enterprise = users["keqiao"]["enterprise"]
    mark = last_id()
    response = Client().patch(
        f"/api/v1/enterprises/{enterprise.pk}",
        json.dumps({"name": "令牌改名印染有限公司"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issued.json()['token']}",
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200, response.content
    [row] = [r for r in rows_after(mark) if r.object_type == "registry.enterprise"]
    assert (row.actor, row.ip_address, row.via) == (county, ADDRESS, "api")
    assert row.changes["name"] == [enterprise.name, "令牌改名印染有限公司"]


# --- the Django admin -------------------------------------------------------------------


class FormFields(HTMLParser):
    """What a browser would submit from one form of a page: the successful controls."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str | None, value: str) -> None:
        if name and "__prefix__" not in name:  # an inline's template row
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in {"submit", "button", "reset", "file", "image"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._add(a.get("name"), a.get("value") or "on")
                return
            self._add(a.get("name"), a.get("value", ""))
        elif tag == "select":
            self._select, self._options = (a.get("name", ""), "multiple" in a), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            for value in chosen:
                self._add(name, value)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


def form_data(html: str, model: Any) -> dict[str, list[str]]:
    parser = FormFields(f"{model._meta.model_name}_form")
    parser.feed(html)
    assert parser.data, "no form found on the page"
    return parser.data


@dataclass(frozen=True)
class Edit:
    """One change through a model's admin form: the record, the posted values, and the
    old → new the audit row must show for each."""

    record: Callable[[World], Any]
    post: dict[str, str | list[str]]
    changes: dict[str, list[Any]]


def _rule(w: World | None = None) -> RuleValue:
    return RuleValue.objects.create(
        rule="monitoring.test_threshold",
        value=35,
        effective_from=dt.date(2026, 1, 1),
        source="GB 13271-2014",
    )


# app_label.model_name → the change, or why its admin has no write (read only)
ADMIN_EDITS: dict[str, Edit | str] = {
    "core.user": Edit(  # promoting the county regulator to administrator
        lambda w: w.users["county"],
        {"role": "admin", "is_superuser": "on", "is_staff": "on", "region_code": ""},
        {
            "role": ["regulator", "admin"],
            "is_superuser": [False, True],
            "is_staff": [False, True],
            "region_code": [KEQIAO, ""],
        },
    ),
    "auth.group": Edit(
        lambda w: Group.objects.create(name="审核组"),
        {"name": "复核组"},
        {"name": ["审核组", "复核组"]},
    ),
    "core.region": Edit(
        lambda w: Region.objects.update_or_create(
            code=KEQIAO, defaults={"name": "柯桥", "level": "county"}
        )[0],
        {"name": "柯桥区"},
        {"name": ["柯桥", "柯桥区"]},
    ),
    "core.rulevalue": Edit(_rule, {"value": "50"}, {"value": [35, 50]}),  # an alarm threshold
    "permits.permit": Edit(
        lambda w: w.site["permit"], {"status": "suspended"}, {"status": ["valid", "suspended"]}
    ),
    "quality.airstation": Edit(
        lambda w: w.station, {"name": "新站名"}, {"name": ["测试站", "新站名"]}
    ),
    "quality.watersection": Edit(
        lambda w: w.section, {"name": "新断面名"}, {"name": ["测试断面", "新断面名"]}
    ),
    "registry.enterprise": Edit(
        lambda w: w.site["enterprise"], {"address": "新地址 9 号"}, {"address": ["", "新地址 9 号"]}
    ),
    "registry.outlet": Edit(
        lambda w: w.site["outlet"], {"name": "新排口"}, {"name": ["锅炉废气排放口", "新排口"]}
    ),
    "registry.monitoringpoint": Edit(
        lambda w: w.site["point"], {"name": "新点位"}, {"name": ["锅炉出口", "新点位"]}
    ),
    "registry.device": Edit(
        lambda w: w.site["device"],
        {"offline_after_minutes": "45"},
        {"offline_after_minutes": [None, 45]},
    ),
    "core.apitoken": "audited by the accounts work: revoking is its only write",
    "core.loginattempt": "audited by the accounts work: lifting a lockout is its only write",
    "core.auditlog": "read only: evidence",
    "core.outboxevent": "read only: written with the change it reports",
    "supervision.supervisioncase": "read only: every change goes through the workflow",
    "supervision.caseevent": "read only: the case's timeline",
    "supervision.penalty": "read only: decided in the workflow",
    "supervision.notification": "read only: sent by the platform",
}


def _label(model: Any) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def test_every_model_in_the_admin_has_a_row_in_the_table() -> None:
    registered = {_label(model) for model in admin.site._registry}
    assert registered - set(ADMIN_EDITS) == set(), "admin models without a row in ADMIN_EDITS"
    assert set(ADMIN_EDITS) - registered == set()


def _admin_url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("label", sorted(k for k, v in ADMIN_EDITS.items() if isinstance(v, Edit)))
def test_an_admin_change_is_audited_with_old_and_new(
    users: dict[str, Any],
    make_site: Callable[..., dict[str, Any]],
    administrator: User,
    label: str,
) -> None:
    edit = ADMIN_EDITS[label]
    assert isinstance(edit, Edit)
    record = edit.record(World(users, make_site))
    model = type(record)
    client = client_for(administrator)
    url = _admin_url(model, "change", record.pk)
    page = client.get(url)
    assert page.status_code == 200
    data: dict[str, Any] = form_data(page.content.decode(), model)
    for field in ("is_superuser", "is_staff"):  # unticked boxes are not sent
        if field in edit.changes and field not in edit.post:
            data.pop(field, None)
    data.update(edit.post)
    mark = last_id()
    response = client.post(url, {**data, "_save": "1"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302, _form_errors(response)
    [row] = [r for r in rows_after(mark) if r.object_type == label]
    assert (row.action, row.actor, row.ip_address, row.via) == (
        "update",
        administrator,
        ADDRESS,
        "admin",
    )
    assert row.actor_name == administrator.username
    assert row.changes == edit.changes
    history = client.get(_admin_url(model, "history", record.pk)).content.decode()
    assert ADDRESS in history  # the history page shows the audit rows, old → new
    for field, (_old, new) in edit.changes.items():
        assert f"<code>{field}</code>:" in history and f"→ {new}" in history


def _form_errors(response: Any) -> str:
    context = response.context or {}
    form = context.get("adminform")
    return f"{response.status_code} {form.form.errors if form else ''} {context.get('errors')}"


@pytest.mark.parametrize(
    "label", sorted(k for k, v in ADMIN_EDITS.items() if isinstance(v, str) and "read only" in v)
)
def test_read_only_admins_offer_no_write(administrator: User, rf: Any, label: str) -> None:
    model = next(m for m in admin.site._registry if _label(m) == label)
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    request.user = administrator
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_promoting_a_regulator_records_the_passwordless_user_row(
    users: dict[str, Any], administrator: User
) -> None:
    """Creating an account in the admin: a create row, the password hash masked."""
    client = client_for(administrator)
    mark = last_id()
    response = client.post(
        _admin_url(User, "add"),
        {
            "username": "new-inspector",
            "password1": "Qs-long-enough-9",
            "password2": "Qs-long-enough-9",
            "usable_password": "true",
            "_save": "1",
        },
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302, _form_errors(response)
    [row] = [r for r in rows_after(mark) if r.object_type == "core.user" and r.action == "create"]
    assert (row.actor, row.ip_address, row.via) == (administrator, ADDRESS, "admin")
    assert row.changes["username"] == [None, "new-inspector"]
    assert row.changes["password"] == [None, "***"]
    assert "pbkdf2" not in json.dumps(row.changes)


def test_setting_a_password_in_the_admin_is_audited_masked(
    users: dict[str, Any], administrator: User
) -> None:
    county = users["county"]
    mark = last_id()
    response = client_for(administrator).post(
        reverse("admin:auth_user_password_change", args=[county.pk]),
        {
            "password1": "Qs-long-enough-9",
            "password2": "Qs-long-enough-9",
            "usable_password": "true",
        },
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302, _form_errors(response)
    [row] = [r for r in rows_after(mark) if r.object_type == "core.user" and r.action == "update"]
    assert row.changes == {"password": ["***", "***"]}
    assert (row.actor, row.ip_address, row.via) == (administrator, ADDRESS, "admin")


def test_granting_permissions_in_the_admin_records_the_old_and_new_lists(
    users: dict[str, Any], administrator: User
) -> None:
    county = users["county"]
    permission = Permission.objects.get(codename="change_rulevalue")
    client = client_for(administrator)
    url = _admin_url(User, "change", county.pk)
    data = form_data(client.get(url).content.decode(), User)
    data["user_permissions"] = [str(permission.pk)]
    mark = last_id()
    assert client.post(url, {**data, "_save": "1"}, REMOTE_ADDR=ADDRESS).status_code == 302
    [row] = [r for r in rows_after(mark) if "user_permissions" in r.changes]
    assert row.changes["user_permissions"] == [[], [str(permission)]]
    assert (row.actor, row.via) == (administrator, "admin")


def test_admin_deletes_one_by_one_and_in_bulk_are_audited(administrator: User) -> None:
    rules = [
        RuleValue.objects.create(
            rule=f"test.rule{n}", value=n, effective_from=dt.date(2026, 1, 1), source="测试"
        )
        for n in range(3)
    ]
    client = client_for(administrator)
    mark = last_id()
    response = client.post(
        _admin_url(RuleValue, "delete", rules[0].pk), {"post": "yes"}, REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 302
    response = client.post(
        _admin_url(RuleValue, "changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in rules[1:]], "post": "yes"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    rows = [r for r in rows_after(mark) if r.object_type == "core.rulevalue"]
    assert sorted((r.object_id, r.action) for r in rows) == sorted(
        (str(r.pk), "delete") for r in rules
    )
    assert all((r.actor, r.ip_address, r.via) == (administrator, ADDRESS, "admin") for r in rows)
    assert {r.changes["value"][0] for r in rows} == {0, 1, 2}


def test_an_invalid_admin_form_leaves_no_audit_row(administrator: User) -> None:
    rule = _rule()
    client = client_for(administrator)
    url = _admin_url(RuleValue, "change", rule.pk)
    data = form_data(client.get(url).content.decode(), RuleValue)
    data["effective_to"] = ["2025-01-01"]  # before effective_from: the constraint refuses
    mark = last_id()
    response = client.post(url, {**data, "_save": "1"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200  # the form again, with the error
    assert rows_after(mark) == []
    assert RuleValue.objects.get(pk=rule.pk).effective_to is None


# --- the command line -------------------------------------------------------------------


def test_createsuperuser_and_changepassword_are_audited_as_the_os_user(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a command closes every connection when it ends: not the test's, which holds its data
    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Qs-long-enough-9")
    mark = last_id()
    args = ["--noinput", "--username", "boss", "--email", "boss@example.cn"]
    assert qingshan(["createsuperuser", *args]) == 0
    [created] = [r for r in rows_after(mark) if r.object_type == "core.user"]
    assert (created.action, created.via, created.actor_name) == ("create", "cli", os_user())
    assert created.changes["password"] == [None, "***"]
    assert created.changes["is_superuser"] == [None, True]

    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "Qs-other-enough-7")
    mark = last_id()
    assert qingshan(["changepassword", "boss"]) == 0
    changed = [r for r in rows_after(mark) if r.object_type == "core.user"]
    assert [(r.action, r.via, r.actor_name, r.changes) for r in changed] == [
        ("update", "cli", os_user(), {"password": ["***", "***"]})
    ]


def test_loaddata_is_audited_with_the_values_it_replaced(
    db: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setattr(connections, "close_all", lambda: None)
    rule = _rule()
    fixture = tmp_path / "rules.json"
    fields = {"rule": rule.rule, "jurisdiction": "", "value": 99}
    fields |= {"effective_from": "2026-01-01", "effective_to": None, "source": "x", "note": ""}
    fixture.write_text(json.dumps([{"model": "core.rulevalue", "pk": rule.pk, "fields": fields}]))
    mark = last_id()
    assert qingshan(["loaddata", str(fixture), "--verbosity", "0"]) == 0
    [row] = rows_after(mark)
    assert (row.object_type, row.action, row.via, row.actor_name) == (
        "core.rulevalue",
        "update",
        "cli",
        os_user(),
    )
    assert row.changes == {"value": [35, 99], "source": ["GB 13271-2014", "x"]}


# --- one transaction --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_change_whose_audit_row_cannot_be_written_is_not_kept(
    monkeypatch: pytest.MonkeyPatch, make_enterprise: Callable[..., Enterprise]
) -> None:
    """Outside any request transaction (a command, a script): the save and its audit row
    commit together or not at all."""
    enterprise = make_enterprise()

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "_write", refuse)
    enterprise = Enterprise.objects.get(pk=enterprise.pk)
    enterprise.name = "未审计的名称有限公司"
    with pytest.raises(RuntimeError):
        enterprise.save()
    assert Enterprise.objects.get(pk=enterprise.pk).name != "未审计的名称有限公司"
    rule = RuleValue.objects.filter(rule="monitoring.flag_validity").first()
    assert rule is not None
    old = rule.value
    rule.value = {"changed": True}
    with pytest.raises(RuntimeError):
        rule.save()
    assert RuleValue.objects.get(pk=rule.pk).value == old


def test_a_change_rolled_back_leaves_no_audit_row(users: dict[str, Any]) -> None:
    enterprise = Enterprise.objects.get(pk=users["keqiao"]["enterprise"].pk)
    mark = last_id()
    with pytest.raises(RuntimeError), transaction.atomic():
        enterprise.name = "回滚的名称有限公司"
        enterprise.save()
        raise RuntimeError("a later step fails")
    assert rows_after(mark) == []
