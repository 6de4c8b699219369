"""Physical layout of the readings table (docs/adr/0008-readings-storage.md).

SQLite: one table clustered on the key (``WITHOUT ROWID``): a single B-tree holds both the
rows and the de-duplication key, so an insert touches one tree instead of two (about three
times the ingest rate of a rowid table with a unique index, measured). The key is
(point, period, data time, factor), so that the values of one packet sit side by side in
one leaf page (docs/adr/0016-readings-key-order.md).

PostgreSQL: declaratively partitioned by month on ``data_time``, with a DEFAULT partition so
that a value from an unexpected month is stored, never refused. Monthly partitions are
created ahead by ``reading_partitions_ensure`` (migration and a daily worker job).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from django.utils import timezone

log = logging.getLogger(__name__)

TABLE = "monitoring_reading"
UTC = dt.UTC


def reading_table_create(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("monitoring", "Reading")
    sql, params = schema_editor.table_sql(model)
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        sql += " WITHOUT ROWID"
    elif vendor == "postgresql":
        sql += " PARTITION BY RANGE (data_time)"
    schema_editor.execute(sql, params or None)
    if vendor == "postgresql":
        schema_editor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        with schema_editor.connection.cursor() as cursor:
            reading_partitions_ensure(cursor, today=timezone.localdate())


def reading_table_drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def reading_key_set(apps: Any, schema_editor: Any, *, key: tuple[str, ...]) -> None:
    """Give the readings table the primary key ``key``, in that column order (ADR 16).

    SQLite cannot alter a primary key, and the key is the clustered table's row order:
    the table is built again and the rows copied across in the new order. PostgreSQL
    swaps the key's constraint on the partitioned table (each partition's index follows).
    """
    columns = ", ".join(key)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
                [TABLE],
            )
            (name,) = cursor.fetchone()
        schema_editor.execute(
            f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}", ADD PRIMARY KEY ({columns})'
        )
        return
    old = f"{TABLE}__old"
    schema_editor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
    model = apps.get_model("monitoring", "Reading")
    sql, params = schema_editor.table_sql(model)
    # the model state holds the new key both ways (the state changes before this runs, and
    # is undone after it), so the key in the DDL is set from ``key``, not from the model
    sql = re.sub(r"PRIMARY KEY \([^)]*\)", f"PRIMARY KEY ({columns})", sql)
    schema_editor.execute(sql + " WITHOUT ROWID", params or None)
    names = ", ".join(f.column for f in model._meta.concrete_fields)
    schema_editor.execute(
        f"INSERT INTO {TABLE} ({names}) SELECT {names} FROM {old} ORDER BY {columns}"
    )
    schema_editor.execute(f"DROP TABLE {old}")


def _month_start(year: int, month: int) -> dt.datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.datetime(year, month, 1, tzinfo=UTC)


def reading_partitions_ensure(
    cursor: Any, *, today: dt.date, months_back: int = 1, months_ahead: int = 3
) -> list[str]:
    """Create the monthly partitions around ``today`` that do not exist yet (PostgreSQL).

    A month whose rows already sit in the DEFAULT partition is left there (PostgreSQL
    would refuse the new partition); it is logged, and the data stays queryable.
    """
    created = []
    for offset in range(-months_back, months_ahead + 1):
        start = _month_start(today.year, today.month + offset)
        end = _month_start(start.year, start.month + 1)
        name = f"{TABLE}_y{start.year}m{start.month:02d}"
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is not None:
            continue
        low, high = int(start.timestamp()), int(end.timestamp())
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {TABLE}_default"
            " WHERE data_time >= %s AND data_time < %s)",
            [low, high],
        )
        if cursor.fetchone()[0]:
            log.warning("readings of %s are in the default partition; not splitting it", name)
            continue
        cursor.execute(
            f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES FROM ({low}) TO ({high})"
        )
        created.append(name)
    return created


def partitions_maintain() -> list[str]:
    """Worker job: keep next months' reading partitions ready (PostgreSQL only)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        return reading_partitions_ensure(cursor, today=timezone.localdate())
