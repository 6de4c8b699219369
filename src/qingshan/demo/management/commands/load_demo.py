"""`qingshan load_demo`: load the Shaoxing demo city (idempotent; --reset to start over)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qingshan.demo.geography import CITY
from qingshan.demo.loader import LABELS, DemoError, LoadReport, load_city
from qingshan.demo.text import pad


class Command(BaseCommand):
    help = (
        "Load the demo city Shaoxing (绍兴, 330600): regions, enterprises, outlets, "
        "monitoring points, devices, permits and demo accounts. Running it again changes "
        "nothing; --reset deletes the demo data and loads it afresh."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="random seed: the same seed gives the same city (default 1)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the loaded demo city and demo accounts first",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            report = load_city(seed=options["seed"], reset=options["reset"])
        except DemoError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(summary(report, time.perf_counter() - started))


def summary(report: LoadReport, seconds: float) -> str:
    title = f"演示城市 {CITY.name}（{CITY.code}），种子 {report.seed}，基准日期 {report.plan_date}"
    if not report.changed:
        return (
            f"{title}\n未做任何更改：演示城市已完整加载（{seconds:.1f} 秒）。"
            f"\n数采仪清单：{report.devices_csv}"
        )
    lines = [title + ("（已重置）" if report.reset else "")]
    for key, label in LABELS.items():
        created, total = report.created[key], report.totals[key]
        lines.append(f"  {pad(label, 18)}新建 {created:>5} / 共 {total:>5}")
    lines.append(f"用时 {seconds:.1f} 秒；数采仪清单（含密码，仅本人可读）：{report.devices_csv}")
    return "\n".join(lines)
