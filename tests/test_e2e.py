"""End to end: the real OffersClient / AsyncOffersClient against the real sandbox server on 127.0.0.1.

Real sockets, real signing, real verification, the spec-driven sandbox. Only the client's retry
sleep is replaced (it records the delays and moves the client's clock forward instead of waiting),
so retry tests take milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from xcover_offers import (
    APIConnectionError,
    APITimeoutError,
    AsyncOffersClient,
    AuthenticationError,
    BadRequestError,
    ExtraField,
    InternalServerError,
    NotFoundError,
    OffersClient,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from xcover_offers.sandbox import Fault, SandboxFixture

CUSTOMER = {"currency": "USD", "country": "US", "language": "en-us"}


def events(price: Any = 120) -> list[dict[str, Any]]:
    return [
        {"id": "e1", "name": "Concert", "start_date": "2031-06-01T19:00:00+02:00", "country": "US",
         "tickets": [{"id": "t1", "price": price}, {"id": "t2", "price": 80}]},
        {"id": "e2", "name": "Game", "start_date": "2031-06-08T15:00:00-04:00", "country": "US",
         "tickets": [{"id": "t3", "price": 50}]},
    ]  # fmt: skip


def basic_total(ticket_total: Decimal) -> float:
    """The documented pricing of etp-basic: 5 % rounded half-up to the cent, plus 10 % tax, rounded."""
    cent = Decimal("0.01")
    net = (ticket_total * Decimal("0.05")).quantize(cent, ROUND_HALF_UP)
    return float(net + (net * Decimal("0.10")).quantize(cent, ROUND_HALF_UP))


@pytest.fixture
def kit() -> Iterator[SandboxFixture]:
    with SandboxFixture(serve=True, check_responses=True) as running:
        yield running


class Recorder:
    """Replaces a client's retry sleep: records each delay and advances the client's clock by it."""

    def __init__(self, client: OffersClient | AsyncOffersClient) -> None:
        self.delays: list[float] = []
        self.offset = 0.0
        client._clock = lambda: time.time() + self.offset
        client._rand = lambda: 0.0  # the jitter factor pinned to 1.0

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.offset += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def recorded(client: OffersClient) -> Recorder:
    recorder = Recorder(client)
    client._sleep = recorder.sleep
    return recorder


def test_happy_path(kit: SandboxFixture) -> None:
    result = kit.client.create_offer_with_response(customer=CUSTOMER, events=events())
    offer = result.offer
    assert result.status_code == 200
    assert result.attempts == 1
    assert result.request_id == result.headers["x-request-id"] == kit.history[-1].request_id
    assert [p.product_config_id for p in offer.products] == ["etp-basic", "etp-premium", "etp-flex"]
    # Ticket total 250: 5 %, 9 %, 12 % without tax, plus 10 % tax.
    totals = [Decimal(str(p.details.finance.price.total_amount)) for p in offer.products]
    assert totals == [Decimal("13.75"), Decimal("24.75"), Decimal("33")]
    assert offer.products[0].details.finance.price.total_amount_formatted == "$13.75"
    assert offer.products[0].details.extra_fields.event_id == "e1"
    assert offer.content.locale == "en-US"


@pytest.mark.parametrize("field", list(ExtraField))
def test_each_extra_field(kit: SandboxFixture, field: ExtraField) -> None:
    offer = kit.client.create_offer(customer=CUSTOMER, events=events(), extra_fields=[field])
    details = offer.products[1].details
    finance = details.finance.to_dict()
    present = {name for name in ("tax", "surcharge", "commission") if name in finance}
    if field is ExtraField.BENEFITS:
        assert present == set()
        assert len(details.benefits) == 3
    else:
        assert present == {field.value}
        assert "benefits" not in details.to_dict()
    assert kit.history[-1].request.query == f"extra_fields={field.value}"


def test_exclusions_active_only_and_content(kit: SandboxFixture) -> None:
    client = kit.client
    excluded = client.create_offer(
        customer=CUSTOMER, events=events(), exclude_offer_ids=["etp-basic", "etp-flex"]
    )
    assert [p.product_config_id for p in excluded.products] == ["etp-premium"]
    active = client.create_offer(customer=CUSTOMER, events=events(), active_only=True)
    assert [p.product_config_id for p in active.products] == ["etp-basic", "etp-premium"]
    bare = client.create_offer(customer=CUSTOMER, events=events(), include_content=False)
    assert "content" not in bare.to_dict()


# -- each error class ----------------------------------------------------------------------------


def test_bad_signature_is_permission_denied(kit: SandboxFixture) -> None:
    with (
        kit.new_client(api_secret="not-the-secret", max_retries=0) as client,
        pytest.raises(PermissionDeniedError) as caught,
    ):
        client.create_offer(customer=CUSTOMER, events=events())
    error = caught.value
    assert error.status_code == 403
    assert "signature does not match" in error.message
    assert error.request_id == kit.history[-1].request_id
    assert "not-the-secret" not in str(error)


def test_business_rule_is_unprocessable_with_field_errors(kit: SandboxFixture) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        kit.client.create_offer(customer=CUSTOMER, events=events(price=-5))
    assert caught.value.errors == {
        "context.events[0].tickets[0].price": ["must be greater than or equal to 0"]
    }


def test_wrong_base_path_is_not_found(kit: SandboxFixture) -> None:
    assert kit.server is not None
    with (
        kit.new_client(base_url=kit.server.origin + "/elsewhere") as client,
        pytest.raises(NotFoundError) as caught,
    ):
        client.create_offer(customer=CUSTOMER, events=events())
    assert caught.value.body["type"] == "not_found"


@pytest.mark.parametrize(
    ("fault", "error_class"),
    [
        (Fault.error(400, message="Bad request."), BadRequestError),
        (Fault.error(401, message="Unknown API key."), AuthenticationError),
        (Fault.rate_limited(), RateLimitError),
        (Fault.error(500), InternalServerError),
        (Fault.unavailable(), InternalServerError),
        (Fault.bad_gateway_html(), InternalServerError),
        (Fault.drop(), APIConnectionError),
    ],
    ids=["400", "401", "429", "500", "503", "html-502", "drop"],
)
def test_injected_faults_map_to_typed_errors(kit: SandboxFixture, fault: Fault, error_class: type) -> None:
    kit.queue(fault)
    with kit.new_client(max_retries=0) as client, pytest.raises(error_class) as caught:
        client.create_offer(customer=CUSTOMER, events=events())
    if fault.kind == "html":
        assert "502 Bad Gateway" in caught.value.body  # the HTML text, not a JSON error
    assert len(kit.history) == 1


def test_timeout(kit: SandboxFixture) -> None:
    kit.faults.latency = 0.3
    with kit.new_client(max_retries=0, timeout=0.1) as client, pytest.raises(APITimeoutError):
        client.create_offer(customer=CUSTOMER, events=events())


# -- retries and skew -----------------------------------------------------------------------------


def test_retries_after_faults_with_one_idempotency_key_and_fresh_dates(kit: SandboxFixture) -> None:
    kit.queue(
        Fault.rate_limited(retry_after="2"),
        Fault.unavailable(retry_after="1"),
        Fault.drop(),
        Fault.bad_gateway_html(),
    )
    with kit.new_client(max_retries=4) as client:
        recorder = recorded(client)
        result = client.create_offer_with_response(customer=CUSTOMER, events=events())
    assert result.attempts == 5
    assert recorder.delays == [2.0, 1.0, 2.0, 4.0]  # Retry-After twice, then backoff 0.5 x 2^n
    requests = [e.request for e in kit.history]
    assert [e.response.status for e in kit.history] == [429, 503, 0, 502, 200]
    assert {r.header("x-idempotency-key") for r in requests} == {result.idempotency_key}
    dates = [r.header("date") for r in requests]
    assert len(set(dates)) == len(dates)  # each attempt signed afresh


def test_gives_up_after_max_retries(kit: SandboxFixture) -> None:
    kit.queue(*[Fault.unavailable(retry_after="0")] * 3)
    with kit.new_client(max_retries=2) as client:
        recorded(client)
        with pytest.raises(InternalServerError):
            client.create_offer(customer=CUSTOMER, events=events())
    assert len(kit.history) == 3


def test_clock_skew_is_corrected_once_and_kept(kit: SandboxFixture, caplog: pytest.LogCaptureFixture) -> None:
    kit.faults.clock_offset = 600.0  # the sandbox's clock runs 10 minutes ahead of ours
    with kit.new_client() as client, caplog.at_level(logging.WARNING, logger="xcover_offers"):
        first = client.create_offer_with_response(customer=CUSTOMER, events=events())
        second = client.create_offer_with_response(customer=CUSTOMER, events=events())
    assert (first.attempts, second.attempts) == (1, 1)  # re-signed inside the attempt, by XCoverAuth
    assert [r.status_code for r in first.http_response.history] == [403]
    assert [e.response.status for e in kit.history] == [403, 200, 200]
    assert 595 <= client.auth.clock_offset <= 605
    assert any("clock" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


# -- async ----------------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_concurrency_50(kit: SandboxFixture) -> None:
    async with kit.async_client() as client:
        started = time.perf_counter()
        offers = await asyncio.gather(
            *(client.create_offer(customer=CUSTOMER, events=events(price=100 + i)) for i in range(50))
        )
        elapsed = time.perf_counter() - started
    assert len({o.id for o in offers}) == 50
    assert [o.products[0].details.finance.price.total_amount for o in offers] == [
        basic_total(Decimal(230 + i)) for i in range(50)
    ]
    assert [e.response.status for e in kit.history] == [200] * 50
    assert elapsed < 30  # measured about 1 s on 2 cores; the bound only catches a hang


@pytest.mark.anyio
async def test_async_retries_and_errors(kit: SandboxFixture) -> None:
    kit.queue(Fault.rate_limited(retry_after="1"), Fault.drop())
    async with kit.async_client(max_retries=2) as client:
        recorder = Recorder(client)
        client._sleep = recorder.async_sleep
        result = await client.create_offer_with_response(customer=CUSTOMER, events=events())
        assert (result.attempts, recorder.delays) == (3, [1.0, 1.0])
        with pytest.raises(UnprocessableEntityError):
            await client.create_offer(customer=CUSTOMER, events=events(price=-1))
