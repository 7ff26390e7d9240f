"""XCover's idempotency contract end to end: the real clients against the sandbox server over HTTP.

XCover processes a request, the answer is lost, the client retries with the same key and body, and
XCover answers 409 with the stored offer. The client must return that offer, marked as replayed, not
raise. A 423 (the first request still in flight) is retried like a 503. Only the client's retry
sleep is replaced (it records the wait and moves the client's clock instead of sleeping).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import xcover_offers
from xcover_offers import AsyncOffersClient, OffersClient
from xcover_offers.sandbox import Fault, SandboxFixture

CUSTOMER = {"currency": "USD", "country": "US", "language": "en-us"}
EVENTS: list[dict[str, Any]] = [
    {"id": "e1", "name": "Concert", "start_date": "2031-06-01T19:00:00+02:00", "country": "US",
     "tickets": [{"id": "t1", "price": 120}]},
]  # fmt: skip


@pytest.fixture
def kit() -> Iterator[SandboxFixture]:
    with SandboxFixture(serve=True, check_responses=True) as running:
        yield running


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Waits:
    """Stands in for a client's retry sleep: records each wait and moves the client's clock by it."""

    def __init__(self, client: OffersClient | AsyncOffersClient) -> None:
        self.delays: list[float] = []
        self.offset = 0.0
        client._clock = lambda: time.time() + self.offset
        client._rand = lambda: 0.0

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.offset += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def lost_offer_id(kit: SandboxFixture) -> str:
    """The id of the offer the sandbox made for the first attempt, whose answer it never sent."""
    lost = kit.history[0].response
    assert lost.status == 0
    assert lost.drop
    offer_id: str = json.loads(lost.body)["data"]["id"]
    return offer_id


def test_a_lost_answer_is_retried_and_the_original_offer_returned(kit: SandboxFixture) -> None:
    kit.queue(Fault.drop(after_processing=True))
    with kit.new_client(max_retries=2) as client:
        client._sleep = Waits(client).sleep
        result = client.create_offer_with_response(customer=CUSTOMER, events=EVENTS)
    assert [e.response.status for e in kit.history] == [0, 409]
    assert result.replayed is True
    assert result.attempts == 2
    assert result.status_code == 409
    assert result.offer.id == lost_offer_id(kit)
    assert {e.request.header("x-idempotency-key") for e in kit.history} == {result.idempotency_key}


def test_create_offer_returns_the_replayed_offer(kit: SandboxFixture) -> None:
    kit.queue(Fault.drop(after_processing=True))
    with kit.new_client(max_retries=1) as client:
        client._sleep = Waits(client).sleep
        offer = client.create_offer(customer=CUSTOMER, events=EVENTS)
    assert offer.id == lost_offer_id(kit)


def test_a_fresh_call_is_not_a_replay(kit: SandboxFixture) -> None:
    with kit.new_client() as client:
        result = client.create_offer_with_response(customer=CUSTOMER, events=EVENTS)
    assert result.replayed is False
    assert result.status_code == 200


def test_423_is_retried_honouring_retry_after(kit: SandboxFixture) -> None:
    kit.queue(Fault.locked(retry_after="3"), Fault.locked())
    with kit.new_client(max_retries=2) as client:
        waits = Waits(client)
        client._sleep = waits.sleep
        result = client.create_offer_with_response(customer=CUSTOMER, events=EVENTS)
    assert [e.response.status for e in kit.history] == [423, 423, 200]
    assert result.attempts == 3
    assert waits.delays[0] == 3.0  # Retry-After, when a 423 has one; backoff otherwise
    assert result.replayed is False


def test_a_409_without_an_offer_is_a_conflict_error(kit: SandboxFixture) -> None:
    kit.queue(Fault.error(409, message="Conflict."))
    with kit.new_client(max_retries=2) as client, pytest.raises(xcover_offers.ConflictError) as raised:
        client.create_offer(customer=CUSTOMER, events=EVENTS)
    assert raised.value.status_code == 409
    assert len(kit.history) == 1  # not retried


@pytest.mark.anyio
async def test_async_a_lost_answer_is_retried_and_the_original_offer_returned(kit: SandboxFixture) -> None:
    kit.queue(Fault.drop(after_processing=True))
    async with kit.async_client(max_retries=2) as client:
        client._sleep = Waits(client).async_sleep
        result = await client.create_offer_with_response(customer=CUSTOMER, events=EVENTS)
    assert [e.response.status for e in kit.history] == [0, 409]
    assert result.replayed is True
    assert result.attempts == 2
    assert result.offer.id == lost_offer_id(kit)


@pytest.mark.anyio
async def test_async_423_then_replay(kit: SandboxFixture) -> None:
    kit.queue(Fault.drop(after_processing=True), Fault.locked(retry_after="1"))
    async with kit.async_client(max_retries=3) as client:
        waits = Waits(client)
        client._sleep = waits.async_sleep
        offer = await client.create_offer(customer=CUSTOMER, events=EVENTS)
    assert [e.response.status for e in kit.history] == [0, 423, 409]
    assert offer.id == lost_offer_id(kit)
