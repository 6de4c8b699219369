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


def field_label(model: type[Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def history_rows(obj: Model, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    model = type(obj)
    return [
        HistoryRow(
            entry=entry,
            changes=[
                Change(field_label(model, name), *values) for name, values in entry.changes.items()
            ],
        )
        for entry in history_for(obj)[:limit]
    ]
