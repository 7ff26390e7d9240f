"""The telemetry layer driven directly, as the client drives it, into an in-memory OpenTelemetry SDK.

Each test gets its own SDK providers, passed to `start_call` explicitly, so nothing here sets
OpenTelemetry's process-wide providers (those can be set only once per process). What the global
lookup does, with no SDK and with one configured after import, runs in a child process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import xcover_offers
from opentelemetry import baggage, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import CarrierT, Getter, Setter, TextMapPropagator, default_setter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from xcover_offers import _otel, _telemetry
from xcover_offers._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    CircuitOpenError,
    RequestValidationError,
    status_error_class,
)
from xcover_offers._logging import log_attempt
from xcover_offers._telemetry import CallTrace, outcome, start_call

PARTNER = "LLODT"
KEY = "9b2c1f6e-idem"
URL = "https://api.xcover.com/x/partners/LLODT/offers/?include_content=false&extra_fields=tax"
TEMPLATE = "/x/partners/{partner_code}/offers/"
SIGNATURE = 'Signature keyId="k",algorithm="hmac-sha512",headers="date",signature="c2VjcmV0LXNpZw=="'
DATE = "Fri, 15 Jan 2027 08:00:00 GMT"
PERSONAL = "alice.smith@example.com"


@dataclass
class Otel:
    """An SDK of our own: spans in memory, metrics read on demand."""

    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider
    meter_provider: MeterProvider

    def start(self, **overrides: Any) -> CallTrace:
        options: dict[str, Any] = {
            "operation_id": "create_offer",
            "url_template": TEMPLATE,
            "partner_code": PARTNER,
            "idempotency_key": KEY,
            "server": httpx.URL(URL),
        }
        options.update(overrides)
        return start_call(tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, **options)

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def call_span(self, operation: str = "create_offer") -> ReadableSpan:
        (span,) = [s for s in self.spans() if s.name == f"xcover.{operation}"]
        return span

    def attempt_spans(self) -> list[ReadableSpan]:
        return sorted((s for s in self.spans() if s.kind is SpanKind.CLIENT), key=lambda s: s.start_time or 0)

    def points(self, name: str) -> list[HistogramDataPoint]:
        data = self.reader.get_metrics_data()
        found: list[HistogramDataPoint] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        assert scope.scope.name == "xcover_offers"
                        found.extend(p for p in metric.data.data_points if isinstance(p, HistogramDataPoint))
        return found


@pytest.fixture
def otel() -> Iterator[Otel]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider(shutdown_on_exit=False)
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    yield Otel(exporter, reader, tracer_provider, meter_provider)
    tracer_provider.shutdown()
    meter_provider.shutdown()


def request() -> httpx.Request:
    """A request as the client builds it, already carrying what signing adds."""
    return httpx.Request(
        "POST",
        URL,
        content=json.dumps({"customer": {"email": PERSONAL}}).encode(),
        headers={"Authorization": SIGNATURE, "Date": DATE, "X-Idempotency-Key": KEY},
    )


def response(status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"message": f"bad {PERSONAL}"}, headers=headers)


def status_error(status: int, message: str = "nope") -> Exception:
    answer = httpx.Response(status, json={"message": message}, request=request())
    return status_error_class(status)(response=answer, body={"message": message}, request_id="req-err")


def traceparent_of(span: ReadableSpan) -> str:
    context = span.get_span_context()
    assert context is not None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


# -- the six shapes of a call --------------------------------------------------------------------------


def test_success(otel: Otel) -> None:
    call = otel.start()
    sent = request()
    attempt = call.attempt(sent, 1)
    attempt.end(response=response(200, **{"X-Request-Id": "req-1"}))
    call.end(attempts=1, request_id="req-1", details={"xcover.offer_id": "OFR-1", "xcover.products": 2})

    root, (child,) = otel.call_span(), otel.attempt_spans()
    assert root.kind is SpanKind.INTERNAL
    assert root.status.status_code is StatusCode.UNSET
    assert dict(root.attributes or {}) == {
        "xcover.operation": "create_offer",
        "xcover.partner_code": PARTNER,
        "xcover.idempotency_key": KEY,
        "server.address": "api.xcover.com",
        "server.port": 443,
        "xcover.attempts": 1,
        "xcover.replayed": False,
        "xcover.outcome": "ok",
        "xcover.offer_id": "OFR-1",
        "xcover.request_id": "req-1",
        "xcover.products": 2,
    }
    assert child.name == f"POST {TEMPLATE}"
    assert child.status.status_code is StatusCode.UNSET
    assert dict(child.attributes or {}) == {
        "http.request.method": "POST",
        "server.address": "api.xcover.com",
        "server.port": 443,
        "url.full": URL,
        "url.template": TEMPLATE,
        "http.response.status_code": 200,
        "network.protocol.version": "1.1",
    }
    assert parent_id(child) == root.context.span_id
    assert child.context.trace_id == root.context.trace_id
    assert root.parent is None
    # The attempt's context went out in W3C form; what signing set is untouched.
    assert sent.headers["traceparent"] == traceparent_of(child)
    assert sent.headers["authorization"] == SIGNATURE
    assert sent.headers["date"] == DATE

    (request_point,) = otel.points("http.client.request.duration")
    assert dict(request_point.attributes) == {
        "http.request.method": "POST",
        "server.address": "api.xcover.com",
        "server.port": 443,
        "http.response.status_code": 200,
        "network.protocol.version": "1.1",
    }
    assert request_point.count == 1
    assert request_point.sum >= 0
    # The semantic conventions' bucket advice, in seconds (the SDK's default buckets suit milliseconds).
    assert list(request_point.explicit_bounds) == [
        0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
    ]  # fmt: skip
    (operation_point,) = otel.points("xcover.client.operation.duration")
    assert dict(operation_point.attributes) == {
        "xcover.operation": "create_offer",
        "xcover.outcome": "ok",
        "xcover.partner_code": PARTNER,
    }
    assert operation_point.count == 1


def test_retry_then_success(otel: Otel) -> None:
    call = otel.start()
    first, second = request(), request()
    call.attempt(first, 1).end(response=response(503, **{"Retry-After": "1"}))
    call.backoff(1.0, "status 503")
    call.attempt(second, 2).end(response=response(200))
    call.end(attempts=2, details={"xcover.offer_id": "OFR-1"})

    root = otel.call_span()
    one, two = otel.attempt_spans()
    assert [parent_id(one), parent_id(two)] == [root.context.span_id] * 2
    assert one.status.status_code is StatusCode.ERROR
    assert (one.attributes or {})["error.type"] == "503"
    assert "http.request.resend_count" not in (one.attributes or {})
    assert (two.attributes or {})["http.request.resend_count"] == 1
    assert "error.type" not in (two.attributes or {})
    assert two.status.status_code is StatusCode.UNSET
    assert first.headers["traceparent"] == traceparent_of(one) != second.headers["traceparent"]
    assert second.headers["traceparent"] == traceparent_of(two)
    (event,) = root.events
    assert event.name == "xcover.backoff"
    assert dict(event.attributes or {}) == {
        "xcover.backoff.delay": 1.0,
        "xcover.backoff.reason": "status 503",
    }
    assert (root.attributes or {})["xcover.attempts"] == 2
    assert root.status.status_code is StatusCode.UNSET

    by_status = {
        p.attributes["http.response.status_code"]: p for p in otel.points("http.client.request.duration")
    }
    assert by_status[503].attributes["error.type"] == "503"
    assert "error.type" not in by_status[200].attributes
    (operation_point,) = otel.points("xcover.client.operation.duration")
    assert operation_point.attributes["xcover.outcome"] == "ok"


def test_retry_after_a_connection_error(otel: Otel) -> None:
    call = otel.start()
    call.attempt(request(), 1).end(error=httpx.ConnectTimeout("timed out"))
    call.backoff(0.5, "ConnectTimeout")
    call.attempt(request(), 2).end(response=response(200))
    call.end(attempts=2)

    one, _ = otel.attempt_spans()
    assert one.status.status_code is StatusCode.ERROR
    assert (one.attributes or {})["error.type"] == "ConnectTimeout"
    assert "http.response.status_code" not in (one.attributes or {})
    (failed,) = [p for p in otel.points("http.client.request.duration") if "error.type" in p.attributes]
    assert dict(failed.attributes) == {
        "http.request.method": "POST",
        "server.address": "api.xcover.com",
        "server.port": 443,
        "error.type": "ConnectTimeout",
    }


def test_409_replay_is_a_success(otel: Otel) -> None:
    call = otel.start()
    call.attempt(request(), 1).end(error=httpx.ReadTimeout("lost"))
    call.backoff(0.5, "ReadTimeout")
    call.attempt(request(), 2).end(response=response(409))
    call.note("xcover.replayed", attempt=2)
    call.end(attempts=2, replayed=True, details={"xcover.offer_id": "OFR-1"})

    root = otel.call_span()
    _, replay = otel.attempt_spans()
    # XCover's documented answer for a request it already processed: not an error of the attempt.
    assert replay.status.status_code is StatusCode.UNSET
    assert (replay.attributes or {})["http.response.status_code"] == 409
    assert "error.type" not in (replay.attributes or {})
    assert root.status.status_code is StatusCode.UNSET
    assert (root.attributes or {})["xcover.replayed"] is True
    assert (root.attributes or {})["xcover.outcome"] == "replayed"
    assert [(e.name, dict(e.attributes or {})) for e in root.events][-1] == (
        "xcover.replayed",
        {"xcover.attempt": 2},
    )
    (operation_point,) = otel.points("xcover.client.operation.duration")
    assert operation_point.attributes["xcover.outcome"] == "replayed"


def test_an_error_status(otel: Otel) -> None:
    call = otel.start()
    call.attempt(request(), 1).end(response=response(422))
    call.end(attempts=1, error=status_error(422, f"customer.email {PERSONAL} is not valid"))

    root, (child,) = otel.call_span(), otel.attempt_spans()
    assert child.status.status_code is StatusCode.ERROR
    assert (child.attributes or {})["error.type"] == "422"
    assert root.status.status_code is StatusCode.ERROR
    assert root.status.description is None  # a message may quote the server, and so personal data
    attributes = dict(root.attributes or {})
    assert attributes["error.type"] == "UnprocessableEntityError"
    assert attributes["xcover.outcome"] == "client_error"
    assert attributes["xcover.request_id"] == "req-err"
    assert "xcover.offer_id" not in attributes
    (operation_point,) = otel.points("xcover.client.operation.duration")
    assert dict(operation_point.attributes) == {
        "xcover.operation": "create_offer",
        "xcover.outcome": "client_error",
        "xcover.partner_code": PARTNER,
        "error.type": "UnprocessableEntityError",
    }


def test_budget_exhausted(otel: Otel) -> None:
    call = otel.start()
    sent = request()
    call.attempt(sent, 1).end(response=response(503, **{"Retry-After": "60"}))
    call.note("xcover.budget_exhausted", spent=0.2, attempts=1)
    call.end(attempts=1, error=APITimeoutError("total_timeout of 5 s ran out", request=sent))

    root = otel.call_span()
    assert root.status.status_code is StatusCode.ERROR
    assert (root.attributes or {})["error.type"] == "APITimeoutError"
    assert (root.attributes or {})["xcover.outcome"] == "timeout"
    (event,) = root.events
    assert (event.name, dict(event.attributes or {})) == (
        "xcover.budget_exhausted",
        {"xcover.spent": 0.2, "xcover.attempts": 1},
    )
    (operation_point,) = otel.points("xcover.client.operation.duration")
    assert operation_point.attributes["xcover.outcome"] == "timeout"


def test_circuit_open(otel: Otel) -> None:
    call = otel.start()
    call.end(attempts=0, error=CircuitOpenError(retry_in=12.5, retry_at=1012.5))

    assert otel.attempt_spans() == []
    root = otel.call_span()
    assert root.status.status_code is StatusCode.ERROR
    attributes = dict(root.attributes or {})
    assert (attributes["error.type"], attributes["xcover.outcome"], attributes["xcover.attempts"]) == (
        "CircuitOpenError",
        "circuit_open",
        0,
    )
    (event,) = root.events
    assert (event.name, dict(event.attributes or {})) == ("xcover.circuit_open", {"xcover.retry_in": 12.5})
    assert otel.points("http.client.request.duration") == []
    (operation_point,) = otel.points("xcover.client.operation.duration")
    assert operation_point.attributes["xcover.outcome"] == "circuit_open"


# -- the outcome of every kind of ending ---------------------------------------------------------------


def _stub_request() -> httpx.Request:
    return httpx.Request("POST", URL)


@pytest.mark.parametrize(
    ("error", "replayed", "expected"),
    [
        (None, False, "ok"),
        (None, True, "replayed"),
        (lambda: status_error(500), False, "server_error"),
        (lambda: status_error(503), False, "server_error"),
        (lambda: status_error(423), False, "server_error"),
        (lambda: status_error(429), False, "server_error"),
        (lambda: status_error(408), False, "server_error"),
        (lambda: status_error(400), False, "client_error"),
        (lambda: status_error(403), False, "client_error"),
        (lambda: status_error(404), False, "client_error"),
        (lambda: status_error(409), False, "client_error"),
        (lambda: status_error(422), False, "client_error"),
        (lambda: RequestValidationError("events[0].name", "is required"), False, "client_error"),
        (
            lambda: APIResponseValidationError("no data", response=httpx.Response(200), request_id=None),
            False,
            "server_error",
        ),
        (lambda: APITimeoutError("slow", request=_stub_request()), False, "timeout"),
        (lambda: APIConnectionError("refused", request=_stub_request()), False, "connection_error"),
        (lambda: CircuitOpenError(retry_in=1.0, retry_at=2.0), False, "circuit_open"),
        (lambda: httpx.ReadTimeout("slow"), False, "timeout"),
        (lambda: httpx.ConnectError("refused"), False, "connection_error"),
        (lambda: asyncio.CancelledError(), False, "cancelled"),
        (lambda: KeyboardInterrupt(), False, "cancelled"),
        (lambda: TypeError("a bug of ours"), False, "client_error"),
    ],
)
def test_outcome_of_every_ending(error: Any, replayed: bool, expected: str) -> None:
    assert outcome(error() if error else None, replayed=replayed) == expected
    assert expected in _telemetry.OUTCOMES


def test_a_cancelled_call_ends_its_open_attempt(otel: Otel) -> None:
    call = otel.start()
    call.attempt(request(), 1)  # the task is cancelled while the request is in flight
    call.end(attempts=1, error=asyncio.CancelledError())
    call.end(attempts=1)  # a second end changes nothing

    root, (child,) = otel.call_span(), otel.attempt_spans()
    assert (child.attributes or {})["error.type"] == "CancelledError"
    assert (root.attributes or {})["xcover.outcome"] == "cancelled"
    assert len(otel.points("xcover.client.operation.duration")) == 1


def test_an_attempt_left_open_is_ended_by_the_next(otel: Otel) -> None:
    call = otel.start()
    call.attempt(request(), 1)
    last = call.attempt(request(), 2)
    last.end(response=response(200))
    last.end(response=response(500))  # ignored: ended already
    call.end(attempts=2)
    one, two = otel.attempt_spans()
    assert "http.response.status_code" not in (one.attributes or {})
    assert (two.attributes or {})["http.response.status_code"] == 200
    assert len(otel.points("http.client.request.duration")) == 2


def test_an_attempt_that_got_a_response_and_then_failed(otel: Otel) -> None:
    call = otel.start()
    call.attempt(request(), 1).end(response=response(200), error=httpx.ReadTimeout("body trickled"))
    call.end(attempts=1, error=APITimeoutError("budget", request=_stub_request()))
    (child,) = otel.attempt_spans()
    assert (child.attributes or {})["http.response.status_code"] == 200
    assert (child.attributes or {})["error.type"] == "ReadTimeout"
    assert child.status.status_code is StatusCode.ERROR


# -- context: the caller's trace, the propagator --------------------------------------------------------


def test_the_call_span_is_a_child_of_the_callers_span(otel: Otel) -> None:
    tracer = otel.tracer_provider.get_tracer("checkout")
    with tracer.start_as_current_span("checkout") as checkout:
        call = otel.start()
        sent = request()
        call.attempt(sent, 1).end(response=response(200))
        # Never made current: code after start_call (other instrumentation too) sees the caller's span.
        assert trace.get_current_span() is checkout
        call.end(attempts=1)
    root, (child,) = otel.call_span(), otel.attempt_spans()
    assert parent_id(root) == checkout.get_span_context().span_id
    assert root.context.trace_id == checkout.get_span_context().trace_id
    assert sent.headers["traceparent"] == traceparent_of(child)


class _Greedy(TextMapPropagator):
    """A propagator that writes its own header, and tries Authorization and Date too."""

    def inject(
        self, carrier: CarrierT, context: Context | None = None, setter: Setter[CarrierT] = default_setter
    ) -> None:
        span_context = trace.get_current_span(context).get_span_context()
        setter.set(carrier, "x-trace", f"{span_context.trace_id:032x}")
        setter.set(carrier, "Authorization", "Bearer stolen")
        setter.set(carrier, "date", "never")
        setter.set(carrier, "baggage", "user.email=jane%40example.com")

    def extract(
        self, carrier: CarrierT, context: Context | None = None, getter: Getter[CarrierT] = None
    ) -> Context:  # type: ignore[assignment]
        raise NotImplementedError

    @property
    def fields(self) -> set[str]:
        return {"x-trace", "authorization", "date", "baggage"}


def test_the_global_propagator_is_used_and_never_touches_signing_headers(otel: Otel) -> None:
    previous = propagate.get_global_textmap()
    propagate.set_global_textmap(_Greedy())
    try:
        call = otel.start()
        sent = request()
        call.attempt(sent, 1).end(response=response(200))
        call.end(attempts=1)
    finally:
        propagate.set_global_textmap(previous)
    (child,) = otel.attempt_spans()
    assert sent.headers["x-trace"] == f"{child.context.trace_id:032x}"
    assert "traceparent" not in sent.headers
    assert "baggage" not in sent.headers  # the application's baggage is not XCover's to see
    assert sent.headers["authorization"] == SIGNATURE
    assert sent.headers["date"] == DATE


class _BaggageByPrefix(TextMapPropagator):
    """Writes each baggage entry as its own header, as the Jaeger (`uberctx-`) propagator does."""

    def inject(
        self, carrier: CarrierT, context: Context | None = None, setter: Setter[CarrierT] = default_setter
    ) -> None:
        for key, value in baggage.get_all(context).items():
            setter.set(carrier, f"uberctx-{key}", str(value))
        setter.set(
            carrier, "uber-trace-id", f"{trace.get_current_span(context).get_span_context().trace_id:032x}"
        )

    def extract(
        self, carrier: CarrierT, context: Context | None = None, getter: Getter[CarrierT] = None
    ) -> Context:  # type: ignore[assignment]
        raise NotImplementedError

    @property
    def fields(self) -> set[str]:
        return {"uber-trace-id"}


def test_baggage_is_kept_from_xcover_in_any_propagation_format(otel: Otel) -> None:
    previous = propagate.get_global_textmap()
    propagate.set_global_textmap(_BaggageByPrefix())
    token = otel_context.attach(baggage.set_baggage("user.email", "jane@example.com"))
    try:
        call = otel.start()
        sent = request()
        call.attempt(sent, 1).end(response=response(200))
        call.end(attempts=1)
    finally:
        otel_context.detach(token)
        propagate.set_global_textmap(previous)
    (child,) = otel.attempt_spans()
    assert sent.headers["uber-trace-id"] == f"{child.context.trace_id:032x}"  # the trace still goes
    assert not [name for name in sent.headers if name.startswith("uberctx-")]
    assert "jane@example.com" not in str(sent.headers)


# -- URLs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "partner", "template", "full", "port"),
    [
        (
            "http://127.0.0.1:8080/x/partners/LLODT/offers/",
            "LLODT",
            "/x/partners/{partner_code}/offers/",
            "http://127.0.0.1:8080/x/partners/LLODT/offers/",
            8080,
        ),
        (
            "https://proxy.example/api/xcover/partners/LL%20OD/offers/?active_only=true",
            "LL OD",
            "/api/xcover/partners/{partner_code}/offers/",
            "https://proxy.example/api/xcover/partners/LL%20OD/offers/?active_only=true",
            443,
        ),
        (
            "https://user:pa55@api.xcover.com/partners/LLODT/offers/",
            "LLODT",
            "/partners/{partner_code}/offers/",
            "https://REDACTED:REDACTED@api.xcover.com/partners/LLODT/offers/",
            443,
        ),
        (  # a client passed in may add its own params: only Create Offer's are shown
            "https://api.xcover.com/partners/LLODT/offers/?extra_fields=tax&proxy_token=s3cr3t",
            "LLODT",
            "/partners/{partner_code}/offers/",
            "https://api.xcover.com/partners/LLODT/offers/?extra_fields=tax&proxy_token=REDACTED",
            443,
        ),
    ],
)
def test_url_attributes(otel: Otel, url: str, partner: str, template: str, full: str, port: int) -> None:
    call = otel.start(partner_code=partner, server=httpx.URL(url), url_template=template)
    call.attempt(httpx.Request("POST", url), 1).end(response=response(200))
    call.end(attempts=1)
    (child,) = otel.attempt_spans()
    attributes = dict(child.attributes or {})
    assert (attributes["url.template"], attributes["url.full"], attributes["server.port"]) == (
        template,
        full,
        port,
    )
    assert child.name == f"POST {template}"
    assert "pa55" not in json.dumps([s.to_json() for s in otel.spans()])


# -- nothing secret or personal --------------------------------------------------------------------------


def test_no_secret_or_personal_data_in_any_span_event_or_metric(otel: Otel) -> None:
    call = otel.start()
    sent = request()
    call.attempt(sent, 1).end(response=response(422))
    call.note("xcover.budget_exhausted", spent=1.0, attempts=1)
    call.end(attempts=1, error=status_error(422, f"customer.email {PERSONAL} is not valid"))
    exported = json.dumps([json.loads(s.to_json()) for s in otel.spans()])
    data = otel.reader.get_metrics_data()
    assert data is not None
    exported += data.to_json()
    for secret in (PERSONAL, "c2VjcmV0LXNpZw==", "Signature", DATE, "customer"):
        assert secret not in exported


# -- the DEBUG line --------------------------------------------------------------------------------------


def test_log_attempt_line_and_structured_fields(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("xcover_offers.test_telemetry")
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        log_attempt(
            logger,
            method="POST",
            path="/x/partners/LLODT/offers/",
            outcome=httpx.Response(503),
            elapsed_ms=12.345,
            attempt=1,
            max_attempts=3,
            idempotency_key=KEY,
            request_id="req-1",
            body=None,
        )
        log_attempt(
            logger,
            method="POST",
            path="/x/partners/LLODT/offers/",
            outcome=httpx.ConnectTimeout("slow"),
            elapsed_ms=5.0,
            attempt=2,
            max_attempts=3,
            idempotency_key=KEY,
            request_id=None,
            body='{"customer":{"email":"***"}}',
        )
    first, second = caplog.records
    assert first.getMessage() == (
        f"POST /x/partners/LLODT/offers/ -> 503 (req-1) in 12.3 ms (attempt 1/3, idempotency key {KEY})"
    )
    assert second.getMessage() == (
        "POST /x/partners/LLODT/offers/ -> ConnectTimeout in 5.0 ms (attempt 2/3, idempotency key "
        f'{KEY}) body={{"customer":{{"email":"***"}}}}'
    )
    fields = (
        "http_request_method",
        "url_path",
        "xcover_status",
        "xcover_error_type",
        "xcover_request_id",
        "xcover_elapsed_ms",
        "xcover_attempt",
        "xcover_max_attempts",
        "xcover_idempotency_key",
    )
    assert {f: getattr(first, f) for f in fields} == {
        "http_request_method": "POST",
        "url_path": "/x/partners/LLODT/offers/",
        "xcover_status": 503,
        "xcover_error_type": None,
        "xcover_request_id": "req-1",
        "xcover_elapsed_ms": 12.3,
        "xcover_attempt": 1,
        "xcover_max_attempts": 3,
        "xcover_idempotency_key": KEY,
    }
    assert not hasattr(first, "xcover_body")
    assert (second.xcover_status, second.xcover_error_type, second.xcover_attempt) == (
        None,
        "ConnectTimeout",
        2,
    )
    assert second.xcover_body == '{"customer":{"email":"***"}}'
    assert first.funcName == "test_log_attempt_line_and_structured_fields"  # the caller's line, not ours


def test_log_attempt_does_nothing_below_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger("xcover_offers.test_telemetry.quiet")
    logger.setLevel(logging.INFO)

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("formatted a line nobody reads")

    monkeypatch.setattr(logger, "debug", fail)
    monkeypatch.setattr(logger, "_log", fail)
    log_attempt(
        logger,
        method="POST",
        path="/p",
        outcome=httpx.Response(200),
        elapsed_ms=1.0,
        attempt=1,
        max_attempts=1,
        idempotency_key=KEY,
        request_id=None,
        body=None,
    )


# -- without an SDK, and without opentelemetry ------------------------------------------------------------

_GLOBAL_SCRIPT = textwrap.dedent(
    """
    import json
    import httpx
    from opentelemetry import context, metrics, trace
    from xcover_offers import _telemetry

    url = httpx.URL("https://api.xcover.com/x/partners/P/offers/")
    out = {}

    # The API alone: its proxies record nothing, and nothing is written to the request.
    call = _telemetry.start_call(
        operation_id="create_offer", url_template="/x/partners/{partner_code}/offers/",
        partner_code="P", idempotency_key="k", server=url,
    )  # fmt: skip
    request = httpx.Request("POST", url)
    call.attempt(request, 1).end(response=httpx.Response(200))
    call.end(attempts=1)
    out["noop_headers"] = "traceparent" in request.headers

    # The API alone, inside an incoming trace: its context is passed on, as the API's no-op tracer does.
    incoming = trace.SpanContext(0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331, True,
                                 trace.TraceFlags(1))
    token = context.attach(trace.set_span_in_context(trace.NonRecordingSpan(incoming)))
    call = _telemetry.start_call(
        operation_id="create_offer", url_template="/x/partners/{partner_code}/offers/",
        partner_code="P", idempotency_key="k", server=url,
    )  # fmt: skip
    request = httpx.Request("POST", url)
    call.attempt(request, 1).end(response=httpx.Response(200))
    call.end(attempts=1)
    context.detach(token)
    out["passed_on"] = request.headers.get("traceparent")

    # An SDK configured after import is honoured from the next call.
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    call = _telemetry.start_call(
        operation_id="create_offer", url_template="/x/partners/{partner_code}/offers/",
        partner_code="P", idempotency_key="k", server=url,
    )  # fmt: skip
    request = httpx.Request("POST", url)
    call.attempt(request, 1).end(response=httpx.Response(200))
    call.end(attempts=1)
    _telemetry.start_call(
        operation_id="create_offer", url_template="/x/partners/{partner_code}/offers/",
        partner_code="P", idempotency_key="k", server=url,
    ).end(attempts=0)  # fmt: skip
    out["spans"] = sorted(s.name for s in exporter.get_finished_spans())
    out["scope"] = exporter.get_finished_spans()[0].instrumentation_scope.name
    out["scope_version"] = exporter.get_finished_spans()[0].instrumentation_scope.version
    out["sdk_headers"] = "traceparent" in request.headers
    # Ours: the SDK's own (otel.sdk.*, from SDKs 1.40 and 1.41) reach the same reader.
    out["metrics"] = sorted(m.name for rm in reader.get_metrics_data().resource_metrics
                            for sm in rm.scope_metrics if sm.scope.name == "xcover_offers"
                            for m in sm.metrics)
    print(json.dumps(out))
    """
)


def test_global_providers_no_sdk_then_an_sdk_configured_after_import() -> None:
    done = subprocess.run([sys.executable, "-c", _GLOBAL_SCRIPT], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    from xcover_offers import __version__

    assert out == {
        "noop_headers": False,
        "passed_on": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "spans": [f"POST {TEMPLATE}", "xcover.create_offer", "xcover.create_offer"],
        "scope": "xcover_offers",
        "scope_version": __version__,
        "sdk_headers": True,
        "metrics": ["http.client.request.duration", "xcover.client.operation.duration"],
    }


def test_a_provider_named_by_environment_variable_is_honoured() -> None:
    script = (
        "import httpx; from opentelemetry import trace; from xcover_offers import _otel, _telemetry; "
        "_telemetry.start_call(operation_id='o', url_template='/', partner_code='P', "
        "idempotency_key='k', server=httpx.URL('https://h/')).end(attempts=0); "
        "print(type(_otel._cache.tracer_provider).__module__.startswith('opentelemetry.sdk'))"
    )
    env = {**os.environ, "OTEL_PYTHON_TRACER_PROVIDER": "sdk_tracer_provider"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["True"]


@pytest.fixture
def without_opentelemetry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`opentelemetry` cannot be imported, and _telemetry is re-imported that way; restored after."""
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "opentelemetry"}
    for name in saved:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # None makes `import` raise ImportError
    monkeypatch.delitem(sys.modules, "xcover_offers._otel")
    monkeypatch.delattr(xcover_offers, "_otel")
    monkeypatch.setattr(_telemetry, "_recorder", None)  # looked for again, and not found
    try:
        yield
    finally:
        monkeypatch.undo()


