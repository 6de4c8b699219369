"""The audit log: who changed which regulatory record, when, from where, and how.

Bookkeeping, so it rides on Django signals (ARCHITECTURE.md allows signals for exactly
this): no code path that saves or deletes an ``AuditTracked`` record can forget it, and
the row is written in the transaction of the change. Who and from where come from a
context variable (qingshan.core.actor) that the web middleware (channel "web", "admin"
or "api"), the API's token auth, the importer, the worker and the ``qingshan`` command
(channel "cli", the operating-system user) set.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_save

from qingshan.core.actor import AuditContext as AuditContext
from qingshan.core.actor import audit_context as audit_context
from qingshan.core.actor import current
from qingshan.core.actor import set_audit_context as set_audit_context
from qingshan.core.choices import AuditAction
from qingshan.core.models import AuditLog, AuditTracked

# What is audited: every model that is an ``AuditTracked`` (every ``AuditedModel``: the
# registry, permits, cases, attachments, penalties, air stations and water sections,
# quality imports; and the user, the regions and the rule table), plus Django's own
# models below, which an administrator edits in the admin. Many-to-many changes of any
# of them (a user's groups and permissions) are audited too.
#
# Not audited by the signal, on purpose: what the machine writes at a high rate, whose
# volume would bury the people's acts and which are evidence of themselves —
# readings, raw packets, derived values, device states and sessions, refused senders,
# statistics due, alarms and their entries (the engine updates an open alarm on every
# repeat; an acknowledgement, explanation or review is audited by its service through
# ``audit_record``, as are declarations and dead letters), the outbox and event
# cursors, API tokens (``last_used_at`` moves on every request; issuing and revoking
# are audited by the token services), import jobs (progress counters; each imported
# row is audited), case events (the case's own timeline, written with the audited case
# change), notifications (per-user notices and their read marks), pending quality
# results, sessions, Django's admin log (a log itself) and the audit log.
EXTERNAL: dict[str, frozenset[str]] = {"auth.group": frozenset()}  # label → excluded fields


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value for the changes column."""
    if value is None or isinstance(value, bool | int | str | list | dict):
        return value
    if isinstance(value, decimal.Decimal | float):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _tracked(instance: models.Model) -> bool:
    return isinstance(instance, AuditTracked) or instance._meta.label_lower in EXTERNAL


def _fields(instance: models.Model) -> list[models.Field[Any, Any]]:
    exclude: frozenset[str] = getattr(instance, "audit_exclude", None) or EXTERNAL.get(
        instance._meta.label_lower, frozenset()
    )
    return [
        f for f in instance._meta.concrete_fields if f.name not in exclude and not f.primary_key
    ]


def _secret(field: models.Field[Any, Any]) -> bool:
    return "password" in field.name or "digest" in field.name


def changes_of(instance: models.Model, *, created: bool) -> dict[str, list[Any]]:
    loaded: dict[str, Any] = {} if created else getattr(instance, "_audit_loaded", {})
    changes: dict[str, list[Any]] = {}
    for field in _fields(instance):
        if not created and field.attname not in instance.__dict__:
            continue  # deferred and never loaded: this save did not change it
        new = getattr(instance, field.attname)
        old = loaded.get(field.attname)
        if not created and field.attname in loaded and (old == new or _plain(old) == _plain(new)):
            continue  # (the same instant in another time zone is no change)
        if _secret(field):
            changes[field.name] = ["***" if old else None, "***"]
        else:
            changes[field.name] = [_plain(old), _plain(new)]
    return changes


def _write(instance: models.Model, action: str, changes: dict[str, list[Any]]) -> None:
    ctx = current()
    user = ctx.user if ctx else None
    if user is not None:
        actor_name = user.get_username()
    else:
        actor_name = (ctx.actor_name if ctx else None) or "system"
    AuditLog.objects.using(instance._state.db or "default").create(
        actor=user if user is not None and user.pk else None,
        actor_name=actor_name,
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


def _remember(sender: type[Any], instance: Any, **_: Any) -> None:
    """The loaded values of a model that cannot have ``AuditTracked.from_db``."""
    instance._audit_loaded = {
        f.attname: instance.__dict__[f.attname]
        for f in instance._meta.concrete_fields
        if f.attname in instance.__dict__
    }


def _before_raw_save(sender: type[Any], instance: Any, raw: bool, using: str, **_: Any) -> None:
    """A fixture (``loaddata``) writes its rows as they are, over what the table holds:
    the values it replaces are read first, so that its audit row shows old → new too."""
    if not raw or not _tracked(instance) or instance.pk is None:
        return
    names = [f.attname for f in instance._meta.concrete_fields]
    rows = type(instance)._base_manager.using(using).filter(pk=instance.pk).values(*names)
    instance._audit_loaded = rows.first() or {}


def _on_save(sender: type[Any], instance: Any, created: bool, **_: Any) -> None:
    if not _tracked(instance):
        return
    changes = changes_of(instance, created=created)
    if changes or created:
        _write(instance, AuditAction.CREATE if created else AuditAction.UPDATE, changes)
    # the saved state becomes the baseline for the next save of this object
    instance._audit_loaded = {f.attname: getattr(instance, f.attname) for f in _fields(instance)}


def _on_delete(sender: type[Any], instance: Any, **_: Any) -> None:
    if not _tracked(instance):
        return
    snapshot = {f.name: [_plain(getattr(instance, f.attname)), None] for f in _fields(instance)}
    for field in _fields(instance):
        if _secret(field):
            snapshot[field.name] = ["***", None]
    _write(instance, AuditAction.DELETE, snapshot)


def _m2m_name(instance: models.Model, through: type[Any]) -> str | None:
    """The attribute of ``instance`` that reaches the other side of ``through``."""
    for field in instance._meta.get_fields():
        if not field.many_to_many:
            continue
        if isinstance(field, models.ManyToManyField):
            if field.remote_field.through is through:
                return field.name
        elif getattr(field, "through", None) is through:  # the reverse side: group.user_set
            accessor: str | None = field.get_accessor_name()  # type: ignore[union-attr]
            return accessor
    return None


def _m2m_members(instance: models.Model, name: str) -> list[str]:
    related = getattr(instance, name).all().select_related()
    return sorted(str(obj) for obj in related)


def _on_m2m(sender: type[Any], instance: Any, action: str, **_: Any) -> None:
    """A user's groups and permissions, a group's permissions: old → new member lists."""
    if not _tracked(instance):
        return
    name = _m2m_name(instance, sender)
    if name is None:
        return
    if action.startswith("pre_"):
        instance.__dict__.setdefault("_audit_m2m", {})[name] = _m2m_members(instance, name)
        return
    old = instance.__dict__.get("_audit_m2m", {}).pop(name, None)
    new = _m2m_members(instance, name)
    if old != new:
        _write(instance, AuditAction.UPDATE, {name: [old, new]})


def connect_signals() -> None:
    pre_save.connect(_before_raw_save, dispatch_uid="qingshan.audit.raw")
    post_save.connect(_on_save, dispatch_uid="qingshan.audit.save")
    post_delete.connect(_on_delete, dispatch_uid="qingshan.audit.delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="qingshan.audit.m2m")
    for label in EXTERNAL:
        post_init.connect(
            _remember, sender=apps.get_model(label), dispatch_uid=f"qingshan.audit.{label}"
        )


def history_for(instance: models.Model) -> models.QuerySet[AuditLog]:
    return AuditLog.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk)
    ).select_related("actor")
