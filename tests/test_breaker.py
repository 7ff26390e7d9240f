"""The circuit breaker: its state machine on an injected clock, what counts as a failure, and one
instance shared by many threads or many tasks of one event loop."""

from __future__ import annotations

import asyncio
import logging
import pickle
import random
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from xcover_offers._breaker import CircuitBreaker, counts_as_failure
from xcover_offers._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    CircuitOpenError,
    ConflictError,
    LockedError,
    RequestValidationError,
    ResponseTooLargeError,
    XCoverError,
    status_error_class,
)

URL = "https://api.xcover.com/x/partners/LLODT/offers/"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make(threshold: int = 3, recovery: float = 30.0) -> tuple[CircuitBreaker, FakeClock]:
    clock = FakeClock()
    return CircuitBreaker(failure_threshold=threshold, recovery_time=recovery, clock=clock), clock


def open_breaker(breaker: CircuitBreaker) -> None:
    for _ in range(breaker.failure_threshold):
        breaker.before_call()
        breaker.record_failure()
    assert breaker.state == "open"


def status_error(status: int) -> APIStatusError:
    response = httpx.Response(status, json={"message": "x"}, request=httpx.Request("POST", URL))
    return status_error_class(status)(response=response, body={"message": "x"}, request_id=None)


def connection_error() -> APIConnectionError:
    return APIConnectionError("could not reach XCover", request=httpx.Request("POST", URL))


def rejected(breaker: CircuitBreaker) -> CircuitOpenError:
    with pytest.raises(CircuitOpenError) as info:
        breaker.before_call()
    return info.value


# -- construction ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"failure_threshold": 0}, "failure_threshold"),
        ({"failure_threshold": -1}, "failure_threshold"),
        ({"failure_threshold": 2.5}, "failure_threshold"),
        ({"failure_threshold": True}, "failure_threshold"),
        ({"failure_threshold": "5"}, "failure_threshold"),
        ({"recovery_time": 0}, "recovery_time"),
        ({"recovery_time": -1.0}, "recovery_time"),
        ({"recovery_time": float("nan")}, "recovery_time"),
        ({"recovery_time": float("inf")}, "recovery_time"),
        ({"recovery_time": True}, "recovery_time"),
        ({"recovery_time": "30"}, "recovery_time"),
        ({"clock": None}, "clock"),
        ({"clock": 1.0}, "clock"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} "):
        CircuitBreaker(**kwargs)


def test_defaults() -> None:
    breaker = CircuitBreaker()
    assert (breaker.failure_threshold, breaker.recovery_time) == (5, 30.0)
    assert breaker.state == "closed"
    assert breaker.retry_at is None
    assert breaker.retry_in == 0.0


# -- the state machine -----------------------------------------------------------------------------


def test_opens_after_threshold_failures_in_a_row() -> None:
    breaker, clock = make(threshold=3)
    for expected in (1, 2):
        breaker.before_call()
        breaker.record_failure()
        assert (breaker.state, breaker.failure_count) == ("closed", expected)
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == "open"
    assert breaker.retry_at == clock.now + 30.0
    assert breaker.retry_in == 30.0

    error = rejected(breaker)
    assert isinstance(error, APIConnectionError)
    assert error.request is None
    assert (error.retry_in, error.retry_at) == (30.0, clock.now + 30.0)
    assert "3 failed calls in a row" in str(error)
    assert "no request was sent" in str(error)
    assert "try again in 30.0 s" in str(error)


@pytest.mark.parametrize("interruption", ["record_success", "record_neutral"])
def test_success_or_neutral_ends_a_run_of_failures(interruption: str) -> None:
    breaker, _ = make(threshold=3)
    breaker.record_failure()
    breaker.record_failure()
    getattr(breaker, interruption)()
    assert breaker.failure_count == 0
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"


