"""The audit history of a record as a person reads it: who, when, from where, what changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model

from qingshan.core.audit import history_for
from qingshan.core.models import AuditLog

HISTORY_LIMIT = 100


@dataclass(frozen=True)
class Change:
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryRow:
    entry: AuditLog
    changes: list[Change]


def readable(model: type[Model], name: str, values: list[Any]) -> Change:
    """The field's label, and choice values by their labels ("key" → 重点管理)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return Change(name, *values)
    choices = dict(getattr(field, "flatchoices", None) or [])
    old, new = (choices.get(v, v) if isinstance(v, str) else v for v in values)
    return Change(str(getattr(field, "verbose_name", name)), old, new)


def history_rows(obj: Model, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    model = type(obj)
    return [
        HistoryRow(
            entry=entry,
            changes=[readable(model, name, values) for name, values in entry.changes.items()],
        )
        for entry in history_for(obj)[:limit]
    ]
