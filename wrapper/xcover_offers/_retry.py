"""When to retry and how long to wait: pure functions, so every path is testable without sleeping."""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from collections.abc import Callable

import httpx

from ._constants import (
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    RETRYABLE_STATUSES,
    SERVER_TROUBLE_STATUSES,
)


def should_retry_status(status_code: int) -> bool:
    """408, 423, 429 and 500/502/503/504; never another 4xx (the same request would fail the same way)."""
    return status_code in RETRYABLE_STATUSES


def is_server_trouble(status_code: int) -> bool:
    """5xx, 408, 423 or 429: XCover is down, busy or slow, not a fault in our request (the breaker
    counts it; telemetry's outcome is server_error)."""
    return status_code >= 500 or status_code in SERVER_TROUBLE_STATUSES


def should_retry_exception(exc: BaseException) -> bool:
    """No response at all: timeouts and transport failures (refused, reset, DNS, protocol errors)."""
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


def jitter(rand: Callable[[], float] = random.random) -> float:
    """A factor in (0.75, 1]: spreads simultaneous clients' retries apart."""
    return 1.0 - 0.25 * rand()


def backoff_delay(retries_done: int, *, rand: Callable[[], float] = random.random) -> float:
    """0.5 s, 1 s, 2 s, ... capped at 8 s, times jitter."""
    base: float = min(INITIAL_RETRY_DELAY * 2.0**retries_done, MAX_RETRY_DELAY)
    return base * jitter(rand)


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if unusable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:  # delta-seconds: a negative or NaN count is malformed
        return seconds if seconds >= 0 else None
    when = parse_http_date(value)
    return None if when is None else max(when - now, 0.0)  # a date already past: retry now


def retry_delay(
    retries_done: int,
    retry_after: str | None,
    *,
    now: float,
    rand: Callable[[], float] = random.random,
) -> float:
    """The server's Retry-After when given (clamped to 60 s), else exponential backoff with jitter."""
    server = parse_retry_after(retry_after, now=now)
    if server is not None:
        return min(server, MAX_RETRY_AFTER)
    return backoff_delay(retries_done, rand=rand)


def parse_http_date(value: str | None, *, require_zone: bool = False) -> float | None:
    """An HTTP date (`Date`, `Retry-After`) as a POSIX timestamp; None when absent or unusable.

    The one parser of HTTP dates in the package, so every caller treats a malformed header alike.
    RFC 9110 dates are GMT, so a date without a zone counts as UTC unless `require_zone` is set.
    """
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            if require_zone:
                return None
            when = when.replace(tzinfo=dt.UTC)
        return when.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
