"""The window of data times the alarm engine judges, as a dated rule-table row.

A data time more than ``ahead_minutes`` after the server's clock on arrival (a logger's
clock running ahead, or a forged 2099) or more than ``behind_days`` before it (a clock
reset to 2000-01-01) is stored and acknowledged but never judged, derived or shown as
the latest value (docs/monitoring.md, "Which data times are judged").
"""

import datetime as dt

from django.db import migrations

from qingshan.core.rules import rules_seed, rules_unseed

SINCE = dt.date(2018, 3, 1)  # as the other monitoring defaults (migration 0003)

RULES = [
    (
        "monitoring.data_time_window",
        # ahead: clock skew of a logger not yet set by a 1012 (a few minutes); behind: the
        # oldest backlog a logger resends after an outage, or that the platform fetches
        # with a history request (HJ 212-2017 Appendix C, R3)
        {"ahead_minutes": 10, "behind_days": 31},
        "青山平台默认值，待省级主管部门确认（数采仪时钟偏差与补发时限）",
    ),
]


def seed(apps, schema_editor):
    rules_seed(apps, RULES, since=SINCE)


def unseed(apps, schema_editor):
    rules_unseed(apps, RULES, since=SINCE)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_event_cursor"), ("monitoring", "0007_ingest_trust")]
    operations = [migrations.RunPython(seed, unseed)]
