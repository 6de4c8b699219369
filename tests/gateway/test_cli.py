"""The gateway's command line refuses settings it could not run with, before it starts."""

from __future__ import annotations

import pytest

from qingshan.gateway.cli import config_from, parse
from qingshan.gateway.config import GatewayConfig


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--max-unjudged", "-1"], "--max-unjudged must be at least 0, not -1"),
        (["--batch-size", "0"], "--batch-size must be at least 1, not 0"),
        (["--max-pending", "-5"], "--max-pending must be at least 1"),
        (["--commit-interval", "nan"], "--commit-interval must be a finite number"),
        (["--idle-timeout", "0"], "--idle-timeout must be at least"),
        (["--port", "70000"], "--port must be at most 65535"),
        (["--metrics-port", "-3"], "--metrics-port must be at least 1"),
        (["--max-connections", "many"], "invalid int value: 'many'"),
        (["--log-level", "loud"], "invalid choice: 'LOUD'"),
    ],
)
def test_a_setting_out_of_range_is_refused_with_its_name(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_every_problem_is_named_at_once():
    with pytest.raises(ValueError, match=r"--batch-size.*--max-per-peer"):
        GatewayConfig(batch_size=0, max_per_peer=0)


def test_the_defaults_and_the_edges_are_accepted(monkeypatch):
    monkeypatch.delenv("QINGSHAN_GATEWAY_PORT", raising=False)
    config = config_from(parse(["--max-unjudged", "0", "--metrics-port", "0", "--port", "0"]))
    assert config.max_unjudged == 0 and config.metrics_port is None and config.port == 0
    assert config_from(parse(["--log-level", "debug"])).batch_size == GatewayConfig().batch_size


def test_a_bad_port_in_the_environment_is_an_error_not_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("QINGSHAN_GATEWAY_PORT", "ninety")
    with pytest.raises(SystemExit):
        parse([])
    assert "invalid int value: 'ninety'" in capsys.readouterr().err
