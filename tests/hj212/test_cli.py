"""``qingshan hj212 decode | encode | check`` called through ``main(argv)``."""

from __future__ import annotations

import io
import json
import os
import re
import runpy
import sys
from pathlib import Path

import pytest

from qingshan.hj212 import encode_frame
from qingshan.hj212.cli import main

from .helpers import load_samples

GOOD = load_samples()[7]  # Table C.14 real-time upload 2011
LOG = load_samples()[11]  # Table C.40 log with Chinese text


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _records(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_decode_prints_one_json_object_per_frame(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "capture.bin"
    capture.write_bytes(b"noise" + GOOD.frame + LOG.frame + b"##0087garbage\r\n")
    assert main(["decode", str(capture)]) == 0
    out = capsys.readouterr().out
    assert "清洗管路" in out  # ensure_ascii=False
    first, second, third = _records(out)
    assert first == {
        "offset": 5,
        "ok": True,
        "error": None,
        "message": None,
        "warnings": [],
        "version": "2017",
        "qn": "20160801085857223",
        "st": "32",
        "cn": "2011",
        "pw": "123456",
        "mn": "010000A8900016F000169DC0",
        "flag": 5,
        "pnum": None,
        "pno": None,
        "ack_required": True,
        "cp": {
            "DataTime": "20160801085857",
            "factors": {
                "w01001": {"Rtd": "7.1", "Flag": "N"},
                "w01018": {
                    "SampleTime": "20160801070000",
                    "Rtd": "2.2",
                    "Flag": "N",
                    "EFlag": "A01",
                },
            },
        },
    }
    assert second["cp"] == {
        "DataTime": "20100301145000",
        "PolId": "w01018",
        "factors": {"i11001": {"Info": "//清洗管路//"}},
    }
    assert (third["ok"], third["error"], third["cp"], third["version"]) == (
        False,
        "bad-length",
        None,
        None,
    )


def test_decode_bad_frame_reports_what_was_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, GOOD.frame.replace(b"6E80", b"6E81"))
    assert main(["decode", "-"]) == 0
    [record] = _records(capsys.readouterr().out)
    assert (record["ok"], record["error"], record["cn"]) == (False, "bad-crc", "2011")
    assert "6E80" in str(record["message"])


def test_decode_lenient(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    deviant = next(s for s in load_samples() if s.text.endswith("ED94"))
    _stdin(monkeypatch, deviant.frame)
    assert main(["decode", "--lenient"]) == 0
    [record] = _records(capsys.readouterr().out)
    assert (record["ok"], record["warnings"]) == (True, ["crc-modbus"])


def test_decode_then_encode_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    ok = [s for s in load_samples() if s.verdict == "ok" and not s.text.startswith("##1703")]
    capture = tmp_path / "ok.bin"
    capture.write_bytes(b"".join(s.frame for s in ok))
    assert main(["decode", str(capture)]) == 0
    decoded = capsysbinary.readouterr().out
    _stdin(monkeypatch, decoded)
    assert main(["encode"]) == 0
    encoded = capsysbinary.readouterr().out
    capture.write_bytes(encoded)
    assert main(["decode", str(capture)]) == 0
    again = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    first = [json.loads(line) for line in decoded.splitlines()]
    strip = ("offset",)
    assert [{k: v for k, v in r.items() if k not in strip} for r in again] == [
        {k: v for k, v in r.items() if k not in strip} for r in first
    ]


def test_encode_reports_bad_lines_and_carries_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        '{"st": "91", "cn": "9014", "pw": "123456", "mn": "M", "flag": 4, "cp": {}}',
        "",
        "# a comment",
        "not json",
        '["a list"]',
        '{"cn": 2011}',
        '{"cn": "2011", "flag": "5"}',
        '{"cn": "2011", "flag": true}',
        '{"cn": "2011", "cp": []}',
        '{"cn": "2011", "cp": {"DataTime": 1}}',
        '{"cn": "2011", "cp": {"factors": []}}',
        '{"cn": "2011", "cp": {"factors": {"a-b": {"Rtd": "1"}}}}',
        '{"cn": "2011", "cp": {"factors": {"a": {"Rtd": 1}}}}',
        '{"cn": "2011", "cp": {"DataTime": "a;b"}}',
        '{"cn": "2011", "cp": {"DataTime": "1", "factors": {"w01018": {"Rtd": "2"}}}}',
        '{"cn": "2011", "cp": null}',
    ]
    source = tmp_path / "packets.jsonl"
    source.write_text("\n".join(lines) + "\n", "utf-8")
    assert main(["encode", str(source)]) == 1
    captured = capsys.readouterr()
    frames = captured.out.split("\r\n")
    assert (
        frames[0] + "\r\n" == encode_frame("ST=91;CN=9014;PW=123456;MN=M;Flag=4;CP=&&&&").decode()
    )
    assert frames[1].startswith("##0038CN=2011;CP=&&DataTime=1;w01018-Rtd=2&&")
    assert frames[2].startswith("##0015CN=2011;CP=&&&&")
    errors = captured.err.splitlines()
    assert [e.split(":")[0] for e in errors] == [f"line {n}" for n in range(4, 15)]
    assert "a separator" in errors[-1]


def test_encode_oversize(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "big.jsonl"
    source.write_text(json.dumps({"cn": "2011", "cp": {"x": "1" * 1100}}) + "\n", "utf-8")
    assert main(["encode", str(source)]) == 1
    assert "exceeds 1024" in capsys.readouterr().err
    assert main(["encode", "--oversize-ok", str(source)]) == 0
    assert capsys.readouterr().out.startswith("##11")


def test_check_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = tmp_path / "corpus.bin"
    capture.write_bytes(b"".join(s.frame for s in load_samples()))
    assert main(["check", str(capture)]) == 1
    out = capsys.readouterr().out
    assert "strict mode" in out
    table = {line.split("  ")[0].strip(): line.split()[-1] for line in out.splitlines()[1:]}
    assert " frames" in out and "  55" in out
    assert "error bad-crc" in out and "error too-long" in out
    assert "CN 2011" in out and "real-time data" in out and "CN 8013" in out
    assert table
    assert main(["check", "--lenient", str(capture)]) == 1
    out = capsys.readouterr().out
    assert "warning crc-modbus-swapped" in out and "version 2025" in out


def test_check_all_good(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = tmp_path / "good.bin"
    capture.write_bytes(GOOD.frame * 3)
    assert main(["check", str(capture)]) == 0
    assert re.search(r"rejected +0", capsys.readouterr().out)


def test_check_counts_packets_without_cn_or_known_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "odd.bin"
    capture.write_bytes(encode_frame("ST=32;Flag=13;CP=&&&&"))
    assert main(["check", "--lenient", str(capture)]) == 0
    out = capsys.readouterr().out
    assert "version bits 3" in out and "CN (none)" in out


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "/nonexistent/file.bin"]) == 2
    assert "No such file" in capsys.readouterr().err


def test_help_is_helpful(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "decode" in out and "encode" in out and "check" in out and "--lenient" in out
    with pytest.raises(SystemExit):
        main(["decode", "--help"])
    assert "offset" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2


def test_python_dash_m(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "one.bin"
    capture.write_bytes(GOOD.frame)
    monkeypatch.setattr(sys, "argv", ["python -m qingshan.hj212", "check", str(capture)])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("qingshan.hj212", run_name="__main__")
    assert exit_info.value.code == 0
    assert "frames" in capsys.readouterr().out


def test_reader_gone_stops_quietly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "many.bin"
    capture.write_bytes(
        b"##0087QN=20160801085857223;ST=32;CN=2012;PW=123456;"
        b"MN=010000A8900016F000169DC0;Flag=5;CP=&&&&3C00\r\n" * 5000
    )
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `qingshan hj212 decode capture | head` after head exits
    with open(write_end, "w") as broken:
        monkeypatch.setattr(sys, "stdout", broken)
        assert main(["decode", str(capture)]) == 0
    assert capsys.readouterr().err == ""
