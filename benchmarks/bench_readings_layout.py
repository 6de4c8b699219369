"""What storing readings costs SQLite, by layout and batch size (issue 4, the writer's half).

    python benchmarks/bench_readings_layout.py                  # every variant, 160,000 packets
    python benchmarks/bench_readings_layout.py --variant now --batch 100

Packets of 6 or 7 real-time values from 1,000 loggers are written as the gateway's sink
writes them (raw packet and readings in one transaction, a PASSIVE checkpoint after each
commit), in one thread, and the CPU time per packet is reported. Variants:

- ``raw-only``: the raw packet alone (the floor: row generation and the raw insert);
- ``now``: readings straight into the clustered table, key (point, factor, period, time);
- ``time-key``: the same table clustered on (point, period, time, factor);
- ``inbox``: readings appended to a rowid table, merged in key order every ``--merge``
  batches with one INSERT … SELECT;
- ``deferred``: readings kept in memory and written sorted every ``--merge`` batches.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

COLUMNS = (
    "point_id integer NOT NULL, factor_code varchar(8) NOT NULL, period smallint NOT NULL,"
    " data_time integer NOT NULL, value real, min real, max real, cou real, zs real,"
    " flag varchar(2) NOT NULL, eflag varchar(8) NOT NULL, received_at integer NOT NULL"
)
NAMES = (
    "point_id, factor_code, period, data_time, value, min, max, cou, zs, flag, eflag, received_at"
)
FACTORS = ["a21026", "a21002", "a34013", "a19001", "a01012", "a01013", "a01011"]
VARIANTS = ["raw-only", "now", "time-key", "inbox", "deferred"]
INSERT = f"INSERT INTO reading VALUES ({', '.join('?' * 12)}) ON CONFLICT DO NOTHING"


def create(path: Path, variant: str, page_size: int) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA page_size = {int(page_size)}")
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -65536"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    key = (
        "point_id, period, data_time, factor_code"
        if variant == "time-key"
        else "point_id, factor_code, period, data_time"
    )
    db.execute(f"CREATE TABLE reading ({COLUMNS}, PRIMARY KEY ({key})) WITHOUT ROWID")
    db.execute(f"CREATE TABLE inbox ({COLUMNS})")
    db.execute(
        "CREATE TABLE raw (id integer PRIMARY KEY AUTOINCREMENT, received_at bigint,"
        " device_id int, peer varchar(64), st varchar(4), cn varchar(4), qn varchar(20),"
        " flag int, version varchar(4), data_time bigint, warnings varchar(200), raw blob)"
    )
    db.execute("CREATE INDEX raw_device ON raw (device_id, data_time)")
    db.execute("CREATE INDEX raw_received ON raw (received_at)")
    return db


RAW_INSERT = (
    "INSERT INTO raw (received_at, device_id, peer, st, cn, qn, flag, version, data_time,"
    " warnings, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
MERGE = (
    f"INSERT INTO reading ({NAMES}) SELECT {NAMES} FROM inbox WHERE true"
    " ORDER BY point_id, factor_code, period, data_time ON CONFLICT DO NOTHING"
)
Row = tuple[object, ...]


def batch_rows(number: int, batch: int, rng: random.Random) -> tuple[list[Row], list[Row]]:
    """The raw packets and readings of commit ``number``: each logger in turn, every 30 s."""
    raws: list[Row] = []
    rows: list[Row] = []
    for seq in range(number * batch, (number + 1) * batch):
        device, at = seq % 1000, 1_790_000_000 + seq // 1000 * 30
        raws.append(
            (at * 1000, device, "10.0.0.1:5000", "31", "2011", "x", 5, "2017", at, "", b"x" * 360)
        )
        for code in FACTORS[: 6 + device % 2]:
            value = rng.random() * 50
            rows.append((device, code, 1, at, value, None, None, None, None, "N", "", at * 1000))
    return raws, rows


def commit(db: sqlite3.Connection, variant: str, raws: list[Row], rows: list[Row]) -> None:
    """One batch as the gateway commits it: raw packets, and readings where the layout has them."""
    db.execute("BEGIN")
    db.executemany(RAW_INSERT, raws)
    if variant == "now":
        db.executemany(INSERT, sorted(rows, key=lambda r: r[:4]))
    elif variant == "time-key":
        db.executemany(INSERT, sorted(rows, key=lambda r: (r[0], r[2], r[3], r[1])))
    elif variant == "inbox":
        db.executemany(f"INSERT INTO inbox VALUES ({', '.join('?' * 12)})", rows)
    db.execute("COMMIT")


def merge(db: sqlite3.Connection, variant: str, held: list[Row]) -> None:
    """Every ``--merge`` batches: the inbox into the table, or the held rows written sorted."""
    db.execute("BEGIN")
    if variant == "inbox":
        db.execute(MERGE)
        db.execute("DELETE FROM inbox")
    elif variant == "deferred":
        db.executemany(INSERT, sorted(held, key=lambda r: r[:4]))
    db.execute("COMMIT")


def run(variant: str, *, packets: int, batch: int, every: int, page_size: int) -> float:
    """CPU microseconds per packet."""
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        db = create(path, variant, page_size)
        checkpointer = sqlite3.connect(path, isolation_level=None)
        held: list[Row] = []
        started = time.process_time()
        for number in range(packets // batch):
            raws, rows = batch_rows(number, batch, rng)
            commit(db, variant, raws, rows)
            if variant == "deferred":
                held.extend(rows)
            if (number + 1) % every == 0 and variant in ("inbox", "deferred"):
                merge(db, variant, held)
                held = []
            checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        seconds = time.process_time() - started
        db.close()
        checkpointer.close()
    return seconds * 1e6 / packets


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--variant", choices=VARIANTS, action="append")
    p.add_argument("--packets", type=int, default=160_000)
    p.add_argument("--batch", type=int, default=1000, help="packets per commit")
    p.add_argument("--merge", type=int, default=8, help="batches per merge (inbox, deferred)")
    p.add_argument("--page-size", type=int, default=4096)
    args = p.parse_args()
    print("| variant | packets per commit | CPU µs per packet |")
    print("|---|---|---|")
    for variant in args.variant or VARIANTS:
        cost = run(
            variant,
            packets=args.packets,
            batch=args.batch,
            every=args.merge,
            page_size=args.page_size,
        )
        print(f"| {variant} | {args.batch} | {cost:.1f} |", flush=True)


if __name__ == "__main__":
    main()
