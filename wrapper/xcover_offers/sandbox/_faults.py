"""Fault injection: what a client must survive in production, on demand and deterministic.

A `Faults` object belongs to one sandbox and may be changed while it runs (tests set it between
calls, the server's admin endpoint sets it over HTTP). Two kinds of setting:

- standing conditions, applied to every answer: ``latency`` (seconds added before answering, slept
  through the sandbox's injectable sleep function) and ``clock_offset`` (seconds added to the
  sandbox's clock: its ``Date`` header and its signature check both use the shifted clock, which is
  how a client's clock-skew correction is exercised);
- one-shot faults, queued with `Faults.queue` and consumed one per request, in order. Most answer
  before the request is even checked, the way a load balancer in front of the service fails it; a
  few let the request be processed first (`Fault.processes_request`): a response lost after the
  offer was made, a trickling body, an answer sent as an idempotent replay, a slow answer.

A fault may be aimed at one operation of the spec (``operation="create_offer"``, its operationId):
it waits in the queue for a request routed to that operation, and requests for other operations
pass it by. A fault without one is taken by the next request, whatever it asks for. An operation
id the sandbox's spec does not have is refused when the fault is queued (a ValueError).

The same faults have a plain-data form, used by ``xcover-offers sandbox --fault`` and the admin
endpoint (see `faults_from_spec`):
``{"fault": "rate_limited", "retry_after": 2, "times": 3, "operation": "create_offer"}``.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeGuard

FaultKind = Literal["status", "html", "drop", "trickle", "replay", "latency"]

MAX_TIMES: Final = 1000
"""The most copies one spec may queue (``times``)."""
_HEADER_VALUE: Final = re.compile(r"[\x20-\x7e]{1,100}")


def _retry_after(value: object) -> str | None:
    """A Retry-After value as sent: seconds or an HTTP date; None for no header."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and _HEADER_VALUE.fullmatch(value):
        return value
    raise ValueError(
        "retry_after must be whole seconds or an HTTP date (printable ASCII, at most 100 characters)"
    )


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure. Build it with the class methods; each takes ``operation``, the
    operationId of the only operation the fault acts on (None: the next request, whatever it is)."""

    kind: FaultKind
    status: int = 0
    retry_after: str | None = None
    message: str = ""
    after_processing: bool = False
    chunk_size: int = 0
    interval: float = 0.0
    delay: float = 0.0
    operation: str | None = None

    def __post_init__(self) -> None:
        # It becomes a header line (no CR, LF or other controls), and a header value is a str.
        object.__setattr__(self, "retry_after", _retry_after(self.retry_after))
        if self.operation is not None and not (isinstance(self.operation, str) and self.operation):
            raise ValueError("operation must be an operationId (a non-empty string) or None")

    @property
    def processes_request(self) -> bool:
        """Whether the request is processed (an offer made, say) before this fault acts."""
        return self.kind in ("trickle", "replay", "latency") or self.after_processing

    def applies_to(self, operation: str | None) -> bool:
        """Whether a request routed to `operation` (None: to none) takes this fault."""
        return self.operation is None or self.operation == operation

    @classmethod
    def rate_limited(cls, *, retry_after: str | None = "1", operation: str | None = None) -> Fault:
        """A 429 in the spec's error shape, with Retry-After (seconds or an HTTP date; None: absent)."""
        return cls("status", 429, retry_after, "Too many requests; slow down.", operation=operation)

    @classmethod
    def unavailable(cls, *, retry_after: str | None = "1", operation: str | None = None) -> Fault:
        """A 503 in the spec's error shape, with Retry-After."""
        return cls("status", 503, retry_after, "The service is temporarily unavailable.", operation=operation)

    @classmethod
    def error(
        cls,
        status: int,
        *,
        message: str = "Injected fault.",
        retry_after: str | None = None,
        operation: str | None = None,
    ) -> Fault:
        """Any status with a ``{"type", "message"}`` JSON body: 401, 404, 500 ... for error-class tests."""
        if not 400 <= status <= 599:
            raise ValueError(f"a fault status must be 4xx or 5xx, got {status}")
        return cls("status", status, retry_after, message, operation=operation)

    @classmethod
    def locked(cls, *, retry_after: str | None = None, operation: str | None = None) -> Fault:
        """A 423 Locked: XCover's "a request with this idempotency key is still being processed".

        XCover documents no Retry-After for it; give one to test that a client honours it anyway.
        """
        message = "A request with this idempotency key is still being processed; retry later."
        return cls("status", 423, retry_after, message, operation=operation)

    @classmethod
    def bad_gateway_html(cls, *, operation: str | None = None) -> Fault:
        """A 502 with an HTML body, as a proxy in front of the service sends it."""
        return cls("html", 502, operation=operation)

    @classmethod
    def drop(cls, *, after_processing: bool = False, operation: str | None = None) -> Fault:
        """The connection closes without an answer (in-process: httpx.RemoteProtocolError).

        With ``after_processing=True`` the request is processed (and its answer stored under its
        idempotency key) before the answer is lost: the retry that follows gets XCover's 409 replay.
        """
        return cls("drop", after_processing=after_processing, operation=operation)

    @classmethod
    def trickle(cls, *, chunk_size: int = 1, interval: float = 0.1, operation: str | None = None) -> Fault:
        """The answer's body arrives `chunk_size` bytes at a time, `interval` seconds apart."""
        if not (isinstance(chunk_size, int) and chunk_size >= 1):
            raise ValueError("chunk_size must be a whole number of bytes, at least 1")
        if not (math.isfinite(interval) and 0 <= interval <= 60):
            raise ValueError("interval must be between 0 and 60 seconds")
        return cls("trickle", chunk_size=chunk_size, interval=float(interval), operation=operation)

    @classmethod
    def replay(cls, *, operation: str | None = None) -> Fault:
        """The request is processed, and its success answered as XCover answers a duplicate: 409
        Conflict with the same body (a request that fails validation is answered as usual)."""
        return cls("replay", operation=operation)

    @classmethod
    def latency(cls, seconds: float, *, operation: str | None = None) -> Fault:
        """One slow answer: `seconds` more than the standing ``Faults.latency`` (queue it with
        ``times`` to slow several); the request counts as in flight until it is answered."""
        return cls("latency", delay=check_latency(seconds), operation=operation)

    def describe(self) -> dict[str, Any]:
        """This fault in the plain-data form `faults_from_spec` reads."""
        if self.kind == "status":
            out: dict[str, Any] = {
                "fault": "error",
                "status": self.status,
                "retry_after": self.retry_after,
                "message": self.message,
            }
        elif self.kind == "drop":
            out = {"fault": "drop", "after_processing": self.after_processing}
        elif self.kind == "trickle":
            out = {"fault": "trickle", "chunk_size": self.chunk_size, "interval": self.interval}
        elif self.kind == "latency":
            out = {"fault": "latency", "seconds": self.delay}
        else:
            out = {"fault": {"html": "bad_gateway_html"}.get(self.kind, self.kind)}
        return out if self.operation is None else {**out, "operation": self.operation}


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _as_whole(value: object) -> int:
    if not _whole(value):
        raise ValueError("must be a whole number")
    return value


