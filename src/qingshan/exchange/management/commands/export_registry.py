"""`qingshan export_registry OUT.xlsx --user NAME`: what that user may see, as .xlsx."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from qingshan.exchange.management.commands._common import user_named
from qingshan.exchange.selectors import export_rows
from qingshan.exchange.writer import registry_workbook


class Command(BaseCommand):
    help = (
        "Export the registry and permits the user may see to an .xlsx in the exchange "
        "format (docs/excel.md); it can be edited and imported again. No device passwords."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("out", type=Path, help="the .xlsx to write")
        parser.add_argument("--user", required=True, help="export what this user may see")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_named(options["user"])
        out: Path = options["out"]
        registry_workbook(export_rows(user=user)).save(out)
        self.stdout.write(f"已导出到 {out}")
