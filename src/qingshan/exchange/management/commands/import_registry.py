"""`qingshan import_registry FILE.xlsx --user NAME [--report OUT.xlsx]`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qingshan.core.permissions import PermissionDenied
from qingshan.exchange.importer import ImportResult, registry_import
from qingshan.exchange.management.commands._common import user_named
from qingshan.exchange.reader import WorkbookError
from qingshan.exchange.writer import error_report


class Command(BaseCommand):
    help = (
        "Import enterprises, outlets, points, devices, permits, limits and annual caps from "
        "an .xlsx in the exchange format (docs/excel.md). Rows are matched by natural keys; "
        "bad rows are reported and skipped. Exit code 1 if any row failed."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="the .xlsx workbook")
        parser.add_argument("--user", required=True, help="import as this user (audited)")
        parser.add_argument("--report", type=Path, help="write the error report .xlsx here")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_named(options["user"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        step = 0

        def progress(result: ImportResult) -> None:
            nonlocal step
            percent = result.processed * 100 // max(result.total, 1)
            if percent >= step or result.processed == result.total:
                self.stdout.write(f"{result.processed}/{result.total} ({percent}%)")
                step = percent + 10

        try:
            with path.open("rb") as source:
                result = registry_import(user=user, source=source, progress=progress)
        except (WorkbookError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        self._report(result, options["report"])

    def _report(self, result: ImportResult, report: Path | None) -> None:
        for problem in result.problems:
            self.stderr.write(
                f"{problem.sheet} 第 {problem.row} 行（{problem.key}）：{problem.reason}"
            )
        if report is not None:
            error_report(result.problems, summary=result.summary()).save(report)
            self.stdout.write(f"错误报告：{report}")
        self.stdout.write(result.summary())
        if result.failed:
            raise CommandError(f"{result.failed} 行导入失败", returncode=1)