def test_stays_open_until_recovery_time_then_lets_one_trial_through() -> None:
    breaker, clock = make(recovery=30.0)
    open_breaker(breaker)
    clock.advance(29.5)
    assert breaker.state == "open"
    assert rejected(breaker).retry_in == pytest.approx(0.5)

    clock.advance(0.5)
    assert breaker.state == "half_open"
    assert breaker.retry_in == 0.0
    breaker.before_call()  # the trial call
    assert breaker.state == "half_open"
    for _ in range(3):
        error = rejected(breaker)
        assert "trial call" in str(error)
        assert error.retry_in == 30.0  # when the trial's slot would go to another call


def test_trial_success_closes() -> None:
    breaker, clock = make()
    open_breaker(breaker)
    clock.advance(30)
    breaker.before_call()
    breaker.record_success()
    assert (breaker.state, breaker.failure_count, breaker.retry_at) == ("closed", 0, None)
    for _ in range(10):
        breaker.before_call()


def test_trial_failure_reopens_for_a_new_window() -> None:
    breaker, clock = make(recovery=30.0)
    open_breaker(breaker)
    clock.advance(31)
    breaker.before_call()
    clock.advance(2)  # the trial call took 2 s
    breaker.record_failure()
    assert breaker.state == "open"
    assert breaker.retry_at == clock.now + 30.0
    error = rejected(breaker)
    assert "trial call failed" in str(error)
    clock.advance(29.9)
    rejected(breaker)
    clock.advance(0.1)
    breaker.before_call()
    assert breaker.state == "half_open"


def test_neutral_trial_closes_because_xcover_answered() -> None:
    breaker, clock = make()
    open_breaker(breaker)
    clock.advance(30)
    breaker.before_call()
    breaker.record_neutral()
    assert breaker.state == "closed"
    breaker.before_call()


def test_a_trial_that_never_reports_gives_its_slot_away_after_recovery_time() -> None:
    breaker, clock = make(recovery=30.0)
    open_breaker(breaker)
    clock.advance(30)
    breaker.before_call()  # this trial is then cancelled and records nothing
    clock.advance(29.9)
    rejected(breaker)
    clock.advance(0.1)
    breaker.before_call()  # the next trial
    rejected(breaker)


def test_a_failure_from_before_the_breaker_opened_does_not_extend_the_wait() -> None:
    breaker, clock = make(recovery=30.0)
    open_breaker(breaker)
    retry_at = breaker.retry_at
    clock.advance(10)
    breaker.record_failure()  # a slow call that began while the breaker was closed
    assert breaker.retry_at == retry_at
    assert breaker.failure_count == 3
    clock.advance(20)
    breaker.before_call()


def test_a_late_success_while_open_closes() -> None:
    breaker, clock = make()
    open_breaker(breaker)
    clock.advance(5)
    breaker.record_success()  # a call that began earlier got through: XCover is back
    assert breaker.state == "closed"


def test_transitions_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="xcover_offers")
    breaker, clock = make(threshold=2)
    open_breaker(breaker)
    clock.advance(30)
    breaker.before_call()
    breaker.record_success()
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "xcover_offers"]
    assert messages == [
        ("WARNING", "the XCover circuit breaker is open after 2 failed calls in a row; "
                    "XCover calls fail at once for 30.0 s"),
        ("INFO", "XCover circuit breaker closed: a call succeeded"),
    ]  # fmt: skip


# -- what counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "counts"),
    [
        pytest.param(connection_error(), True, id="connection"),
        pytest.param(APITimeoutError("slow", request=httpx.Request("POST", URL)), True, id="timeout"),
        *(pytest.param(status_error(s), True, id=str(s)) for s in (408, 423, 429, 500, 502, 503, 504, 599)),
        *(
            pytest.param(status_error(s), False, id=str(s))
            for s in (302, 400, 401, 403, 404, 409, 410, 413, 418, 422)
        ),
        pytest.param(CircuitOpenError(retry_in=1.0, retry_at=2.0), False, id="circuit-open"),
        pytest.param(
            APIResponseValidationError(
                "not JSON", response=httpx.Response(200, request=httpx.Request("POST", URL)), request_id=None
            ),
            False,
            id="bad-2xx-body",
        ),
        *(
            pytest.param(
                ResponseTooLargeError(
                    "too large",
                    response=httpx.Response(s, request=httpx.Request("POST", URL)),
                    request_id=None,
                    limit=1000,
                    size=2000,
                ),
                counts,
                id=f"refused-{s}-body",
            )
            for s, counts in ((503, True), (429, True), (423, True), (200, False), (422, False))
        ),
        pytest.param(RequestValidationError("customer.email", "required"), False, id="bad-input"),
        pytest.param(XCoverError("missing environment variables"), False, id="xcover-error"),
        pytest.param(asyncio.CancelledError(), False, id="cancelled"),
        pytest.param(KeyboardInterrupt(), False, id="interrupt"),
        pytest.param(RuntimeError("bug"), False, id="bug"),
    ],
)
def test_counts_as_failure(exc: BaseException, counts: bool) -> None:
    assert counts_as_failure(exc) is counts


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        pytest.param(None, "closed", id="success"),
        pytest.param(status_error(503), "open", id="503"),
        pytest.param(connection_error(), "open", id="connection"),
        pytest.param(status_error(422), "closed", id="422-neutral"),
        pytest.param(
            APIResponseValidationError(
                "no data", response=httpx.Response(200, request=httpx.Request("POST", URL)), request_id=None
            ),
            "closed",
            id="bad-2xx-body-neutral",
        ),
        pytest.param(asyncio.CancelledError(), "half_open", id="cancelled-no-outcome"),
        pytest.param(CircuitOpenError(retry_in=1.0, retry_at=2.0), "half_open", id="circuit-open-no-outcome"),
        pytest.param(RuntimeError("bug"), "half_open", id="bug-no-outcome"),
    ],
)
def test_record_outcome_on_a_trial_call(outcome: BaseException | None, state: str) -> None:
    breaker, clock = make()
    open_breaker(breaker)
    clock.advance(30)
    breaker.before_call()
    breaker.record_outcome(outcome)
    assert breaker.state == state
    if state == "half_open":
        rejected(breaker)  # the trial slot is still taken


def test_conflict_and_locked_have_their_own_classes() -> None:
    assert status_error_class(409) is ConflictError
    assert status_error_class(423) is LockedError
    assert issubclass(ConflictError, APIStatusError)
    assert issubclass(LockedError, APIStatusError)
    assert isinstance(status_error(423), LockedError)


# -- the error -------------------------------------------------------------------------------------


@pytest.mark.parametrize("request_", [None, httpx.Request("POST", URL, content=b"{}")])
def test_circuit_open_error_pickles(request_: httpx.Request | None) -> None:
    error = CircuitOpenError(
        "the XCover circuit breaker is open", retry_in=12.5, retry_at=1042.5, request=request_
    )
    error.add_note("while pricing basket 7")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is CircuitOpenError
    assert str(copy) == str(error)
    assert str(copy).endswith("no request was sent; it will try again in 12.5 s")
    assert (copy.reason, copy.retry_in, copy.retry_at) == (error.reason, 12.5, 1042.5)
    assert copy.__notes__ == ["while pricing basket 7"]
    if request_ is None:
        assert copy.request is None
    else:
        assert copy.request is not None
        assert (copy.request.method, copy.request.url) == ("POST", request_.url)


def test_repr_and_error_hold_no_secret() -> None:
    secret = "sk_live_SECRET_do_not_show"

    class Clock(FakeClock):
        def __repr__(self) -> str:
            return secret

    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=30.0, clock=clock)
    assert repr(breaker) == (
        "CircuitBreaker(state='closed', failures=0, failure_threshold=1, recovery_time=30.0, retry_in=0.0)"
    )
    breaker.record_failure()
    clock.advance(10)
    assert repr(breaker) == (
        "CircuitBreaker(state='open', failures=1, failure_threshold=1, recovery_time=30.0, retry_in=20.0)"
    )
    error = rejected(breaker)
    for text in (
        repr(breaker),
        str(error),
        repr(error),
        repr(error.__dict__),
        pickle.dumps(error).decode("latin-1"),
    ):
        assert secret not in text


# -- sharing ---------------------------------------------------------------------------------------


