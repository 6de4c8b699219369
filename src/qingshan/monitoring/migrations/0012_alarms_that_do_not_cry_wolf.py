"""Alarms that do not cry wolf (issue 17): real-time runs, reopening, severity bands.

- New dated rule-table rows (platform defaults, to be confirmed by the competent
  authority): how long real-time values must stay over a level before an alarm is raised
  and under a lower one before it clears (``monitoring.realtime_debounce``); how soon a
  raise reopens the alarm of the same condition instead of making a new one
  (``monitoring.alarm_reopen_minutes``); and the severity by how far over the limit and
  for how long (``monitoring.severity_bands``), which takes over from
  ``monitoring.exceedance_critical_ratio`` — a jurisdiction's own ratio becomes its own
  bands row, so its choice keeps working.
- A new kind, the real-time value over the limit (``rtd_exceedance``), apart from the early
  warning (a share of the limit) and from the exceedance the law judges on hourly and
  daily values; a new history step, reopened.
- The data times an alarm counted (the engine's bookkeeping, to recognise a resend) move
  out of its evidence into their own field ``counted_times``.
"""

import datetime as dt

from django.db import migrations, models

from qingshan.core.rules import rules_seed, rules_unseed

SINCE = dt.date(2018, 3, 1)  # as the other monitoring defaults (migration 0003)
DEFAULT = "青山平台默认值，待省级主管部门确认"

EXCEEDANCE_BANDS = [
    # twice the limit in one hourly (or daily) value; over it four hours running
    {"ratio": 2.0, "minutes": 0, "severity": "critical"},
    {"ratio": 1.0, "minutes": 240, "severity": "critical"},
]
RULES = [
    (
        "monitoring.realtime_debounce",
        # over the level (the limit, or the warning share of it) this long before raising;
        # under clear_share × the level this long before clearing
        {"raise_minutes": 5, "clear_minutes": 10, "clear_share": 0.9},
        DEFAULT + "（实时数据报警的持续时间与回差）",
    ),
    (
        "monitoring.alarm_reopen_minutes",
        # a raise this soon (data time) after the last occurrence of a cleared alarm of the
        # same point, factor and kind reopens it; per kind, else "default". Hourly
        # exceedances: one hour under the limit between two over it is the same matter
        {"default": 60, "exceedance": 120},
        DEFAULT + "（同一报警消除后短时间内再次发生，合并为原报警）",
    ),
    (
        "monitoring.severity_bands",
        # a band applies while values stay at or over ratio × the limit for minutes (an
        # hourly value stands for its hour); the worst band reached is the severity, and
        # never below the kind's own (monitoring.alarm_severity)
        {
            "exceedance": EXCEEDANCE_BANDS,
            "rtd_exceedance": [
                {"ratio": 2.0, "minutes": 5, "severity": "major"},
                {"ratio": 1.0, "minutes": 30, "severity": "major"},
                {"ratio": 2.0, "minutes": 30, "severity": "critical"},
                {"ratio": 1.0, "minutes": 120, "severity": "critical"},
            ],
        },
        DEFAULT + "（按超过限值的倍数与持续时间分级；超标按 2 倍判为严重，沿用 0003）",
    ),
]
OLD_RATIO = "monitoring.exceedance_critical_ratio"
BANDS = "monitoring.severity_bands"


def seed(apps, schema_editor):
    rules_seed(apps, RULES, since=SINCE)
    _own_ratios_as_bands(apps)


def unseed(apps, schema_editor):
    rules_unseed(apps, RULES, since=SINCE)
    apps.get_model("core", "RuleValue").objects.filter(
        rule=BANDS, source__startswith="0012:"
    ).delete()


def _own_ratios_as_bands(apps):
    """A province's or city's own critical ratio, as its own bands row (same dates)."""
    rule_value = apps.get_model("core", "RuleValue")
    national = next(value for rule, value, _ in RULES if rule == BANDS)
    for row in rule_value.objects.filter(rule=OLD_RATIO).exclude(jurisdiction=""):
        try:
            ratio = float(row.value)
        except (TypeError, ValueError):
            continue  # a value the engine could not read either
        bands = dict(national)
        bands["exceedance"] = [{"ratio": ratio, "minutes": 0, "severity": "critical"}] + [
            b for b in EXCEEDANCE_BANDS if b["minutes"]
        ]
        rule_value.objects.get_or_create(
            jurisdiction=row.jurisdiction,
            rule=BANDS,
            effective_from=row.effective_from,
            defaults={
                "value": bands,
                "effective_to": row.effective_to,
                "source": f"0012: {OLD_RATIO} = {ratio} ({row.source})"[:255],
            },
        )


def times_out_of_evidence(apps, schema_editor):
    alarm = apps.get_model("monitoring", "Alarm")
    batch = []
    for row in alarm.objects.filter(evidence__has_key="times").iterator(chunk_size=1000):
        evidence = dict(row.evidence)
        times = evidence.pop("times", None)
        kept = times if isinstance(times, list) else []
        row.counted_times = [t for t in kept if isinstance(t, int)]
        row.evidence = evidence
        batch.append(row)
        if len(batch) >= 1000:
            alarm.objects.bulk_update(batch, ["evidence", "counted_times"])
            batch = []
    if batch:
        alarm.objects.bulk_update(batch, ["evidence", "counted_times"])


def times_into_evidence(apps, schema_editor):
    alarm = apps.get_model("monitoring", "Alarm")
    batch = []
    for row in alarm.objects.exclude(counted_times=[]).iterator(chunk_size=1000):
        row.evidence = {**(row.evidence or {}), "times": row.counted_times}
        batch.append(row)
        if len(batch) >= 1000:
            alarm.objects.bulk_update(batch, ["evidence"])
            batch = []
    if batch:
        alarm.objects.bulk_update(batch, ["evidence"])


class Migration(migrations.Migration):
    dependencies = [("core", "0002_event_cursor"), ("monitoring", "0011_retention_rule")]

    operations = [
        migrations.AddField(
            model_name="alarm",
            name="counted_times",
            field=models.JSONField(blank=True, default=list, verbose_name="已计入的数据时间"),
        ),
        migrations.AlterField(
            model_name="alarm",
            name="kind",
            field=models.CharField(
                choices=[
                    ("exceedance", "超标"),
                    ("rtd_exceedance", "实时超限"),
                    ("early_warning", "超标预警"),
                    ("offline", "离线"),
                    ("missing", "数据缺失"),
                    ("stuck", "恒值"),
                    ("zero", "零值"),
                    ("flag_run", "长时间异常标记"),
                    ("near_limit", "疑似贴线排放"),
                    ("contradiction", "疑似数据矛盾"),
                ],
                max_length=16,
                verbose_name="类型",
            ),
        ),
        migrations.AlterField(
            model_name="alarmentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("raised", "产生"),
                    ("repeated", "再次发生"),
                    ("reopened", "重新产生"),
                    ("acknowledged", "确认"),
                    ("cleared", "消除"),
                    ("commented", "评论"),
                    ("explained", "企业说明"),
                    ("accepted", "说明已采纳"),
                    ("rejected", "说明被驳回"),
                ],
                max_length=16,
                verbose_name="动作",
            ),
        ),
        migrations.RunPython(times_out_of_evidence, times_into_evidence),
        migrations.RunPython(seed, unseed),
    ]
