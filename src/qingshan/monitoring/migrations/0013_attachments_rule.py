"""What an alarm explanation or an anomaly declaration may attach, as a dated rule-table row.

The national default is what the platform accepted before the rule existed: a PDF, PNG,
JPEG, Word (docx) or Excel (xlsx) file of at most 10 MiB. A province overrides it with a row
for its jurisdiction (the check is ``qingshan.core.attachments``).
"""

import datetime as dt

from django.db import migrations

from qingshan.core.rules import rules_seed, rules_unseed

SINCE = dt.date(2018, 3, 1)  # as the other monitoring defaults (migration 0003)

RULES = [
    (
        "monitoring.attachments",
        {"max_bytes": 10485760, "types": ["pdf", "png", "jpg", "docx", "xlsx"]},
        "青山平台默认值，待省级主管部门确认",
    ),
]


def seed(apps, schema_editor):
    rules_seed(apps, RULES, since=SINCE)


def unseed(apps, schema_editor):
    rules_unseed(apps, RULES, since=SINCE)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0012_alarms_that_do_not_cry_wolf")]
    operations = [migrations.RunPython(seed, unseed)]
