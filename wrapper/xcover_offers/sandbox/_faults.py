"""Fault injection: what a client must survive in production, on demand and deterministic.

A `Faults` object belongs to one sandbox and may be changed while it runs (tests set it between
calls). Two kinds of setting:

- standing conditions, applied to every answer: ``latency`` (seconds added before answering, slept
  through the sandbox's injectable sleep function) and ``clock_offset`` (seconds added to the
  sandbox's clock: its ``Date`` header and its signature check both use the shifted clock, which is
  how a client's clock-skew correction is exercised);
- one-shot faults, queued with `Faults.queue` and consumed one per request, in order, before the
  request is even routed, the way a load balancer in front of the service would fail it.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["status", "html", "drop"]


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure. Build it with the class methods."""

    kind: FaultKind
    status: int = 0
    retry_after: str | None = None
    message: str = ""

    @classmethod
    def rate_limited(cls, *, retry_after: str | None = "1") -> Fault:
        """A 429 in the spec's error shape, with Retry-After (seconds or an HTTP date; None: absent)."""
        return cls("status", 429, retry_after, "Too many requests; slow down.")

    @classmethod
    def unavailable(cls, *, retry_after: str | None = "1") -> Fault:
        """A 503 in the spec's error shape, with Retry-After."""
        return cls("status", 503, retry_after, "The service is temporarily unavailable.")

    @classmethod
    def error(cls, status: int, *, message: str = "Injected fault.", retry_after: str | None = None) -> Fault:
        """Any status with a ``{"type", "message"}`` JSON body: 401, 404, 500 ... for error-class tests."""
        if not 400 <= status <= 599:
            raise ValueError(f"a fault status must be 4xx or 5xx, got {status}")
        return cls("status", status, retry_after, message)

    @classmethod
    def bad_gateway_html(cls) -> Fault:
        """A 502 with an HTML body, as a proxy in front of the service sends it."""
        return cls("html", 502)

    @classmethod
    def drop(cls) -> Fault:
        """The connection closes without an answer (the transport raises httpx.RemoteProtocolError)."""
        return cls("drop")


class Faults:
    """The fault settings of one sandbox; thread-safe.

    Args:
        latency: seconds to wait before every answer.
        clock_offset: seconds added to the sandbox's clock.
        queue: one-shot faults for the next requests, in order.
    """

    def __init__(
        self, *, latency: float = 0.0, clock_offset: float = 0.0, queue: tuple[Fault, ...] = ()
    ) -> None:
        if latency < 0:
            raise ValueError("latency cannot be negative")
        self.latency = float(latency)
        self.clock_offset = float(clock_offset)
        self._queue: deque[Fault] = deque(queue)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Faults(latency={self.latency}, clock_offset={self.clock_offset}, queue={list(self._queue)})"

    def queue(self, *faults: Fault) -> None:
        """Append one-shot faults; each is used by exactly one later request."""
        with self._lock:
            self._queue.extend(faults)

    def pending(self) -> tuple[Fault, ...]:
        """The one-shot faults not used yet."""
        with self._lock:
            return tuple(self._queue)

    def clear(self) -> None:
        """Back to a healthy service: no latency, no offset, no queued faults."""
        with self._lock:
            self._queue.clear()
            self.latency = 0.0
            self.clock_offset = 0.0

    def take(self) -> Fault | None:
        """The next one-shot fault, removed from the queue; None when there is none."""
        with self._lock:
            return self._queue.popleft() if self._queue else None
