"""Helpers for the exchange tests: build a workbook from rows, import it, count audits."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from qingshan.core.models import AuditLog, User
from qingshan.exchange.importer import ImportResult, registry_import
from qingshan.exchange.selectors import export_rows
from qingshan.exchange.writer import registry_workbook, workbook_bytes

Rows = Mapping[str, list[dict[str, Any]]]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploads and error reports go to a throw-away folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def xlsx(rows: Rows) -> bytes:
    """A workbook in the exchange format with these rows (kind → field values)."""
    return workbook_bytes(registry_workbook(rows))


def export_bytes(user: User) -> bytes:
    return workbook_bytes(registry_workbook(export_rows(user=user)))


def run_import(user: User, content: bytes) -> ImportResult:
    return registry_import(user=user, source=io.BytesIO(content))


def audit_count() -> int:
    return AuditLog.objects.count()


def sheet_rows(content: bytes, title: str) -> list[tuple[Any, ...]]:
    """The data rows (from row 3) of one sheet of a workbook."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [tuple(r) for r in book[title].iter_rows(min_row=3, values_only=True)]


def problems_by_row(result: ImportResult) -> dict[tuple[str, int], str]:
    return {(p.sheet, p.row): p.reason for p in result.problems}


@pytest.fixture
def importer() -> Callable[[User, Rows], ImportResult]:
    def run(user: User, rows: Rows) -> ImportResult:
        return run_import(user, xlsx(rows))

    return run