def test_without_opentelemetry_everything_is_a_no_op(
    without_opentelemetry: None, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ImportError):
        import opentelemetry  # noqa: F401
    call = _telemetry.start_call(
        operation_id="create_offer", url_template=TEMPLATE, partner_code=PARTNER, idempotency_key=KEY,
        server=httpx.URL(URL),
    )  # fmt: skip
    assert call is _telemetry.NOOP_CALL
    sent = request()
    before = dict(sent.headers)
    call.attempt(sent, 1).end(response=response(503))
    call.backoff(0.5, "status 503")
    call.note("xcover.replayed", attempt=2)
    call.attempt(sent, 2).end(error=httpx.ConnectError("refused"))
    call.end(attempts=2, error=APIConnectionError("refused", request=sent))
    assert dict(sent.headers) == before
    logger = logging.getLogger("xcover_offers.test_telemetry.absent")
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        log_attempt(
            logger,
            method="POST",
            path="/p",
            outcome=httpx.Response(200),
            elapsed_ms=1.0,
            attempt=1,
            max_attempts=1,
            idempotency_key=KEY,
            request_id=None,
            body=None,
        )
    assert caplog.records[0].xcover_status == 200
    assert _telemetry.outcome(None, replayed=True) == "replayed"


def test_the_instruments_are_built_once_per_pair_of_providers() -> None:
    """The tracer and both histograms are made once, not per call; other providers get their own."""
    tracer_provider, meter_provider = TracerProvider(), MeterProvider()
    first = _otel.instruments(tracer_provider, meter_provider)
    assert _otel.instruments(tracer_provider, meter_provider) is first
    other = _otel.instruments(TracerProvider(), meter_provider)
    assert other is not first
    assert other.meter_provider is meter_provider
