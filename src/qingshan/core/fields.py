"""Model fields shared by the apps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

UTC = dt.UTC


class EpochField(models.BigIntegerField):  # type: ignore[type-arg]
    """An aware datetime stored as integer seconds (or milliseconds) since 1970 UTC.

    High-volume tables (readings, raw packets) use it: an 8-byte integer key compares and
    indexes faster than SQLite's text timestamps, and the ingest path writes it with
    plain integers on both databases.
    """

    def __init__(self, *args: Any, millis: bool = False, **kwargs: Any) -> None:
        self.millis = millis
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.millis:
            kwargs["millis"] = True
        return name, path, args, kwargs

    @property
    def _scale(self) -> int:
        return 1000 if self.millis else 1

    def from_db_value(self, value: int | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return dt.datetime.fromtimestamp(value / self._scale, tz=UTC)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, dt.datetime):
            return value
        return dt.datetime.fromtimestamp(int(value) / self._scale, tz=UTC)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise ValueError("EpochField needs an aware datetime")
            return round(value.timestamp() * self._scale)
        return int(value)


def epoch_seconds(value: dt.datetime | int | None) -> int | None:
    """An EpochField's value as integer seconds, for arithmetic on data times."""
    if value is None or isinstance(value, int):
        return value
    return int(value.timestamp())


def epoch_millis(value: dt.datetime | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return round(value.timestamp() * 1000)