def _as_number(value: object) -> float:
    if not _number(value):
        raise ValueError("must be a number")
    return float(value)


def _as_text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _as_flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _as_operation(value: object) -> str | None:
    if value is not None and not (isinstance(value, str) and value):
        raise ValueError("must be an operationId (a non-empty string) or null")
    return value


def check_operations(faults: Iterable[Fault], operations: Collection[str], *, where: str = "fault") -> None:
    """A ValueError if a fault is aimed at an operation not in `operations` (a spec's operationIds)."""
    for fault in faults:
        if fault.operation is not None and fault.operation not in operations:
            known = ", ".join(sorted(operations)) or "none"
            raise ValueError(
                f"{where}.operation {fault.operation!r} is not an operation of the spec ({known})"
            )


def _as_retry_after(value: object) -> str | None:
    try:
        return _retry_after(value)
    except ValueError:
        raise ValueError("must be whole seconds, an HTTP date or null") from None


Option = Callable[[object], Any]
_BUILDERS: Final[dict[str, tuple[Callable[..., Fault], dict[str, Option]]]] = {
    "rate_limited": (Fault.rate_limited, {"retry_after": _as_retry_after}),
    "unavailable": (Fault.unavailable, {"retry_after": _as_retry_after}),
    "locked": (Fault.locked, {"retry_after": _as_retry_after}),
    "error": (Fault.error, {"status": _as_whole, "message": _as_text, "retry_after": _as_retry_after}),
    "bad_gateway_html": (Fault.bad_gateway_html, {}),
    "drop": (Fault.drop, {"after_processing": _as_flag}),
    "trickle": (Fault.trickle, {"chunk_size": _as_whole, "interval": _as_number}),
    "replay": (Fault.replay, {}),
    "latency": (Fault.latency, {"seconds": _as_number}),
}
FAULT_NAMES: Final = tuple(_BUILDERS)


