"""Database check constraints in words, for the people who broke one.

A check constraint without its own message fails validation with Django's "约束
“enterprise_longitude_range” 是无效的": the constraint's internal name, which tells a
bureau clerk nothing. The rule is in the constraint's condition (``longitude >= -180``
and ``<= 180``), so the words are derived from it — "经度应不小于 -180、不大于 180" —
rather than written once more beside each model, where they would drift from the rule.
The same names appear in the database's own refusal (an IntegrityError's text), which
the import reports row by row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CheckConstraint, F, Model, Q, UniqueConstraint
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

# lookups a condition compares a field with, as the words "the value should be …"
_COMPARISONS = {
    "gte": gettext_lazy("不小于"),
    "gt": gettext_lazy("大于"),
    "lte": gettext_lazy("不大于"),
    "lt": gettext_lazy("小于"),
    "exact": gettext_lazy("等于"),
}


def _label(model: type[Model], name: str) -> str:
    try:
        return str(getattr(model._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


def _leaves(condition: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(condition, Q):
        for child in condition.children:
            yield from _leaves(child)
    elif isinstance(condition, tuple) and len(condition) == 2:
        yield condition


def check_words(model: type[Model], constraint: CheckConstraint) -> str:
    """What the constraint asks of the values, e.g. "经度应不小于 -180、不大于 180"."""
    bounds: dict[str, list[str]] = {}
    for lookup, value in _leaves(constraint.condition):
        name, _sep, op = lookup.partition("__")
        if op not in _COMPARISONS:
            continue  # isnull, in: the cell readers and choices say those themselves
        if isinstance(value, F):
            shown = _label(model, value.name)
        elif isinstance(value, int | float) or hasattr(value, "as_tuple"):
            shown = str(value)
        else:
            continue
        bounds.setdefault(name, []).append(f"{_COMPARISONS[op]} {shown}")
    if not bounds:
        return _("%(model)s：取值不符合要求") % {"model": model._meta.verbose_name}
    return "；".join(
        _("%(field)s：应%(bounds)s") % {"field": _label(model, name), "bounds": "、".join(parts)}
        for name, parts in bounds.items()
    )


def unique_words(model: type[Model], constraint: UniqueConstraint) -> str:
    fields = "、".join(_label(model, name) for name in constraint.fields)
    return _("已有%(fields)s相同的%(model)s") % {
        "fields": fields,
        "model": model._meta.verbose_name,
    }


def _constraints() -> Iterator[tuple[type[Model], CheckConstraint | UniqueConstraint]]:
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, CheckConstraint | UniqueConstraint):
                yield model, constraint


def _words(model: type[Model], constraint: CheckConstraint | UniqueConstraint) -> str:
    if isinstance(constraint, CheckConstraint):
        return check_words(model, constraint)
    return unique_words(model, constraint)


@cache
def _by_message(language: str | None) -> dict[str, str]:
    """Django's default "约束 “name” 是无效的" of each check constraint → its words."""
    return {
        str(constraint.get_violation_error_message()): check_words(model, constraint)
        for model, constraint in _constraints()
        if isinstance(constraint, CheckConstraint)
        and constraint.violation_error_message == constraint.default_violation_error_message
    }


@cache
def _by_name() -> dict[str, tuple[type[Model], CheckConstraint | UniqueConstraint]]:
    return {constraint.name: (model, constraint) for model, constraint in _constraints()}


def readable(message: str) -> str:
    """The message in words when it is a check constraint's default message."""
    return _by_message(get_language()).get(str(message), str(message))


def database_refusal(error: Exception) -> str | None:
    """The words of the constraint a database refusal names, or None if it names none.

    PostgreSQL names the constraint ('violates check constraint "permit_limit_positive"');
    SQLite names a check constraint, and a unique one by its columns only.
    """
    text = str(error)
    for name, (model, constraint) in _by_name().items():
        if re.search(rf"\b{re.escape(name)}\b", text):
            return _words(model, constraint)
    return None
