"""Traces and metrics for every call (OpenTelemetry); the DEBUG line per attempt is in _logging.

What a service with an OpenTelemetry SDK sees for one Create Offer call that was retried once (any
operation looks the same, its span named `xcover.<operation id>`):

    xcover.create_offer                          INTERNAL  the logical call: operation, partner code,
    │                                                      idempotency key, attempts, replayed, request
    │                                                      id, xcover.outcome, and what the operation's
    │                                                      convenience method adds (offer id, products);
    │                                                      events for backoff sleeps, a replay, a spent
    │                                                      budget, an open breaker
    ├── POST /x/partners/{partner_code}/offers/  CLIENT    attempt 1 (HTTP client semantic conventions)
    └── POST /x/partners/{partner_code}/offers/  CLIENT    attempt 2, http.request.resend_count = 1

    http.client.request.duration      histogram, s, one per attempt (HTTP client semantic conventions)
    xcover.client.operation.duration  histogram, s, one per call, by xcover.operation and xcover.outcome

Only `opentelemetry-api` is used, as OpenTelemetry asks of libraries, and only if it is importable
(the `otel` extra): `_otel` records, imported with the first call (so `import xcover_offers` never
imports OpenTelemetry); without it every call gets the no-op classes below. The providers are the
API's public getters' (`get_tracer_provider`, `get_meter_provider`), looked up when a call starts, so
an SDK configured later is honoured; before one is, the API's proxies record nothing.

Nothing secret or personal reaches telemetry: no header is read or recorded (the propagator's headers
are the only ones written, never Authorization or Date), no body, no exception message; `error.type`
is a class name or a status code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import httpx

from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    CircuitOpenError,
)
from ._retry import is_server_trouble

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

AttributeScalar = str | int | float | bool

CALL_SPAN_PREFIX: Final = "xcover."
"""A call's span is this and the operation id: `xcover.create_offer`."""

OUTCOMES: Final = frozenset(
    {
        "ok",
        "replayed",
        "client_error",
        "server_error",
        "timeout",
        "connection_error",
        "circuit_open",
        "cancelled",
    }
)


# -- the interface the client uses; these base classes are the no-ops -----------------------------------


class AttemptTrace:
    """One HTTP attempt. This base class records nothing."""

    __slots__ = ()

    def end(self, *, response: httpx.Response | None = None, error: BaseException | None = None) -> None:
        """The attempt is over: pass the response, the exception, or both (a body that failed to read)."""


class CallTrace:
    """One logical call, retries included. This base class records nothing."""

    __slots__ = ()

    def attempt(self, request: httpx.Request, attempt: int) -> AttemptTrace:
        """An attempt starts (1 for the first): its span, and the trace context in `request.headers`."""
        return _NOOP_ATTEMPT

    def backoff(self, delay: float, reason: str) -> None:
        """The call sleeps `delay` seconds before the next attempt, because of `reason` ("status 503")."""

    def note(self, name: str, **attributes: AttributeScalar) -> None:
        """Something worth seeing on the call's span ("xcover.replayed"); keys get an "xcover." prefix."""

    def end(
        self,
        *,
        attempts: int,
        request_id: str | None = None,
        replayed: bool = False,
        details: Mapping[str, AttributeScalar] | None = None,
        error: BaseException | None = None,
    ) -> None:
        """The call is over, with an answer (`replayed` if it came from a 409; `details` are what the
        operation's convenience method adds, "xcover.offer_id") or with `error`."""


_NOOP_ATTEMPT: Final = AttemptTrace()
NOOP_CALL: Final = CallTrace()


_recorder: Any = None
"""The `_otel` module once a call has looked for it; False when OpenTelemetry is not installed."""


def start_call(
    *,
    operation_id: str,
    url_template: str,
    partner_code: str,
    idempotency_key: str | None,
    server: httpx.URL,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
) -> CallTrace:
    """The trace of one call, started now; its span's parent is the caller's current span.

    Args:
        operation_id: the spec's operation id: the span's name and the metric's xcover.operation.
        url_template: the path template behind the base URL's own path: each attempt's url.template.
        partner_code: the client's partner code.
        idempotency_key: the key every attempt carries, if the operation takes one.
        server: any URL on XCover's host (the call's target): gives the call span server.address/port.
        tracer_provider: for tests; default the global one, looked up now.
        meter_provider: for tests; default the global one, looked up now.
    """
    global _recorder
    if _recorder is None:
        try:
            from . import _otel as recorder
        except ImportError:  # the otel extra is not installed
            _recorder = False
        else:
            _recorder = recorder
    if _recorder is False:
        return NOOP_CALL
    call: CallTrace = _recorder.RecordingCall(
        _recorder.instruments(tracer_provider, meter_provider),
        operation_id, url_template, partner_code, idempotency_key, server,
    )  # fmt: skip
    return call


# -- the recording implementation -----------------------------------------------------------------------
def outcome(error: BaseException | None, *, replayed: bool = False) -> str:
    """The call's `xcover.outcome`, one of `OUTCOMES`.

    timeout: no answer in time, or the call's budget ran out (APITimeoutError);
    circuit_open: the breaker refused the call (CircuitOpenError); connection_error: no answer
    (other APIConnectionError); server_error: 5xx, 408, 423 or 429, or an answer that is not the
    documented shape (APIResponseValidationError); client_error: any other status (4xx: our
    request); cancelled: the caller gave up (CancelledError, KeyboardInterrupt ...). Anything else
    unforeseen counts as a client_error: it was raised here, not by XCover. Input refused before
    sending (RequestValidationError) is raised before a call is traced, so it is never recorded.
    """
    if error is None:
        return "replayed" if replayed else "ok"
    if isinstance(error, CircuitOpenError):
        return "circuit_open"
    if isinstance(error, APITimeoutError | httpx.TimeoutException | TimeoutError):
        return "timeout"
    if isinstance(error, APIConnectionError | httpx.TransportError | OSError):
        return "connection_error"
    if isinstance(error, APIStatusError):
        status = error.status_code
        return "server_error" if is_server_trouble(status) else "client_error"
    if isinstance(error, APIResponseValidationError):
        return "server_error"
    if not isinstance(error, Exception):
        return "cancelled"
    return "client_error"
