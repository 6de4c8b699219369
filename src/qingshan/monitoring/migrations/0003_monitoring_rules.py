"""The monitoring rules' national defaults, as dated rule-table rows (docs/adr/0006).

Provinces and cities override any of them with a row for their jurisdiction; a changed
standard is a new row with a new effective date, never an edit.
"""

import datetime as dt

from django.db import migrations

from qingshan.core.rules import rules_seed, rules_unseed

SINCE = dt.date(2018, 3, 1)  # HJ 75-2017 in force; the platform defaults date from it too
DEFAULT = "青山平台默认值，待省级主管部门确认"

RULES = [
    (
        "monitoring.flag_validity",
        # absent flag = N; 2005 letters P (power) and digits (air stations) are invalid
        {
            "N": "valid",
            "F": "invalid",
            "M": "invalid",
            "D": "invalid",
            "C": "invalid",
            "B": "invalid",
            "P": "invalid",
            "S": "review",
            "T": "review",
        },
        "HJ 212-2017 §6.6.4 表8；rules_cn §3.1（S、T 需人工审核）",
    ),
    (
        "monitoring.hour_min_valid_minutes",
        45,
        "HJ 75-2017 连续监测定义（每小时≥45分钟）；待各省确认",
    ),
    ("monitoring.day_min_valid_hours", 20, "HJ 212-2017 附录D（日均值需≥20个有效小时值）"),
    # the share of the limit real-time values are warned at, and for how many in a row
    ("monitoring.early_warning", {"share": 0.8, "consecutive": 3}, DEFAULT),
    ("monitoring.offline_after_minutes", 30, DEFAULT),
    # an hour is missing when no hourly value (sent or derived) exists this long after it ends
    ("monitoring.missing_hour_grace_minutes", 20, DEFAULT),
    # identical values in a row, per period kind (1 real-time, 2 minute, 3 hourly)
    ("monitoring.stuck_repeats", {"1": 60, "2": 30, "3": 6}, DEFAULT),
    ("monitoring.zero_repeats", {"1": 20, "2": 10, "3": 3}, DEFAULT),
    # runs of fault, calibration, maintenance, stop or communication flags this long
    ("monitoring.flag_run", {"flags": ["D", "C", "M", "F", "B", "P"], "minutes": 120}, DEFAULT),
    # hourly values pinned just under the limit: share of the window in [low, 1) × limit
    (
        "monitoring.near_limit",
        {"low": 0.9, "window_hours": 24, "share": 0.8},
        "rules_cn §3.6；" + DEFAULT,
    ),
    # O2 at or above this while a converted value is judged inflates 折算; flow factors at
    # or below zero while a concentration is above min_share × limit contradict each other
    (
        "monitoring.contradiction",
        {"o2_max": 19.0, "flow_factors": ["a00000", "w00000"], "min_share": 0.1},
        "rules_cn §3.6；" + DEFAULT,
    ),
    ("monitoring.exceedance_critical_ratio", 2.0, DEFAULT),
    (
        "monitoring.alarm_severity",
        {
            "exceedance": "major",
            "early_warning": "warning",
            "offline": "major",
            "missing": "minor",
            "stuck": "minor",
            "zero": "minor",
            "flag_run": "minor",
            "near_limit": "warning",
            "contradiction": "warning",
        },
        DEFAULT,
    ),
]


def seed(apps, schema_editor):
    rules_seed(apps, RULES, since=SINCE)


def unseed(apps, schema_editor):
    rules_unseed(apps, RULES, since=SINCE)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_event_cursor"), ("monitoring", "0002_alarms")]
    operations = [migrations.RunPython(seed, unseed)]
