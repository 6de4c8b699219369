"""What every text, time and number a person enters must satisfy, wherever it enters.

Control characters. A NUL, BEL or ESC in a name breaks the Excel export of every record
in scope (openpyxl refuses them), PostgreSQL refuses NUL outright, and a lone surrogate
cannot be encoded at all. They never belong in what a person types, so they are refused
at input, at one root with a door-specific face:

- the model: every ``CharField``/``TextField`` of every Qingshan model gets
  ``validate_plain_text`` (``install_plain_text_checks``, at start-up), so ``full_clean``
  — the services' ``instance_apply``, model forms, the admin, the Excel import through
  the services — answers it as a field error;
- a ``pre_save`` guard refuses the same characters for every save that skipped
  ``full_clean`` (``objects.create`` in a service, the command line);
- the JSON API refuses them in any query parameter or form field before a schema sees
  them (``PlainTextParser``) and anywhere in a JSON body before the view runs
  (``refuse_bad_body``): a 422 naming the field, also for values that are never stored
  but looked up (PostgreSQL fails on a NUL in a query);
- forms refuse them in every text field (``qingshan.web.forms.StyledForm``).

Tab, line feed and carriage return are text. Machine-written evidence (raw packets, dead
letters, what a refused sender sent) and the platform's own bookkeeping are exempt: they
keep what arrived, and the exports strip what a spreadsheet cannot hold.

Times and numbers. Python dates end at year 9999 and the databases' integers at 2^63;
a value near either edge overflows when it is converted (to UTC, to an epoch, to SQL).
``Moment`` and ``DbInt`` bound the API's inputs to what can be stored; ``date_in_range``
does the same for dates typed into forms.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser
from pydantic import AfterValidator, Field

# the years a time may carry: a few centuries either way of now, far from datetime's edges
# (year 1 and 9999), so a conversion to UTC or to an epoch never overflows
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
DB_INT_MAX = 2**63 - 1  # BIGINT on PostgreSQL, INTEGER on SQLite

# models whose text is written by machines, not typed by people: kept as it arrived
EXEMPT_MODELS = frozenset(
    {
        "core.auditlog",  # records what was attempted, e.g. the user name of a failed login
        "core.outboxevent",
        "core.eventcursor",  # a consumer's last error
        "monitoring.rawpacket",  # evidence: the bytes a logger sent
        "monitoring.deadletter",
        "monitoring.refusedsender",
        "monitoring.devicesession",
        "exchange.importjob",  # the report quotes the refused cells
    }
)


# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; lone surrogates
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(text: str) -> str | None:
    """The first character of ``text`` that has no place in typed text, or None."""
    found = _CONTROL.search(text)
    return found.group() if found else None


def plain_text(text: str) -> str:
    """``text`` with every character ``control_character`` finds replaced by U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def plain_text_problem(text: str) -> str | None:
    char = control_character(text)
    if char is None:
        return None
    name = unicodedata.name(char, "") or f"U+{ord(char):04X}"
    return _("不能包含控制字符（发现 %(char)s）") % {"char": name if len(name) < 40 else "?"}


def validate_plain_text(value: Any) -> None:
    """Refuse control characters (except tab and line breaks) in text a person entered."""
    if isinstance(value, str):
        problem = plain_text_problem(value)
        if problem:
            raise ValidationError(problem, code="control_character")


# --- the model layer -------------------------------------------------------------------


_TEXT_FIELDS: dict[type[models.Model], tuple[str, ...]] = {}


def _guarded(model: type[models.Model]) -> bool:
    module = model.__module__
    return (
        module.startswith("qingshan.")
        and not model._meta.abstract
        and not model._meta.proxy
        and model._meta.label_lower not in EXEMPT_MODELS
    )


def install_plain_text_checks(all_models: Iterable[type[models.Model]]) -> None:
    """Give every text field of the guarded models the validator, and guard their saves.

    The validator is added to the field's validators, not to its definition: migrations
    stay as they are (validators do not change the schema)."""
    for model in all_models:
        if not _guarded(model):
            continue
        names = []
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                field.__dict__["validators"] = [*field.validators, validate_plain_text]
                names.append(field.attname)
        if names:
            _TEXT_FIELDS[model] = tuple(names)
    pre_save.connect(_refuse_control_characters, dispatch_uid="qingshan.plain_text")


