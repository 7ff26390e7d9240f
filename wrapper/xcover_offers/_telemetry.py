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
(the `otel` extra). The tracer and meter are looked up when a call starts, so an SDK configured after
this module is imported is honoured. While the API's default providers are in place (no SDK) a call
gets one shared object whose methods do nothing, except pass an incoming trace context on as
OpenTelemetry's own no-op tracer would.

Nothing secret or personal reaches telemetry: no header is read or recorded (the propagator's headers
are the only ones written, never Authorization or Date), no body, no exception message; `error.type`
is a class name or a status code.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import httpx

from ._constants import PROTECTED_HEADERS
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    CircuitOpenError,
)
from ._otel_providers import _global_providers, _Instruments, _instruments
from ._redaction import redact_url
from ._retry import is_server_trouble
from ._text import printable

try:
    from opentelemetry import baggage as _baggage
    from opentelemetry import context as _context
    from opentelemetry import propagate as _propagate
    from opentelemetry import trace as _trace
except ImportError:  # the otel extra is not installed: every call gets the shared no-op
    _OTEL = False
else:
    _OTEL = True

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.metrics import Histogram, MeterProvider
    from opentelemetry.trace import Span, TracerProvider
    from opentelemetry.util.types import AttributeValue

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

_KNOWN_METHODS: Final = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)
_DEFAULT_PORTS: Final = {"https": 443, "http": 80}


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
    if not _OTEL:
        return NOOP_CALL
    if tracer_provider is None and meter_provider is None:
        tracer_provider, meter_provider = _global_providers()
        if tracer_provider is None and meter_provider is None:
            # No SDK: nothing is recorded, but a trace context that came in is passed on, as the
            # API's own no-op tracer does.
            context = _context.get_current()
            span_context = _trace.get_current_span(context).get_span_context()
            return _PropagatingCall(context) if span_context.is_valid else NOOP_CALL
    return _RecordingCall(
        _instruments(tracer_provider, meter_provider),
        operation_id, url_template, partner_code, idempotency_key, server,
    )  # fmt: skip


# -- the recording implementation -----------------------------------------------------------------------


class _PropagatingCall(CallTrace):
    """No SDK, but the caller is inside a trace: pass its context on to XCover, record nothing."""

    __slots__ = ("_context",)

    def __init__(self, context: Context) -> None:
        self._context = context

    def attempt(self, request: httpx.Request, attempt: int) -> AttemptTrace:
        _inject(request, self._context)
        return _NOOP_ATTEMPT


