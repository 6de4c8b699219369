"""Helpers shared by every app's write services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def instance_apply(instance: M, changes: Mapping[str, Any]) -> M:
    """Set fields, validate the whole row (fields, choices, constraints) and save it.

    Raises django ValidationError (field → messages) and writes nothing on bad input.
    """
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance
