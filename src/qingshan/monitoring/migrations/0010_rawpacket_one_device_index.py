"""Raw packets keep one index on the device: ``rawpacket_device_data`` (device, data time)
serves every lookup by device, and the foreign key's own index on the device alone was one
more B-tree insert per packet stored (10,000 a second). The index is dropped by name: an
AlterField would make SQLite copy the whole table, hundreds of millions of rows."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "monitoring_rawpacket_device_id_c3e5b08d"  # Django's name for the key's index


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0009_protect_evidence"),
        ("registry", "0004_retirement"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    f"CREATE INDEX {INDEX} ON monitoring_rawpacket (device_id)",
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="rawpacket",
                    name="device",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="registry.device",
                        verbose_name="数采仪",
                    ),
                )
            ],
        )
    ]