class _RecordingCall(CallTrace):
    __slots__ = (
        "_context",
        "_instruments",
        "_open",
        "_operation",
        "_partner_code",
        "_span",
        "_started",
        "_template",
    )

    def __init__(
        self,
        instruments: _Instruments,
        operation_id: str,
        url_template: str,
        partner_code: str,
        idempotency_key: str | None,
        server: httpx.URL,
    ) -> None:
        self._instruments = instruments
        self._operation = operation_id
        self._partner_code = partner_code
        self._template = url_template
        self._open: _RecordingAttempt | None = None
        attributes: dict[str, AttributeValue] = {
            "xcover.operation": operation_id,
            "xcover.partner_code": partner_code,
        }
        if idempotency_key is not None:
            attributes["xcover.idempotency_key"] = idempotency_key
        if server.host:
            attributes["server.address"] = server.host
            attributes["server.port"] = _port(server)
        self._span: Span | None = instruments.tracer.start_span(
            CALL_SPAN_PREFIX + operation_id, kind=_trace.SpanKind.INTERNAL, attributes=attributes
        )
        # Never made current: the client's retry loop is a generator driven from sync and async code,
        # where attaching a context and detaching it later is not safe. Children name it explicitly.
        self._context: Context = _trace.set_span_in_context(self._span)
        self._started = time.perf_counter()

    def attempt(self, request: httpx.Request, attempt: int) -> AttemptTrace:
        url = request.url
        method = request.method if request.method in _KNOWN_METHODS else "_OTHER"
        common: dict[str, AttributeValue] = {
            "http.request.method": method,
            "server.address": url.host,
            "server.port": _port(url),
        }
        attributes = {**common, "url.full": str(redact_url(url)), "url.template": self._template}
        if attempt > 1:
            attributes["http.request.resend_count"] = attempt - 1
        span = self._instruments.tracer.start_span(
            f"{'HTTP' if method == '_OTHER' else method} {self._template}",
            context=self._context,
            kind=_trace.SpanKind.CLIENT,
            attributes=attributes,
        )
        _inject(request, _trace.set_span_in_context(span, self._context))
        if self._open is not None:  # the client did not end the previous attempt: end it now
            self._open.end()
        self._open = _RecordingAttempt(span, self._instruments.request_duration, common)
        return self._open

    def backoff(self, delay: float, reason: str) -> None:
        if self._span is not None:
            self._span.add_event(
                "xcover.backoff", {"xcover.backoff.delay": float(delay), "xcover.backoff.reason": reason}
            )

    def note(self, name: str, **attributes: AttributeScalar) -> None:
        if self._span is not None:
            self._span.add_event(name, {f"xcover.{key}": value for key, value in attributes.items()})

    def end(
        self,
        *,
        attempts: int,
        request_id: str | None = None,
        replayed: bool = False,
        details: Mapping[str, AttributeScalar] | None = None,
        error: BaseException | None = None,
    ) -> None:
        span = self._span
        if span is None:  # ended already
            return
        self._span = None
        duration = time.perf_counter() - self._started
        if self._open is not None:
            self._open.end(error=error)
            self._open = None
        result = outcome(error, replayed=replayed)
        attributes: dict[str, AttributeValue] = {
            "xcover.attempts": attempts,
            "xcover.replayed": replayed,
            "xcover.outcome": result,
        }
        if request_id is None and isinstance(error, APIStatusError | APIResponseValidationError):
            request_id = error.request_id
        if request_id is not None:
            attributes["xcover.request_id"] = printable(request_id)  # the server's text, as in messages
        if details:
            attributes.update({k: printable(v) if isinstance(v, str) else v for k, v in details.items()})
        metric: dict[str, AttributeValue] = {
            "xcover.operation": self._operation,
            "xcover.outcome": result,
            "xcover.partner_code": self._partner_code,
        }
        if error is not None:
            error_type = type(error).__qualname__
            attributes["error.type"] = metric["error.type"] = error_type
            if isinstance(error, CircuitOpenError):
                span.add_event("xcover.circuit_open", {"xcover.retry_in": float(error.retry_in)})
            # No description: the class name says it, and a message may quote the server.
            span.set_status(_trace.StatusCode.ERROR)
        span.set_attributes(attributes)
        span.end()
        histogram = self._instruments.operation_duration
        if histogram is not None:
            histogram.record(duration, metric)


class _RecordingAttempt(AttemptTrace):
    __slots__ = ("_histogram", "_metric", "_span", "_started")

    def __init__(self, span: Span, histogram: Histogram | None, metric: dict[str, AttributeValue]) -> None:
        self._span: Span | None = span
        self._histogram = histogram
        self._metric = metric
        self._started = time.perf_counter()

    def end(self, *, response: httpx.Response | None = None, error: BaseException | None = None) -> None:
        span = self._span
        if span is None:
            return
        self._span = None
        duration = time.perf_counter() - self._started
        attributes: dict[str, AttributeValue] = {}
        error_type: str | None = None
        if response is not None:
            status = response.status_code
            attributes["http.response.status_code"] = status
            version = _protocol_version(response)
            if version is not None:
                attributes["network.protocol.version"] = version
            # 409 is XCover's replay of a stored answer: whether it is an error is the call's decision.
            if status >= 400 and status != 409:
                error_type = str(status)
        if error is not None:
            error_type = type(error).__qualname__
        if error_type is not None:
            attributes["error.type"] = error_type
            span.set_status(_trace.StatusCode.ERROR)
        span.set_attributes(attributes)
        span.end()
        if self._histogram is not None:
            self._histogram.record(duration, {**self._metric, **attributes})


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


_NOT_PROPAGATED: Final = PROTECTED_HEADERS | {"baggage"}
"""Headers the propagator may not write: what signing needs, and a W3C `baggage` header even from a
propagator that writes one on its own."""


def _inject(request: httpx.Request, context: Context | None) -> None:
    """The trace context goes, whatever format the service propagates it in (W3C, B3, Jaeger ...);
    the application's baggage, which can hold anything (user ids, emails) and is not a third
    party's to see, is taken out of the context first, so no format (W3C `baggage`, Jaeger's
    `uberctx-*`, OpenTracing's `ot-baggage-*`) can carry it."""
    carrier: dict[str, str] = {}
    _propagate.inject(carrier, context=_baggage.clear(context))
    for name, value in carrier.items():
        if name.lower() not in _NOT_PROPAGATED:
            request.headers[name] = value


def _port(url: httpx.URL) -> int:
    return url.port or _DEFAULT_PORTS.get(url.scheme, 0)


def _protocol_version(response: httpx.Response) -> str | None:
    version = response.http_version  # "HTTP/1.1", "HTTP/2"
    return version.partition("/")[2] or None
