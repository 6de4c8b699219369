"""Importing a workbook: check its shape, then import row by row, each row all or nothing.

A malformed file is refused before anything is written (``WorkbookError``). After that
every row runs in its own savepoint: a good row is saved with its audit rows and events,
a bad row leaves no trace and is reported with its sheet, row number and reason.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils.translation import gettext as _

from qingshan.core.audit import audit_context
from qingshan.core.choices import Role
from qingshan.core.models import User
from qingshan.core.permissions import PermissionDenied
from qingshan.exchange.cells import CellError, empty_value, read_cell
from qingshan.exchange.choices import RowOutcome
from qingshan.exchange.known import Known
from qingshan.exchange.reader import SourceRow, SourceSheet, workbook_read
from qingshan.exchange.upsert import HANDLERS, RowContext, RowError
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.web import constraints

Key = tuple[Any, ...]
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was not imported, and why."""

    sheet: str
    row: int
    key: str
    reason: str


@dataclass
class ImportResult:
    """Counts so far and the problems found; also what progress reports carry."""

    total: int = 0
    processed: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # rows not read (qingshan.exchange.reader)

    @property
    def failed(self) -> int:
        return self.counts[RowOutcome.FAILED]

    def summary(self) -> str:
        """The counts of the rows with content (empty rows are not rows), and the notes."""
        counts = _("共 %(total)s 行：新增 %(c)s，更新 %(u)s，未变化 %(n)s，失败 %(f)s") % {
            "total": self.total,
            "c": self.counts[RowOutcome.CREATED],
            "u": self.counts[RowOutcome.UPDATED],
            "n": self.counts[RowOutcome.UNCHANGED],
            "f": self.failed,
        }
        return "。".join([counts, *self.notes])


Progress = Callable[[ImportResult], None]


def can_import(user: User) -> bool:
    return user.is_active and (user.is_bureau_admin or user.role == Role.REGULATOR)


def require_import(user: User) -> None:
    if not can_import(user):
        raise PermissionDenied(_("只有局管理员和监管人员可以导入数据"))


