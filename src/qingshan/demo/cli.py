"""`qingshan demo`: the whole platform with the Shaoxing demo city, in one command.

Sets the demo environment before Django's settings load, creates the data directory,
migrates, loads the demo city (once; ``--reset`` reloads it), prints the URL and the demo
logins, then serves the web application until Ctrl-C, with any child processes
(gateway, worker, simulator, as they arrive) started alongside and stopped after it.

Every port it opens is an option with an environment variable (`make demo PORT=…
GATEWAY_PORT=… METRICS_PORT=…` passes them on). A taken port, or a child that dies at
start, stops it with a message naming the port. A demo on another web port gets a data
directory of its own, so two demos run side by side; one data directory serves one demo
at a time (a lock file says so).
"""

from __future__ import annotations

import argparse
import fcntl
import ipaddress
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from qingshan.demo.services import (
    GATEWAY_PORT,
    LOOPBACK,
    METRICS_PORT,
    WEB_PORT,
    Children,
    demo_children,
    port_problem,
)
from qingshan.demo.text import box, pad


@dataclass(frozen=True, slots=True)
class Port:
    """A port the demo opens, and how a user picks another."""

    role: str  # "中文|English"
    number: int
    host: str
    option: str
    variable: str  # of the environment; make's is the same less QINGSHAN_DEMO_

    def problem(self) -> str | None:
        problem = port_problem(self.host, self.number)
        if problem is None:
            return None
        zh, en = self.role.split("|")
        make = f"make demo {self.variable.removeprefix('QINGSHAN_DEMO_')}=…"
        return (
            f"端口 {self.number} {problem}（{zh}）：用 {self.option}、{self.variable}=… "
            f"或 {make} 换一个端口。\n"
            f"  Port {self.number} ({en}) is taken or unusable: choose another with "
            f"{self.option}, {self.variable} or {make}."
        )


def ports(args: argparse.Namespace) -> list[Port]:
    opened = [
        Port("网页|web", args.port, args.host, "--port", "QINGSHAN_DEMO_PORT"),
        Port(
            "HJ 212 网关|HJ 212 gateway",
            args.gateway_port,
            LOOPBACK,
            "--gateway-port",
            "QINGSHAN_DEMO_GATEWAY_PORT",
        ),
    ]
    if args.metrics_port:
        metrics = ("网关监控指标|gateway metrics", args.metrics_port, LOOPBACK)
        opened.append(Port(*metrics, "--metrics-port", "QINGSHAN_DEMO_METRICS_PORT"))
    return opened


def port_problems(args: argparse.Namespace) -> list[str]:
    return [problem for port in ports(args) if (problem := port.problem())]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="qingshan demo",
        description="Run Qingshan with the Shaoxing (绍兴) demo city on an embedded SQLite "
        "database in QINGSHAN_DATA_DIR (default ./data).",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    # a string default goes through type=int too: a bad environment value is a clear error
    parser.add_argument(
        "--port",
        type=int,
        default=os.environ.get("QINGSHAN_DEMO_PORT", str(WEB_PORT)),
        help=f"web port (env QINGSHAN_DEMO_PORT, default {WEB_PORT}); on another port than "
        f"{WEB_PORT} the data directory defaults to ./data/demo-PORT",
    )
    parser.add_argument(
        "--gateway-port",
        type=int,
        default=os.environ.get("QINGSHAN_DEMO_GATEWAY_PORT", str(GATEWAY_PORT)),
        help=f"HJ 212 gateway port on 127.0.0.1 (env QINGSHAN_DEMO_GATEWAY_PORT, "
        f"default {GATEWAY_PORT})",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=os.environ.get("QINGSHAN_DEMO_METRICS_PORT", str(METRICS_PORT)),
        help=f"the gateway's Prometheus metrics port on 127.0.0.1, 0: off "
        f"(env QINGSHAN_DEMO_METRICS_PORT, default {METRICS_PORT})",
    )
    parser.add_argument("--seed", type=int, default=1, help="demo city seed (default 1)")
    parser.add_argument(
        "--reset", action="store_true", help="delete the demo city and load it again"
    )
    parser.add_argument(
        "--no-serve", action="store_true", help="set up the database and the demo city, then exit"
    )
    args = parser.parse_args(argv)
    numbers = [args.port, args.gateway_port] + ([args.metrics_port] if args.metrics_port else [])
    if not all(0 < n < 65536 for n in numbers) or args.metrics_port < 0:
        parser.error("ports are 1–65535 (--metrics-port 0: off)")
    if len(set(numbers)) < len(numbers):
        parser.error(f"the web, gateway and metrics ports must differ: {numbers}")
    return args


