"""The audit history of a record as a person reads it: who, when, from where, what changed.

Staff read every row as written. An enterprise user reads what changed and when; its own
enterprise's users by name and address, everyone else as the bureau (生态环境局) — never a
staff account, an address or a channel of the bureau's, nor a change naming a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey, Model
from django.utils.translation import gettext_lazy as _

from qingshan.core.audit import history_for
from qingshan.core.choices import Role
from qingshan.core.models import AuditLog, User

HISTORY_LIMIT = 100
BUREAU = _("生态环境局")


@dataclass(frozen=True)
class Change:
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryRow:
    entry: AuditLog
    changes: list[Change]
    actor: str  # the name to show: a person, or the bureau
    source: str  # "address · channel", or "" when the reader may not see it


def readable(model: type[Model], name: str, values: list[Any]) -> Change:
    """The field's label, and choice values by their labels ("key" → 重点管理)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return Change(name, *values)
    choices = dict(getattr(field, "flatchoices", None) or [])
    old, new = (choices.get(v, v) if isinstance(v, str) else v for v in values)
    return Change(str(getattr(field, "verbose_name", name)), old, new)


def _names_a_user(model: type[Model], name: str) -> bool:
    try:
        field = model._meta.get_field(name.removesuffix("_id"))
    except FieldDoesNotExist:
        return False
    return isinstance(field, ForeignKey) and field.related_model is User


def _own(entry: AuditLog, viewer: User) -> bool:
    actor = entry.actor
    return (
        actor is not None
        and actor.role == Role.ENTERPRISE
        and actor.enterprise_id is not None
        and actor.enterprise_id == viewer.enterprise_id
    )


def _row(model: type[Model], entry: AuditLog, outsider: User | None) -> HistoryRow:
    names = list(entry.changes)
    if outsider is not None:
        names = [n for n in names if not _names_a_user(model, n)]
    changes = [readable(model, name, entry.changes[name]) for name in names]
    source = " · ".join([entry.ip_address or "—", entry.via or "—"])
    if outsider is None or _own(entry, outsider):
        return HistoryRow(entry, changes, entry.actor_name or "—", source)
    return HistoryRow(entry, changes, str(BUREAU), "")


def history_rows(obj: Model, *, viewer: User, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """The record's history as ``viewer`` may read it, newest first."""
    model = type(obj)
    outsider = None if viewer.is_bureau_staff else viewer
    return [_row(model, entry, outsider) for entry in history_for(obj)[:limit]]
