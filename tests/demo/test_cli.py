"""`qingshan demo`: a fresh data directory is migrated, loaded, announced; children stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qingshan.demo.cli import _is_loopback, _warn_if_exposed, banner
from qingshan.demo.plan import ACCOUNTS
from qingshan.demo.services import Child, Children


def _run_demo(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGSHAN_", "DJANGO_"))}
    env["QINGSHAN_DATA_DIR"] = str(data_dir)
    env["QINGSHAN_DATABASE_URL"] = f"sqlite:///{data_dir / 'demo.sqlite3'}"
    return subprocess.run(
        [sys.executable, "-m", "qingshan", "demo", "--no-serve", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_demo_no_serve_on_a_fresh_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"  # does not exist yet: the command creates it
    first = _run_demo(data_dir)
    assert first.returncode == 0, first.stderr
    assert "排污单位" in first.stdout and "demo-county" in first.stdout
    assert (data_dir / "demo.sqlite3").exists() and (data_dir / "demo_devices.csv").exists()
    second = _run_demo(data_dir)
    assert second.returncode == 0, second.stderr
    assert "跳过" in second.stdout


def test_banner_lists_every_login(tmp_path: Path) -> None:
    text = banner("127.0.0.1", 8000, tmp_path)
    assert "http://127.0.0.1:8000/" in text and "qingshan-demo" in text
    assert all(a.username in text for a in ACCOUNTS)


def test_loopback_detection() -> None:
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.10")


def test_children_are_stopped_on_exit() -> None:
    sleeper = Child("sleeper", ("timeit", "-n1", "-r1", "import time; time.sleep(60)"))
    started = time.monotonic()
    with Children([sleeper, sleeper]) as children:
        assert children.failed() == []
    # stopped by a signal (terminate, or kill after the grace), not left to end their sleep
    assert all(p.returncode in (-signal.SIGTERM, -signal.SIGKILL) for _, p in children.processes)
    # and promptly: a generous bound for a loaded runner (two children, 5 s grace each,
    # would be 10 s at worst), still far below the 60 s they would otherwise have slept
    assert time.monotonic() - started < 30


def test_binding_beyond_loopback_warns(capsys: pytest.CaptureFixture[str]) -> None:
    _warn_if_exposed("127.0.0.1")
    assert capsys.readouterr().err == ""
    _warn_if_exposed("0.0.0.0")
    assert "WARNING" in capsys.readouterr().err
