"""Alarms, declarations and connection sessions are evidence: deleting the point,
enterprise or logger they belong to is refused (PROTECT) instead of taking them along.
Registry records with history are retired (qingshan.registry.retirement, issue 15).

Only the Python-side ``on_delete`` changes: no SQL on either database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0008_data_time_window_rule"),
        ("registry", "0004_retirement"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alarm",
            name="point",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="alarms",
                to="registry.monitoringpoint",
                verbose_name="监控点",
            ),
        ),
        migrations.AlterField(
            model_name="alarm",
            name="enterprise",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="alarms",
                to="registry.enterprise",
                verbose_name="排污单位",
            ),
        ),
        migrations.AlterField(
            model_name="anomalydeclaration",
            name="point",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="declarations",
                to="registry.monitoringpoint",
                verbose_name="监控点",
            ),
        ),
        migrations.AlterField(
            model_name="anomalydeclaration",
            name="enterprise",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.enterprise",
                verbose_name="排污单位",
            ),
        ),
        migrations.AlterField(
            model_name="devicesession",
            name="device",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sessions",
                to="registry.device",
            ),
        ),
    ]
