"""What may be attached to a case: the type is read from the file's first bytes, not its name.

A file is accepted when its name's extension and its content agree on one of the allowed
types (rule ``supervision.attachments``: the list of types and the largest size).
"""

from __future__ import annotations

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.rules import rule_value

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# type → (extensions, content type, test on the first bytes)
TYPES: dict[str, tuple[tuple[str, ...], str, bytes | tuple[bytes, ...]]] = {
    "jpg": ((".jpg", ".jpeg"), "image/jpeg", b"\xff\xd8\xff"),
    "png": ((".png",), "image/png", b"\x89PNG\r\n\x1a\n"),
    "webp": ((".webp",), "image/webp", b"RIFF"),
    "pdf": ((".pdf",), "application/pdf", b"%PDF-"),
    "docx": (
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    "xlsx": (
        (".xlsx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
    ),
}


def _policy(region_code: str) -> tuple[int, list[str]]:
    value = rule_value(
        "supervision.attachments",
        region_code=region_code,
        on=timezone.localdate(),
        default={},
    )
    return int(value.get("max_bytes", DEFAULT_MAX_BYTES)), list(value.get("types", TYPES))


def _matches(kind: str, head: bytes) -> bool:
    signature = TYPES[kind][2]
    if kind == "webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    signatures = signature if isinstance(signature, tuple) else (signature,)
    return any(head.startswith(s) for s in signatures)


def attachment_check(upload: UploadedFile, *, region_code: str) -> str:
    """The file's content type if it may be attached; ValidationError saying why not."""
    max_bytes, allowed = _policy(region_code)
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("文件为空")})
    if size > max_bytes:
        raise ValidationError(
            {
                "file": _("文件过大（%(size)s MB），上限 %(max)s MB")
                % {"size": round(size / 1048576, 1), "max": round(max_bytes / 1048576, 1)}
            }
        )
    suffix = PurePath(upload.name or "").suffix.lower()
    kind = next((k for k in allowed if k in TYPES and suffix in TYPES[k][0]), None)
    if kind is None:
        names = "、".join(sorted({e for k in allowed if k in TYPES for e in TYPES[k][0]}))
        raise ValidationError({"file": _("不支持的文件类型，允许：%(types)s") % {"types": names}})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _matches(kind, head):
        raise ValidationError({"file": _("文件内容与扩展名 %(ext)s 不符") % {"ext": suffix}})
    return TYPES[kind][1]
