"""core.cursors.readable_after: a cursor stops before an id gap a running transaction may fill."""

from __future__ import annotations

from qingshan.core.cursors import readable_after

WAIT = 2.0


def _read(rows: list[tuple[int, float]], after_id: int) -> list[int]:
    found = readable_after(
        rows, after_id, id_of=lambda r: r[0], age_s=lambda r: r[1], gap_wait_s=WAIT
    )
    return [r[0] for r in found]


def test_no_gap_reads_everything() -> None:
    assert _read([(11, 0.0), (12, 0.0), (13, 0.0)], 10) == [11, 12, 13]
    assert _read([], 10) == []


def test_a_recent_gap_stops_the_cursor_an_old_one_does_not() -> None:
    assert _read([(11, 0.0), (13, 0.5), (14, 0.0)], 10) == [11]
    assert _read([(12, 0.5)], 10) == []
    assert _read([(11, 0.0), (13, WAIT), (14, 0.0)], 10) == [11, 13, 14]


def test_a_new_cursor_has_no_gap_before_its_first_row_only() -> None:
    assert _read([(500, 0.0), (501, 0.0)], 0) == [500, 501]
    assert _read([(500, 0.0), (502, 0.1)], 0) == [500]
    assert _read([(500, 0.0), (502, WAIT + 1)], 0) == [500, 502]