@pytest.fixture
def tiny_switch_interval() -> Iterator[None]:
    # Thread switches every microsecond, so an unlocked read-modify-write would lose updates.
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def run_threads(count: int, target: Any) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            target(index)
        except BaseException as exc:  # collected and asserted on by the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return errors


@pytest.mark.usefixtures("tiny_switch_interval")
def test_threads_counting_failures_lose_none() -> None:
    breaker = CircuitBreaker(failure_threshold=10**9)

    def fail(_: int) -> None:
        for _ in range(2000):
            breaker.before_call()
            breaker.record_failure()

    assert run_threads(8, fail) == []
    assert breaker.failure_count == 8 * 2000
    assert breaker.state == "closed"


def race_for_the_trial(breaker: CircuitBreaker, count: int) -> tuple[list[int], list[int]]:
    """`count` threads call before_call at the same moment: (let through, refused)."""
    barrier = threading.Barrier(count)
    let_through: list[int] = []
    refused: list[int] = []

    def race(index: int) -> None:
        barrier.wait(timeout=30)
        try:
            breaker.before_call()
        except CircuitOpenError:
            refused.append(index)
        else:
            let_through.append(index)

    assert run_threads(count, race) == []
    return let_through, refused


@pytest.mark.usefixtures("tiny_switch_interval")
def test_exactly_one_trial_among_racing_threads() -> None:
    breaker, clock = make(threshold=1, recovery=30.0)
    breaker.record_failure()
    for _ in range(5):
        clock.advance(30)
        let_through, refused = race_for_the_trial(breaker, 12)
        assert (len(let_through), len(refused)) == (1, 11)
        breaker.record_failure()  # the trial failed: open again for the next round
        assert breaker.state == "open"


@pytest.mark.usefixtures("tiny_switch_interval")
def test_threads_hammering_every_method_stay_consistent() -> None:
    rounds = 5000
    breaker, clock = make(threshold=3, recovery=0.5)
    clock_lock = threading.Lock()
    outcomes = [
        breaker.record_success,
        breaker.record_failure,
        breaker.record_failure,
        breaker.record_neutral,
    ]

    waits: list[float] = []
    let_through = 0

    def hammer(index: int) -> None:
        nonlocal let_through
        rng = random.Random(index)
        for _ in range(rounds):
            if rng.random() < 0.05:
                with clock_lock:
                    clock.advance(0.125)  # binary fractions keep the clock exact, so the bound below is exact
            try:
                breaker.before_call()
            except CircuitOpenError as exc:
                waits.append(exc.retry_in)
                continue
            with clock_lock:
                let_through += 1
            rng.choice(outcomes)()
            assert breaker.state in ("closed", "open", "half_open")
            assert 0 <= breaker.failure_count <= 3
            repr(breaker)

    assert run_threads(8, hammer) == []
    assert let_through + len(waits) == 8 * rounds
    assert let_through > 0
    assert waits  # the breaker did open on the way
    assert all(0 < w <= 0.5 for w in waits)
    breaker.record_success()
    assert (breaker.state, breaker.failure_count) == ("closed", 0)


def test_tasks_of_one_event_loop_share_one_breaker() -> None:
    breaker, clock = make(threshold=5, recovery=30.0)

    async def failing_call() -> None:
        breaker.before_call()
        await asyncio.sleep(0)
        breaker.record_failure()

    async def trial_or_refused() -> str:
        try:
            breaker.before_call()
        except CircuitOpenError:
            return "refused"
        for _ in range(3):  # the trial is in flight while the other tasks run
            await asyncio.sleep(0)
        breaker.record_success()
        return "trial"

    async def main() -> list[str]:
        await asyncio.gather(*(failing_call() for _ in range(5)))
        assert breaker.state == "open"
        refused = await asyncio.gather(*(trial_or_refused() for _ in range(10)))
        assert refused == ["refused"] * 10
        clock.advance(30)
        return await asyncio.gather(*(trial_or_refused() for _ in range(20)))

    results = asyncio.run(main())
    assert sorted(results) == ["refused"] * 19 + ["trial"]
    assert results[0] == "trial"
    assert breaker.state == "closed"
