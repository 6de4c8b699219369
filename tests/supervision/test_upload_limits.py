"""Uploads have limits (issue 16, item 8): a quota per user and per case, a rate per user,
and a file no action took is removed after a day — by the worker, with an audit row.

The limits are the rule ``supervision.upload_limits`` (national row from migration 0004);
a county's row overrides it, as here with small numbers.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from qingshan.core.models import AuditLog, RuleValue
from qingshan.core.worker import JOBS
from qingshan.supervision import services
from qingshan.supervision.attachments import UPLOAD_LIMITS, UploadRefused, upload_limits
from qingshan.supervision.models import CaseAttachment, SupervisionCase
from tests.conftest import client_for
from tests.helpers import skip_or_fail
from tests.supervision.conftest import PNG, body, png_upload, upload

KB = 1024


def limits(**values: int) -> None:
    """The county's own upload limits (柯桥, where the test cases are)."""
    base = {
        "user_bytes_per_day": 1000 * KB,
        "user_files_per_minute": 100,
        "case_bytes": 1000 * KB,
        "unattached_hours": 24,
    }
    RuleValue.objects.create(
        jurisdiction="330603",
        rule=UPLOAD_LIMITS,
        value=base | values,
        effective_from=dt.date(2026, 1, 1),
        source="测试",
    )


def pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + b"0" * (size - 9)


def test_national_defaults_are_seeded(db: Any) -> None:
    national = upload_limits()
    assert national["user_bytes_per_day"] == 200 * 1024 * 1024
    assert national["case_bytes"] == 200 * 1024 * 1024
    assert national["user_files_per_minute"] == 20
    assert national["unattached_hours"] == 24


def test_case_quota_refused_with_413(open_case, users) -> None:
    limits(case_bytes=300 * KB)
    case = open_case()
    regulator, county = client_for(users["regulator"]), client_for(users["county"])
    assert upload(regulator, case, "a.pdf", pdf(200 * KB)).status_code == 201
    refused = upload(county, case, "b.pdf", pdf(200 * KB))  # another user, the same case
    assert refused.status_code == 413
    error = body(refused)["error"]
    assert error["code"] == "case_quota_exceeded"
    assert "本案件附件总量上限" in error["message"] and error["fields"]["file"]
    assert CaseAttachment.objects.count() == 1
    assert upload(county, open_case(), "b.pdf", pdf(200 * KB)).status_code == 201  # other case


def test_user_daily_quota_refused_with_413(open_case, users) -> None:
    limits(user_bytes_per_day=300 * KB)
    client = client_for(users["regulator"])
    assert upload(client, open_case(), "a.pdf", pdf(200 * KB)).status_code == 201
    refused = upload(client, open_case(), "b.pdf", pdf(200 * KB))  # counted across cases
    assert refused.status_code == 413
    assert body(refused)["error"]["code"] == "user_quota_exceeded"
    assert "24 小时上传上限" in body(refused)["error"]["message"]
    # a day later the quota is free again
    CaseAttachment.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert upload(client, open_case(), "b.pdf", pdf(200 * KB)).status_code == 201


def test_rate_limit_refused_with_429_and_retry_after(open_case, users) -> None:
    limits(user_files_per_minute=2)
    case = open_case()
    client = client_for(users["inspector"])
    assert [upload(client, case).status_code for _ in range(2)] == [201, 201]
    refused = upload(client, case)
    assert refused.status_code == 429
    assert body(refused)["error"]["code"] == "rate_limited"
    assert "上传过于频繁" in body(refused)["error"]["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert upload(client_for(users["regulator"]), case).status_code == 201  # per user
    CaseAttachment.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    assert upload(client, case).status_code == 201


def test_service_refusal_is_a_validation_error_with_its_status(open_case, users) -> None:
    limits(user_files_per_minute=1)
    case = open_case()
    services.attachment_upload(user=users["regulator"], case=case, upload=png_upload())
    with pytest.raises(UploadRefused) as refused:
        services.attachment_upload(user=users["regulator"], case=case, upload=png_upload())
    assert refused.value.status == 429 and "file" in refused.value.message_dict


def test_page_shows_the_quota_as_a_form_error(case_in, users) -> None:
    limits(case_bytes=len(PNG) + 10)
    case: SupervisionCase = case_in("investigating")
    response = client_for(users["inspector"]).post(
        reverse("supervision:case-act", args=[case.pk]),
        {
            "action": "record_findings",
            "record_findings-action": "record_findings",
            "record_findings-version": case.version,
            "record_findings-comment": "现场检查",
            "record_findings-files": [png_upload("1.png"), png_upload("2.png")],
        },
    )
    assert response.status_code == 422
    assert "本案件附件总量上限" in response.content.decode()
    assert not CaseAttachment.objects.exists()  # the first file went with the refused action
    case.refresh_from_db()
    assert not case.events.filter(action="record_findings").exists()


def _stored(attachment: CaseAttachment) -> bool:
    return Path(attachment.file.path).exists()


def test_worker_removes_unattached_uploads_older_than_a_day(
    case_in, users, django_capture_on_commit_callbacks
) -> None:
    assert "supervision.attachments_purge" in {job.name for job in JOBS}
    case: SupervisionCase = case_in("investigating")
    inspector = users["inspector"]
    old, recent, used = (
        services.attachment_upload(user=inspector, case=case, upload=png_upload()) for _ in range(3)
    )
    services.case_act(
        user=inspector,
        case=case,
        action="record_findings",
        version=case.version,
        comment="现场检查",
        attachment_ids=[used.pk],
    )
    day_ago = timezone.now() - dt.timedelta(hours=25)
    CaseAttachment.objects.filter(pk__in=[old.pk, used.pk]).update(created_at=day_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.attachments_purge_unattached() == 1
    assert set(CaseAttachment.objects.values_list("pk", flat=True)) == {recent.pk, used.pk}
    assert not _stored(old) and _stored(recent) and _stored(used)
    audit = AuditLog.objects.get(
        object_type="supervision.caseattachment", object_id=str(old.pk), action="delete"
    )
    assert audit.via == "worker"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.attachments_purge_unattached() == 0


def test_purge_reads_the_national_rule(case_in, users: dict[str, Any]) -> None:
    limits(unattached_hours=48)  # a county's row does not move the national job
    case: SupervisionCase = case_in("investigating")
    loose = services.attachment_upload(user=users["inspector"], case=case, upload=png_upload())
    CaseAttachment.objects.filter(pk=loose.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    assert services.attachments_purge_unattached() == 1


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_cannot_both_fit(open_case, users) -> None:
    """The case row is locked while its quota is read: of two uploads at once with room for
    one, one is stored and the other refused."""
    if connection.vendor == "sqlite":
        skip_or_fail(
            "in-memory SQLite (shared cache) refuses a second writer instead of waiting",
            sqlite_ok=True,
        )
    limits(case_bytes=300 * KB)
    case = open_case()
    clients = [client_for(users["regulator"]), client_for(users["county"])]
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def send(client: Any) -> None:
        try:
            barrier.wait(timeout=10)
            codes.append(upload(client, case, "a.pdf", pdf(200 * KB)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [201, 413]
    assert CaseAttachment.objects.filter(case=case).count() == 1
