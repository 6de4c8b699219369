"""No packet stalls the judging of the others (issue 15), whatever it holds.

A logger at point A sends packets with arbitrary data times (year 1 … 9999, none, not a
time at all, or within the window), values (NaN, infinities, the float maximum and
beyond, negative, none) and flags (any one or two characters but HJ 212's separators);
then point B's logger sends a valid hourly value over its limit. After the worker's
stream and statistics jobs, B's exceedance is an alarm and every consumer's cursor is
past every packet.
"""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models import Max
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingshan.core.models import EventCursor
from qingshan.monitoring import jobs
from qingshan.monitoring.choices import AlarmKind
from qingshan.monitoring.models import Alarm, RawPacket
from qingshan.monitoring.stream import CONSUMERS, stream_dispatch
from tests.monitoring.conftest import china_text, hj212_frame, store_packet

SO2, O2, FLOW, DUST = "a21026", "a19001", "w00000", "a34013"
WINDOW_BEHIND, WINDOW_AHEAD = 31 * 86400, 600  # the national rule (migration 0008)


def _text_time(moment: dt.datetime) -> str:
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
        f"{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"
    )


any_time = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23))
# seconds from now: the window's edges and what lies just outside
near_now = st.integers(-WINDOW_BEHIND - 7200, WINDOW_AHEAD + 7200)
data_times = st.one_of(
    st.none(),
    any_time.map(_text_time),
    near_now.map(lambda offset: ("near", offset)),
    st.text("0123456789", max_size=16),  # 20261301000000, 2026, …
)
values = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**40), 10**40).map(str),
    st.sampled_from(["NaN", "inf", "-inf", "1e308", "-1.7976931348623157e308", "1e400", "-0"]),
)
flags = st.text(
    st.characters(exclude_characters=";,=&\r\n", exclude_categories=("Cs",)), min_size=1, max_size=2
)
packets = st.lists(
    st.tuples(
        data_times,
        st.sampled_from(["2011", "2051", "2061", "2031"]),
        st.dictionaries(
            st.sampled_from([SO2, O2, FLOW, DUST]), st.tuples(values, flags), max_size=4
        ),
    ),
    min_size=1,
    max_size=6,
)


def _frame(mn: str, when: object, cn: str, fields: dict, now: int) -> bytes:
    if isinstance(when, tuple):  # ("near", offset)
        when = china_text(now + when[1])
    items = {code: ("" if v is None else v, flag) for code, (v, flag) in fields.items()}
    return hj212_frame(mn, when, items, cn=cn)  # type: ignore[arg-type]


@pytest.fixture
def sites(make_site):
    """Points A and B, made once for all the examples."""
    return make_site(), make_site()


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=packets)
def test_no_packet_at_point_a_keeps_point_bs_exceedance_from_being_an_alarm(
    sent, sites, monkeypatch
):
    a, b = sites
    with transaction.atomic():  # each example rolls back what it stored and raised
        jobs.evaluator.reset()
        now = int(time.time())
        for when, cn, fields in sent:
            frame = _frame(a["device"].mn, when, cn, fields, now)
            store_packet(a["device"], frame, received_ms=now * 1000)
        hour = now // 3600 * 3600 - 3600
        exceeding = {SO2: ("99.5", "N"), O2: ("6.0", "N")}
        frame = hj212_frame(b["device"].mn, china_text(hour), exceeding, cn="2061")
        store_packet(b["device"], frame, received_ms=now * 1000)

        stream_dispatch()
        # the statistics job as it runs two days on: every marked hour and day is due
        monkeypatch.setattr(jobs, "time", SimpleNamespace(time=lambda: now + 2 * 86400))
        jobs.statistics_job()
        monkeypatch.undo()

        assert Alarm.objects.filter(point=b["point"], kind=AlarmKind.EXCEEDANCE).exists()
        last = RawPacket.objects.aggregate(last=Max("pk"))["last"]
        cursors = dict(EventCursor.objects.values_list("consumer", "last_id"))
        assert all(cursors[f"stream:{name}"] == last for name in CONSUMERS), cursors
        # what A raised, it raised for data times within the window only
        for first, latest in Alarm.objects.filter(point=a["point"]).values_list(
            "first_at", "last_at"
        ):
            assert now - WINDOW_BEHIND - 86400 <= first.timestamp() <= now + WINDOW_AHEAD
            assert latest.timestamp() <= now + WINDOW_AHEAD
        transaction.set_rollback(True)
