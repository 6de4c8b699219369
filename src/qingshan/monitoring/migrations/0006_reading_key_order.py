"""Readings keyed by (point, period, data time, factor): docs/adr/0016-readings-key-order.md."""

from functools import partial

from django.db import migrations, models

from qingshan.monitoring.storage import reading_key_set

NEW_KEY = ("point_id", "period", "data_time", "factor_code")
OLD_KEY = ("point_id", "factor_code", "period", "data_time")


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0005_alarm_list_indexes"),
    ]

    operations = [
        # the table's DDL is ours (storage.py), so the state and the database change apart
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="reading",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        *NEW_KEY, blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
            ],
        ),
        migrations.RunPython(
            partial(reading_key_set, key=NEW_KEY), partial(reading_key_set, key=OLD_KEY)
        ),
    ]