def faults_from_spec(spec: object, *, where: str = "fault") -> list[Fault]:
    """Faults from their plain-data form; a ValueError names the field and the reason.

    ``{"fault": NAME, OPTION: VALUE, ..., "times": N}`` with NAME and its options one of:
    ``rate_limited`` / ``unavailable`` / ``locked`` (``retry_after``), ``error`` (``status``,
    ``message``, ``retry_after``), ``bad_gateway_html``, ``drop`` (``after_processing``),
    ``trickle`` (``chunk_size``, ``interval``), ``replay``, ``latency`` (``seconds``). Every fault
    also takes ``times`` (default 1: how many copies to queue) and ``operation`` (an operationId).
    """
    if not isinstance(spec, Mapping):
        raise ValueError(f'{where} must be an object like {{"fault": "rate_limited"}}')
    name = spec.get("fault")
    if not isinstance(name, str) or name not in _BUILDERS:
        raise ValueError(f"{where}.fault must be one of {', '.join(FAULT_NAMES)}; got {name!r}")
    build, options = _BUILDERS[name]
    unknown = sorted(map(str, set(spec) - {"fault", "times", "operation", *options}))
    if unknown:
        allowed = ", ".join([*options, "times"])
        raise ValueError(
            f"{where}: {name} takes {allowed}; not {', '.join(unknown)} (and any fault: operation)"
        )
    times = spec.get("times", 1)
    if not (_whole(times) and 1 <= times <= MAX_TIMES):
        raise ValueError(f"{where}.times must be a whole number from 1 to {MAX_TIMES}")
    kwargs: dict[str, Any] = {}
    for option, convert in {**options, "operation": _as_operation}.items():
        if option in spec:
            try:
                kwargs[option] = convert(spec[option])
            except ValueError as exc:
                raise ValueError(f"{where}.{option} {exc}") from None
    for required in ("status", "seconds"):
        if required in options and required not in kwargs:
            raise ValueError(
                f"{where}.{required} is required for {'an' if name == 'error' else 'a'} {name} fault"
            )
    try:
        fault = build(**kwargs)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return [fault] * times


