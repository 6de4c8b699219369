"""What may be attached to a case: the type is read from the file's first bytes, not its name.

A file is accepted when its name's extension and its content agree on one of the allowed
types (rule ``supervision.attachments``: the list of types and the largest size), and when
the uploader and the case are within their quotas (rule ``supervision.upload_limits``:
bytes per user in 24 hours, files per user a minute, bytes per case).
"""

from __future__ import annotations

import datetime as dt
import math

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.attachments import (
    TYPES,
    AttachmentPolicy,
    AttachmentRefused,
    Refusal,
    attachment_kind,
    attachment_policy,
)
from qingshan.core.rules import rule_value
from qingshan.supervision.models import CaseAttachment, SupervisionCase

UPLOAD_LIMITS = "supervision.upload_limits"
# used when the rule table has no row (it always has the national one, migration 0004)
DEFAULT_LIMITS: dict[str, int] = {
    "user_bytes_per_day": 200 * 1024 * 1024,
    "user_files_per_minute": 20,
    "case_bytes": 200 * 1024 * 1024,
    "unattached_hours": 24,
}
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)

ATTACHMENTS = "supervision.attachments"
# used when the rule table has no row (it always has the national one, migration 0002)
DEFAULT_POLICY = AttachmentPolicy(max_bytes=10 * 1024 * 1024, types=tuple(TYPES))


def _policy(region_code: str) -> AttachmentPolicy:
    return attachment_policy(
        ATTACHMENTS, region_code=region_code, on=timezone.localdate(), default=DEFAULT_POLICY
    )


def attachment_check(upload: UploadedFile, *, region_code: str) -> str:
    """The file's content type if it may be attached; ValidationError saying why not."""
    policy = _policy(region_code)
    try:
        kind = attachment_kind(upload, policy=policy)
    except AttachmentRefused as refused:
        raise ValidationError({"file": _refusal_text(refused, policy)}) from None
    return TYPES[kind].content_type


def _refusal_text(refused: AttachmentRefused, policy: AttachmentPolicy) -> str:
    if refused.reason == Refusal.EMPTY:
        return _("文件为空")
    if refused.reason == Refusal.TOO_LARGE:
        return _("文件过大（%(size)s MB），上限 %(max)s MB") % {
            "size": round(refused.size / 1048576, 1),
            "max": round(policy.max_bytes / 1048576, 1),
        }
    if refused.reason == Refusal.BAD_TYPE:
        names = "、".join(policy.extensions())
        return _("不支持的文件类型，允许：%(types)s") % {"types": names}
    return _("文件内容与扩展名 %(ext)s 不符") % {"ext": refused.suffix}


class UploadRefused(ValidationError):
    """An upload over a quota (HTTP 413) or too soon after the last ones (HTTP 429).

    A ValidationError, so that a page shows it as the form's error like any other.
    """

    def __init__(self, message: str, *, status: int, code: str, retry_after: int = 0) -> None:
        super().__init__({"file": message})
        self.status = status
        self.code = code
        self.message_text = message
        self.retry_after = retry_after


def upload_limits(region_code: str = "") -> dict[str, int]:
    value = rule_value(UPLOAD_LIMITS, region_code=region_code, on=timezone.localdate(), default={})
    return {key: int(value.get(key, default)) for key, default in DEFAULT_LIMITS.items()}


def _mb(size: int) -> float:
    return round(size / 1048576, 1)


def quota_check(*, user_id: int, case: SupervisionCase, size: int) -> None:
    """Refuse one more file of ``size`` bytes over the uploader's or the case's quota.

    The uploader's files count on every case; the caller holds the locks (user and case
    rows) that keep two uploads at once from both passing the check.
    """
    limits = upload_limits(case.region_code)
    now = timezone.now()
    uploads = CaseAttachment.objects.filter(uploaded_by_id=user_id)
    recent = uploads.filter(created_at__gt=now - MINUTE).aggregate(
        n=Count("id"), first=Min("created_at")
    )
    if (recent["n"] or 0) >= limits["user_files_per_minute"]:
        wait = (
            math.ceil((recent["first"] + MINUTE - now).total_seconds()) if recent["first"] else 60
        )
        raise UploadRefused(
            _("上传过于频繁：每分钟最多 %(n)s 个文件，请 %(s)s 秒后再试")
            % {"n": limits["user_files_per_minute"], "s": max(wait, 1)},
            status=429,
            code="rate_limited",
            retry_after=max(wait, 1),
        )
    today = uploads.filter(created_at__gt=now - DAY).aggregate(total=Sum("size"))["total"] or 0
    if today + size > limits["user_bytes_per_day"]:
        raise UploadRefused(
            _("已超出每人 24 小时上传上限 %(max)s MB（已上传 %(used)s MB）")
            % {"max": _mb(limits["user_bytes_per_day"]), "used": _mb(today)},
            status=413,
            code="user_quota_exceeded",
        )
    held = CaseAttachment.objects.filter(case=case).aggregate(total=Sum("size"))["total"] or 0
    if held + size > limits["case_bytes"]:
        raise UploadRefused(
            _("已超出本案件附件总量上限 %(max)s MB（已有 %(used)s MB）")
            % {"max": _mb(limits["case_bytes"]), "used": _mb(held)},
            status=413,
            code="case_quota_exceeded",
        )
