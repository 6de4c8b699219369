"""The readings table's physical layout, on whichever database the suite runs."""

import datetime as dt

import pytest
from django.db import connection

from qingshan.monitoring.models import Reading
from qingshan.monitoring.storage import partitions_maintain, reading_partitions_ensure

UTC = dt.UTC


def _reading(point, when):
    return Reading(
        point=point, factor_code="a21026", period=3, data_time=when, value=1.0, received_at=when
    )


def test_readings_are_clustered_or_partitioned(users):
    point = users["keqiao"]["point"]
    now = dt.datetime.now(tz=UTC).replace(microsecond=0)
    far = dt.datetime(2001, 5, 1, tzinfo=UTC)  # no partition was made for 2001
    Reading.objects.bulk_create([_reading(point, now), _reading(point, far)])
    assert Reading.objects.filter(point=point).count() == 2
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'monitoring_reading'")
            assert cursor.fetchone()[0].endswith("WITHOUT ROWID")
            return
        cursor.execute("SELECT tableoid::regclass::text, data_time FROM monitoring_reading")
        where = {when: table for table, when in cursor.fetchall()}
    assert where[int(far.timestamp())] == "monitoring_reading_default"
    assert where[int(now.timestamp())] == f"monitoring_reading_y{now.year}m{now.month:02d}"


def test_partitions_are_made_ahead_and_never_twice(db):
    if connection.vendor != "postgresql":
        assert partitions_maintain() == []
        return
    with connection.cursor() as cursor:
        made = reading_partitions_ensure(cursor, today=dt.date(2031, 6, 15))
        assert made == [f"monitoring_reading_y2031m{m:02d}" for m in range(5, 10)]
        assert reading_partitions_ensure(cursor, today=dt.date(2031, 6, 15)) == []


def _rows():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT point_id, factor_code, period, data_time, value FROM monitoring_reading"
            " ORDER BY point_id, factor_code, period, data_time"
        )
        return cursor.fetchall()


def _migrate(target=None):
    """Migrate the monitoring app to ``target``, or to its latest migration."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("monitoring")[0]
    executor.migrate([("monitoring", target)] if target else [latest])


@pytest.mark.django_db(transaction=True)
def test_changing_the_key_order_keeps_every_reading_and_the_deduplication(users):
    """Migration 0006 (ADR 16) rebuilds the table on SQLite and swaps the key on
    PostgreSQL: an upgraded platform keeps its readings, and a resend still adds nothing."""
    point = users["keqiao"]["point"]
    now = int(dt.datetime.now(tz=UTC).timestamp())
    _migrate("0005_alarm_list_indexes")
    try:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO monitoring_reading (point_id, factor_code, period, data_time, value,"
                " flag, eflag, received_at) VALUES (%s, %s, 2, %s, %s, 'N', '', 0)",
                [
                    (point.pk, code, now - 60 * i, i)
                    for i in range(5)
                    for code in ("a21026", "a01012")
                ],
            )
        before = _rows()
        _migrate("0006_reading_key_order")
        assert _rows() == before
        resent = _reading(point, dt.datetime.fromtimestamp(now, tz=UTC))
        resent.period = 2
        Reading.objects.bulk_create([resent], ignore_conflicts=True)
        assert _rows() == before  # the same key: nothing added
    finally:
        _migrate()
