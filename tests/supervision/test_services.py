"""The case engine through its services: the whole loop, return paths, refusals that change
nothing, domain events, notifications, and opening cases from alarms by the policy."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from qingshan.core.audit import audit_context
from qingshan.core.models import AuditLog, EventCursor, OutboxEvent, RuleValue
from qingshan.core.outbox import CONSUMERS, consumer_run, event_record
from qingshan.core.permissions import PermissionDenied
from qingshan.supervision import services
from qingshan.supervision.choices import CaseState, Resolution
from qingshan.supervision.models import CaseEvent, Notification, Penalty, SupervisionCase
from tests.supervision.conftest import png_upload


def act(case, user, action, **kwargs):
    case.refresh_from_db()
    return services.case_act(user=user, case=case, action=action, version=case.version, **kwargs)


def topics(case):
    return list(
        OutboxEvent.objects.filter(
            aggregate_type="supervision.supervisioncase", aggregate_id=str(case.pk)
        ).values_list("topic", flat=True)
    )


def inbox(user):
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_whole_loop_to_closure(open_case, users) -> None:
    case = open_case()
    assert case.state == CaseState.PENDING and case.deadline is not None
    assert inbox(users["regulator"]) == ["opened"]

    act(case, users["regulator"], "dispatch", assignee=users["inspector"], comment="请核查")
    case.refresh_from_db()
    assert (case.state, case.team_region_code, case.assignee) == (
        "dispatched",
        "330603",
        users["inspector"],
    )
    assert "assigned" in inbox(users["inspector"]) and "assigned" in inbox(users["county"])

    act(case, users["inspector"], "accept")
    photo = services.attachment_upload(user=users["inspector"], case=case, upload=png_upload())
    act(
        case,
        users["inspector"],
        "record_findings",
        comment="现场脱硫设施停运",
        attachment_ids=[photo.pk],
        location={"lat": 30.08, "lng": 120.49},
    )
    act(case, users["inspector"], "order_rectification", comment="限期恢复脱硫设施运行")
    assert "rectify" in inbox(users["enterprise"])

    evidence = services.attachment_upload(user=users["enterprise"], case=case, upload=png_upload())
    act(
        case,
        users["enterprise"],
        "submit_rectification",
        comment="已更换循环泵",
        attachment_ids=[evidence.pk],
    )
    assert "submitted" in inbox(users["county"])
    with audit_context(user=users["county"], via="web"):
        act(case, users["county"], "verify", comment="复核合格")

    case.refresh_from_db()
    assert (case.state, case.resolution, case.deadline) == ("closed", "rectified", None)
    steps = [(e.action, e.from_state, e.to_state) for e in case.events.order_by("at", "id")]
    assert steps == [
        ("open", "", "pending"),
        ("dispatch", "pending", "dispatched"),
        ("accept", "dispatched", "investigating"),
        ("record_findings", "investigating", "investigating"),
        ("order_rectification", "investigating", "rectifying"),
        ("submit_rectification", "rectifying", "verifying"),
        ("verify", "verifying", "closed"),
    ]
    findings = case.events.get(action="record_findings")
    assert findings.data["location"] == {"lat": 30.08, "lng": 120.49}
    assert list(findings.attachments.all()) == [photo]
    assert topics(case) == [
        "supervision.case.opened",
        "supervision.case.transitioned",
        "supervision.case.transitioned",
        "supervision.case.transitioned",
        "supervision.case.transitioned",
        "supervision.case.rectified",
    ]
    assert "closed" in inbox(users["enterprise"])
    # the case's own changes are in the audit log, by whom
    audit = AuditLog.objects.filter(
        object_type="supervision.supervisioncase", object_id=str(case.pk), actor=users["county"]
    ).get()
    assert audit.changes["state"] == ["verifying", "closed"]


def test_return_paths(open_case, users) -> None:
    case = open_case()
    act(case, users["regulator"], "dispatch")
    act(case, users["county"], "return_dispatch", comment="不属于本区管辖")
    case.refresh_from_db()
    assert case.state == "pending" and "returned" in inbox(users["regulator"])
    act(case, users["regulator"], "dispatch")
    act(case, users["county"], "accept", assignee=users["inspector"])
    case.refresh_from_db()
    assert case.assignee == users["inspector"] and "assigned" in inbox(users["inspector"])
    act(case, users["inspector"], "order_rectification", comment="整改")
    evidence = services.attachment_upload(user=users["enterprise"], case=case, upload=png_upload())
    act(
        case,
        users["enterprise"],
        "submit_rectification",
        comment="已整改",
        attachment_ids=[evidence.pk],
    )
    act(case, users["county"], "reject_rectification", comment="照片不清晰")
    case.refresh_from_db()
    assert case.state == "rectifying" and "rejected" in inbox(users["enterprise"])


@pytest.mark.parametrize(
    ("action", "resolution", "topic"),
    [
        ("close_unfounded", Resolution.UNFOUNDED, "supervision.case.closed_unfounded"),
        ("close_false_alarm", Resolution.FALSE_ALARM, "supervision.case.closed_unfounded"),
    ],
)
def test_closing_without_rectification(open_case, users, action, resolution, topic) -> None:
    case = open_case()
    act(case, users["regulator"], "dispatch")
    act(case, users["county"], "accept")
    act(case, users["county"], action, comment="仪表故障导致数据异常")
    case.refresh_from_db()
    assert (case.state, case.resolution) == ("closed", resolution)
    event = OutboxEvent.objects.filter(topic=topic, aggregate_id=str(case.pk)).get()
    assert event.payload["resolution"] == resolution


def test_penalty_closes_as_penalised(open_case, users) -> None:
    case = open_case()
    act(case, users["regulator"], "dispatch")
    act(case, users["inspector"], "accept")
    penalty = {
        "decision_number": "绍柯环罚〔2026〕88号",
        "legal_basis": "《中华人民共和国大气污染防治法》第九十九条第二项",
        "amount": "200000",
    }
    act(case, users["county"], "penalise", penalty=penalty)
    case.refresh_from_db()
    assert (case.state, case.resolution) == ("closed", "penalised")
    assert Penalty.objects.get(case=case).amount == Decimal("200000")
    event = OutboxEvent.objects.get(topic="supervision.case.penalised", aggregate_id=str(case.pk))
    assert event.payload["decision_number"] == "绍柯环罚〔2026〕88号"


@pytest.mark.parametrize(
    ("action", "kwargs", "field"),
    [
        ("return_dispatch", {}, "comment"),
        ("dispatch", {"team_region_code": "330604"}, "team_region_code"),
        ("dispatch", {"assignee": "county"}, "assignee_id"),
        ("dispatch", {"location": {"lat": 95, "lng": 0}}, "location"),
        ("dispatch", {"penalty": {"amount": 1}}, "penalty"),
    ],
)
def test_bad_input_changes_nothing(open_case, users, action, kwargs, field) -> None:
    case = open_case()
    if action == "return_dispatch":
        act(case, users["regulator"], "dispatch")
    if kwargs.get("assignee") == "county":
        kwargs = {"assignee": users["county"]}  # a regulator is no inspector
    case.refresh_from_db()
    before = (case.state, case.version, case.events.count())
    user = users["county"] if action == "return_dispatch" else users["regulator"]
    with pytest.raises(ValidationError) as caught:
        act(case, user, action, **kwargs)
    assert field in caught.value.message_dict
    case.refresh_from_db()
    assert (case.state, case.version, case.events.count()) == before


def test_rectification_needs_evidence_and_a_bad_penalty_is_refused(open_case, users) -> None:
    case = open_case()
    SupervisionCase.objects.filter(pk=case.pk).update(state="rectifying", team_region_code="330603")
    with pytest.raises(ValidationError) as caught:
        act(case, users["enterprise"], "submit_rectification", comment="已整改")
    assert "attachments" in caught.value.message_dict
    other = services.attachment_upload(user=users["county"], case=case, upload=png_upload())
    with pytest.raises(ValidationError):  # someone else's upload is not the enterprise's evidence
        act(
            case,
            users["enterprise"],
            "submit_rectification",
            comment="已整改",
            attachment_ids=[other.pk],
        )
    with pytest.raises(ValidationError) as caught:
        act(case, users["county"], "penalise", penalty={"decision_number": "", "amount": "-5"})
    assert {"penalty.decision_number", "penalty.legal_basis", "penalty.amount"} <= set(
        caught.value.message_dict
    )
    case.refresh_from_db()
    assert case.state == "rectifying" and not Penalty.objects.exists()


def test_stale_version_is_a_conflict(open_case, users) -> None:
    case = open_case()
    read = case.version
    act(case, users["regulator"], "comment", comment="先看一下")
    with pytest.raises(services.CaseConflict) as caught:
        services.case_act(user=users["regulator"], case=case, action="dispatch", version=read)
    assert caught.value.stale and caught.value.state == "pending"
    case.refresh_from_db()
    assert case.state == "pending"


def test_outsiders_cannot_act(open_case, users) -> None:
    case = open_case()
    for who in ("other_county", "other_enterprise"):
        with pytest.raises(SupervisionCase.DoesNotExist):
            act(case, users[who], "dispatch")


def test_timeline_cannot_be_edited_or_deleted(open_case) -> None:
    entry = open_case().events.get()
    entry.comment = "改写历史"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    assert CaseEvent.objects.get(pk=entry.pk).comment == ""


def test_one_alarm_opens_at_most_one_case(make_alarm, users) -> None:
    alarm = make_alarm(users["keqiao"])
    first = services.case_open_from_alarm(user=None, alarm=alarm)
    assert services.case_open_from_alarm(user=None, alarm=alarm) == first  # the policy: no-op
    with pytest.raises(ValidationError):  # a person is told
        services.case_open_from_alarm(user=users["regulator"], alarm=alarm)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so too
        SupervisionCase.objects.create(
            source_kind="alarm",
            alarm=alarm,
            enterprise=alarm.enterprise,
            region_code=alarm.region_code,
            title="重复",
        )
    assert SupervisionCase.objects.filter(alarm=alarm).count() == 1


def test_regulator_opens_from_any_alarm_and_others_may_not(make_alarm, users) -> None:
    warning = make_alarm(users["keqiao"], kind="early_warning", severity="warning")
    with pytest.raises(PermissionDenied):
        services.case_open_from_alarm(user=users["inspector"], alarm=warning)
    with pytest.raises(PermissionDenied):
        services.case_open_from_alarm(user=users["other_county"], alarm=warning)
    case = services.case_open_from_alarm(user=users["county"], alarm=warning, comment="重点关注")
    assert case.source_kind == "alarm" and case.severity == "minor"
    assert case.events.get().actor == users["county"]


def raise_alarm_event(alarm):
    with transaction.atomic():
        event_record(
            topic="monitoring.alarm.raised",
            aggregate=alarm,
            payload={
                "alarm_id": alarm.pk,
                "point_id": alarm.point_id,
                "enterprise_id": alarm.enterprise_id,
                "region_code": alarm.region_code,
                "factor_code": alarm.factor_code,
                "kind": alarm.kind,
                "severity": alarm.severity,
            },
        )


def test_policy_opens_cases_from_alarm_events(make_alarm, users, make_site) -> None:
    key = make_alarm(users["keqiao"])
    warning = make_alarm(users["keqiao"], kind="early_warning", factor_code="a21002")
    small_site = make_site("330603")
    small_site["enterprise"].is_key_discharger = False
    small_site["enterprise"].save()
    small = make_alarm(small_site)
    for alarm in (key, warning, small, key):  # the same event twice: still one case
        raise_alarm_event(alarm)
    # the consumer starts at these events (ids of earlier, rolled-back tests are gaps)
    first = OutboxEvent.objects.filter(topic="monitoring.alarm.raised").order_by("pk").first()
    EventCursor.objects.update_or_create(
        consumer="supervision.alarms", defaults={"last_id": first.pk - 1}
    )
    assert consumer_run(CONSUMERS["supervision.alarms"]) == 4
    assert list(SupervisionCase.objects.values_list("alarm_id", flat=True)) == [key.pk]
    # a county may widen the policy for itself from a date: a dated rule row, no code change
    RuleValue.objects.create(
        jurisdiction="330603",
        rule="supervision.auto_case_alarm_kinds",
        value={"key_dischargers": ["exceedance", "early_warning"], "others": ["exceedance"]},
        effective_from="2020-01-01",
        source="测试",
    )
    raise_alarm_event(warning)
    raise_alarm_event(small)
    consumer_run(CONSUMERS["supervision.alarms"])
    assert set(SupervisionCase.objects.values_list("alarm_id", flat=True)) == {
        key.pk,
        warning.pk,
        small.pk,
    }


def test_email_copy_when_configured(
    open_case, users, settings, django_capture_on_commit_callbacks
) -> None:
    settings.QINGSHAN_NOTIFY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    users["regulator"].email = "city@example.gov.cn"
    users["regulator"].save()
    with django_capture_on_commit_callbacks(execute=True):
        open_case()
    assert [m.to for m in mail.outbox] == [["city@example.gov.cn"]]
    assert "DB-" in mail.outbox[0].subject
    assert Notification.objects.get(user=users["regulator"]).emailed_at is not None


def test_no_email_unless_configured(open_case, users, settings) -> None:
    settings.QINGSHAN_NOTIFY_EMAIL = False
    users["regulator"].email = "city@example.gov.cn"
    users["regulator"].save()
    open_case()
    assert mail.outbox == []


def test_demo_reset_removes_cases_with_their_history(open_case, users) -> None:
    from qingshan.demo.cases import cases_remove
    from qingshan.demo.purge import enterprises_purge
    from qingshan.registry.models import Enterprise

    case = open_case()
    services.attachment_upload(user=users["regulator"], case=case, upload=png_upload())
    enterprise = case.enterprise
    assert cases_remove(enterprise_ids=[enterprise.pk]) >= 1
    assert not SupervisionCase.objects.exists() and not CaseEvent.objects.exists()
    enterprise.users.all().delete()  # as the demo reset does
    # no case protects it any more; its alarms and permit go with it, as in the reset
    enterprises_purge(enterprises=Enterprise.objects.filter(pk=enterprise.pk))
    assert not Enterprise.objects.filter(pk=enterprise.pk).exists()
