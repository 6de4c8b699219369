"""What the point page hands its chart script: the values, the limit, the kind of data and
its step (the script draws China time and lone values from them: tests/browser)."""

from __future__ import annotations

from typing import Any

import pytest

from qingshan.monitoring.charts import chart_payload
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.series import reading_series
from tests.monitoring.conftest import T0, add_readings


@pytest.mark.parametrize(
    ("kind", "period", "step"),
    [
        ("hour", PeriodKind.HOUR, 3600),
        ("day", PeriodKind.DAY, 86400),
        ("minute", PeriodKind.MINUTE, 600),
    ],
)
def test_the_payload_says_its_kind_and_step(
    users: dict[str, Any], kind: str, period: int, step: int
) -> None:
    point = users["keqiao"]["point"]
    add_readings(point.pk, "a21026", period, [(T0, 12.5)])
    series = reading_series(
        user=users["regulator"], point_id=point.pk, factor_code="a21026", kind=kind,
        start=T0 - 86400, end=T0 + 86400,
    )  # fmt: skip
    payload = chart_payload(series)
    assert payload["t"] == [T0 * 1000]  # epoch milliseconds: the script shows China time
    assert payload["value"] == [12.5]
    assert (payload["kind"], payload["step"], payload["limit"]) == (kind, step, 35.0)


def test_a_bucketed_series_steps_by_its_bucket(users: dict[str, Any]) -> None:
    point = users["keqiao"]["point"]
    add_readings(point.pk, "a21026", PeriodKind.RTD, [(T0 + 30 * i, 10.0) for i in range(40)])
    series = reading_series(
        user=users["regulator"], point_id=point.pk, factor_code="a21026", kind="rtd",
        start=T0, end=T0 + 3600, max_points=10,
    )  # fmt: skip
    payload = chart_payload(series)
    assert payload["bucket"] == payload["step"] == series.bucket > 0
