"""The retry policy as pure functions: table-driven, no sleeping."""

from __future__ import annotations

import email.utils

import httpx
import pytest
from xcover_offers._retry import (
    backoff_delay,
    jitter,
    parse_retry_after,
    retry_delay,
    should_retry_exception,
    should_retry_status,
)

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("soon", None),
        ("0", 0.0),
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("-3", None),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),
        ("Fri, 15 Jan 2027 08:00:10 GMT", 10.0),
        ("Friday, 15-Jan-27 08:00:10 GMT", 10.0),
        ("Fri Jan 15 08:00:10 2027", 10.0),
        ("Fri, 32 Jan 2027 08:00:10 GMT", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    got = parse_retry_after(header, now=NOW)
    assert got == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize(
    ("retries_done", "rand", "delay"),
    [
        (0, 0.0, 0.5),
        (1, 0.0, 1.0),
        (2, 0.0, 2.0),
        (3, 0.0, 4.0),
        (4, 0.0, 8.0),
        (9, 0.0, 8.0),
        (0, 1.0, 0.375),
    ],
)
def test_backoff(retries_done: int, rand: float, delay: float) -> None:
    assert backoff_delay(retries_done, rand=lambda: rand) == pytest.approx(delay)


def test_jitter_bounds() -> None:
    assert jitter(lambda: 0.0) == 1.0
    assert jitter(lambda: 0.999) > 0.75


@pytest.mark.parametrize(
    ("header", "delay"),
    [("7", 7.0), ("600", 60.0), ("garbage", 1.0), (None, 1.0)],
)
def test_retry_delay_prefers_the_server(header: str | None, delay: float) -> None:
    assert retry_delay(1, header, now=NOW, rand=lambda: 0.0) == pytest.approx(delay)


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 504])
def test_retryable(code: int) -> None:
    assert should_retry_status(code)


@pytest.mark.parametrize("code", [200, 301, 400, 401, 403, 404, 409, 422, 501, 505])
def test_not_retryable(code: int) -> None:
    assert not should_retry_status(code)


def test_exceptions() -> None:
    assert should_retry_exception(httpx.ConnectError("x"))
    assert should_retry_exception(httpx.ReadTimeout("x"))
    assert should_retry_exception(httpx.RemoteProtocolError("x"))
    assert not should_retry_exception(httpx.UnsupportedProtocol("x"))
    assert not should_retry_exception(ValueError("x"))