def registry_import(
    *,
    user: User,
    source: IO[bytes],
    ip_address: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a workbook in the exchange format; raises WorkbookError before any write."""
    require_import(user)
    sheets = workbook_read(source)
    result = ImportResult(
        total=sum(len(s.rows) for s in sheets), notes=[s.note() for s in sheets if s.note()]
    )
    known = Known()
    with audit_context(user=user, ip_address=ip_address, via="import"):
        for sheet in sheets:
            _prefetch(known, sheet)
            seen: dict[Key, int] = {}
            for row in sheet.rows:
                _import_row(RowContext(user=user, known=known), sheet, row, seen, result)
                if progress is not None:
                    progress(result)
    return result


def _import_row(
    ctx: RowContext, sheet: SourceSheet, row: SourceRow, seen: dict[Key, int], result: ImportResult
) -> None:
    result.processed += 1
    try:
        values = row_values(sheet, row)
        key = tuple(values[name] for name in sheet.sheet.key)
        first = seen.setdefault(key, row.number)
        if first != row.number:
            raise RowError(_("与本表第 %(row)s 行重复（关键字相同）") % {"row": first})
        outcome = _apply(ctx, HANDLERS[sheet.sheet.kind], values)
    except (RowError, ValidationError, PermissionDenied, DatabaseError) as exc:
        result.counts[RowOutcome.FAILED] += 1
        result.problems.append(
            RowProblem(sheet.sheet.title, row.number, _key_text(sheet, row), reason(sheet, exc))
        )
    else:
        result.counts[outcome] += 1


def _apply(ctx: RowContext, handler: Callable[[RowContext, Any], str], values: Any) -> str:
    try:
        with transaction.atomic():
            outcome = handler(ctx, values)
    except Exception:
        # the savepoint undid the row in the database; undo it in memory too
        for obj in ctx.touched:
            _refresh(obj)
        raise
    for obj in ctx.created:
        ctx.known.add(obj)
    return outcome


def _refresh(obj: models.Model) -> None:
    """Reload a record a failed row changed in memory, keeping its cached parents."""
    relations = {
        f.name: f.get_cached_value(obj)
        for f in obj._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.is_cached(obj)
    }
    try:
        obj.refresh_from_db()
    except ObjectDoesNotExist:
        return
    for name, parent in relations.items():
        if parent is not None and getattr(obj, f"{name}_id") == parent.pk:
            setattr(obj, name, parent)
    obj._audit_loaded = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}  # type: ignore[attr-defined]


def row_values(sheet: SourceSheet, row: SourceRow) -> dict[str, Any]:
    """The row's cells as field values; a RowError lists every unreadable cell."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for column in sheet.sheet.columns:
        if column.field not in sheet.fields or column.export_only:
            continue  # a missing optional column leaves the stored values alone
        raw = row.cells.get(column.field)
        if raw is None:
            if column.required:
                problems.append(_("%(column)s：必填") % {"column": column.header})
            elif not column.keep_when_empty:
                values[column.field] = empty_value(column)
            continue
        try:
            values[column.field] = read_cell(column, raw)
        except CellError as exc:
            problems.append(f"{column.header}：{exc}")
    if problems:
        raise RowError("；".join(problems))
    return values


def _key_text(sheet: SourceSheet, row: SourceRow) -> str:
    return " / ".join(str(row.cells.get(name, "")) for name in sheet.sheet.key)


# model field → the sheet column that holds it, where the names differ
_FIELD_COLUMNS = {
    "enterprise": "credit_code",
    "outlet": "outlet_code",
    "point": "point_name",
    "permit": "permit_number",
}


# the records each sheet writes, for the labels of fields the sheet has no column for
_SHEET_MODELS: dict[str, type[models.Model]] = {
    "enterprises": Enterprise,
    "outlets": Outlet,
    "points": MonitoringPoint,
    "devices": Device,
    "permits": Permit,
    "limits": PermitLimit,
    "annual_caps": AnnualCap,
}


def _header(sheet: SourceSheet, name: str) -> str:
    """The column a field's message belongs to; else the field's label, never its name."""
    name = name.removesuffix("_id")
    if name == "__all__":
        return ""
    for candidate in (name, _FIELD_COLUMNS.get(name, "")):
        for column in sheet.sheet.columns:
            if column.field == candidate:
                return column.header
    try:
        field = _SHEET_MODELS[sheet.sheet.kind]._meta.get_field(name)
        return str(getattr(field, "verbose_name", ""))
    except (KeyError, FieldDoesNotExist):
        return ""


def reason(sheet: SourceSheet, exc: Exception) -> str:
    """The message for the error report: the validator's words, with the column."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        parts = []
        for name, messages in exc.message_dict.items():
            header = _header(sheet, name.split(".")[-1])
            for message in map(constraints.readable, messages):
                parts.append(message if not header or header in message else f"{header}：{message}")
        return "；".join(parts)
    if isinstance(exc, ValidationError):
        return "；".join(map(constraints.readable, exc.messages))
    if isinstance(exc, DatabaseError):
        # the database's own words are English and name tables: the log keeps them
        logger.warning("import row refused by the database: %s", exc)
        words = constraints.database_refusal(exc)
        return _("数据库拒绝了该行：%(reason)s") % {
            "reason": words or _("与已有记录冲突或取值超出范围")
        }
    return str(exc)


def _prefetch(known: Known, sheet: SourceSheet) -> None:
    """Load everything the sheet's rows can refer to, in a few queries."""
    keys = _raw_keys(sheet)
    kind = sheet.sheet.kind
    if kind == "enterprises":
        known.load_enterprises(keys["credit_code"])
    elif kind in ("outlets", "points", "devices"):
        known.load_sites(keys["credit_code"])
        if kind == "devices":
            known.load_devices(keys["mn"])
    elif kind == "permits":
        known.load_enterprises(keys["credit_code"])
        known.load_permits(keys["number"])
    else:
        known.load_permit_details(keys["permit_number"])


def _raw_keys(sheet: SourceSheet) -> Mapping[str, set[str]]:
    """The readable values of the code columns that name records, for bulk loading."""
    names = ("credit_code", "mn", "number", "permit_number")
    found: dict[str, set[str]] = {name: set() for name in names}
    columns = [
        sheet.sheet.column(n) for n in names if any(c.field == n for c in sheet.sheet.columns)
    ]
    for row in sheet.rows:
        for column in columns:
            raw = row.cells.get(column.field)
            if raw is not None:
                with contextlib.suppress(CellError):
                    found[column.field].add(read_cell(column, raw))
    return found
