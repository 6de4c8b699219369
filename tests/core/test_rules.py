import datetime as dt

import pytest
from django.db import IntegrityError

from qingshan.core.models import RuleValue
from qingshan.core.rules import RuleMissing, rule_value

RULE = "monitoring.hour_min_valid_minutes"


@pytest.fixture
def rules(db):
    source = "HJ 75-2017 §11 (to be confirmed per province)"
    RuleValue.objects.create(rule=RULE, value=45, effective_from=dt.date(2017, 1, 1), source=source)
    RuleValue.objects.create(
        rule=RULE,
        jurisdiction="33",
        value=50,
        effective_from=dt.date(2020, 1, 1),
        effective_to=dt.date(2026, 1, 1),
        source="Zhejiang notice",
    )
    RuleValue.objects.create(
        rule=RULE,
        jurisdiction="33",
        value=54,
        effective_from=dt.date(2026, 1, 1),
        source="new",
    )


def test_national_value_applies_elsewhere(rules):
    assert rule_value(RULE, region_code="440300", on=dt.date(2025, 6, 1)) == 45


def test_more_specific_jurisdiction_wins_within_its_period(rules):
    assert rule_value(RULE, region_code="330603", on=dt.date(2025, 12, 31)) == 50
    assert rule_value(RULE, region_code="330603", on=dt.date(2026, 1, 1)) == 54
    assert rule_value(RULE, region_code="330603", on=dt.date(2019, 12, 31)) == 45


def test_missing_rule_is_an_error_unless_defaulted(rules):
    with pytest.raises(RuleMissing):
        rule_value("no.such.rule", on=dt.date(2025, 1, 1))
    assert rule_value("no.such.rule", on=dt.date(2025, 1, 1), default=7) == 7
    with pytest.raises(RuleMissing):
        rule_value(RULE, on=dt.date(2010, 1, 1))


def test_period_must_be_ordered(db):
    with pytest.raises(IntegrityError):
        RuleValue.objects.create(
            rule=RULE,
            value=1,
            effective_from=dt.date(2026, 1, 1),
            effective_to=dt.date(2025, 1, 1),
            source="x",
        )
