"""The supervision workflow's national defaults, as dated rule-table rows (docs/adr/0006).

Provinces, cities and counties override any of them with a row for their jurisdiction; a
changed policy is a new row with a new effective date, never an edit. None of these is
fixed by a national text for online-monitoring cases: each is a platform default that the
bureau confirms or replaces (docs/supervision.md).
"""

import datetime as dt

from django.db import migrations

from qingshan.core.rules import rules_seed, rules_unseed

SINCE = dt.date(2026, 1, 1)
DEFAULT = "青山平台默认值，待生态环境主管部门确认"

RULES = [
    (
        # how long each state may last: working days (the start day not counted, the
        # period ending at 24:00 of its last day, 民法典 第201、203条) or clock hours
        "supervision.deadlines",
        {
            "pending": {"hours": 24},
            "dispatched": {"working_days": 1},
            "investigating": {"working_days": 3},
            "rectifying": {"working_days": 10},
            "verifying": {"working_days": 3},
        },
        DEFAULT + "（派发 24 小时、签收 1 个工作日、查处 3 个、整改 10 个、复核 3 个工作日）",
    ),
    (
        # public holidays and make-up working days (调休) of the State Council's yearly
        # notice; empty until the bureau enters the year's notice
        "supervision.calendar",
        {"holidays": [], "workdays": []},
        "国务院办公厅关于当年部分节假日安排的通知；待按年度通知录入（空表示仅按周末计算）",
    ),
    (
        # overdue past these many working days: one level up (county → city), then two
        "supervision.overdue_escalation",
        {"after_working_days": [2, 5]},
        DEFAULT,
    ),
    ("supervision.reminder_hours", 24, DEFAULT + "（到期前 24 小时提醒）"),
    (
        # alarm kinds that open a case by themselves; a regulator can open one from any alarm
        "supervision.auto_case_alarm_kinds",
        {"key_dischargers": ["exceedance"], "others": []},
        "绍兴市实施意见（2020）第十七条：自动监控超标数据快速发现、预警督办、查处整改闭环；"
        "自动立案范围（重点排污单位的超标报警）为" + DEFAULT,
    ),
    (
        "supervision.attachments",
        {"max_bytes": 10485760, "types": ["jpg", "png", "webp", "pdf", "docx", "xlsx"]},
        DEFAULT,
    ),
]


def seed(apps, schema_editor):
    rules_seed(apps, RULES, since=SINCE)


def unseed(apps, schema_editor):
    rules_unseed(apps, RULES, since=SINCE)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_event_cursor"), ("supervision", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
