"""How much a user may upload to cases, and how fast, as a dated rule-table row.

A file is at most ``supervision.attachments.max_bytes`` (migration 0002); on top of that a
user uploads at most ``user_bytes_per_day`` in 24 hours and ``user_files_per_minute``
files a minute, and a case holds at most ``case_bytes`` in all. A file never attached to
an action is removed ``unattached_hours`` after its upload (docs/security.md, "Uploads").
"""

import datetime as dt

from django.db import migrations

from qingshan.core.rules import rules_seed, rules_unseed

SINCE = dt.date(2026, 1, 1)  # as the other supervision defaults (migration 0002)

RULES = [
    (
        "supervision.upload_limits",
        # a site visit: 20–30 phone photos of 3–5 MB and a report; a day of an inspector's
        # visits stays well under 200 MB, and 20 files a minute lets a whole visit go at once
        {
            "user_bytes_per_day": 200 * 1024 * 1024,
            "user_files_per_minute": 20,
            "case_bytes": 200 * 1024 * 1024,
            "unattached_hours": 24,
        },
        "青山平台默认值，待生态环境主管部门确认（每人每日 200 MB、每分钟 20 个文件、"
        "每案 200 MB，未使用的上传 24 小时后删除）",
    ),
]


def seed(apps, schema_editor):
    rules_seed(apps, RULES, since=SINCE)


def unseed(apps, schema_editor):
    rules_unseed(apps, RULES, since=SINCE)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_event_cursor"), ("supervision", "0003_case_visibility")]
    operations = [migrations.RunPython(seed, unseed)]
