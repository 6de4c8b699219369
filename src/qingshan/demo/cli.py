"""`qingshan demo`: the whole platform with the Shaoxing demo city, in one command.

Sets the demo environment before Django's settings load, creates the data directory,
migrates, loads the demo city (once; ``--reset`` reloads it), prints the URL and the demo
logins, then serves the web application until Ctrl-C, with any child processes
(gateway, worker, simulator, as they arrive) started alongside and stopped after it.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path

from qingshan.demo.text import box, pad


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="qingshan demo",
        description="Run Qingshan with the Shaoxing (绍兴) demo city on an embedded SQLite "
        "database in QINGSHAN_DATA_DIR (default ./data).",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=1, help="demo city seed (default 1)")
    parser.add_argument(
        "--reset", action="store_true", help="delete the demo city and load it again"
    )
    parser.add_argument(
        "--no-serve", action="store_true", help="set up the database and the demo city, then exit"
    )
    return parser.parse_args(argv)


def _setup_django() -> Path:
    # QINGSHAN_ENV must be set before the settings module is imported: it decides
    # whether a throw-away secret key is acceptable.
    os.environ.setdefault("QINGSHAN_ENV", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshan.settings")
    import django
    from django.conf import settings

    django.setup()
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds the database
    os.environ["QINGSHAN_DATA_DIR"] = str(data_dir)  # the children use the same data
    return data_dir


def _prepare_database(args: argparse.Namespace) -> None:
    from django.core.management import call_command

    from qingshan.demo.loader import is_loaded

    print("正在迁移数据库 (migrate) …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    if is_loaded() and not args.reset:
        print("演示城市已加载，跳过 (use --reset to reload)。", flush=True)
        return
    print("正在加载演示城市 绍兴 (load_demo) …", flush=True)
    call_command("load_demo", seed=args.seed, reset=args.reset)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def banner(host: str, port: int, data_dir: Path) -> str:
    from qingshan.demo.industries import DEMO_ENTERPRISE_NAME
    from qingshan.demo.plan import ACCOUNTS, DEMO_PASSWORD

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    url = f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"
    lines = [f"青山 Qingshan 演示 · 绍兴市  {url}", f"管理后台 Django admin: {url}admin/", ""]
    lines.append(f"演示账户 demo logins (密码 password: {DEMO_PASSWORD})")
    for account in ACCOUNTS:
        scope = account.region_code or "全部 all"
        if account.enterprise_name:
            scope = DEMO_ENTERPRISE_NAME
        lines.append(f"  {account.username:<16} {pad(account.display_name, 26)}{scope}")
    lines += ["", f"数据目录 data: {data_dir}", "Ctrl-C 停止 stop"]
    return box(lines)


def _warn_if_exposed(host: str) -> None:
    if _is_loopback(host):
        return
    print(
        f"警告 WARNING: 绑定到 {host}，其他机器可以访问本演示；演示账户的密码是公开的，"
        "请勿在不可信网络上运行。\n"
        f"  Binding to {host} exposes the demo, whose passwords are public. Requests by "
        "host name also need QINGSHAN_ALLOWED_HOSTS.",
        file=sys.stderr,
    )


def _serve(host: str, port: int, data_dir: Path) -> int:
    from qingshan.demo.services import GATEWAY_PORT, Children, demo_children
    from qingshan.web.server import serve

    print(
        f"HJ 212 gateway: 127.0.0.1:{GATEWAY_PORT} (simulated data loggers are sending)", flush=True
    )
    with Children(demo_children(host, port, str(data_dir / "demo_devices.csv"))) as children:
        serve(host, port)
        failed = children.failed()
    for name, code in failed:
        print(f"{name} exited early with code {code}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    args = parse(argv)
    data_dir = _setup_django()
    from qingshan.demo.loader import DemoError

    try:
        _prepare_database(args)
    except DemoError as error:
        print(error, file=sys.stderr)
        return 2
    print(banner(args.host, args.port, data_dir), flush=True)
    if args.no_serve:
        return 0
    _warn_if_exposed(args.host)
    return _serve(args.host, args.port, data_dir)
