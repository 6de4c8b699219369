"""`qingshan load_demo`: load the Shaoxing demo city (idempotent; --reset to start over)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qingshan.demo.geography import CITY
from qingshan.demo.history import Progress
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
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="without the 90 days of monitoring history (loaded partly now, partly "
            "by the worker)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            report = load_city(
                seed=options["seed"], reset=options["reset"], history=not options["no_history"]
            )
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
    if report.history is not None:
        lines.append(history_line(report.history))
    return "\n".join(lines)


def history_line(progress: Progress) -> str:
    """What of the monitoring history is there, and what the worker still loads."""
    done = (
        f"监测历史数据：已加载最近 {progress.days_loaded} 天的小时、日数据"
        f"（{progress.seconds:.1f} 秒）"
    )
    if progress.complete:
        return f"{done}，共 {progress.days} 天。"
    return (
        f"{done}；其余 {progress.days - progress.days_loaded} 天（及 7 天分钟数据）由后台任务 "
        f"demo.history 在演示运行时继续加载，约需几分钟，页面现在即可使用。\n"
        f"  Monitoring history: {progress.days_loaded} of {progress.days} days loaded; "
        "the worker loads the rest in the background while the demo runs."
    )