def _refuse_control_characters(sender: type[Any], instance: Any, raw: bool, **_: Any) -> None:
    """The last guard, for a save that skipped ``full_clean``."""
    names = _TEXT_FIELDS.get(sender)
    if raw or not names:
        return
    errors = {}
    for name in names:
        value = getattr(instance, name)
        if isinstance(value, str) and (problem := plain_text_problem(value)):
            errors[name] = problem
    if errors:
        raise ValidationError(errors)


# --- the API layer ---------------------------------------------------------------------


def _values(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every scalar of a parsed body or query, with its path (dict keys included)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key
            yield from _values(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _values(item, (*path, str(index)))
    else:
        yield path, value


def value_problem(value: Any) -> str | None:
    """Why a value cannot be taken whatever field it is for: text with control
    characters, a number no database column holds (past 2^63, NaN, infinite)."""
    if isinstance(value, str):
        return plain_text_problem(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > DB_INT_MAX:
        return _("数值超出范围")
    if isinstance(value, float) and not math.isfinite(value):
        return _("数值超出范围")
    return None


def _refuse(where: str, data: Any) -> None:
    errors = [
        {"loc": (where, *path), "msg": problem, "type": "value_error"}
        for path, value in _values(data, ())
        if (problem := value_problem(value))
    ]
    if errors:
        raise SchemaValidationError(errors)


class PlainTextParser(Parser):
    """The API's parser: refuses control characters in every query parameter and form
    field before a schema reads them (a JSON body: ``refuse_bad_body``)."""

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        _refuse("query", {k: v for k, v in parsed.items() if isinstance(v, str | list)})
        return parsed


def refuse_bad_body(view: Callable[..., Any]) -> Callable[..., Any]:
    """An operation decorator (``api.add_decorator``): refuses control characters and
    numbers no database holds anywhere in a JSON body, after authentication and the
    schema (django-ninja turns any error of the parser's ``parse_body`` into a bare 400)."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.content_type == "application/json" and request.body:
            _refuse("body", json.loads(request.body))
        return view(request, *args, **kwargs)

    return checked


# --- region codes ----------------------------------------------------------------------


def validate_region_known(code: str) -> None:
    """A six-digit region code must be in the region table: a record under a code no
    jurisdiction contains would be invisible to every regulator."""
    from qingshan.core.models import Region

    if not Region.objects.filter(code=code).exists():
        raise ValidationError(
            _("行政区划代码 %(code)s 不在行政区划表中（请管理员先登记该行政区划）")
            % {"code": code},
            code="unknown_region_code",
        )


def validate_jurisdiction(prefix: str) -> None:
    """A user's jurisdiction: empty (everywhere, for an administrator) or the prefix of a
    region in the region table (``33``, ``3306``, ``330603``)."""
    from qingshan.core.regions import full_code, jurisdiction_prefix

    if not prefix:
        return
    try:
        normal = jurisdiction_prefix(prefix)
    except ValueError as exc:
        raise ValidationError(str(exc), code="bad_region_code") from None
    if normal != prefix:
        raise ValidationError(
            _("辖区应写作行政区划代码前缀：%(normal)s（而不是 %(code)s）")
            % {"normal": normal, "code": prefix},
            code="bad_region_code",
        )
    validate_region_known(full_code(prefix))


# --- times and numbers -----------------------------------------------------------------


def _moment(value: dt.datetime) -> dt.datetime:
    # the wall-clock year is compared: comparing an aware value with a bound would itself
    # convert it to UTC, which is what overflows at the calendar's edges
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(
            _("时间应在 %(first)s 年至 %(last)s 年之间")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    return value


Moment = Annotated[dt.datetime, AfterValidator(_moment)]
"""An API time that can be converted to UTC and to an epoch and stored."""

DbInt = Annotated[int, Field(ge=-DB_INT_MAX, le=DB_INT_MAX)]
"""An integer the databases can hold (an id, a count)."""

DbId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
"""A record's id in a request body."""


def date_in_range(value: dt.date) -> None:
    """A date typed into a form that periods can be computed from (a day after it, UTC)."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            _("日期应在 %(first)s 年至 %(last)s 年之间")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            code="date_out_of_range",
        )
