"""`qingshan demo` opens only ports it was given and that are free; two demos run side by side.

A taken port stops the demo at once with a message naming the port and the option that
changes it; a child that dies at start is noticed before the banner says loggers send.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qingshan.demo.cli import _lock, banner, default_data_dir, parse
from qingshan.demo.services import Child, Children, demo_children, port_problem

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def taken() -> Iterator[int]:
    """A port with a listener on it, as when another demo runs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _demo(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QINGSHAN_", "DJANGO_"))}
    clean["QINGSHAN_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "qingshan", "demo", *args],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_taken_web_port_stops_the_demo_with_a_message(tmp_path: Path, taken: int) -> None:
    started = time.monotonic()
    run = _demo(tmp_path, "--port", str(taken), "--gateway-port", str(free_port()))
    assert run.returncode == 1
    assert f"端口 {taken} 已被占用（网页）" in run.stderr and "--port" in run.stderr
    assert "PORT=" in run.stderr  # how to change it with make, too
    # nothing was set up, and no banner claims that loggers are sending
    assert "正在上传" not in run.stdout and "migrate" not in run.stdout
    assert not (tmp_path / "data").exists()
    assert time.monotonic() - started < 20


def test_a_taken_gateway_port_named_by_the_environment(tmp_path: Path, taken: int) -> None:
    run = _demo(
        tmp_path,
        QINGSHAN_DEMO_PORT=str(free_port()),
        QINGSHAN_DEMO_GATEWAY_PORT=str(taken),
        QINGSHAN_DEMO_METRICS_PORT="0",
    )
    assert run.returncode == 1
    assert f"端口 {taken} 已被占用（HJ 212 网关）" in run.stderr
    assert "--gateway-port" in run.stderr and "GATEWAY_PORT=" in run.stderr


def test_ports_from_options_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (parse([]).port, parse([]).gateway_port, parse([]).metrics_port) == (8000, 9212, 9213)
    monkeypatch.setenv("QINGSHAN_DEMO_PORT", "8101")
    monkeypatch.setenv("QINGSHAN_DEMO_GATEWAY_PORT", "9301")
    monkeypatch.setenv("QINGSHAN_DEMO_METRICS_PORT", "0")
    args = parse([])
    assert (args.port, args.gateway_port, args.metrics_port) == (8101, 9301, 0)
    assert parse(["--port", "8102"]).port == 8102  # the option wins over the environment
    with pytest.raises(SystemExit):
        parse(["--gateway-port", "8101"])  # the same port twice
    monkeypatch.setenv("QINGSHAN_DEMO_PORT", "eighty")
    with pytest.raises(SystemExit):
        parse([])


def test_the_children_use_the_given_ports() -> None:
    gateway, _, simulator = demo_children(
        "127.0.0.1", 8101, "devices.csv", gateway_port=9301, metrics_port=9302, seed=7
    )
    assert simulator.argv[simulator.argv.index("--seed") + 1] == "7"
    assert gateway.argv[gateway.argv.index("--port") + 1] == "9301"
    assert gateway.argv[gateway.argv.index("--metrics-port") + 1] == "9302"
    assert simulator.argv[simulator.argv.index("--port") + 1] == "9301"


def test_port_problem_tells_taken_from_free(taken: int) -> None:
    assert port_problem("127.0.0.1", taken) == "已被占用"
    assert port_problem("127.0.0.1", free_port()) is None


def test_a_child_that_dies_at_start_is_reported() -> None:
    dies = Child("gateway", ("qingshan.no_such_module",))
    with Children([dies]) as children:
        assert children.wait_listening([free_port()], timeout=30) == [("gateway", 1)]


def test_waiting_ends_when_the_port_listens() -> None:
    port = free_port()
    server = Child("server", ("http.server", "--bind", "127.0.0.1", str(port)))
    with Children([server]) as children:
        assert children.wait_listening([port], timeout=30, settle=0.1) == []
    sleeper = Child("sleeper", ("timeit", "-n1", "-r1", "import time; time.sleep(60)"))
    with Children([sleeper]) as children, pytest.raises(TimeoutError):
        children.wait_listening([free_port()], timeout=0.5)


def test_a_second_demo_gets_its_own_data_dir(tmp_path: Path) -> None:
    assert default_data_dir(8000) is None  # the settings' ./data, as always
    assert default_data_dir(8101) == Path.cwd() / "data" / "demo-8101"
    first = _lock(tmp_path)
    assert first is not None
    assert _lock(tmp_path) is None  # one demo per data directory
    first.close()
    again = _lock(tmp_path)
    assert again is not None
    again.close()


def test_banner_names_the_gateway_only_when_it_listens(tmp_path: Path) -> None:
    assert "9301" not in banner("127.0.0.1", 8101, tmp_path)
    text = banner("127.0.0.1", 8101, tmp_path, gateway_port=9301, metrics_port=9302)
    assert "127.0.0.1:9301" in text and "http://127.0.0.1:9302/metrics" in text


def test_make_demo_passes_the_ports_on_only_when_set() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    env = {k: v for k, v in env.items() if k not in ("PORT", "GATEWAY_PORT", "METRICS_PORT")}

    def command(*variables: str) -> str:
        out = subprocess.run(
            ["make", "-n", "demo", *variables],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        return next(line for line in out.splitlines() if "qingshan demo" in line).rstrip()

    assert command().endswith("qingshan demo")
    assert command("PORT=8101", "GATEWAY_PORT=9301", "METRICS_PORT=0").endswith(
        "qingshan demo --port 8101 --gateway-port 9301 --metrics-port 0"
    )
