"""The readings table's physical layout, on whichever database the suite runs."""

import datetime as dt

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
