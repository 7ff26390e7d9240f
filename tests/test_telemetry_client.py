"""Telemetry end to end: the real clients, sync and async, through MockTransport, a server and the sandbox.

The clients look the global OpenTelemetry providers up on every call; here that lookup is pointed at
an in-memory SDK of the test's own (OpenTelemetry's real globals can be set only once per process).
The check that the real globals are honoured is in test_telemetry.py, in a child process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import textwrap
from typing import Any

import httpx
import pytest
from _harness import MODE_IDS, MODES, PARTNER, Drop, Script, harness, ok_body
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode
from test_telemetry import Otel, otel  # noqa: F401 - the fixture
from xcover_offers import (
    APITimeoutError,
    AsyncOffersClient,
    CircuitBreaker,
    CircuitOpenError,
    InternalServerError,
    OffersClient,
    UnprocessableEntityError,
    _otel,
)
from xcover_offers.sandbox import Fault, Sandbox

TEMPLATE = "/x/partners/{partner_code}/offers/"
CUSTOMER = {"currency": "USD", "country": "US", "language": "en-us"}
EVENTS = [
    {
        "id": "e1",
        "name": "Concert",
        "start_date": "2031-06-01T19:00:00+00:00",
        "country": "US",
        "tickets": [{"id": "t1", "price": 100}, {"id": "t2", "price": 80}],
    }
]


@pytest.fixture
def wired(otel: Otel, monkeypatch: pytest.MonkeyPatch) -> Otel:  # noqa: F811 - the fixture
    """The clients' global-provider lookup answers with this test's SDK."""
    monkeypatch.setattr(_otel, "global_providers", lambda: (otel.tracer_provider, otel.meter_provider))
    return otel


def ok(status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=ok_body(products=[]), headers={"X-Request-Id": "req-ok"})


def failing(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"type": "x", "message": "no"}, headers=headers)


def traceparent_of(span: ReadableSpan) -> str:
    context = span.get_span_context()
    assert context is not None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def outcomes(sdk: Otel) -> list[str]:
    return sorted(str(p.attributes["xcover.outcome"]) for p in sdk.points("xcover.client.operation.duration"))


per_mode = pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)


@per_mode
def test_success(mode: tuple[str, str], wired: Otel) -> None:
    script = Script(ok())
    with harness(mode, script) as h:
        result = h.create_offer_with_response()
    root, (child,) = wired.call_span(), wired.attempt_spans()
    (sent,) = script.requests
    assert attributes(root) == {
        "xcover.operation": "create_offer",
        "xcover.partner_code": PARTNER,
        "xcover.idempotency_key": result.idempotency_key,
        "server.address": sent.url.host,
        "server.port": sent.url.port or 443,
        "xcover.attempts": 1,
        "xcover.replayed": False,
        "xcover.outcome": "ok",
        "xcover.offer_id": "OFR-1",
        "xcover.request_id": "req-ok",
        "xcover.products": 0,
    }
    assert sent.headers["x-idempotency-key"] == result.idempotency_key
    assert child.name == f"POST {TEMPLATE}"
    assert child.parent is not None
    assert child.parent.span_id == root.context.span_id
    assert attributes(child)["url.template"] == TEMPLATE
    assert attributes(child)["url.full"] == str(sent.url)
    assert attributes(child)["http.response.status_code"] == 200
    # What XCover receives: the attempt's context, and a signature that is still there.
    assert sent.headers["traceparent"] == traceparent_of(child)
    assert sent.headers["authorization"].startswith("Signature ")
    (point,) = wired.points("http.client.request.duration")
    assert point.attributes["http.response.status_code"] == 200
    assert outcomes(wired) == ["ok"]


@per_mode
def test_retry_then_success(mode: tuple[str, str], wired: Otel) -> None:
    script = Script(failing(503), ok())
    with harness(mode, script) as h:
        h.create_offer()
    root = wired.call_span()
    one, two = wired.attempt_spans()
    assert attributes(root)["xcover.attempts"] == 2
    assert root.status.status_code is StatusCode.UNSET
    assert (attributes(one)["error.type"], one.status.status_code) == ("503", StatusCode.ERROR)
    assert attributes(two)["http.request.resend_count"] == 1
    assert [r.headers["traceparent"] for r in script.requests] == [traceparent_of(one), traceparent_of(two)]
    (backoff,) = root.events
    assert backoff.name == "xcover.backoff"
    assert dict(backoff.attributes or {}) == {
        "xcover.backoff.delay": h.delays[0],
        "xcover.backoff.reason": "status 503",
    }
    statuses = sorted(
        p.attributes["http.response.status_code"] for p in wired.points("http.client.request.duration")
    )
    assert statuses == [200, 503]
    assert outcomes(wired) == ["ok"]


@per_mode
def test_409_replay_after_a_lost_response(mode: tuple[str, str], wired: Otel) -> None:
    script = Script(Drop, ok(409))
    with harness(mode, script) as h:
        result = h.create_offer_with_response()
    assert result.replayed is True
    root = wired.call_span()
    lost, replay = wired.attempt_spans()
    assert attributes(lost)["error.type"] == "RemoteProtocolError"
    assert attributes(replay)["http.response.status_code"] == 409
    assert "error.type" not in attributes(replay)
    assert root.status.status_code is StatusCode.UNSET
    assert (attributes(root)["xcover.replayed"], attributes(root)["xcover.outcome"]) == (True, "replayed")
    assert [e.name for e in root.events] == ["xcover.backoff", "xcover.replayed"]
    assert dict(root.events[0].attributes or {})["xcover.backoff.reason"] == "RemoteProtocolError"
    assert outcomes(wired) == ["replayed"]


@per_mode
def test_an_error_status(mode: tuple[str, str], wired: Otel) -> None:
    script = Script(
        httpx.Response(422, json={"message": "customer.email is not valid"}, headers={"X-Request-Id": "r"})
    )
    with harness(mode, script) as h, pytest.raises(UnprocessableEntityError):
        h.create_offer()
    root, (child,) = wired.call_span(), wired.attempt_spans()
    assert root.status.status_code is StatusCode.ERROR
    assert attributes(root)["error.type"] == "UnprocessableEntityError"
    assert attributes(root)["xcover.outcome"] == "client_error"
    assert attributes(root)["xcover.request_id"] == "r"
    assert attributes(child)["error.type"] == "422"
    exported = json.dumps([json.loads(s.to_json()) for s in wired.spans()])
    assert "customer.email" not in exported  # the server's message stays out
    assert outcomes(wired) == ["client_error"]


@per_mode
def test_budget_exhausted(mode: tuple[str, str], wired: Otel) -> None:
    # XCover asks for a 60 s wait that a 5 s budget cannot hold: the client gives up at once.
    script = Script(failing(503, **{"Retry-After": "60"}))
    with harness(mode, script, total_timeout=5) as h, pytest.raises(APITimeoutError):
        h.create_offer()
    assert h.delays == []
    root, (child,) = wired.call_span(), wired.attempt_spans()
    assert attributes(child)["error.type"] == "503"
    assert root.status.status_code is StatusCode.ERROR
    assert attributes(root)["error.type"] == "APITimeoutError"
    assert attributes(root)["xcover.outcome"] == "timeout"
    assert attributes(root)["xcover.attempts"] == 1
    assert "xcover.budget_exhausted" in [e.name for e in root.events]
    assert outcomes(wired) == ["timeout"]


@per_mode
def test_open_breaker(mode: tuple[str, str], wired: Otel) -> None:
    script = Script(failing(503))
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=600)
    with harness(mode, script, max_retries=0, circuit_breaker=breaker) as h:
        with pytest.raises(InternalServerError):
            h.create_offer()
        with pytest.raises(CircuitOpenError):
            h.create_offer()
    assert len(script.requests) == 1
    first, second = sorted(
        (s for s in wired.spans() if s.name == "xcover.create_offer"), key=lambda s: s.start_time or 0
    )
    assert attributes(first)["xcover.outcome"] == "server_error"
    assert attributes(second)["xcover.outcome"] == "circuit_open"
    assert attributes(second)["error.type"] == "CircuitOpenError"
    assert second.status.status_code is StatusCode.ERROR
    assert [e.name for e in second.events] == ["xcover.circuit_open"]
    # No attempt was made, so no attempt span belongs to the refused call.
    assert [s.parent.span_id for s in wired.attempt_spans() if s.parent] == [first.context.span_id]
    assert outcomes(wired) == ["circuit_open", "server_error"]


@per_mode
def test_debug_lines_carry_the_facts_as_fields(
    mode: tuple[str, str], wired: Otel, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(failing(503), ok())
    with caplog.at_level(logging.DEBUG, logger="xcover_offers"), harness(mode, script) as h:
        result = h.create_offer_with_response()
    lines = [r for r in caplog.records if hasattr(r, "xcover_attempt")]
    assert [(r.xcover_attempt, r.xcover_status, r.xcover_max_attempts) for r in lines] == [
        (1, 503, 3),
        (2, 200, 3),
    ]
    assert {r.xcover_idempotency_key for r in lines} == {result.idempotency_key}
    assert {r.http_request_method for r in lines} == {"POST"}
    for record in lines:
        assert "Signature" not in json.dumps({k: str(v) for k, v in vars(record).items()})


# -- the sandbox: XCover's signature check still passes with traceparent on each attempt ---------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_sandbox_verifies_signatures_with_traceparent(kind: str, wired: Otel) -> None:
    sandbox = Sandbox()
    sandbox.queue(Fault.drop(after_processing=True))  # the offer is made, its answer lost: a 409 replay
    options: dict[str, Any] = {
        "api_key": "sandbox-key",
        "api_secret": "sandbox-secret",
        "partner_code": PARTNER,
    }
    if kind == "sync":
        with OffersClient(http_client=sandbox.transport(), **options) as client:
            client._sleep = lambda seconds: None
            result = client.create_offer_with_response(customer=CUSTOMER, events=EVENTS)
    else:

        async def run() -> Any:
            async with AsyncOffersClient(http_client=sandbox.async_transport(), **options) as client:

                async def no_sleep(seconds: float) -> None:
                    return None

                client._sleep = no_sleep
                return await client.create_offer_with_response(customer=CUSTOMER, events=EVENTS)

        result = asyncio.run(run())
    assert result.replayed is True
    lost, replay = sandbox.history
    assert lost.response.status == 0  # processed, then the connection dropped
    assert replay.response.status == 409  # the signature was verified, or this would be a 403
    spans = wired.attempt_spans()
    assert [x.request.header("traceparent") for x in (lost, replay)] == [traceparent_of(s) for s in spans]
    assert attributes(wired.call_span())["xcover.offer_id"] == result.offer.id


_WITHOUT_OTEL = textwrap.dedent(
    """
    import sys
    sys.modules["opentelemetry"] = None  # not installed
    from xcover_offers import OffersClient, _telemetry
    from xcover_offers.sandbox import Sandbox

    sandbox = Sandbox()
    with OffersClient(api_key="sandbox-key", api_secret="sandbox-secret", partner_code="LLODT",
                      http_client=sandbox.transport()) as client:
        offer = client.create_offer(
            customer={"currency": "USD", "country": "US", "language": "en-us"},
            events=[{"id": "e1", "name": "Gig", "start_date": "2031-06-01T19:00:00+00:00", "country": "US",
                     "tickets": [{"id": "t1", "price": 50}]}])
    print(_telemetry._recorder, bool(offer.id), sandbox.history[-1].request.header("traceparent"))
    """
)


def test_without_opentelemetry_installed_calls_work() -> None:
    done = subprocess.run([sys.executable, "-c", _WITHOUT_OTEL], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["False", "True", "None"]


class TransportBug(RuntimeError):
    """Not an httpx error: a transport's own bug, which no retry policy should swallow."""


