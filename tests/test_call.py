"""`client.call`: the one pipeline, run on operations other than Create Offer.

Create Offer's own tests (test_client, test_checkout, test_breaker, test_telemetry_client) exercise
the pipeline in depth; here it is shown to hold for any generated operation, with two that differ
from Create Offer in every way that matters: Opt-out (a POST with no body answering 204) and Get
Booking (a GET with a path parameter, no idempotency key). Sync and async through a mock transport;
where the wire matters (a trickling server), over real sockets too.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _harness import API_KEY, API_SECRET, MODE_IDS, MODES, PARTNER, Drop, Script, harness
from _wire import streaming_server
from test_telemetry import Otel, otel  # noqa: F401 - the fixture
from xcover_offers import (
    APIResponseValidationError,
    APITimeoutError,
    AsyncOffersClient,
    CallResult,
    CircuitBreaker,
    CircuitOpenError,
    ConflictError,
    NotFoundError,
    OffersClient,
    RequestValidationError,
    _otel,
)
from xcover_offers_api.api.confirm_offer import confirm_offer
from xcover_offers_api.api.get_booking import get_booking
from xcover_offers_api.api.opt_out_offer import opt_out_offer
from xcover_offers_api.models import Booking

BOOKING = {"id": "8WD8Y-LTEKE-INS", "status": "CONFIRMED", "currency": "USD", "total_price": 9.6}


@pytest.fixture
def wired(otel: Otel, monkeypatch: pytest.MonkeyPatch) -> Otel:  # noqa: F811 - the fixture
    monkeypatch.setattr(_otel, "global_providers", lambda: (otel.tracer_provider, otel.meter_provider))
    return otel


@pytest.fixture(params=MODES, ids=MODE_IDS)
def mode(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


def no_content() -> httpx.Response:
    return httpx.Response(204)


def booking(status: int = 200, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={**BOOKING, **extra})


def error(status: int, **headers: str) -> httpx.Response:
    body = {"type": "not_found" if status == 404 else "error", "message": f"status {status}"}
    return httpx.Response(status, json=body, headers=headers)


# -- a POST without a body, answering 204 -------------------------------------------------------------


def test_a_204_is_a_result_without_a_body(mode: tuple[str, str]) -> None:
    script = Script(no_content())
    with harness(mode, script) as h:
        result = h.call(opt_out_offer, offer_id="OFR-1")
    assert isinstance(result, CallResult)
    assert (result.parsed, result.status_code, result.attempts, result.replayed) == (None, 204, 1, False)
    (sent,) = script.requests
    assert (sent.method, sent.url.path) == ("POST", f"/x/partners/{PARTNER}/offers/OFR-1/opt_out/")
    assert sent.content == b""
    assert "content-type" not in sent.headers
    assert "signature=" in sent.headers["authorization"]


def test_a_keyed_post_is_retried_under_one_key(mode: tuple[str, str]) -> None:
    script = Script(error(503, **{"Retry-After": "1"}), Drop(), no_content())
    with harness(mode, script) as h:
        result = h.call(opt_out_offer, offer_id="OFR-1")
    keys = {r.headers["x-idempotency-key"] for r in script.requests}
    dates = [r.headers["date"] for r in script.requests]
    assert (len(script.requests), result.attempts, keys) == (3, 3, {result.idempotency_key})
    assert len(set(dates)) == 3, "each attempt is signed afresh"


def test_a_409_without_a_body_to_store_is_the_replay_of_a_done_opt_out(mode: tuple[str, str]) -> None:
    """A retry finds the first attempt done: nothing was stored for a 204, the key says it is ours."""
    script = Script(Drop(), error(409))
    with harness(mode, script) as h:
        result = h.call(opt_out_offer, offer_id="OFR-1", idempotency_key="opt-out-order-1")
    assert (result.parsed, result.replayed, result.idempotency_key) == (None, True, "opt-out-order-1")


def test_a_409_at_the_first_attempt_under_a_fresh_key_is_a_conflict(mode: tuple[str, str]) -> None:
    """A key the client just made was never sent: a 409 to it cannot be the replay of this call."""
    script = Script(error(409))
    with harness(mode, script) as h, pytest.raises(ConflictError):
        h.call(opt_out_offer, offer_id="OFR-1")
    assert len(script.requests) == 1


def test_a_404_is_not_found_with_the_documented_error_model(mode: tuple[str, str]) -> None:
    with harness(mode, Script(error(404))) as h, pytest.raises(NotFoundError) as info:
        h.call(opt_out_offer, offer_id="NO-SUCH-OFFER")
    assert info.value.status_code == 404
    assert info.value.model is not None
    assert info.value.model.to_dict()["type"] == "not_found"


# -- a GET with a path parameter -------------------------------------------------------------------


def test_a_get_is_parsed_into_its_model_and_retried_without_a_key(mode: tuple[str, str]) -> None:
    script = Script(error(502), booking(extra_field={"kept": True}))
    with harness(mode, script) as h:
        result = h.call(get_booking, booking_id="8WD8Y-LTEKE-INS")
    assert isinstance(result.parsed, Booking)
    assert (result.parsed.id, result.attempts, result.idempotency_key) == ("8WD8Y-LTEKE-INS", 2, None)
    assert result.parsed.to_dict()["extra_field"] == {"kept": True}, "unknown fields survive"
    assert all("x-idempotency-key" not in r.headers for r in script.requests)
    assert script.requests[0].url.path == f"/x/partners/{PARTNER}/bookings/8WD8Y-LTEKE-INS/"


def test_a_get_answer_that_is_not_the_documented_shape_is_refused(mode: tuple[str, str]) -> None:
    body = {"id": "8WD8Y-LTEKE-INS"}  # no status
    with (
        harness(mode, Script(httpx.Response(200, json=body))) as h,
        pytest.raises(APIResponseValidationError, match="get_booking answer: status"),
    ):
        h.call(get_booking, booking_id="8WD8Y-LTEKE-INS")


def test_a_409_to_an_operation_without_a_key_is_a_conflict(mode: tuple[str, str]) -> None:
    with harness(mode, Script(booking(409))) as h, pytest.raises(ConflictError):
        h.call(get_booking, booking_id="B-1")


def test_the_partner_code_is_the_clients_unless_given(mode: tuple[str, str]) -> None:
    script = Script(booking())
    with harness(mode, script) as h:
        h.call(get_booking, booking_id="B 1/2")
        h.call(get_booking, booking_id="B-1", partner_code="OTHER")
    assert [r.url.raw_path for r in script.requests] == [
        f"/x/partners/{PARTNER}/bookings/B%201%2F2/".encode(),
        b"/x/partners/OTHER/bookings/B-1/",
    ]


# -- what is refused before sending ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "arguments", "error", "match"),
    [
        (get_booking, {"booking_id": ".."}, RequestValidationError, "booking_id: cannot be '.' or '..'"),
        (get_booking, {"booking_id": ""}, RequestValidationError, "booking_id: cannot be empty"),
        (get_booking, {"booking_id": None}, RequestValidationError, "expected text, got NoneType"),
        (get_booking, {"booking_id": 123}, RequestValidationError, "booking_id: expected text, got int"),
        (get_booking, {}, TypeError, "get_booking.*booking_id"),
        (get_booking, {"booking_id": "B", "bogus": 1}, TypeError, "get_booking.*bogus"),
        (get_booking, {"booking_id": "B", "idempotency_key": "k"}, TypeError, "takes no idempotency key"),
        (get_booking, {"booking_id": "B", "max_retries": -1}, RequestValidationError, "max_retries"),
        (get_booking, {"booking_id": "B", "headers": {"Date": "x"}}, RequestValidationError, "headers"),
        (confirm_offer, {"offer_id": "O", "body": {"quotes": [{"id": "Q"}]}}, RequestValidationError,
         "body.policyholder: required"),
        (confirm_offer, {"offer_id": "O", "body": {"quotes": []}, "idempotency_key": "order-1"},
         RequestValidationError, "idempotency_key: must be a UUID"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused_before_anything_is_sent(
    mode: tuple[str, str], endpoint: Any, arguments: dict[str, Any], error: type[Exception], match: str
) -> None:
    script = Script(booking())
    with harness(mode, script) as h, pytest.raises(error, match=match):
        h.call(endpoint, **arguments)
    assert script.requests == []


def test_per_call_options_apply_to_that_call(mode: tuple[str, str]) -> None:
    script = Script(error(503))
    with harness(mode, script) as h, pytest.raises(Exception, match="503"):
        h.call(get_booking, booking_id="B", max_retries=0, headers={"X-Team": "pay"})
    (sent,) = script.requests
    assert sent.headers["x-team"] == "pay"


# -- the budget, the breaker and the span hold for any operation --------------------------------------


def _trickle() -> Iterator[bytes]:
    yield b"{"
    for _ in range(50):
        time.sleep(0.2)
        yield b" "


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_trickling_server_is_cut_off_at_the_budget(kind: str) -> None:
    options: dict[str, Any] = {
        "api_key": API_KEY, "api_secret": API_SECRET, "partner_code": PARTNER,
        "timeout": 10, "total_timeout": 1.0, "max_retries": 0,
    }  # fmt: skip

    def call_sync(url: str) -> None:
        with OffersClient(base_url=url, **options) as client:
            client.call(get_booking, booking_id="B-1")

    async def call_async(url: str) -> None:
        async with AsyncOffersClient(base_url=url, **options) as client:
            await client.call(get_booking, booking_id="B-1")

    with streaming_server(200, {"Content-Type": "application/json"}, _trickle) as served:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="total_timeout of 1 s"):
            call_sync(served.url) if kind == "sync" else asyncio.run(call_async(served.url))
        assert time.monotonic() - started < 6.0


def test_an_open_breaker_refuses_any_operation_without_sending(mode: tuple[str, str]) -> None:
    breaker = CircuitBreaker(failure_threshold=2, recovery_time=60.0)
    script = Script(error(500))
    with harness(mode, script, circuit_breaker=breaker, max_retries=0) as h:
        for _ in range(2):
            with pytest.raises(Exception, match="500"):
                h.call(get_booking, booking_id="B-1")
        with pytest.raises(CircuitOpenError):
            h.call(opt_out_offer, offer_id="OFR-1")
    assert len(script.requests) == 2


def test_each_operation_has_its_own_span_and_metric_label(wired: Otel) -> None:
    script = Script(error(503), booking())
    with harness(("sync", "mock"), script) as h:
        h.call(get_booking, booking_id="B-1")
    root = wired.call_span("get_booking")
    assert "xcover.idempotency_key" not in dict(root.attributes or {})
    children = [span.name for span in wired.attempt_spans()]
    assert children == ["GET /x/partners/{partner_code}/bookings/{booking_id}/"] * 2
    (point,) = wired.points("xcover.client.operation.duration")
    assert dict(point.attributes)["xcover.operation"] == "get_booking"


def test_a_uuid_key_is_sent_as_given() -> None:
    key = str(uuid.uuid4())
    script = Script(booking(201))
    with harness(("sync", "mock"), script) as h:
        result = h.call(
            confirm_offer,
            offer_id="OFR-1",
            body={"quotes": [{"id": "Q-1"}], "policyholder": POLICYHOLDER},
            idempotency_key=key,
        )
    assert result.idempotency_key == key == script.requests[0].headers["x-idempotency-key"]
    assert isinstance(result.parsed, Booking)


POLICYHOLDER = {
    "first_name": "Jo", "last_name": "Doe", "email": "jo@example.com", "phone": "+61400000000",
    "country": "AU",
}  # fmt: skip
