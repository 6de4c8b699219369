"""What may be attached to a record: one check of size and type, for every app.

A file passes when it is not empty, is no larger than the policy's ``max_bytes``, and its
name's extension and its first bytes agree on one of the policy's types (a renamed .exe is
not a PDF). The policy is a dated rule-table row (``{"max_bytes": …, "types": [...]}``,
read with :func:`attachment_policy`), so a province can change it. The check only says
*why* a file is refused (:class:`AttachmentRefused`); each app words the message itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile

from qingshan.core.rules import rule_value


@dataclass(frozen=True, slots=True)
class AttachmentType:
    extensions: tuple[str, ...]
    content_type: str
    signatures: tuple[bytes, ...]  # what the first bytes of a real file start with


TYPES: dict[str, AttachmentType] = {
    "jpg": AttachmentType((".jpg", ".jpeg"), "image/jpeg", (b"\xff\xd8\xff",)),
    "png": AttachmentType((".png",), "image/png", (b"\x89PNG\r\n\x1a\n",)),
    "webp": AttachmentType((".webp",), "image/webp", (b"RIFF",)),  # and "WEBP" at byte 8
    "pdf": AttachmentType((".pdf",), "application/pdf", (b"%PDF-",)),
    "docx": AttachmentType(
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": AttachmentType(
        (".xlsx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
}


@dataclass(frozen=True, slots=True)
class AttachmentPolicy:
    max_bytes: int
    types: tuple[str, ...]  # keys of TYPES; unknown names are ignored

    def extensions(self) -> list[str]:
        """The allowed extensions, sorted."""
        return sorted({e for k in self.types if k in TYPES for e in TYPES[k].extensions})


def attachment_policy(
    rule: str, *, region_code: str, on: dt.date, default: AttachmentPolicy
) -> AttachmentPolicy:
    """The policy in force (rule ``rule``); ``default`` for what the table does not say."""
    value = rule_value(rule, region_code=region_code, on=on, default={})
    return AttachmentPolicy(
        max_bytes=int(value.get("max_bytes", default.max_bytes)),
        types=tuple(value.get("types", default.types)),
    )


class Refusal(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    BAD_TYPE = "bad_type"
    BAD_CONTENT = "bad_content"


class AttachmentRefused(Exception):
    """Why a file may not be attached (the caller turns it into its ValidationError)."""

    def __init__(self, reason: Refusal, *, size: int, suffix: str) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.size = size
        self.suffix = suffix  # lower case, with its dot ("" when the name has none)


def _matches(kind: str, head: bytes) -> bool:
    if kind == "webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return any(head.startswith(s) for s in TYPES[kind].signatures)


def attachment_kind(upload: UploadedFile, *, policy: AttachmentPolicy) -> str:
    """The file's type (a key of :data:`TYPES`) if ``policy`` allows it; else
    :class:`AttachmentRefused`."""
    size = upload.size or 0
    suffix = PurePath(upload.name or "").suffix.lower()
    if size == 0:
        raise AttachmentRefused(Refusal.EMPTY, size=size, suffix=suffix)
    if size > policy.max_bytes:
        raise AttachmentRefused(Refusal.TOO_LARGE, size=size, suffix=suffix)
    kind = next((k for k in policy.types if k in TYPES and suffix in TYPES[k].extensions), None)
    if kind is None:
        raise AttachmentRefused(Refusal.BAD_TYPE, size=size, suffix=suffix)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _matches(kind, head):
        raise AttachmentRefused(Refusal.BAD_CONTENT, size=size, suffix=suffix)
    return kind
