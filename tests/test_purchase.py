"""The purchase flow's convenience methods: create, then confirm after payment; or opt out.

The pipeline itself is tested once (test_call, test_client, test_checkout); here only what the
convenience methods add: the friendly input they take, what they refuse before sending, Confirm's
own retry defaults, masking of the policyholder, and the whole flow against the sandbox, in process
and over HTTP, sync and async.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _harness import API_KEY, API_SECRET, PARTNER, Script, harness, sample_event
from xcover_offers import (
    APIResponseValidationError,
    AsyncOffersClient,
    CircuitBreaker,
    CircuitOpenError,
    InternalServerError,
    OffersClient,
    RequestValidationError,
    UnprocessableEntityError,
    policyholder,
)
from xcover_offers.sandbox import Fault, Sandbox
from xcover_offers_api.api.confirm_offer import confirm_offer as confirm_offer_endpoint
from xcover_offers_api.models import Booking, Offer

CUSTOMER = {"currency": "USD", "country": "US", "language": "en-us"}
HOLDER = {
    "first_name": "Joanna", "last_name": "Doeberg", "email": "joanna@holder.example",
    "phone": "+13125550100", "country": "US",
}  # fmt: skip
PERSONAL = ("Joanna", "Doeberg", "joanna@holder.example", "+13125550100")


def key(order: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"confirm/{order}"))


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(api_key=API_KEY, api_secret=API_SECRET)


@pytest.fixture(params=["in-process", "http"])
def base(request: pytest.FixtureRequest, sandbox: Sandbox) -> Iterator[dict[str, Any]]:
    """How a client reaches the sandbox: its in-process transports, or a real server."""
    if request.param == "http":
        server = sandbox.serve()
        yield {"base_url": server.base_url}
        server.close()
    else:
        yield {"base_url": sandbox.base_url, "transport": True}


def sync_client(sandbox: Sandbox, base: dict[str, Any]) -> OffersClient:
    transport = sandbox.transport() if base.get("transport") else None
    return OffersClient(
        api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, base_url=base["base_url"],
        http_client=transport,
    )  # fmt: skip


def async_client(sandbox: Sandbox, base: dict[str, Any]) -> AsyncOffersClient:
    transport = sandbox.async_transport() if base.get("transport") else None
    return AsyncOffersClient(
        api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, base_url=base["base_url"],
        http_client=transport,
    )  # fmt: skip


# -- the whole flow against the sandbox --------------------------------------------------------------


def test_create_confirm_and_opt_out_sync(sandbox: Sandbox, base: dict[str, Any]) -> None:
    with sync_client(sandbox, base) as client:
        offer = client.create_offer(customer=CUSTOMER, events=[sample_event()])
        booking = client.confirm_offer(
            offer, quotes=offer.products[:1], policyholder=policyholder(**HOLDER), idempotency_key=key("1")
        )
        assert isinstance(booking, Booking)
        assert booking.status == "CONFIRMED"
        assert [q.id for q in booking.quotes or []] == [offer.products[0].id]
        assert client.get_booking(booking.id).to_dict() == booking.to_dict()
        declined = client.create_offer(customer=CUSTOMER, events=[sample_event()])
        assert client.opt_out(declined) is None
        assert client.opt_out_with_response(declined.id).status_code == 204, "safe to repeat"
    assert sandbox.purchases.booking_ids() == [booking.id]


def test_create_confirm_and_opt_out_async(sandbox: Sandbox, base: dict[str, Any]) -> None:
    async def flow() -> tuple[Offer, Booking]:
        async with async_client(sandbox, base) as client:
            offer = await client.create_offer(customer=CUSTOMER, events=[sample_event()])
            booking = await client.confirm_offer(
                offer.id, quotes=[offer.products[0].id], policyholder=HOLDER, idempotency_key=key("2")
            )
            assert (await client.get_booking(booking.id)).id == booking.id
            await client.opt_out(await client.create_offer(customer=CUSTOMER, events=[sample_event()]))
            return offer, booking

    offer, booking = asyncio.run(flow())
    assert booking.quotes is not None
    assert booking.quotes[0].id == offer.products[0].id


def test_a_lost_confirm_answer_is_replayed_with_one_booking(sandbox: Sandbox, base: dict[str, Any]) -> None:
    """The first confirm is processed and its answer lost; the retry, under the same key, gets
    XCover's 409 with the stored booking: a success, and the product was sold once."""
    with sync_client(sandbox, base) as client:
        offer = client.create_offer(customer=CUSTOMER, events=[sample_event()])
        sandbox.queue(Fault.drop(after_processing=True, operation="confirm_offer"))
        result = client.confirm_offer_with_response(
            offer, quotes=offer.products[:1], policyholder=HOLDER, idempotency_key=key("3")
        )
    assert (result.replayed, result.attempts, result.status_code) == (True, 2, 409)
    assert sandbox.purchases.booking_ids() == [result.parsed.id]


# -- what the convenience methods take and refuse ----------------------------------------------------


@pytest.mark.parametrize(
    ("quotes", "holder", "options", "path"),
    [
        ([], HOLDER, {}, "quotes: at least one quote"),
        ("Q-1", HOLDER, {}, "quotes: expected a list"),
        (["NOT-A-PRODUCT"], HOLDER, {}, r"quotes\[0\].id: is not one of this offer's products"),
        (["P-1"], {**HOLDER, "email": None}, {}, "policyholder.email"),
        (["P-1"], {k: v for k, v in HOLDER.items() if k != "phone"}, {}, "policyholder.phone: required"),
        (["P-1"], HOLDER, {"idempotency_key": "order-1"}, "idempotency_key: must be a UUID"),
    ],
    ids=["no-quotes", "a-string", "not-this-offers", "null-email", "no-phone", "not-a-uuid"],
)
def test_bad_confirm_input_is_refused_before_sending(
    quotes: Any, holder: dict[str, Any], options: dict[str, Any], path: str
) -> None:
    offer = Offer.from_dict({"id": "OFR-1", "currency": "USD", "products": [PRODUCT]})
    script = Script(httpx.Response(201, json=BOOKING))
    with harness(("sync", "mock"), script) as h, pytest.raises(RequestValidationError, match=path) as info:
        h.client.confirm_offer(offer, quotes=quotes, policyholder=holder, **options)
    assert script.requests == []
    assert not any(value in str(info.value) for value in PERSONAL)


def test_confirm_takes_ids_products_models_and_mappings() -> None:
    offer = Offer.from_dict({"id": "OFR-1", "currency": "USD", "products": [PRODUCT]})
    script = Script(httpx.Response(201, json=BOOKING))
    with harness(("sync", "mock"), script) as h:
        h.client.confirm_offer(
            offer,
            quotes=[offer.products[0]],
            policyholder=policyholder(**HOLDER),
            partner_transaction_id="O9",
        )
        h.client.confirm_offer("OFR-1", quotes=["P-1", {"id": "P-2", "insured": [{"first_name": "Al"}]}],
                               policyholder=HOLDER)  # fmt: skip
    first, second = (json.loads(r.content) for r in script.requests)
    assert first["quotes"] == [{"id": "P-1"}]
    assert first["partner_transaction_id"] == "O9"
    assert second["quotes"] == [{"id": "P-1"}, {"id": "P-2", "insured": [{"first_name": "Al"}]}]
    assert all(r.url.path == f"/x/partners/{PARTNER}/offers/OFR-1/confirm/" for r in script.requests)


def test_confirm_keeps_trying_longer_than_the_clients_defaults() -> None:
    """After payment: five retries under one key by default, where create_offer makes two."""
    script = Script(*[httpx.Response(503)] * 5, httpx.Response(201, json=BOOKING))
    with harness(("sync", "mock"), script) as h:
        result = h.client.confirm_offer_with_response("OFR-1", quotes=["P-1"], policyholder=HOLDER)
    assert result.attempts == 6
    assert len({r.headers["x-idempotency-key"] for r in script.requests}) == 1