def fault_spec_from_text(text: str) -> dict[str, Any]:
    """The command line's form of a fault spec: ``NAME[:OPTION=VALUE,...]`` or a JSON object.

    Values read as JSON where they parse (``2``, ``0.5``, ``true``, ``null``) and as text otherwise.
    An HTTP-date Retry-After holds commas: give that fault as JSON.
    """
    text = text.strip()
    if text.startswith("{"):
        try:
            spec = json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply to parse
            raise ValueError(f"not a JSON object: {str(exc)[:120]}") from None
        if not isinstance(spec, dict):
            raise ValueError("not a JSON object")
        return spec
    name, _, rest = text.partition(":")
    out: dict[str, Any] = {"fault": name.strip()}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        option, equals, raw = item.partition("=")
        if not equals:
            raise ValueError(f"expected OPTION=VALUE, got {item!r}")
        try:
            out[option.strip()] = json.loads(raw)
        except ValueError:
            out[option.strip()] = raw.strip()
    return out


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
        self.latency = check_latency(latency)
        self.clock_offset = check_clock_offset(clock_offset)
        _check_room(0, len(queue))
        self._queue: deque[Fault] = deque(queue)
        self._operations: frozenset[str] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Faults(latency={self.latency}, clock_offset={self.clock_offset}, queue={list(self._queue)})"

    def bind(self, operations: Collection[str]) -> None:
        """Serve a sandbox with these operations: a fault aimed at another is a ValueError, for the
        faults already queued now and for later ones when they are queued. The sandbox calls it."""
        with self._lock:
            check_operations(self._queue, operations, where="queue")
            self._operations = frozenset(operations)

    def queue(self, *faults: Fault) -> None:
        """Append one-shot faults; each is used by exactly one later request (see `take`)."""
        with self._lock:
            self._check(faults)
            _check_room(len(self._queue), len(faults))
            self._queue.extend(faults)

    def _check(self, faults: Iterable[Fault], where: str = "fault") -> None:
        if self._operations is not None:
            check_operations(faults, self._operations, where=where)

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

    def take(self, operation: str | None = None) -> Fault | None:
        """The first queued fault for a request routed to `operation` (None: to no operation),
        removed from the queue; None when none applies. Faults aimed elsewhere keep their place."""
        with self._lock:
            for i, fault in enumerate(self._queue):
                if fault.applies_to(operation):
                    del self._queue[i]
                    return fault
            return None

    def describe(self) -> dict[str, Any]:
        """The settings in plain data: ``{"latency", "clock_offset", "queue": [fault, ...]}``."""
        with self._lock:
            queue = [f.describe() for f in self._queue]
        return {"latency": self.latency, "clock_offset": self.clock_offset, "queue": queue}

    def update(self, spec: object) -> None:
        """Apply a plain-data change, all or nothing (a ValueError names what is wrong).

        ``{"latency": 0.5, "clock_offset": -600, "clear_queue": true, "queue": [fault spec, ...]}``;
        every key is optional, and queued faults are appended after any already queued.
        """
        if not isinstance(spec, Mapping):
            raise ValueError("the body must be a JSON object")
        unknown = sorted(set(spec) - {"latency", "clock_offset", "clear_queue", "queue"})
        if unknown:
            raise ValueError(f"unknown settings {unknown}; use latency, clock_offset, clear_queue, queue")
        latency = check_latency(spec["latency"]) if "latency" in spec else None
        offset = check_clock_offset(spec["clock_offset"]) if "clock_offset" in spec else None
        clear = spec.get("clear_queue", False)
        if not isinstance(clear, bool):
            raise ValueError("clear_queue must be true or false")
        items = spec.get("queue", [])
        if not isinstance(items, list):
            raise ValueError("queue must be a list of faults")
        faults: list[Fault] = []
        for i, item in enumerate(items):
            more = faults_from_spec(item, where=f"queue[{i}]")
            self._check(more[:1], where=f"queue[{i}]")
            faults += more
            _check_room(0, len(faults))  # as it grows: a huge request is refused early, not built
        with self._lock:
            _check_room(0 if clear else len(self._queue), len(faults))
            if latency is not None:
                self.latency = latency
            if offset is not None:
                self.clock_offset = offset
            if clear:
                self._queue.clear()
            self._queue.extend(faults)


def _check_room(queued: int, more: int) -> None:
    if queued + more > MAX_QUEUED:
        raise ValueError(f"queue: at most {MAX_QUEUED} faults may wait at once ({queued} already do)")


def check_latency(value: object) -> float:
    if not (_number(value) and 0 <= value <= 3600):
        raise ValueError("latency must be a number of seconds from 0 to 3600")
    return float(value)


MAX_CLOCK_OFFSET: Final = 10 * 365 * 86400.0
"""Ten years either way: enough for any skew test; beyond it HTTP dates stop being printable."""

MAX_QUEUED: Final = 10_000
"""Faults waiting at once; more is a mistake in a test script, refused rather than kept in memory."""


def check_clock_offset(value: object) -> float:
    if not (_number(value) and abs(value) <= MAX_CLOCK_OFFSET):
        raise ValueError(
            f"clock_offset must be a number of seconds from -{MAX_CLOCK_OFFSET:.0f} to {MAX_CLOCK_OFFSET:.0f}"
        )
    return float(value)