@per_mode
def test_an_exception_outside_the_policy_still_ends_the_call_at_once(
    mode: tuple[str, str], wired: Otel
) -> None:
    """A transport's bug (or an interrupt) leaves the driver loop; the call span and the breaker
    must see the call end there and then, not when the generator is collected."""
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=600)
    with harness(mode, Script(TransportBug), circuit_breaker=breaker) as h, pytest.raises(TransportBug):
        h.create_offer()
    root = wired.call_span()  # already exported: the exception is still referenced here
    assert attributes(root)["error.type"] == "TransportBug"
    assert root.status.status_code is StatusCode.ERROR
    assert breaker.state == "closed"  # no outcome: our bug is not XCover's failure


def test_a_cancelled_async_call_ends_its_span_as_cancelled(wired: Otel) -> None:
    async def main() -> None:
        answered = asyncio.Event()

        def handler(request: httpx.Request) -> httpx.Response:
            answered.set()
            return failing(503, **{"Retry-After": "20"})

        client = AsyncOffersClient(
            api_key="k", api_secret="s", partner_code=PARTNER, http_client=httpx.MockTransport(handler)
        )
        task = asyncio.create_task(client.create_offer(customer=CUSTOMER, events=EVENTS))
        await answered.wait()
        for _ in range(20):  # a few turns of the loop: the call reads the 503 and starts its backoff
            await asyncio.sleep(0)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await client.close()

    asyncio.run(main())
    root = wired.call_span()
    assert attributes(root)["error.type"] == "CancelledError"
    assert attributes(root)["xcover.outcome"] == "cancelled"
