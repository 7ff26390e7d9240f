"""What records a call's spans and metrics, on OpenTelemetry's API (imported by `_telemetry` with the
first call, and only if opentelemetry-api is installed: this module imports it).

The providers are the API's public getters' and the checks on them its public no-op types: before an
application sets an SDK, the API hands out proxies that record nothing and forward to the SDK once
it is set. The tracer and histograms of a provider pair are built once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import httpx
from opentelemetry import baggage, metrics, propagate, trace

from ._constants import PROTECTED_HEADERS
from ._errors import APIResponseValidationError, APIStatusError, CircuitOpenError
from ._redaction import redact_url
from ._telemetry import CALL_SPAN_PREFIX, AttemptTrace, AttributeScalar, CallTrace, outcome
from ._text import printable
from ._version import __version__

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.metrics import Histogram, Meter, MeterProvider
    from opentelemetry.trace import Span, TracerProvider
    from opentelemetry.util.types import AttributeValue

INSTRUMENTATION_NAME: Final = "xcover_offers"
_KNOWN_METHODS: Final = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)
_DEFAULT_PORTS: Final = {"https": 443, "http": 80}

# The semantic conventions' advice for http.client.request.duration; the call's own histogram goes on
# to cover a whole retry budget (30 s by default).
_REQUEST_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_OPERATION_BUCKETS: Final = (*_REQUEST_BUCKETS, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0)


class Instruments:
    """The tracer and histograms of one (tracer provider, meter provider) pair."""

    __slots__ = (
        "meter_provider", "operation_duration", "request_duration", "tracer", "tracer_provider", "tracing"
    )  # fmt: skip

    def __init__(self, tracer_provider: TracerProvider, meter_provider: MeterProvider) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self.tracer = tracer_provider.get_tracer(INSTRUMENTATION_NAME, __version__)
        # The API's own providers (no SDK set) make spans that record nothing: a call then makes none,
        # unless it runs inside an incoming trace, whose context its attempts pass on.
        self.tracing = not isinstance(tracer_provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider)
        self.request_duration: Histogram | None = None
        self.operation_duration: Histogram | None = None
        if not isinstance(meter_provider, metrics.NoOpMeterProvider):
            meter = meter_provider.get_meter(INSTRUMENTATION_NAME, __version__)
            self.request_duration = _histogram(
                meter, "http.client.request.duration", "Duration of HTTP client requests.", _REQUEST_BUCKETS
            )
            self.operation_duration = _histogram(
                meter,
                "xcover.client.operation.duration",
                "Duration of one call of an operation, retries and their waits included.",
                _OPERATION_BUCKETS,
            )


def _histogram(meter: Meter, name: str, description: str, buckets: tuple[float, ...]) -> Histogram:
    return meter.create_histogram(
        name, unit="s", description=description, explicit_bucket_boundaries_advisory=buckets
    )


_cache: Instruments | None = None
_cache_lock = threading.Lock()


def global_providers() -> tuple[TracerProvider, MeterProvider]:
    """The global providers as they are now (an SDK's, or the API's proxies)."""
    return trace.get_tracer_provider(), metrics.get_meter_provider()


def instruments(tracer_provider: TracerProvider | None, meter_provider: MeterProvider | None) -> Instruments:
    """The instruments of the given providers (tests), else of the global ones. One entry is kept: a
    process has one pair of global providers."""
    global _cache
    if tracer_provider is None or meter_provider is None:
        found = global_providers()
        tracer_provider, meter_provider = tracer_provider or found[0], meter_provider or found[1]
    cached = _cache
    if (
        cached is None
        or cached.tracer_provider is not tracer_provider
        or cached.meter_provider is not meter_provider
    ):
        with _cache_lock:  # one build when threads start together
            cached = _cache
            if (
                cached is None
                or cached.tracer_provider is not tracer_provider
                or cached.meter_provider is not meter_provider
            ):
                cached = _cache = Instruments(tracer_provider, meter_provider)
    return cached


class RecordingCall(CallTrace):
    __slots__ = (
        "_context",
        "_instruments",
        "_open",
        "_operation",
        "_partner_code",
        "_span",
        "_started",
        "_template",
        "_tracing",
    )

    def __init__(
        self,
        instruments: Instruments,
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
        self._open: RecordingAttempt | None = None
        self._tracing = instruments.tracing or trace.get_current_span().get_span_context().is_valid
        self._span: Span | None = trace.INVALID_SPAN
        self._context: Context | None = None
        if self._tracing:
            attributes: dict[str, AttributeValue] = {
                "xcover.operation": operation_id,
                "xcover.partner_code": partner_code,
            }
            if idempotency_key is not None:
                attributes["xcover.idempotency_key"] = idempotency_key
            if server.host:
                attributes["server.address"] = server.host
                attributes["server.port"] = _port(server)
            self._span = instruments.tracer.start_span(
                CALL_SPAN_PREFIX + operation_id, kind=trace.SpanKind.INTERNAL, attributes=attributes
            )
            # Never made current: the client's retry loop is a generator driven from sync and async
            # code, where attaching a context and detaching it later is not safe. Children name it.
            self._context = trace.set_span_in_context(self._span)
        self._started = time.perf_counter()

    def attempt(self, request: httpx.Request, attempt: int) -> AttemptTrace:
        url = request.url
        method = request.method if request.method in _KNOWN_METHODS else "_OTHER"
        common: dict[str, AttributeValue] = {
            "http.request.method": method,
            "server.address": url.host,
            "server.port": _port(url),
        }
        span: Span = trace.INVALID_SPAN
        if self._tracing:
            attributes = {**common, "url.full": str(redact_url(url)), "url.template": self._template}
            if attempt > 1:
                attributes["http.request.resend_count"] = attempt - 1
            span = self._instruments.tracer.start_span(
                f"{'HTTP' if method == '_OTHER' else method} {self._template}",
                context=self._context,
                kind=trace.SpanKind.CLIENT,
                attributes=attributes,
            )
            _inject(request, trace.set_span_in_context(span, self._context))
        if self._open is not None:  # the client did not end the previous attempt: end it now
            self._open.end()
        self._open = RecordingAttempt(span, self._instruments.request_duration, common)
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
            span.set_status(trace.StatusCode.ERROR)
        span.set_attributes(attributes)
        span.end()
        histogram = self._instruments.operation_duration
        if histogram is not None:
            histogram.record(duration, metric)


class RecordingAttempt(AttemptTrace):
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
            span.set_status(trace.StatusCode.ERROR)
        span.set_attributes(attributes)
        span.end()
        if self._histogram is not None:
            self._histogram.record(duration, {**self._metric, **attributes})


_NOT_PROPAGATED: Final = PROTECTED_HEADERS | {"baggage"}
"""Headers the propagator may not write: what signing needs, and a W3C `baggage` header even from a
propagator that writes one on its own."""


def _inject(request: httpx.Request, context: Context | None) -> None:
    """The trace context goes, whatever format the service propagates it in (W3C, B3, Jaeger ...);
    the application's baggage, which can hold anything (user ids, emails) and is not a third
    party's to see, is taken out of the context first, so no format (W3C `baggage`, Jaeger's
    `uberctx-*`, OpenTracing's `ot-baggage-*`) can carry it."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=baggage.clear(context))
    for name, value in carrier.items():
        if name.lower() not in _NOT_PROPAGATED:
            request.headers[name] = value


def _port(url: httpx.URL) -> int:
    return url.port or _DEFAULT_PORTS.get(url.scheme, 0)


def _protocol_version(response: httpx.Response) -> str | None:
    version = response.http_version  # "HTTP/1.1", "HTTP/2"
    return version.partition("/")[2] or None
