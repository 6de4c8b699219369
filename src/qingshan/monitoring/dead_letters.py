"""What the alarm engine could not judge, set aside with its reason (a dead-letter list).

A packet, a derived period or a point's silence check that fails is set aside here, in
the transaction that moves its consumer past it, so that the stream and the jobs go on:
one packet, point or rule never stalls the judging of the others (issue 15). A failure
of the database itself (locked, gone) is nobody's packet's fault: it is retried on the
next run, never set aside. A regulator sees the list, judges an entry again once its
cause is fixed (a missing rule entered, say) or dismisses it (``services``).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable

from django.db import InterfaceError, OperationalError
from django.db.models import CharField, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from qingshan.core.rules import RuleMissing
from qingshan.monitoring.models import DeadLetter
from qingshan.registry.models import MonitoringPoint

log = logging.getLogger("qingshan.monitoring.dead_letters")

# the database failed, not the data: retry next run (the stream's cursor stays where it is)
TRANSIENT = (OperationalError, InterfaceError)

# the jobs that set aside what they cannot judge (stream consumers go by their own names)
STATISTICS = "statistics"  # a due hour or day: derived and judged again
SILENCE = "silence"  # a point's offline and missing-hour checks

# reasons in words a regulator reads; stored in Chinese, shown translated
NO_RULE = gettext_noop("该数据时间没有生效的研判规则")
BAD_TIME = gettext_noop("数据时间超出可处理的范围")
FAILED = gettext_noop("研判出错（平台缺陷，请联系运维人员）")
REASONS = (NO_RULE, BAD_TIME, FAILED)
JUDGED_AGAIN = gettext_noop("已重新研判")  # the resolution of an entry judged again
# what each consumer is, for the list
CONSUMER_LABELS = {
    "monitoring.alarms": gettext_noop("报警研判"),
    "monitoring.statistics": gettext_noop("统计时段标记"),
    "quality.results": gettext_noop("环境质量结果"),
    STATISTICS: gettext_noop("小时/日统计"),
    SILENCE: gettext_noop("离线与缺失检查"),
}

DETAIL_MAX = 4000  # characters of the traceback kept: its end names what failed


def reason_for(exc: BaseException) -> str:
    if isinstance(exc, RuleMissing):
        return NO_RULE
    if isinstance(exc, OverflowError) or (
        isinstance(exc, ValueError) and "out of range" in str(exc)
    ):
        return BAD_TIME  # datetime: "year 0 is out of range", "ordinal must be >= 1"
    return FAILED


def detail_for(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc))
    return text[-DETAIL_MAX:]


def dead_letter_record(
    *,
    consumer: str,
    exc: BaseException,
    raw_packet_id: int | None = None,
    device_id: int | None = None,
    point_id: int | None = None,
    period: int | None = None,
    data_time: int | None = None,
    once: bool = False,
) -> DeadLetter | None:
    """Set one thing aside, in the caller's transaction; one log line, no traceback (the
    traceback is the entry's detail). ``once``: not again while an open entry of the same
    consumer, point and reason exists (a check that fails every 30 seconds)."""
    reason = reason_for(exc)
    if (
        once
        and DeadLetter.objects.filter(
            consumer=consumer, point_id=point_id, reason=reason, resolved_at__isnull=True
        ).exists()
    ):
        return None
    letter = DeadLetter.objects.create(
        consumer=consumer,
        raw_packet_id=raw_packet_id,
        device_id=device_id,
        point_id=point_id,
        period=period,
        data_time=data_time,
        reason=reason,
        detail=detail_for(exc),
    )
    log.warning(
        "event=dead-letter id=%s consumer=%s packet=%s point=%s data_time=%s error=%s",
        letter.pk,
        consumer,
        raw_packet_id,
        point_id,
        data_time,
        repr(exc)[:300],
    )
    return letter


def region_expression(to_point: str = "") -> Coalesce:
    """The region a point is judged and scoped by, as an expression over ``to_point``
    (the path to the point, "" from the point itself): its enterprise's, or an air
    station's or water section's (qingshan.quality, by the names of its relations)."""
    return Coalesce(
        f"{to_point}outlet__enterprise__region_code",
        f"{to_point}air_station__region_code",
        f"{to_point}water_section__region_code",
        Value(""),
        output_field=CharField(),
    )


def point_regions(point_ids: Iterable[int | None]) -> dict[int, str]:
    """Point → its region (``region_expression``)."""
    ids = {p for p in point_ids if p is not None}
    if not ids:
        return {}
    rows = MonitoringPoint.objects.filter(pk__in=ids).annotate(region=region_expression())
    return {pk: code or "" for pk, code in rows.values_list("pk", "region")}
