"""Fixtures of the supervision tests: alarms of the shared sites, cases in any state."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qingshan.monitoring.models import Alarm
from qingshan.supervision import services
from qingshan.supervision.choices import CaseState, Resolution
from qingshan.supervision.models import SupervisionCase

# the smallest valid PNG: 1×1 pixel
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

ROLE_USERS = {
    "supervisor": "regulator",
    "admin": "admin",
    "county": "county",
    "inspector": "inspector",
    "enterprise": "enterprise",
}


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def make_alarm(db: Any) -> Callable[..., Alarm]:
    used: dict[tuple[int, str], int] = {}

    def make(site: dict[str, Any], kind: str = "exceedance", **fields: Any) -> Alarm:
        # one open alarm per (point, factor, kind): each new one takes the next factor
        n = used[(site["point"].pk, kind)] = used.get((site["point"].pk, kind), -1) + 1
        now = timezone.now().replace(microsecond=0)
        values: dict[str, Any] = {
            "point": site["point"],
            "enterprise": site["enterprise"],
            "region_code": site["enterprise"].region_code,
            "factor_code": site["point"].factors[n % len(site["point"].factors)],
            "kind": kind,
            "severity": "major",
            "period": 3,
            "first_at": now - dt.timedelta(hours=2),
            "last_at": now - dt.timedelta(hours=1),
            "occurrences": 2,
            "worst_value": 71.5,
            "limit_value": 35.0,
            "rule": "exceedance.hourly",
            "evidence": {},
            # past the point's factors, further alarms are already cleared ones
            "cleared_at": now if n >= len(site["point"].factors) else None,
        }
        values.update(fields)
        return Alarm.objects.create(**values)

    return make


@pytest.fixture
def open_case(make_alarm: Callable[..., Alarm], users: dict[str, Any]) -> Callable[..., Any]:
    """A case of an alarm at the 柯桥 site (or another), opened by the policy."""

    def make(site: str = "keqiao") -> SupervisionCase:
        return services.case_open_from_alarm(user=None, alarm=make_alarm(users[site]))

    return make


@pytest.fixture
def case_in(open_case: Callable[..., SupervisionCase], users: dict[str, Any]) -> Callable[..., Any]:
    """A case put straight into a state (the matrix tests the step out of it)."""

    def make(state: str, site: str = "keqiao") -> SupervisionCase:
        case = open_case(site)
        fields: dict[str, Any] = {"state": state}
        if state != CaseState.PENDING:
            fields["team_region_code"] = case.region_code
        if state in (CaseState.INVESTIGATING, CaseState.RECTIFYING, CaseState.VERIFYING):
            fields["assignee"] = users["inspector"]
        if state == CaseState.CLOSED:
            fields.update(resolution=Resolution.RECTIFIED, closed_at=timezone.now(), deadline=None)
        SupervisionCase.objects.filter(pk=case.pk).update(**fields)
        return SupervisionCase.objects.get(pk=case.pk)

    return make


def post_json(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body, default=str), content_type="application/json")


def body(response: Any) -> Any:
    return json.loads(response.content) if response.content else None


def upload(client: Any, case: SupervisionCase, name: str = "photo.png", data: bytes = PNG) -> Any:
    return client.post(
        f"/api/v1/cases/{case.pk}/attachments", {"file": io.BytesIO(data) and _named(name, data)}
    )


def _named(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)
