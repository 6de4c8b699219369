"""MN is unique whatever its case (a logger typed twice in different case is one logger).

Before the constraint is added, MNs that differ only in case are looked for and named:
the constraint would otherwise fail with the database's bare message. The demo's MNs are
all upper case and distinct; a bureau with such a pair retires or renames one first.
"""

import django.db.models.functions.text
from django.db import migrations, models


def refuse_case_twins(apps, schema_editor):
    Device = apps.get_model("registry", "Device")
    seen = {}
    twins = []
    for pk, mn in Device.objects.using(schema_editor.connection.alias).values_list("pk", "mn"):
        other = seen.setdefault(mn.lower(), mn)
        if other != mn:
            twins.append(f"{other} / {mn}")
    if twins:
        raise RuntimeError(
            "数采仪 MN 仅大小写不同，无法建立不区分大小写的唯一约束；请先修改或删除其一："
            + "，".join(twins)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_retirement"),
    ]

    operations = [
        migrations.RunPython(refuse_case_twins, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="device",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("mn"),
                name="device_mn_unique_any_case",
                violation_error_message="已有相同 MN 的数采仪（MN 不区分大小写）",
            ),
        ),
    ]
