"""A circuit breaker for XCover calls: after repeated failures, fail at once instead of waiting.

Small and stdlib-only on purpose. The clients classify a call's outcome only after the retry loop
(a generator with no I/O) has finished, and one breaker is shared by threads, by tasks of one
event loop and by a client's `with_options` views. So the breaker never wraps a callable: it is a
state machine the client asks before a call (`before_call`) and tells afterwards (`record_*`).
Every method holds a `threading.Lock` for a few assignments and never awaits, which makes it safe
between threads and, without blocking the loop, between tasks.

    closed     ── failure_threshold failed calls in a row ──────────────►  open
    open       ── recovery_time has passed: one trial call goes ────────►  half_open
    half_open  ── the trial call succeeds, or XCover answers it (4xx) ──►  closed
    half_open  ── the trial call fails ─────────────────────────────────►  open, for another recovery_time
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Literal

from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    CircuitOpenError,
)
from ._logging import logger
from ._retry import is_server_trouble

BreakerState = Literal["closed", "open", "half_open"]


def counts_as_failure(exc: BaseException) -> bool:
    """Whether a call that raised `exc` counts towards opening the breaker.

    Connection errors, timeouts (including a spent call budget), 5xx, 408, 423 and 429 count, also when
    their body was refused (too large, an encoding not asked for): the status already says XCover is
    struggling. Any other status means XCover answered and the fault is in our request, so it never
    counts. A CircuitOpenError never counts: no call was made.
    """
    if isinstance(exc, CircuitOpenError):
        return False
    if isinstance(exc, APIConnectionError):
        return True
    if isinstance(exc, APIStatusError | APIResponseValidationError):
        return is_server_trouble(exc.status_code)
    return False


class CircuitBreaker:
    """Fail fast while XCover is down; let one trial call through now and then to find out.

    Pass one instance to any number of clients, threads or tasks; they share its state.

    A call's outcome is recorded once, after its retries:

    - `record_success()`: closes the breaker and resets the failure count.
    - `record_failure()`: `failure_threshold` in a row open it. A failure recorded while a trial
      call is in flight reopens it for another `recovery_time`; one recorded while it is open
      otherwise (a call that started before it opened) changes nothing.
    - `record_neutral()`: XCover answered, but the fault was our request (a 4xx that
      `counts_as_failure` rejects). The server is reachable, so this acts as a success: it ends a
      run of failures and closes a half-open breaker.
    - `record_outcome(exc)` picks one of the three from the exception (None for success).

    A call that ends without an outcome (cancelled, interrupted) records nothing. If it was the
    trial call, its slot is given to another call `recovery_time` after it started, so a lost
    trial call can delay recovery but never keep the breaker open for good.

    Args:
        failure_threshold: failed calls in a row that open the breaker (>= 1).
        recovery_time: seconds the breaker stays open before it lets one trial call through.
        clock: monotonic seconds, read under the breaker's lock; injectable for tests.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        recovery_time: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (
            isinstance(failure_threshold, bool)
            or not isinstance(failure_threshold, int)
            or failure_threshold < 1
        ):
            raise ValueError(f"failure_threshold must be an integer >= 1, got {failure_threshold!r}")
        if (
            isinstance(recovery_time, bool)
            or not isinstance(recovery_time, int | float)
            or not math.isfinite(recovery_time)
            or recovery_time <= 0
        ):
            raise ValueError(
                f"recovery_time must be a positive, finite number of seconds, got {recovery_time!r}"
            )
        if not callable(clock):
            raise ValueError(f"clock must be a callable returning seconds, got {type(clock).__name__}")
        self._failure_threshold = failure_threshold
        self._recovery_time = float(recovery_time)
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None  # None while closed
        self._trial_since: float | None = None  # when the trial call in flight was let through
        self._why = ""

    # -- asking ----------------------------------------------------------------------------------

    def before_call(self) -> None:
        """Call once before each call (not each attempt).

        Raises:
            CircuitOpenError: at once while open, and while a trial call is in flight.
        """
        with self._lock:
            now = self._clock()  # read under the lock, so times follow the order of transitions
            if self._opened_at is None:
                return
            ready_at = self._ready_at()
            if now >= ready_at:
                self._trial_since = now  # this call is the trial
                return
            trial_running = self._trial_since is not None
            why = self._why
        if trial_running:
            why = "the XCover circuit breaker is half-open, waiting on its trial call"
        raise CircuitOpenError(why, retry_in=ready_at - now, retry_at=ready_at)

    # -- telling ---------------------------------------------------------------------------------

    def record_success(self) -> None:
        """The call succeeded: close the breaker."""
        self._close("a call succeeded")

    def record_neutral(self) -> None:
        """The call ended with an answer that does not count (our request was at fault).

        XCover answered, so it is reachable: this closes the breaker like a success does.
        """
        self._close("XCover answered a call (a status that does not count as a failure)")

    def record_failure(self) -> None:
        """The call failed in a way that counts (see `counts_as_failure`)."""
        with self._lock:
            now = self._clock()
            if self._opened_at is None:
                self._failures += 1
                if self._failures < self._failure_threshold:
                    return
                self._why = f"the XCover circuit breaker is open after {self._failures} failed calls in a row"
            elif self._trial_since is not None:
                self._why = "the XCover circuit breaker is open again: its trial call failed"
            else:
                return  # already open: a call from before it opened does not extend the wait
            self._opened_at = now
            self._trial_since = None
            why = self._why
        logger.warning("%s; XCover calls fail at once for %.1f s", why, self._recovery_time)

    def record_outcome(self, exc: BaseException | None) -> None:
        """Record how a call ended: None for success, else the exception it raised.

        Counted failures per `counts_as_failure`; XCover's other answers (an APIStatusError or
        APIResponseValidationError that does not count) are neutral. Anything else, such as a
        cancellation, a CircuitOpenError or a bug, is no outcome and records nothing.
        """
        if exc is None:
            self.record_success()
        elif counts_as_failure(exc):
            self.record_failure()
        elif isinstance(exc, APIStatusError | APIResponseValidationError):
            self.record_neutral()

    # -- looking ---------------------------------------------------------------------------------

    @property
    def failure_threshold(self) -> int:
        return self._failure_threshold

    @property
    def recovery_time(self) -> float:
        return self._recovery_time

    @property
    def state(self) -> BreakerState:
        """One of "closed", "open" and "half_open" (a trial call is in flight or would go now)."""
        return self._snapshot()[0]

    @property
    def failure_count(self) -> int:
        """Counted failures in a row (the threshold's count is kept while open)."""
        with self._lock:
            return self._failures

    @property
    def retry_at(self) -> float | None:
        """When, on the breaker's clock, the next trial call may go; None while closed.

        While a trial call is in flight, this is when its slot would go to another call.
        """
        with self._lock:
            return None if self._opened_at is None else self._ready_at()

    @property
    def retry_in(self) -> float:
        """Seconds until a call is let through; 0.0 when one would be now."""
        return self._snapshot()[2]

    def __repr__(self) -> str:
        state, failures, retry_in = self._snapshot()
        return (
            f"CircuitBreaker(state={state!r}, failures={failures}, "
            f"failure_threshold={self._failure_threshold}, recovery_time={self._recovery_time}, "
            f"retry_in={retry_in:.1f})"
        )

    # -- internals -------------------------------------------------------------------------------

    def _ready_at(self) -> float:
        # Caller holds the lock and has checked that the breaker is not closed.
        assert self._opened_at is not None
        start = self._opened_at if self._trial_since is None else self._trial_since
        return start + self._recovery_time

    def _snapshot(self) -> tuple[BreakerState, int, float]:
        """State, failure count and seconds until a call is let through, read together."""
        with self._lock:
            now = self._clock()
            if self._opened_at is None:
                return "closed", self._failures, 0.0
            wait = max(self._ready_at() - now, 0.0)
            if self._trial_since is not None or wait == 0.0:
                return "half_open", self._failures, wait
            return "open", self._failures, wait

    def _close(self, reason: str) -> None:
        with self._lock:
            was_open = self._opened_at is not None
            self._failures = 0
            self._opened_at = None
            self._trial_since = None
        if was_open:
            logger.info("XCover circuit breaker closed: %s", reason)
