"""The sandbox keeps XCover's documented idempotency contract ("Idempotency Keys"):

same key and body within the retention window -> 409 with the stored body; a duplicate while the
first is in flight -> 423; the same key with another body -> 422 naming the key (our documented
choice). Driven in-process on an injected clock, plus one concurrent case over real HTTP.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from _orders import KEY, ORDER, PATH, SECRET
from xcover_offers import XCoverAuth
from xcover_offers.sandbox import Fault, Sandbox
from xcover_offers.sandbox._idempotency import IdempotencyStore

T0 = 1_900_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(clock: Clock) -> Sandbox:
    return Sandbox(api_key=KEY, api_secret=SECRET, clock=clock, check_responses=True, sleep=lambda s: None)


@pytest.fixture
def http(sandbox: Sandbox, clock: Clock) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.base_url, auth=XCoverAuth(KEY, SECRET, clock=clock)
    ) as client:
        yield client


def send(http: httpx.Client, key: str | None, body: Any = None, path: str = PATH) -> httpx.Response:
    content = json.dumps(ORDER if body is None else body).encode()
    headers = {"Content-Type": "application/json", **({"X-Idempotency-Key": key} if key else {})}
    return http.post(path, content=content, headers=headers)


def test_same_key_and_body_is_a_409_with_the_stored_body(http: httpx.Client, sandbox: Sandbox) -> None:
    first = send(http, "k1")
    again = send(http, "k1")
    assert first.status_code == 200
    assert again.status_code == 409
    assert again.content == first.content  # byte for byte: the same offer, not a new one
    assert again.headers["content-type"] == "application/json"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert "retry-after" not in again.headers
    assert [e.response.status for e in sandbox.history] == [200, 409]


def test_different_keys_and_no_key_are_new_offers(http: httpx.Client) -> None:
    ids = [send(http, key).json()["data"]["id"] for key in ("k1", "k2", None, None)]
    assert len(set(ids)) == 4


def test_same_key_with_another_body_is_a_422_naming_the_key(http: httpx.Client, sandbox: Sandbox) -> None:
    assert send(http, "k1").status_code == 200
    other = json.loads(json.dumps(ORDER))
    other["context"]["events"][0]["tickets"][0]["price"] = 200
    refused = send(http, "k1", other)
    assert refused.status_code == 422
    body = refused.json()
    assert body["type"] == "validation_error"
    assert list(body["errors"]) == ["x-idempotency-key"]
    assert "different request body" in body["errors"]["x-idempotency-key"][0]
    assert send(http, "k1").status_code == 409  # the stored offer is untouched


def test_keys_are_scoped_by_partner_code(http: httpx.Client) -> None:
    assert send(http, "k1").status_code == 200
    assert send(http, "k1", path="/partners/OTHER/offers/").status_code == 200


def test_retention_is_on_the_sandbox_clock_and_configurable(clock: Clock) -> None:
    sandbox = Sandbox(api_key=KEY, api_secret=SECRET, clock=clock, idempotency_retention=60)
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.base_url, auth=XCoverAuth(KEY, SECRET, clock=clock)
    ) as http:
        first = send(http, "k1")
        clock.now += 59
        assert send(http, "k1").status_code == 409
        clock.now += 1  # 60 s after the first: forgotten
        fresh = send(http, "k1")
    assert fresh.status_code == 200
    assert fresh.json()["data"]["id"] != first.json()["data"]["id"]


def test_the_default_retention_is_xcovers_48_hours(http: httpx.Client, clock: Clock) -> None:
    send(http, "k1")
    clock.now += 48 * 3600 - 1
    assert send(http, "k1").status_code == 409
    clock.now += 1
    assert send(http, "k1").status_code == 200


def test_retention_zero_turns_replays_off(clock: Clock) -> None:
    sandbox = Sandbox(api_key=KEY, api_secret=SECRET, clock=clock, idempotency_retention=0)
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.base_url, auth=XCoverAuth(KEY, SECRET, clock=clock)
    ) as http:
        assert [send(http, "k1").status_code for _ in range(2)] == [200, 200]
    with pytest.raises(ValueError, match="negative"):
        Sandbox(idempotency_retention=-1)


def test_only_successful_answers_are_stored(http: httpx.Client) -> None:
    bad = json.loads(json.dumps(ORDER))
    bad["customer"]["email"] = "nope"
    assert [send(http, "k1", bad).status_code for _ in range(2)] == [422, 422]
    assert send(http, "k1").status_code == 200  # the refused body reserved nothing


def test_a_duplicate_during_the_first_ones_latency_is_423(
    http: httpx.Client, sandbox: Sandbox, clock: Clock
) -> None:
    sandbox.faults.latency = 5.0  # the first answer is due at T0 + 5 on the sandbox's clock
    assert send(http, "k1").status_code == 200
    clock.now += 4.9
    locked = send(http, "k1")
    assert locked.status_code == 423
    assert locked.json()["type"] == "locked"
    assert "retry-after" not in locked.headers  # XCover documents none
    clock.now += 0.1
    assert send(http, "k1").status_code == 409


def test_reset_forgets_keys_history_and_faults(http: httpx.Client, sandbox: Sandbox) -> None:
    send(http, "k1")
    sandbox.faults.latency = 1.0
    sandbox.queue(Fault.drop())
    sandbox.reset()
    assert (sandbox.history, sandbox.faults.pending(), sandbox.faults.latency) == ([], (), 0.0)
    assert send(http, "k1").status_code == 200


def test_scripted_replay_lock_and_lost_answer(http: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.queue(Fault.replay())
    replayed = send(http, "k1")
    assert replayed.status_code == 409
    assert replayed.json()["data"]["products"]  # an offer body, as XCover replays it
    assert send(http, "k1").content == replayed.content  # the scripted replay was stored like a real one

    sandbox.queue(Fault.locked(retry_after="3"), Fault.drop(after_processing=True))
    locked = send(http, "k2")
    assert (locked.status_code, locked.headers["retry-after"], locked.json()["type"]) == (423, "3", "locked")
    with pytest.raises(httpx.RemoteProtocolError):
        send(http, "k2")  # processed, then the answer is lost
    lost = sandbox.history[-1].response
    assert lost.status == 0
    assert lost.drop
    retry = send(http, "k2")
    assert retry.status_code == 409
    assert retry.content == lost.body  # the retry gets the offer that was made
    assert sandbox.faults.pending() == ()


def test_concurrent_duplicates_make_one_offer(sandbox: Sandbox, clock: Clock) -> None:
    def one(_: int) -> tuple[int, str]:
        with httpx.Client(
            transport=sandbox.transport(),
            base_url=sandbox.base_url,
            auth=XCoverAuth(KEY, SECRET, clock=clock),
        ) as http:
            response = send(http, "same")
            return response.status_code, response.json()["data"]["id"] if response.status_code != 423 else ""

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(32)))
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == 1
    assert set(statuses) <= {200, 409, 423}
    assert len({offer for _, offer in answers if offer}) == 1


def test_store_releases_and_bounds() -> None:
    store = IdempotencyStore(retention=100, capacity=2)
    claim = store.begin(("P", "a"), b"x", 0)
    assert store.begin(("P", "a"), b"x", 1).verdict == "in_flight"
    store.release(claim)
    assert store.begin(("P", "a"), b"x", 2).verdict == "new"
    store.begin(("P", "b"), b"x", 3)
    store.begin(("P", "c"), b"x", 4)
    assert len(store) == 2  # the oldest key went first
    with pytest.raises(ValueError, match="capacity"):
        IdempotencyStore(capacity=0)


# -- over real HTTP ---------------------------------------------------------------------------------


def test_a_duplicate_while_the_first_is_in_flight_gets_423_over_http() -> None:
    """The first request is held in its injected latency (a sleep that waits for the test)."""
    entered, release = threading.Event(), threading.Event()

    def held(seconds: float) -> None:
        entered.set()
        release.wait(10)

    sandbox = Sandbox(api_key=KEY, api_secret=SECRET, sleep=held, check_responses=True)
    sandbox.faults.latency = 60.0  # the first answer is due a minute after it arrived
    body = json.dumps(ORDER)

    def post(base_url: str) -> tuple[int, bytes]:
        with httpx.Client(base_url=base_url, auth=XCoverAuth(KEY, SECRET), timeout=10) as client:
            answer = client.post(
                PATH, content=body, headers={"Content-Type": "application/json", "X-Idempotency-Key": "k"}
            )
        return answer.status_code, answer.content

    with sandbox.serve() as server:
        results: list[tuple[int, bytes]] = []
        first = threading.Thread(target=lambda: results.append(post(server.base_url)))
        first.start()
        try:
            assert entered.wait(10)
            sandbox.sleep = lambda seconds: None  # the duplicate's 423 is not held
            status, _ = post(server.base_url)
        finally:
            release.set()
            first.join(10)
    assert status == 423
    assert results[0][0] == 200