def test_an_open_breaker_never_stops_a_confirm_nor_is_fed_by_it() -> None:
    """Failures at the cart open the shared breaker; the paid customer's confirm still goes out, and
    its own failures are not counted."""
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=60.0)
    script = Script(httpx.Response(500), httpx.Response(201, json=BOOKING))
    with harness(("sync", "mock"), script, circuit_breaker=breaker, max_retries=0) as h:
        with pytest.raises(InternalServerError):
            h.create_offer()
        with pytest.raises(CircuitOpenError):
            h.create_offer()
        booking = h.client.confirm_offer("OFR-1", quotes=["P-1"], policyholder=HOLDER)
    assert booking.id == BOOKING["id"]
    assert len(script.requests) == 2


def test_call_on_confirm_gets_confirms_own_defaults() -> None:
    """`client.call(confirm_offer, ...)` is Confirm too: five retries where the client makes none."""
    script = Script(*[httpx.Response(503)] * 5, httpx.Response(201, json=BOOKING))
    body = {"quotes": [{"id": "P-1"}], "policyholder": HOLDER}
    with harness(("sync", "mock"), script, max_retries=0) as h:
        result = h.call(confirm_offer_endpoint, offer_id="OFR-1", body=body)
    assert result.attempts == 6


def test_a_key_reused_with_another_body_is_a_typed_error(sandbox: Sandbox) -> None:
    with sync_client(sandbox, {"base_url": sandbox.base_url, "transport": True}) as client:
        offer = client.create_offer(customer=CUSTOMER, events=[sample_event()])
        client.confirm_offer(offer, quotes=offer.products[:1], policyholder=HOLDER, idempotency_key=key("4"))
        with pytest.raises(UnprocessableEntityError):
            client.confirm_offer(
                offer, quotes=offer.products[1:2], policyholder=HOLDER, idempotency_key=key("4")
            )


def test_the_policyholder_never_reaches_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    script = Script(
        httpx.Response(503), httpx.Response(422, json={"type": "v", "message": "no", "errors": {}})
    )
    with (
        caplog.at_level(logging.DEBUG, logger="xcover_offers"),
        harness(("sync", "mock"), script, log_bodies=True) as h,
        pytest.raises(UnprocessableEntityError) as info,
    ):
        h.client.confirm_offer("OFR-1", quotes=[{"id": "P-1", "insured": [{"first_name": "Joanna"}]}],
                               policyholder=HOLDER)  # fmt: skip
    texts = [
        "\n".join(r.getMessage() + repr(getattr(r, "xcover_body", "")) for r in caplog.records),
        str(info.value), repr(info.value), repr(info.value.args), repr(pickle.dumps(info.value)),
    ]  # fmt: skip
    assert '"policyholder": "***"' in texts[0], "bodies are logged, masked"
    for text in texts:
        assert not any(value in text for value in PERSONAL), text


def test_a_refused_booking_leaves_no_policyholder_on_the_error() -> None:
    """A booking that is not the documented shape is refused; the error names the path, and keeps
    the status and headers but not the body: it holds the policyholder."""
    refused = {"id": "8WD8Y-LTEKE-INS", "status": 5, "policyholder": HOLDER}
    with (
        harness(("sync", "mock"), Script(httpx.Response(200, json=refused))) as h,
        pytest.raises(APIResponseValidationError, match="status") as info,
    ):
        h.client.get_booking("8WD8Y-LTEKE-INS")
    error = info.value
    texts = [str(error), repr(error.args), repr(pickle.dumps(error)), error.response.text]
    for text in texts:
        assert not any(value in text for value in PERSONAL), text
    assert error.response.status_code == 200


PRODUCT: dict[str, Any] = {
    "id": "P-1",
    "details": {"finance": {"price": {"total_amount": 9.6, "total_amount_formatted": "$9.60"}}},
}
BOOKING: dict[str, Any] = {"id": "8WD8Y-LTEKE-INS", "status": "CONFIRMED"}
