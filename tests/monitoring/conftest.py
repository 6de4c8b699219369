"""Fixtures of the monitoring tests: alarms and readings crafted directly (no alarm engine)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from qingshan.hj212 import Frame, decode_frame, encode_frame
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import Alarm, RawPacket, Reading
from tests.web.conftest import client_as, factor_catalogue  # noqa: F401  (fixtures)

CHINA = dt.timezone(dt.timedelta(hours=8))
# 2026-11-01 00:00 in China: hours of the test series start here
T0 = int(dt.datetime(2026, 11, 1, tzinfo=CHINA).timestamp())


@pytest.fixture
def make_alarm(db: Any) -> Callable[..., Alarm]:
    def make(site: dict[str, Any], **fields: Any) -> Alarm:
        values: dict[str, Any] = {
            "point": site["point"],
            "enterprise": site["enterprise"],
            "region_code": site["enterprise"].region_code,
            "factor_code": "a21026",
            "kind": "exceedance",
            "severity": "major",
            "period": PeriodKind.HOUR,
            "first_at": T0 + 3 * 3600,
            "last_at": T0 + 5 * 3600,
            "occurrences": 3,
            "worst_value": 52.5,
            "limit_value": 35.0,
            "rule": "monitoring.exceedance",
            "evidence": {"values": [[T0 + 3 * 3600, 40.1], [T0 + 5 * 3600, 52.5]]},
        }
        values.update(fields)
        return Alarm.objects.create(**values)

    return make


def add_readings(
    point_id: int,
    factor_code: str,
    period: int,
    rows: Iterable[tuple[Any, ...]],
) -> None:
    """Readings as (data_time, value[, flag[, zs]])."""
    objs = []
    for row in rows:
        t, value, *rest = row
        flag = rest[0] if rest else "N"
        zs = rest[1] if len(rest) > 1 else None
        objs.append(
            Reading(
                point_id=point_id,
                factor_code=factor_code,
                period=period,
                data_time=t,
                value=value,
                flag=flag,
                zs=zs,
                received_at=(t + 30) * 1000,
            )
        )
    Reading.objects.bulk_create(objs)


# --- raw packets as the gateway stores them (for the stream) -----------------------------


def hj212_frame(
    mn: str,
    data_time: str | None,
    values: dict[str, tuple[Any, str]],
    *,
    cn: str = "2061",
    qn: str = "20261101000000001",
) -> bytes:
    """A real HJ 212 frame: ``data_time`` as the logger writes it (YYYYMMDDhhmmss, any
    text, or None for none), ``values`` factor → (value text, flag)."""
    field = "Rtd" if cn == "2011" else "Avg"
    items = [f"DataTime={data_time}"] if data_time is not None else []
    items += [
        f"{code}-{field}={value},{code}-Flag={flag}" for code, (value, flag) in values.items()
    ]
    segment = f"QN={qn};ST=31;CN={cn};PW=123456;MN={mn};Flag=5;CP=&&{';'.join(items)}&&"
    return encode_frame(segment)


def store_packet(device: Any, frame: bytes, *, received_ms: int) -> Any:
    """Store a frame as the gateway does: decoded, with its data time, as evidence."""
    from qingshan.gateway.readings import data_time_epoch

    event = decode_frame(frame, lenient=True)
    assert isinstance(event, Frame), event
    packet = event.packet
    return RawPacket.objects.create(
        received_at=received_ms,
        device=device,
        peer="127.0.0.1:5000",
        st=packet.st or "",
        cn=packet.cn or "",
        qn=packet.qn or "",
        flag=packet.flag,
        version="2017",
        data_time=data_time_epoch(packet),
        raw=frame,
    )


def china_text(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, CHINA).strftime("%Y%m%d%H%M%S")


@pytest.fixture(autouse=True)
def _fresh_worker_state() -> None:
    """The worker's caches (devices, data-time windows, contexts, series state) start
    empty: ids of a rolled-back test are used again by the next."""
    from qingshan.monitoring import jobs, stream

    stream._devices = stream._Devices()
    stream._windows = stream._Windows()
    jobs.evaluator.reset()
