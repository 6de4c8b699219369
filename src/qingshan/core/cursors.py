"""A cursor over an append-only table whose ids come from a sequence: read only up to a gap.

Ids are taken when a row is inserted but become visible when its transaction commits, so a
reader may see id 12 before 11. A cursor that moved past 11 would never see it; so a reader
stops before the first gap in the ids, until the rows after it are ``gap_wait_s`` old (by then
11 has committed or it never will: a rolled-back insert leaves a gap for good). Each caller
passes its own wait: the outbox 10 s (its writers are whole requests), the monitoring stream
2 s (its writer is the gateway's short batch commit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

R = TypeVar("R")


def readable_after(
    rows: list[R],
    after_id: int,
    *,
    id_of: Callable[[R], int],
    age_s: Callable[[R], float],
    gap_wait_s: float,
) -> list[R]:
    """The leading ``rows`` (ordered by id, all after ``after_id``) up to the first id gap
    that a running transaction may still fill. A new cursor (``after_id`` 0) has no gap
    before its first row: ids start anywhere."""
    if not rows or id_of(rows[-1]) - after_id == len(rows):
        return rows  # no gap at all (ids increase): the usual case, without a loop
    expected = after_id + 1
    for i, row in enumerate(rows):
        row_id = id_of(row)
        gap = row_id != expected and (after_id != 0 or i > 0)
        if gap and age_s(row) < gap_wait_s:
            return rows[:i]
        expected = row_id + 1
    return rows
