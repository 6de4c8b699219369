"""``qingshan simulate`` end to end against a fake platform running in another thread."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from qingshan.simulator import FakePlatform
from qingshan.simulator.cli import main


@pytest.fixture
def platform_port() -> Iterator[int]:
    loop = asyncio.new_event_loop()
    platform = FakePlatform(record=False)
    ready = threading.Event()
    port: list[int] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        port.append(loop.run_until_complete(platform.start()))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(5)
    yield port[0]
    asyncio.run_coroutine_threadsafe(platform.close(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_cli_load_run_writes_summary_and_ack_log(
    platform_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary_file, ack_log = tmp_path / "summary.json", tmp_path / "acks.csv"
    status = main(
        [
            "--synthetic", "5", "--rate", "500", "--count", "50", "--port", str(platform_port),
            "--json-summary", str(summary_file), "--ack-log", str(ack_log),
            "--progress", "never", "--seed", "1",
        ]
    )  # fmt: skip
    assert status == 0
    summary = json.loads(summary_file.read_text())
    assert summary["sent"] == summary["acknowledged"] == 50 and summary["unacknowledged"] == 0
    assert len(ack_log.read_text().splitlines()) == 50
    assert "acknowledged   50" in capsys.readouterr().out


def test_cli_reports_unanswered_packets_and_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--devices-csv", str(tmp_path / "missing.csv")]) == 2
    assert main(["--from-registry"]) == 2
    assert "needs --password" in capsys.readouterr().err
    # nobody listens on port 9 (discard): connection refused, nothing sent, exit 0
    status = main(["--synthetic", "1", "--port", "9", "--duration", "0.3", "--progress", "never"])
    assert status == 0
    assert "connect-ConnectionRefusedError" in capsys.readouterr().out
