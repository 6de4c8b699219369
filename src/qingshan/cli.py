"""The ``qingshan`` console command: platform processes, tools, and Django's commands."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable

# sub-command → (module with main(argv) -> int, one line of help)
TOOLS: dict[str, tuple[str, str]] = {
    "demo": ("qingshan.demo.cli", "set up and run everything with the Shaoxing demo city (SQLite)"),
    "web": ("qingshan.web.server", "run the web application (UI, JSON API) under uvicorn"),
    "worker": ("qingshan.core.worker", "run background jobs and periodic schedules"),
    "gateway": ("qingshan.gateway.cli", "run the HJ 212 ingestion server for data loggers"),
    "simulate": ("qingshan.simulator.cli", "simulate HJ 212 data loggers (demos, load tests)"),
    "hj212": ("qingshan.hj212.cli", "HJ 212 field tools: decode / encode / check packets"),
    "quality": ("qingshan.quality.cli", "air AQI and surface-water classes from CSV files"),
}

HELP = """usage: qingshan <command> [options]

Qingshan (青山) — platform for ecology and environment bureaus.

platform:
{tools}

every Django management command is passed through, for example:
  migrate              create or upgrade the database schema
  createsuperuser      create a bureau administrator
  import_registry      import enterprises, outlets, points, devices, permits from .xlsx
  export_registry      export the registry and permits to .xlsx
  load_demo            load the Shaoxing demo city into the database
  check                check the installation

`qingshan <command> --help` explains each one; `qingshan help` lists Django's commands.
"""


def _help() -> str:
    width = max(len(name) for name in TOOLS)
    lines = "\n".join(f"  {name:<{width + 8}} {text}" for name, (_, text) in TOOLS.items())
    return HELP.format(tools=lines)


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshan.settings")
    from django.core.management import execute_from_command_line

    from qingshan.core.actor import audit_context, os_user

    # every write of a management command (createsuperuser, changepassword, an import)
    # is audited as the operating-system user who ran it; a command acting as a platform
    # user (import_registry --user) sets that user inside
    with audit_context(user=None, via="cli", actor_name=os_user()):
        execute_from_command_line(["qingshan", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(_help())
        return 0
    command, rest = args[0], args[1:]
    if command in TOOLS:
        module = importlib.import_module(TOOLS[command][0])
        tool: Callable[[list[str]], int] = module.main
        return tool(rest)
    if command == "help" and not rest:
        return _django(["help"])
    return _django(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
