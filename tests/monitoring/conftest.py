"""Fixtures of the monitoring tests: alarms and readings crafted directly (no alarm engine)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import Alarm, Reading
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
