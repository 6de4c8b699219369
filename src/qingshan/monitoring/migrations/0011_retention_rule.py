"""How long real-time and minute data (and the raw packets behind them) are kept.

A dated rule-table row, per jurisdiction: ``None`` keeps everything (the national default:
deleting evidence is the bureau's decision, under its archive rules); a number of days
lets the worker's ``monitoring.retention`` job delete older rows. Hourly and daily values
are never pruned by this rule. The demo city sets short windows for itself, the way a
bureau would.
"""

import datetime as dt

from django.db import migrations

from qingshan.core.rules import rules_seed, rules_unseed

SINCE = dt.date(2018, 3, 1)  # as the other monitoring defaults (migration 0003)

RULES = [
    (
        "monitoring.retention",
        {"realtime_days": None, "minute_days": None, "raw_packet_days": None},
        "青山平台默认值：不删除；保存期限由主管部门按档案管理要求设定",
    ),
]


def seed(apps, schema_editor):
    rules_seed(apps, RULES, since=SINCE)


def unseed(apps, schema_editor):
    rules_unseed(apps, RULES, since=SINCE)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0010_rawpacket_one_device_index")]
    operations = [migrations.RunPython(seed, unseed)]
