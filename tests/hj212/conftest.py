"""Fixtures for the HJ 212 codec tests (no Django needed)."""

from __future__ import annotations

import pytest

from .helpers import Sample, load_samples


@pytest.fixture(scope="session")
def samples() -> list[Sample]:
    return load_samples()


@pytest.fixture(scope="session")
def corpus(samples: list[Sample]) -> bytes:
    """Every sample message, framed with CR LF, back to back."""
    return b"".join(s.frame for s in samples)
