"""``qingshan quality aqi|water`` called through ``main([...])`` on temporary files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from qingshan.quality import cli
from qingshan.quality.cli import main


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


HOURLY = """time,station,so2,no2,pm10,co,o3,pm25
2018-02-20T07:00,1001A,3,17,,0.7,84,38
2017-07-07T16:00,1006A,2,18,31,0.7,182,31
2026-02-28T23:00,X,,,,,,75
2026-03-01T00:00,X,,,,,,75
2026-03-01T00:00+09:00,X,,,,,,75
"""


def test_aqi_hourly_auto_edition(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert (
        main(["aqi", "--input", str(_write(tmp_path / "in.csv", HOURLY)), "--output", str(out)])
        == 0
    )
    rows = _rows(out)
    assert [r["aqi"] for r in rows] == ["54", "78", "100", "114", "100"]
    assert [r["standard"] for r in rows] == [
        "HJ633-2012",
        "HJ633-2012",
        "HJ633-2012",
        "HJ633-2026",
        "HJ633-2012",
    ]
    first = rows[0]
    assert (first["station"], first["pm10"], first["iaqi_pm10"], first["iaqi_pm25"]) == (
        "1001A",
        "",
        "",
        "54",
    )
    assert (first["level"], first["category"], first["primary_pollutants"]) == (
        "二级",
        "良",
        "PM2.5",
    )
    assert first["iaqi_o3_8h"] == "" and first["exceeding_pollutants"] == ""
    assert rows[1]["primary_pollutants"] == "O3"


def test_aqi_daily_with_explicit_standard(tmp_path: Path) -> None:
    source = _write(
        tmp_path / "in.csv",
        "time,so2_24h,no2_24h,pm10_24h,co_24h,o3_8h,o3_1h,pm25_24h,note\n"
        "2025-01-01,22,42,160,2.2,37,,134,x\n"
        "2025-07-01,,,,,150,320,40,y\n",
    )
    out = tmp_path / "out.csv"
    code = main(
        [
            "aqi",
            "--input",
            str(source),
            "--report",
            "daily",
            "--standard",
            "HJ633-2026",
            "--output",
            str(out),
        ]
    )
    assert code == 0
    rows = _rows(out)
    assert rows[0]["aqi"] == "178" and rows[0]["iaqi_pm10"] == "116"
    assert rows[0]["exceeding_pollutants"] == "PM10;PM2.5" and rows[0]["note"] == "x"
    assert (rows[1]["iaqi_o3"], rows[1]["iaqi_o3_8h"], rows[1]["aqi"]) == ("160", "92", "160")
    assert {r["standard"] for r in rows} == {"HJ633-2026"}


def test_aqi_bad_rows_are_reported_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(
        tmp_path / "in.csv",
        "time,pm25\n2025-01-01T01:00,35\nyesterday,40\n2025-01-01T03:00,abc\n"
        "2025-01-01T04:00,-3\n2025-01-01T05:00,76\n",
    )
    out = tmp_path / "out.csv"
    assert main(["aqi", "--input", str(source), "--output", str(out)]) == 1
    assert [r["aqi"] for r in _rows(out)] == ["50", "", "", "", "102"]
    err = capsys.readouterr().err
    assert "line 3: time 'yesterday'" in err
    assert "line 4: column 'pm25': not a number" in err
    assert "line 5: column 'pm25': negative" in err
    assert "3 of 5 rows bad" in err


def test_aqi_flags_policy_values(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.csv", "time,so2,so2_24h,pm25\n2025-01-01T01:00,801,300,600\n")
    out = tmp_path / "out.csv"
    assert main(["aqi", "--input", str(source), "--output", str(out)]) == 0
    (row,) = _rows(out)
    assert (row["iaqi_so2"], row["aqi"]) == ("124", "500")
    assert "note (2)" in row["flags"] and "above the top breakpoint" in row["flags"]


def test_aqi_writes_stdout_without_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.csv", "\ufefftime,pm25\n2025-01-01,75\n")  # BOM from Excel
    assert main(["aqi", "--input", str(source), "--report", "hourly"]) == 0
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert row["aqi"] == "100"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("station,pm25\nA,3\n", "no 'time' column"),
        ("time,pm2.5\n2025-01-01,3\n", "no hourly pollutant column"),
    ],
)
def test_aqi_unusable_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    assert main(["aqi", "--input", str(_write(tmp_path / "in.csv", text))]) == 2
    assert message in capsys.readouterr().err


def test_missing_file_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aqi", "--input", str(tmp_path / "nope.csv")]) == 2
    assert main(["aqi"]) == 2
    assert main(["aqi", "--input", "x.csv", "--standard", "HJ633-2024"]) == 2
    assert main([]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "aqi" in capsys.readouterr().out
    assert main(["aqi", "--help"]) == 0
    assert "pm25_24h" in capsys.readouterr().out
    assert main(["water", "--help"]) == 0
    assert "fecal_coliform" in capsys.readouterr().out


WATER = """section,water_body,ph,do,codmn,cod,nh3n,tp,tn
S1,river,7.2,5.5,5.0,22,1.2,0.25,3.0
S2,lake,8.1,8.0,3.0,,0.2,0.06,1.8
S3,river,7.0,1.8,12,45,3.0,0.5,
S4,,7.0,6.0,,,0.4,,
S5,,7.0,6.0,,,0.4,0.1,
S6,sea,7.0,6.0,,,0.4,0.1,
S7,river,7.0,x,,,0.4,0.1,
"""


def test_water(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.csv"
    code = main(["water", "--input", str(_write(tmp_path / "in.csv", WATER)), "--output", str(out)])
    assert code == 1
    rows = _rows(out)
    assert [r["class"] for r in rows] == ["IV", "IV", "劣V", "II", "", "", ""]
    assert rows[0]["main_pollutants"] == "tp(0.25);nh3n(0.2);cod(0.1)"
    assert rows[0]["status"] == "轻度污染"
    assert (rows[0]["class_tn"], rows[0]["class_tp"], rows[0]["class_do"]) == ("劣V", "IV", "III")
    assert rows[1]["main_pollutants"] == "tp(0.2)"
    assert rows[2]["main_pollutants"] == "nh3n(2);tp(1.5);cod(1.25)"
    assert rows[3]["class_tp"] == "" and rows[3]["section"] == "S4"
    err = capsys.readouterr().err
    assert "line 6: water_body (river or lake) is needed" in err
    assert "line 7: water_body must be river or lake" in err
    assert "line 8: column 'do'" in err


def test_water_without_item_columns_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["water", "--input", str(_write(tmp_path / "in.csv", "section,temp\nA,20\n"))]) == 2
    assert "no water-quality item column" in capsys.readouterr().err


def test_progress_only_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.csv", "time,pm25\n" + "2025-01-01,10\n" * 25)
    out = str(tmp_path / "out.csv")
    monkeypatch.setattr(cli, "PROGRESS_EVERY", 10)
    assert main(["aqi", "--input", str(source), "--output", out]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True)
    assert main(["aqi", "--input", str(source), "--output", out]) == 0
    assert "20 rows" in capsys.readouterr().err


def test_python_dash_m_entry_point() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "qingshan.quality", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "water" in done.stdout


def test_aqi_output_equals_row_by_row_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    from qingshan.quality.aqi import compute_aqi
    from qingshan.quality.standards import aqi_standard_for

    rng = random.Random(7)
    monkeypatch.setattr(cli, "CHUNK_ROWS", 97)
    names = ["so2", "no2", "pm10", "co", "o3", "pm25", "so2_24h"]

    def value() -> str:
        kind = rng.random()
        if kind < 0.15:
            return ""
        if kind < 0.2:
            return "35.000000000000000001"
        if kind < 0.3:
            return str(rng.choice([0, 35, 75, 150, 800, 801, 1200, 5000]))
        return f"{rng.uniform(0, 900):.{rng.randint(0, 3)}f}"

    lines = ["time," + ",".join(names)]
    for i in range(1000):
        hour = f"2026-02-{27 + i % 3:02d}T{i % 24:02d}:00".replace("02-29", "03-01")
        lines.append(hour + "," + ",".join(value() for _ in names))
    source = _write(tmp_path / "in.csv", "\n".join(lines) + "\n")
    out = tmp_path / "out.csv"
    assert main(["aqi", "--input", str(source), "--output", str(out)]) == 0
    for row in _rows(out):
        values = {n: (row[n] or None) for n in names}
        when = cli.parse_time(row["time"])
        expected = cli._aqi_cells(
            compute_aqi(values, report="hourly", standard=aqi_standard_for(when))
        )
        assert {k: row[k] for k in expected} == expected, row


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-28T24:00", "2026-03-01 00:00:00"),
        ("2026-02-28 24:00:00+08:00", "2026-03-01 00:00:00+08:00"),
        ("2026-03-01", "2026-03-01"),
    ],
)
def test_parse_time(text: str, expected: str) -> None:
    assert str(cli.parse_time(text)) == expected


@pytest.mark.parametrize("text", ["", "2026-13-01", "01/03/2026 08:00"])
def test_parse_time_refuses(text: str) -> None:
    with pytest.raises(cli.RowError):
        cli.parse_time(text)


def test_gb18030_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("time,station,pm25\n2025-01-01,越城区,76\n".encode("gb18030"))
    assert main(["aqi", "--input", str(source)]) == 2
    assert "--encoding gb18030" in capsys.readouterr().err
    assert main(["aqi", "--input", str(source), "--encoding", "gb18030"]) == 0
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert (row["station"], row["aqi"]) == ("越城区", "102")


def test_output_must_not_overwrite_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.csv", "time,pm25\n2025-01-01,75\n")
    assert main(["aqi", "--input", str(source), "--output", str(source)]) == 2
    assert "must not be the input" in capsys.readouterr().err
    assert source.read_text(encoding="utf-8") == "time,pm25\n2025-01-01,75\n"


def test_broken_csv_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = "x" * 200_000  # beyond the csv module's field size limit
    source = _write(tmp_path / "in.csv", f'time,pm25\n2025-01-01,"{huge}"\n')
    assert main(["aqi", "--input", str(source)]) == 2
    assert "field larger than field limit" in capsys.readouterr().err
