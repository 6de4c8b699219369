"""Small helpers shared by the tests.

``eventually`` and ``eventually_async`` replace "let it settle" sleeps: instead of sleeping
a fixed time and hoping the condition holds by then (a flake on a loaded runner, and a
test that proves nothing when the condition holds anyway), they wait for the condition
being tested, up to a bound, and fail with a message that says what was awaited.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def _describe(predicate: Callable[..., Any], what: str | None) -> str:
    if what:
        return what
    name = getattr(predicate, "__qualname__", None) or repr(predicate)
    code = getattr(predicate, "__code__", None)
    if code is None:
        return name
    return f"{name} ({code.co_filename}:{code.co_firstlineno})"


def eventually(
    predicate: Callable[[], T],
    timeout: float = 5.0,
    interval: float = 0.02,
    *,
    what: str | None = None,
) -> T:
    """Call ``predicate`` until it returns something truthy, and return that.

    Raises AssertionError naming ``what`` (or the predicate) and its last value when it
    is still falsy after ``timeout`` seconds. The predicate is always called at least
    once more after the deadline has passed, so a slow first call does not fail alone.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"waited {timeout:g} s for {_describe(predicate, what)}; last value: {value!r}"
            )
        time.sleep(interval)


async def eventually_async(
    predicate: Callable[[], T | Awaitable[T]],
    timeout: float = 5.0,
    interval: float = 0.02,
    *,
    what: str | None = None,
) -> T:
    """As :func:`eventually`, on the running event loop: sleeps with ``asyncio.sleep`` so
    the code under test runs meanwhile. ``predicate`` may be a plain function or return an
    awaitable (a coroutine function)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"waited {timeout:g} s for {_describe(predicate, what)}; last value: {value!r}"
            )
        await asyncio.sleep(interval)


def skip_or_fail(reason: str, *, sqlite_ok: bool = False) -> None:
    """Skip the test, or fail it with the same reason when ``QINGSHAN_REQUIRE_ALL=1``.

    For the skips a green run must not hide: no Chromium, no CJK font, a concurrency race
    that cannot run here. CI (``.ci/run``) sets the switch, so a skip that reappears there
    fails the run instead of passing unnoticed. Never returns: raises pytest's skip or fail.

    ``sqlite_ok=True`` marks a skip that is legitimate on the suite's in-memory SQLite
    database (a second writer is refused there instead of waiting): on SQLite it stays a
    skip even under the switch, and it fails only when the suite runs on PostgreSQL
    (``QINGSHAN_TEST_DATABASE_URL`` set) and still reaches the skip.
    """
    import os

    import pytest

    __tracebackhide__ = True  # the report names the test's line, not this one
    required = os.environ.get("QINGSHAN_REQUIRE_ALL") == "1"
    if sqlite_ok and not os.environ.get("QINGSHAN_TEST_DATABASE_URL"):
        required = False
    if required:
        pytest.fail(f"{reason} (QINGSHAN_REQUIRE_ALL=1: this test must run)", pytrace=False)
    pytest.skip(reason)