def default_data_dir(port: int) -> Path | None:
    """A demo on another web port than the default one is a second demo beside the first:
    its own database, devices list and files (inside ./data, which git ignores). None:
    the settings' default, ./data."""
    return None if port == WEB_PORT else Path.cwd() / "data" / f"demo-{port}"


def _setup_django(port: int = WEB_PORT) -> Path:
    # QINGSHAN_ENV must be set before the settings module is imported: it decides
    # whether a throw-away secret key is acceptable.
    os.environ.setdefault("QINGSHAN_ENV", "demo")
    if "QINGSHAN_DATA_DIR" not in os.environ and (own := default_data_dir(port)):
        os.environ["QINGSHAN_DATA_DIR"] = str(own)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshan.settings")
    import django
    from django.conf import settings

    django.setup()
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds the database
    os.environ["QINGSHAN_DATA_DIR"] = str(data_dir)  # the children use the same data
    return data_dir


def _lock(data_dir: Path) -> IO[str] | None:
    """Hold the data directory for this demo (until the process ends), or None if another
    demo holds it: two demos on one database would double every simulated packet."""
    handle = (data_dir / "demo.lock").open("w", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


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


def banner(
    host: str,
    port: int,
    data_dir: Path,
    *,
    gateway_port: int | None = None,
    metrics_port: int = 0,
) -> str:
    """What the demo tells; the gateway lines only once the gateway is listening."""
    from qingshan.demo.industries import DEMO_ENTERPRISE_NAME
    from qingshan.demo.plan import ACCOUNTS, DEMO_PASSWORD

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    url = f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"
    lines = [f"青山 Qingshan 演示 · 绍兴市  {url}", f"管理后台 Django admin: {url}admin/"]
    if gateway_port is not None:
        lines.append(f"HJ 212 网关 gateway: {LOOPBACK}:{gateway_port}（模拟数采仪正在上传）")
    if gateway_port is not None and metrics_port:
        lines.append(f"网关监控指标 metrics: http://{LOOPBACK}:{metrics_port}/metrics")
    lines.append("")
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


def _refuse(problems: list[str]) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    print("演示未启动 demo not started.", file=sys.stderr)
    return 1


def _started(children: Children, args: argparse.Namespace) -> list[str]:
    """Why the children did not come up (empty when the gateway listens and none died)."""
    listen = [args.gateway_port] + ([args.metrics_port] if args.metrics_port else [])
    try:
        failed = children.wait_listening(listen)
    except TimeoutError as exc:
        return [f"HJ 212 网关 60 秒内没有开始监听端口 {exc.args[0]} (gateway did not start)"]
    return [
        f"{name} 启动后即退出，退出码 {code}（原因见上方输出）· {name} exited at start, code {code}"
        for name, code in failed
    ]


def _serve(args: argparse.Namespace, data_dir: Path) -> int:
    from qingshan.demo.history import simulator_seed
    from qingshan.web.server import serve

    if problems := port_problems(args):  # taken while the demo city was loading
        return _refuse(problems)
    devices = str(data_dir / "demo_devices.csv")
    opened = demo_children(
        args.host,
        args.port,
        devices,
        gateway_port=args.gateway_port,
        metrics_port=args.metrics_port,
        seed=simulator_seed(),
    )
    with Children(opened) as children:
        if problems := _started(children, args):
            return _refuse(problems)
        text = banner(
            args.host,
            args.port,
            data_dir,
            gateway_port=args.gateway_port,
            metrics_port=args.metrics_port,
        )
        print(text, flush=True)
        _warn_if_exposed(args.host)
        serve(args.host, args.port)
        failed = children.failed()
    for name, code in failed:
        print(f"{name} exited early with code {code}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    args = parse(argv)
    if not args.no_serve and (problems := port_problems(args)):
        return _refuse(problems)  # at once, before the minute the demo city takes to load
    data_dir = _setup_django(args.port)
    lock = _lock(data_dir)
    if lock is None:
        return _refuse(
            [
                f"数据目录 {data_dir} 正被另一个演示使用：用 QINGSHAN_DATA_DIR=… 换一个目录。\n"
                f"  Another demo is using {data_dir}; set QINGSHAN_DATA_DIR to another one."
            ]
        )
    from qingshan.demo.loader import DemoError

    try:
        _prepare_database(args)
    except DemoError as error:
        print(error, file=sys.stderr)
        return 2
    if args.no_serve:
        print(banner(args.host, args.port, data_dir), flush=True)
        return 0
    return _serve(args, data_dir)
