"""Deadlines in working days and hours, overdue marking and escalation, with the clock frozen.

November 2026: Friday the 20th, the weekend of the 21st–22nd, Monday the 23rd. Deadlines
end at midnight after their last working day (China time); the day a period starts is not
counted.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from qingshan.core.chinatime import CHINA_TZ as CHINA
from qingshan.core.models import RuleValue
from qingshan.supervision import services
from qingshan.supervision.calendar import WorkCalendar
from qingshan.supervision.models import Notification, SupervisionCase


def at(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CHINA)


def act(case, user, action, **kwargs):
    case.refresh_from_db()
    return services.case_act(user=user, case=case, action=action, version=case.version, **kwargs)


def kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True)
    )


def test_working_days_skip_weekends_and_follow_the_holiday_notice() -> None:
    plain = WorkCalendar()
    assert plain.add_working_days(at(20, 16), 1) == at(24)  # Fri → end of Monday
    assert plain.add_working_days(at(19, 9), 3) == at(25)  # Thu → Fri, Mon, Tue
    assert plain.add_working_days(at(21, 11), 1) == at(24)  # from Saturday: Monday
    assert plain.add_working_days(at(20, 23, 59), 10) == at(5, month=12)
    # Monday a public holiday, Saturday a make-up working day (调休)
    notice = WorkCalendar.from_rule({"holidays": ["2026-11-23"], "workdays": ["2026-11-21"]})
    assert notice.add_working_days(at(20, 16), 1) == at(22)  # the Saturday counts
    assert notice.add_working_days(at(20, 16), 2) == at(25)  # Sat, (Sun, Mon off), Tue
    # the instant of the start does not matter, only its day in China
    utc_evening = dt.datetime(2026, 11, 19, 17, 30, tzinfo=dt.UTC)  # Fri 01:30 in China
    assert plain.add_working_days(utc_evening, 1) == at(24)


def test_state_deadlines_come_from_the_rule_table(open_case, users) -> None:
    with time_machine.travel(at(20, 10), tick=False):
        case = open_case()
    assert case.deadline == at(21, 10)  # pending: 24 clock hours
    with time_machine.travel(at(20, 16), tick=False):
        act(case, users["regulator"], "dispatch")
    case.refresh_from_db()
    assert case.deadline == at(24)  # dispatched: one working day, over the weekend
    with time_machine.travel(at(23, 9), tick=False):
        act(case, users["inspector"], "accept")
    case.refresh_from_db()
    assert case.deadline == at(27)  # investigating: three working days Tue–Thu
    with time_machine.travel(at(23, 10), tick=False):
        act(
            case, users["inspector"], "order_rectification", comment="限期整改", deadline=at(30, 18)
        )
    case.refresh_from_db()
    assert case.deadline == at(30, 18)  # a deadline the inspector chose
    assert case.events.last().deadline == at(30, 18)


def test_a_county_rule_and_a_holiday_change_the_deadline(open_case, users) -> None:
    RuleValue.objects.create(
        jurisdiction="330603",
        rule="supervision.deadlines",
        effective_from="2026-01-01",
        value={"pending": {"hours": 4}, "dispatched": {"working_days": 2}},
        source="测试",
    )
    RuleValue.objects.create(
        jurisdiction="",
        rule="supervision.calendar",
        effective_from="2026-06-01",
        value={"holidays": ["2026-11-23"], "workdays": []},
        source="测试",
    )
    with time_machine.travel(at(20, 10), tick=False):
        case = open_case()
        assert case.deadline == at(20, 14)
        act(case, users["regulator"], "dispatch")
    case.refresh_from_db()
    assert case.deadline == at(26)  # two working days: Monday off, so Tue and Wed


def test_reminder_overdue_and_escalation_across_a_weekend(open_case, users) -> None:
    with time_machine.travel(at(20, 16), tick=False):
        case = open_case()
        act(case, users["regulator"], "dispatch", assignee=users["inspector"])
    case.refresh_from_db()
    assert case.deadline == at(24)
    before = Notification.objects.count()

    with time_machine.travel(at(22, 12), tick=False):  # Sunday noon: 36 h to go
        assert services.deadlines_check() == {"reminded": 0, "overdue": 0, "escalated": 0}
    with time_machine.travel(at(23, 8), tick=False):  # Monday 08:00: within 24 h
        assert services.deadlines_check()["reminded"] == 1
        assert services.deadlines_check()["reminded"] == 0  # once per state
    assert kinds(users["inspector"])[-1] == "due_soon"

    with time_machine.travel(at(23, 23, 59), tick=False):
        assert services.deadlines_check()["overdue"] == 0
    with time_machine.travel(at(24, 0, 1), tick=False):
        assert services.deadlines_check() == {"reminded": 0, "overdue": 1, "escalated": 0}
        assert services.deadlines_check()["overdue"] == 0
    case.refresh_from_db()
    assert case.overdue_since == at(24) and case.escalation_level == 0
    # the assignee and their supervisor (the county team) are told
    assert kinds(users["inspector"])[-1] == "overdue"
    assert kinds(users["county"])[-1] == "overdue"
    assert case.events.last().action == "overdue" and case.events.last().actor is None

    # first threshold: 2 working days past the deadline (Tue, Wed) → Thursday 00:00
    with time_machine.travel(at(25, 23, 59), tick=False):
        assert services.deadlines_check()["escalated"] == 0
    with time_machine.travel(at(26, 0, 1), tick=False):
        assert services.deadlines_check()["escalated"] == 1
    case.refresh_from_db()
    assert case.escalation_level == 1
    assert kinds(users["regulator"])[-1] == "escalated"  # the city, one level above the county
    # second threshold: 5 working days (Tue, Wed, Thu, Fri, Mon) → Tuesday 1 December 00:00
    for moment in (at(28, 12), at(29, 12), at(30, 23, 59)):  # the weekend does not count
        with time_machine.travel(moment, tick=False):
            assert services.deadlines_check()["escalated"] == 0
    with time_machine.travel(at(1, 0, 1, month=12), tick=False):
        assert services.deadlines_check()["escalated"] == 1
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert kinds(users["admin"])[-1] == "escalated"  # no province regulator: the administrators
    levels = [e.data["level"] for e in case.events.filter(action="escalate")]
    assert levels == [1, 2]
    assert Notification.objects.count() > before

    # acting moves the case on: a new deadline, no longer overdue
    with time_machine.travel(at(1, 9, month=12), tick=False):
        act(case, users["inspector"], "accept")
    case.refresh_from_db()
    assert (case.overdue_since, case.escalation_level, case.deadline) == (None, 0, at(5, month=12))


def test_a_closed_case_has_no_deadline_and_is_left_alone(open_case, users) -> None:
    with time_machine.travel(at(20, 10), tick=False):
        case = open_case()
        act(case, users["regulator"], "close_false_alarm", comment="设备校准期间的数据")
    with time_machine.travel(at(30, 10), tick=False):
        assert services.deadlines_check() == {"reminded": 0, "overdue": 0, "escalated": 0}
    case.refresh_from_db()
    assert case.deadline is None and case.overdue_since is None


@pytest.mark.parametrize("spec", [{}, {"days": 3}])
def test_a_deadline_needs_a_unit(spec) -> None:
    from qingshan.supervision.calendar import deadline_after

    with pytest.raises(ValueError):
        deadline_after(at(20), spec, WorkCalendar())


def test_overdue_cases_are_listed_as_such(open_case, users) -> None:
    from qingshan.supervision.selectors import case_counts, case_list

    with time_machine.travel(at(20, 10), tick=False):
        late, fine = open_case(), open_case()
        act(fine, users["regulator"], "dispatch")
    with time_machine.travel(at(21, 11), tick=False):
        services.deadlines_check()
    assert list(case_list(user=users["regulator"], overdue=True)) == [late]
    assert case_counts(user=users["regulator"], overdue=True)["pending"] == 1
    assert SupervisionCase.objects.get(pk=fine.pk).overdue_since is None
