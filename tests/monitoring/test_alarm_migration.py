"""Migration 0012: existing alarms keep their counted data times (now in their own field)
and a jurisdiction's own critical ratio keeps grading its exceedances."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from qingshan.core.models import RuleValue
from qingshan.core.rules import rule_value
from qingshan.monitoring.alarms import findings_apply
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.evaluation import Evaluator
from qingshan.monitoring.models import Alarm
from tests.monitoring.test_alarm_rules import T0, hour

migration = importlib.import_module(
    "qingshan.monitoring.migrations.0012_alarms_that_do_not_cry_wolf"
)


@pytest.fixture
def site(make_site):
    return make_site()


def test_counted_times_move_out_of_the_evidence_and_back(make_alarm, site):
    times = [T0 + 3 * 3600, T0 + 5 * 3600]
    old = make_alarm(site, evidence={"limit": 35.0, "times": times}, counted_times=[])
    untouched = make_alarm(site, kind="offline", factor_code="", evidence={"mn": "X"})
    migration.times_out_of_evidence(apps, None)
    old.refresh_from_db()
    untouched.refresh_from_db()
    assert old.evidence == {"limit": 35.0} and old.counted_times == times
    assert untouched.evidence == {"mn": "X"} and untouched.counted_times == []
    migration.times_into_evidence(apps, None)
    old.refresh_from_db()
    assert old.evidence == {"limit": 35.0, "times": times}


def test_a_migrated_alarm_still_recognises_a_resent_hour(make_alarm, site):
    # hour 0 counted by an alarm cleared before the migration: its resend raises nothing
    alarm = make_alarm(
        site,
        first_at=T0,
        last_at=T0,
        evidence={"limit": 35.0, "times": [T0]},
        cleared_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )
    migration.times_out_of_evidence(apps, None)
    contexts = Contexts()
    findings_apply(Evaluator(contexts).evaluate(hour(site, 0, 40.0)), contexts=contexts)
    assert list(Alarm.objects.all()) == [alarm]


def test_a_provinces_own_critical_ratio_becomes_its_severity_bands(site):
    RuleValue.objects.create(
        jurisdiction="33",
        rule="monitoring.exceedance_critical_ratio",
        value=1.5,
        effective_from=dt.date(2025, 1, 1),
        source="浙江省规定（测试）",
    )
    migration._own_ratios_as_bands(apps)
    bands = rule_value("monitoring.severity_bands", region_code="330603", on=dt.date(2026, 11, 2))
    assert bands["exceedance"][0] == {"ratio": 1.5, "minutes": 0, "severity": "critical"}
    assert bands["rtd_exceedance"]  # the rest as nationally
    contexts = Contexts()
    findings_apply(Evaluator(contexts).evaluate(hour(site, 0, 54.0)), contexts=contexts)
    assert Alarm.objects.get().severity == "critical"  # 54 ≥ 1.5 × 35
