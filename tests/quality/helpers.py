"""Shared helpers: where the test vectors live, read as plain CSV."""

from __future__ import annotations

import csv
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """``<repo>/../shared``, or ``$QINGSHAN_SHARED_DIR`` when set."""
    override = os.environ.get("QINGSHAN_SHARED_DIR")
    return Path(override) if override else REPO.parent / "shared"


def read_vectors(name: str) -> list[dict[str, str]]:
    with (shared_dir() / "testdata" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
