"""People's steps on alarms and declarations: who may take them, and a refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qingshan.core.models import AuditLog, OutboxEvent
from qingshan.core.permissions import PermissionDenied
from qingshan.monitoring import services
from qingshan.monitoring.models import Alarm, AlarmEntry, AnomalyDeclaration

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"


def _snapshot():
    return (
        list(Alarm.objects.order_by("pk").values()),
        AlarmEntry.objects.count(),
        list(AnomalyDeclaration.objects.order_by("pk").values()),
        AuditLog.objects.count(),
        OutboxEvent.objects.count(),
    )


def refused(call, exc=PermissionDenied):
    before = _snapshot()
    with pytest.raises(exc):
        call()
    assert _snapshot() == before


@pytest.fixture
def alarm(users, make_alarm):
    return make_alarm(users["keqiao"])


def test_acknowledge_records_who_when_and_history(users, alarm):
    services.alarm_acknowledge(alarm=alarm, user=users["county"], note="已电话联系企业")
    alarm.refresh_from_db()
    assert alarm.acknowledged_by == users["county"] and alarm.acknowledged_at is not None
    entry = alarm.entries.get()
    assert (entry.action, entry.text, entry.actor) == (
        "acknowledged",
        "已电话联系企业",
        users["county"],
    )
    log = AuditLog.objects.filter(object_type="monitoring.alarm", object_id=str(alarm.pk)).get()
    assert log.changes["acknowledged_by"] == [None, users["county"].pk]


@pytest.mark.parametrize("role", ["other_county", "enterprise", "other_enterprise"])
def test_acknowledge_refused_outside_jurisdiction_or_for_enterprises(users, alarm, role):
    refused(lambda: services.alarm_acknowledge(alarm=alarm, user=users[role], note=""))


def test_acknowledging_twice_is_refused(users, alarm):
    services.alarm_acknowledge(alarm=alarm, user=users["inspector"], note="")
    refused(lambda: services.alarm_acknowledge(alarm=alarm, user=users["county"]), ValidationError)


def test_comments_by_staff_and_the_enterprise_itself(users, alarm):
    services.alarm_comment(alarm=alarm, user=users["regulator"], text="请说明原因")
    services.alarm_comment(alarm=alarm, user=users["enterprise"], text="正在排查")
    assert [e.text for e in alarm.entries.all()] == ["请说明原因", "正在排查"]
    refused(lambda: services.alarm_comment(alarm=alarm, user=users["other_enterprise"], text="x"))
    refused(lambda: services.alarm_comment(alarm=alarm, user=users["other_county"], text="x"))
    refused(
        lambda: services.alarm_comment(alarm=alarm, user=users["county"], text="  "),
        ValidationError,
    )
    refused(
        lambda: services.alarm_comment(alarm=alarm, user=users["county"], text="长" * 2001),
        ValidationError,
    )


def test_explanation_with_attachment_then_rejected_then_accepted(users, alarm, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("../../检修记录.pdf", PDF, content_type="application/pdf")
    entry = services.alarm_explain(
        alarm=alarm, user=users["enterprise"], text="脱硫塔检修", attachment=upload
    )
    alarm.refresh_from_db()
    assert alarm.explanation_status == "submitted"
    assert entry.attachment.name.startswith("alarms/") and ".." not in entry.attachment.name
    assert (tmp_path / entry.attachment.name).read_bytes() == PDF
    refused(
        lambda: services.alarm_explanation_review(alarm=alarm, user=users["county"], accept=False),
        ValidationError,  # a rejection needs a reason
    )
    refused(
        lambda: services.alarm_explanation_review(alarm=alarm, user=users["inspector"], accept=True)
    )
    services.alarm_explanation_review(
        alarm=alarm, user=users["county"], accept=False, note="不充分"
    )
    alarm.refresh_from_db()
    assert alarm.explanation_status == "rejected"
    refused(
        lambda: services.alarm_explanation_review(alarm=alarm, user=users["county"], accept=True),
        ValidationError,  # nothing submitted to review
    )
    services.alarm_explain(alarm=alarm, user=users["enterprise"], text="补充检修报告")
    services.alarm_explanation_review(alarm=alarm, user=users["regulator"], accept=True)
    alarm.refresh_from_db()
    assert alarm.explanation_status == "accepted"
    assert list(alarm.entries.values_list("action", flat=True)) == [
        "explained",
        "rejected",
        "explained",
        "accepted",
    ]
    refused(
        lambda: services.alarm_explain(alarm=alarm, user=users["enterprise"], text="再说明"),
        ValidationError,
    )


@pytest.mark.parametrize(
    ("name", "content", "size_note"),
    [
        ("virus.exe", b"MZ\x90\x00", "bad type"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "content does not match"),
        ("empty.png", b"", "empty"),
        ("huge.pdf", PDF + b"0" * (10 * 1024 * 1024), "too large"),
    ],
)
def test_attachments_are_checked(users, alarm, settings, tmp_path, name, content, size_note):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(name, content)
    refused(
        lambda: services.alarm_explain(
            alarm=alarm, user=users["enterprise"], text="说明", attachment=upload
        ),
        ValidationError,
    )
    assert not any(tmp_path.rglob("*.*"))


@pytest.mark.parametrize("role", ["regulator", "other_enterprise", "admin"])
def test_only_the_enterprise_explains(users, alarm, role):
    refused(lambda: services.alarm_explain(alarm=alarm, user=users[role], text="说明"))


def _declare(users, user="enterprise", **kw):
    now = timezone.now()
    args = {
        "user": users[user],
        "point": users["keqiao"]["point"],
        "kind": "maintenance",
        "starts_at": now + dt.timedelta(hours=1),
        "ends_at": now + dt.timedelta(hours=5),
        "reason": "季度校准",
    }
    args.update(kw)
    return services.declaration_submit(**args)


def test_declaration_submitted_and_reviewed(users):
    declaration = _declare(users)
    assert (
        declaration.status == "submitted"
        and declaration.enterprise == users["keqiao"]["enterprise"]
    )
    assert OutboxEvent.objects.filter(topic="monitoring.declaration.submitted").exists()
    refused(
        lambda: services.declaration_review(
            declaration=declaration, user=users["other_county"], accept=True
        )
    )
    refused(
        lambda: services.declaration_review(
            declaration=declaration, user=users["inspector"], accept=True
        )
    )
    refused(
        lambda: services.declaration_review(
            declaration=declaration, user=users["county"], accept=False
        ),
        ValidationError,
    )
    services.declaration_review(declaration=declaration, user=users["county"], accept=True)
    declaration.refresh_from_db()
    assert declaration.status == "accepted" and declaration.reviewed_by == users["county"]
    refused(
        lambda: services.declaration_review(
            declaration=declaration, user=users["county"], accept=False, comment="改"
        ),
        ValidationError,
    )


@pytest.mark.parametrize("user", ["other_enterprise", "regulator", "admin"])
def test_declaration_only_by_the_points_enterprise(users, user):
    refused(lambda: _declare(users, user=user))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": timezone.now()}, "ends_at"),  # before the start
        ({"ends_at": timezone.now() + dt.timedelta(days=200)}, "ends_at"),  # absurdly long
        ({"starts_at": timezone.now() - dt.timedelta(days=90)}, "starts_at"),  # far back
        ({"kind": "holiday"}, "kind"),
        ({"reason": " "}, "reason"),
    ],
)
def test_bad_declarations_are_refused_with_the_field(users, change, field):
    before = _snapshot()
    with pytest.raises(ValidationError) as info:
        _declare(users, **change)
    assert field in info.value.message_dict
    assert _snapshot() == before
