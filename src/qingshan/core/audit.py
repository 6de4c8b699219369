"""The audit log: who changed which regulatory record, when, from where, and how.

Bookkeeping, so it rides on Django signals (ARCHITECTURE.md allows signals for exactly
this): no code path that saves an ``AuditedModel`` can forget it. Who and from where come
from a context variable that the web middleware, the API auth and the CLI set.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save

from qingshan.core.choices import AuditAction
from qingshan.core.models import AuditedModel, AuditLog, User


@dataclass(frozen=True, slots=True)
class AuditContext:
    user: User | None
    ip_address: str | None
    via: str


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "qingshan_audit", default=None
)


@contextlib.contextmanager
def audit_context(*, user: User | None, ip_address: str | None = None, via: str) -> Iterator[None]:
    token = _context.set(AuditContext(user=user, ip_address=ip_address, via=via))
    try:
        yield
    finally:
        _context.reset(token)


def set_audit_context(*, user: User | None, ip_address: str | None, via: str) -> None:
    """Set the context for the rest of this request (the API auth calls it)."""
    _context.set(AuditContext(user=user, ip_address=ip_address, via=via))


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value for the changes column."""
    if value is None or isinstance(value, bool | int | str | list | dict):
        return value
    if isinstance(value, decimal.Decimal | float):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _fields(instance: AuditedModel) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in instance._meta.concrete_fields
        if f.name not in instance.audit_exclude and not f.primary_key
    ]


def _secret(field: models.Field[Any, Any]) -> bool:
    return "password" in field.name or "digest" in field.name


def changes_of(instance: AuditedModel, *, created: bool) -> dict[str, list[Any]]:
    loaded: dict[str, Any] = {} if created else getattr(instance, "_audit_loaded", {})
    changes: dict[str, list[Any]] = {}
    for field in _fields(instance):
        new = getattr(instance, field.attname)
        old = loaded.get(field.attname)
        if not created and field.attname in loaded and _plain(old) == _plain(new):
            continue
        if _secret(field):
            changes[field.name] = ["***" if old else None, "***"]
        else:
            changes[field.name] = [_plain(old), _plain(new)]
    return changes


def _write(instance: models.Model, action: str, changes: dict[str, list[Any]]) -> None:
    ctx = _context.get()
    user = ctx.user if ctx else None
    AuditLog.objects.using(instance._state.db or "default").create(
        actor=user if user is not None and user.pk else None,
        actor_name=user.get_username() if user is not None else "system",
        ip_address=ctx.ip_address if ctx else None,
        via=ctx.via if ctx else "system",
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
    )


def audit_record(instance: models.Model, action: str, changes: dict[str, list[Any]]) -> None:
    """Write an audit row for a record that is not an ``AuditedModel`` (e.g. an alarm whose
    acknowledgement is a regulatory act but whose other fields the alarm engine updates
    many times a minute): the service states the changes itself."""
    _write(instance, action, {k: [_plain(old), _plain(new)] for k, (old, new) in changes.items()})


def _on_save(sender: type[Any], instance: Any, created: bool, raw: bool, **_: Any) -> None:
    if raw or not isinstance(instance, AuditedModel):
        return
    changes = changes_of(instance, created=created)
    if changes or created:
        _write(instance, AuditAction.CREATE if created else AuditAction.UPDATE, changes)
    # the saved state becomes the baseline for the next save of this object
    instance._audit_loaded = {f.attname: getattr(instance, f.attname) for f in _fields(instance)}


def _on_delete(sender: type[Any], instance: Any, **_: Any) -> None:
    if not isinstance(instance, AuditedModel):
        return
    snapshot = {f.name: [_plain(getattr(instance, f.attname)), None] for f in _fields(instance)}
    for field in _fields(instance):
        if _secret(field):
            snapshot[field.name] = ["***", None]
    _write(instance, AuditAction.DELETE, snapshot)


def connect_signals() -> None:
    post_save.connect(_on_save, dispatch_uid="qingshan.audit.save")
    post_delete.connect(_on_delete, dispatch_uid="qingshan.audit.delete")


def history_for(instance: models.Model) -> models.QuerySet[AuditLog]:
    return AuditLog.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk)
    ).select_related("actor")
