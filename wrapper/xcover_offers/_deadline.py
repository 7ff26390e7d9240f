"""The call's deadline on every socket operation of the sync pools the client creates.

httpx gives each read one timeout, so a server that drips its status line and headers a byte at a
time (each byte in time) holds a sync call for as long as it likes; async calls are bounded by a
cancel scope instead. For the pools the client creates itself, their network backend is wrapped so
that every connect, read and write waits at most until the call's deadline, which `deadline()` sets
for the current thread (a context variable) around one attempt.

The pool itself is `_deadline_transport` (imported with the first sync client: httpcore is not
imported by `import httpx`, and need not be by `import xcover_offers`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx

_DEADLINE: ContextVar[float | None] = ContextVar("xcover_offers_deadline", default=None)


@contextmanager
def deadline(seconds_left: float | None) -> Iterator[None]:
    """Within the block, socket operations of wrapped pools end `seconds_left` from now at the latest."""
    token = _DEADLINE.set(None if seconds_left is None else time.monotonic() + seconds_left)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def clip(timeout: float | None, timed_out: type[Exception]) -> float | None:
    """`timeout`, shortened to the time left before the deadline; `timed_out` once none is left."""
    at = _DEADLINE.get()
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise timed_out("the call's total_timeout ran out")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpx.SyncByteStream):
    """A sync response stream that ends with `httpx.ReadTimeout` once the call's deadline has passed:
    the bound between reads for a body read outside `_transfer` (the skew 403 in `XCoverAuth`)."""

    def __init__(self, stream: httpx.SyncByteStream) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            clip(None, httpx.ReadTimeout)
            yield chunk

    def close(self) -> None:
        self._stream.close()
