"""Read dated rule values: the one small API every module uses for thresholds.

``rule_value("monitoring.hour_min_valid_minutes", region_code="330603", on=date)`` returns
the value from the most specific jurisdiction (county over city over province over
national) whose period covers the date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from qingshan.core.models import RuleValue


class RuleMissing(LookupError):
    """No value of the rule is in force for that jurisdiction and date."""


def _prefixes(region_code: str) -> list[str]:
    code = region_code.strip()
    return [p for p in (code[:6], code[:4], code[:2]) if len(p) in (2, 4, 6) and code] + [""]


def rule_candidates(rule: str, *, region_code: str = "", on: dt.date) -> list[RuleValue]:
    prefixes = list(dict.fromkeys(_prefixes(region_code)))
    rows = RuleValue.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=on),
        rule=rule,
        jurisdiction__in=prefixes,
        effective_from__lte=on,
    )
    return sorted(rows, key=lambda r: (-len(r.jurisdiction), -r.effective_from.toordinal()))


def rule_value(rule: str, *, region_code: str = "", on: dt.date, default: Any = RuleMissing) -> Any:
    found = rule_candidates(rule, region_code=region_code, on=on)
    if found:
        return found[0].value
    if default is RuleMissing:
        raise RuleMissing(f"no value of rule {rule!r} for {region_code or 'national'} on {on}")
    return default


def rules_seed(apps: Any, rules: list[tuple[str, Any, str]], *, since: dt.date) -> None:
    """Data migrations: put an app's national defaults ``(rule, value, source)`` in the table.

    Takes the migration's ``apps`` so the historical model is used; an existing row is kept.
    """
    model = apps.get_model("core", "RuleValue")
    for rule, value, source in rules:
        model.objects.get_or_create(
            jurisdiction="",
            rule=rule,
            effective_from=since,
            defaults={"value": value, "source": source},
        )


def rules_unseed(apps: Any, rules: list[tuple[str, Any, str]], *, since: dt.date) -> None:
    apps.get_model("core", "RuleValue").objects.filter(
        jurisdiction="", rule__in=[rule for rule, _, _ in rules], effective_from=since
    ).delete()
