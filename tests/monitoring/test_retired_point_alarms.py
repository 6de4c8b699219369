"""A retired point's open alarms are cleared through the outbox, not left open for ever."""

from __future__ import annotations

from qingshan.core.outbox import CONSUMERS, consumer_run
from qingshan.monitoring.alarms import POINT_RETIRED
from qingshan.monitoring.choices import AlarmAction
from qingshan.registry.retirement import record_retire


def test_retiring_a_point_clears_its_open_alarms_with_the_retirement_as_reason(users, make_alarm):
    site = users["keqiao"]
    offline = make_alarm(site, kind="offline", factor_code="")
    cleared_before = make_alarm(site, factor_code="a21002")
    cleared_before.cleared_at = cleared_before.raised_at
    cleared_before.save()
    other = make_alarm(users["shangyu"])
    record_retire(user=users["county"], obj=site["point"], reason="点位撤除")
    assert consumer_run(CONSUMERS["monitoring.retirements"]) == 1
    offline.refresh_from_db()
    assert offline.cleared_at is not None
    last = offline.entries.order_by("-id").first()
    assert (last.action, last.text) == (AlarmAction.CLEARED, POINT_RETIRED)
    other.refresh_from_db()
    assert other.cleared_at is None  # another point's alarm is left alone


def test_a_retired_point_takes_no_declaration(users):
    import datetime as dt

    import pytest
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from qingshan.monitoring.services import declaration_submit

    site = users["keqiao"]
    record_retire(user=users["county"], obj=site["point"], reason="点位撤除")
    site["point"].refresh_from_db()
    start = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as refused:
        declaration_submit(
            user=users["enterprise"],
            point=site["point"],
            kind="maintenance",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            reason="检修",
        )
    assert "监控点已注销" in str(refused.value.message_dict["point_id"])
