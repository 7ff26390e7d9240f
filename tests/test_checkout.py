"""Checkout-grade calls (issue 10): XCover's idempotency contract (409 replays, 423), one time budget
per call, the circuit breaker, `with_options` views and clock-skew correction that trusts only XCover.

Client behaviour runs sync and async through MockTransport on the harness's pinned clock (no real
sleeps); where the wire matters (a lost response, a trickling server) a real server on 127.0.0.1 too.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from _harness import (
    API_KEY,
    API_SECRET,
    MODE_IDS,
    MODES,
    NOW,
    PARTNER,
    WIRE_MODE_IDS,
    WIRE_MODES,
    Drop,
    Harness,
    Script,
    harness,
    ok_body,
    sample_event,
)
from _wire import streaming_server
from xcover_offers import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncOffersClient,
    BadRequestError,
    CircuitBreaker,
    CircuitOpenError,
    ConflictError,
    InternalServerError,
    LockedError,
    NotFoundError,
    OfferResult,
    OffersClient,
    PermissionDeniedError,
    RequestValidationError,
    UnprocessableEntityError,
    verify_signature,
)
from xcover_offers_api.models import Offer

WIRE_TESTS = frozenset({"test_a_lost_response_is_retried_and_the_replay_returns_the_original_offer"})
"""Also against a real server: a hang-up is only a hang-up on the wire. The rest runs sync and async
through MockTransport."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "mode" in metafunc.fixturenames:
        wire = metafunc.function.__name__ in WIRE_TESTS
        metafunc.parametrize("mode", WIRE_MODES if wire else MODES, ids=WIRE_MODE_IDS if wire else MODE_IDS)


CUSTOMER = {"currency": "USD", "country": "US", "language": "en-us"}


def ok(**extra: Any) -> httpx.Response:
    return httpx.Response(200, json=ok_body(**extra))


def answer(code: int, body: Any = None, **headers: str) -> httpx.Response:
    if isinstance(body, str):
        return httpx.Response(code, text=body, headers=headers)
    return httpx.Response(
        code, json={"type": "t", "message": "nope"} if body is None else body, headers=headers
    )


def view_of(h: Harness, client: OffersClient | AsyncOffersClient) -> Harness:
    """A harness driving another client (a `with_options` view) on the same loop, clock and delays."""
    return Harness(kind=h.kind, client=client, runner=h.runner, delays=h.delays, clock=h.clock)


def close(h: Harness, client: OffersClient | AsyncOffersClient) -> None:
    if isinstance(client, AsyncOffersClient):
        assert h.runner is not None
        h.runner.run(client.close())
    else:
        client.close()


def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


# -- 1. XCover's idempotency contract ------------------------------------------------------------


def test_a_409_replay_is_the_offer(mode: tuple[str, str]) -> None:
    script = Script(httpx.Response(409, json=ok_body(stored=True), headers={"X-Request-Id": "r-409"}))
    with harness(mode, script) as h:
        offer = h.create_offer()
        result = h.create_offer_with_response()
    assert isinstance(offer, Offer)
    assert offer.id == "OFR-1"
    assert isinstance(result, OfferResult)
    assert result.replayed is True
    assert result.status_code == 409
    assert result.request_id == "r-409"
    assert result.attempts == 1
    assert result.offer.to_dict()["stored"] is True
    assert len(script.requests) == 2, "a replay is an answer: nothing is retried"


def test_a_200_is_not_a_replay(mode: tuple[str, str]) -> None:
    with harness(mode, Script(ok())) as h:
        assert h.create_offer_with_response().replayed is False


def test_a_lost_response_is_retried_and_the_replay_returns_the_original_offer(mode: tuple[str, str]) -> None:
    # XCover processed the first attempt but its answer never arrived; the retry carries the same
    # key and body, so XCover answers 409 with the stored response.
    script = Script(Drop(), httpx.Response(409, json=ok_body()))
    with harness(mode, script) as h:
        result = h.create_offer_with_response()
    assert (result.replayed, result.attempts, result.offer.id) == (True, 2, "OFR-1")
    first, second = script.requests
    assert first.headers["x-idempotency-key"] == second.headers["x-idempotency-key"]
    assert first.content == second.content
    assert h.delays == [0.5]


@pytest.mark.parametrize(
    "body",
    [
        {"type": "conflict", "message": "already exists"},
        {"data": "not an offer"},
        "<html><body>409 Conflict</body></html>",
        "",
    ],
    ids=["error-json", "data-not-object", "html", "empty"],
)
def test_a_409_without_an_offer_body_is_a_conflict_error(mode: tuple[str, str], body: Any) -> None:
    script = Script(answer(409, body))
    with harness(mode, script) as h, pytest.raises(ConflictError) as info:
        h.create_offer()
    assert isinstance(info.value, APIStatusError)
    assert info.value.status_code == 409
    assert len(script.requests) == 1, "a 409 is never retried"


def test_a_409_replay_is_checked_like_a_200(mode: tuple[str, str]) -> None:
    price = {"total_amount": "abc", "total_amount_formatted": "$12.50"}
    bad = ok_body(products=[{"id": "p-1", "details": {"finance": {"price": price}}}])
    with (
        harness(mode, Script(httpx.Response(409, json=bad))) as h,
        pytest.raises(APIResponseValidationError) as info,
    ):
        h.create_offer()
    assert "data.products[0].details.finance.price.total_amount" in str(info.value)
    assert not isinstance(info.value, ConflictError)


@pytest.mark.parametrize("code", [423, 503])
def test_423_is_retried_like_503_honouring_retry_after(mode: tuple[str, str], code: int) -> None:
    script = Script(answer(code, **{"Retry-After": "3"}), answer(code), ok())
    with harness(mode, script) as h:
        result = h.create_offer_with_response()
    assert result.attempts == 3
    assert h.delays == [3.0, 1.0], "Retry-After first, then the backoff for the second retry"
    assert len({r.headers["x-idempotency-key"] for r in script.requests}) == 1


def test_423_counts_against_max_retries(mode: tuple[str, str]) -> None:
    script = Script(answer(423, {"message": "still processing"}, **{"Retry-After": "2"}))
    with harness(mode, script, max_retries=1) as h, pytest.raises(LockedError) as info:
        h.create_offer()
    assert len(script.requests) == 2
    assert h.delays == [2.0]
    assert info.value.status_code == 423
    assert "still processing" in str(info.value)


# -- 2. one time budget per call -----------------------------------------------------------------
# The harness moves its clock 2 s per attempt, and a sleep moves it by the time slept.


def test_a_retry_after_that_does_not_fit_raises_at_once_without_sleeping(mode: tuple[str, str]) -> None:
    script = Script(answer(503, {"message": "busy"}, **{"Retry-After": "20"}), ok())
    with harness(mode, script, total_timeout=10) as h, pytest.raises(APITimeoutError) as info:
        h.create_offer()
    assert h.delays == [], "a wait that cannot fit in the budget is not started"
    assert len(script.requests) == 1
    message = str(info.value)
    for part in ("total_timeout of 10 s", "20.0 s wait", "2.0 s spent", "1 attempt", "last response: 503"):
        assert part in message, message
    kept = info.value.response
    assert kept is not None
    assert kept.status_code == 503
    assert kept.json() == {"message": "busy"}


def test_the_budget_running_out_between_retries_raises_naming_attempts(mode: tuple[str, str]) -> None:
    # attempt 1 ends at 2 s, sleep 0.5, attempt 2 ends at 4.5 s: 0.5 s left cannot hold a 0.5 s wait.
    script = Script(answer(503, **{"Retry-After": "0.5"}))
    with (
        harness(mode, script, total_timeout=5, max_retries=10) as h,
        pytest.raises(APITimeoutError) as info,
    ):
        h.create_offer()
    assert len(script.requests) == 2
    assert h.delays == [0.5]
    message = str(info.value)
    for part in (
        "total_timeout of 5 s",
        "cannot hold the 0.5 s wait",
        "4.5 s spent",
        "2 attempts",
        "last response: 503",
    ):
        assert part in message, message
    assert info.value.response is not None
    assert info.value.response.status_code == 503


def test_a_failed_attempt_past_the_budget_is_not_retried(mode: tuple[str, str]) -> None:
    script = Script(Drop())
    with harness(mode, script, total_timeout=1.5, max_retries=5) as h, pytest.raises(APITimeoutError) as info:
        h.create_offer()
    assert len(script.requests) == 1
    assert h.delays == []
    message = str(info.value)
    for part in ("total_timeout of 1.5 s", "ran out", "2.0 s", "1 attempt"):
        assert part in message, message
    assert info.value.response is None


def test_the_last_response_is_kept_when_a_later_attempt_runs_out(mode: tuple[str, str]) -> None:
    script = Script(answer(502, "<html>bad gateway</html>"), Drop())
    with harness(mode, script, total_timeout=4) as h, pytest.raises(APITimeoutError) as info:
        h.create_offer()
    assert len(script.requests) == 2
    assert "2 attempts" in str(info.value)
    assert info.value.response is not None
    assert info.value.response.status_code == 502
    assert "bad gateway" in info.value.response.text


def _timeouts(request: httpx.Request) -> dict[str, float]:
    return dict(request.extensions["timeout"])


def test_each_attempts_socket_timeouts_are_clipped_to_the_time_left(mode: tuple[str, str]) -> None:
    script = Script(answer(503, **{"Retry-After": "1"}), ok())
    with harness(mode, script, timeout=10, total_timeout=7) as h:
        h.create_offer()
    first, second = (_timeouts(r) for r in script.requests)
    assert first == pytest.approx({"connect": 5.0, "read": 7.0, "write": 7.0, "pool": 7.0})
    # attempt 1 took 2 s, the wait 1 s: 4 s left for attempt 2
    assert second == pytest.approx({"connect": 4.0, "read": 4.0, "write": 4.0, "pool": 4.0})


def test_without_a_budget_the_socket_timeouts_are_left_alone(mode: tuple[str, str]) -> None:
    script = Script(ok())
    with harness(mode, script, timeout=10, total_timeout=None) as h:
        h.create_offer()
    assert _timeouts(script.requests[0]) == pytest.approx(
        {"connect": 5.0, "read": 10.0, "write": 10.0, "pool": 10.0}
    )


def test_the_default_budget_is_30_seconds(mode: tuple[str, str]) -> None:
    with harness(mode, Script(ok())) as h:
        assert h.client.total_timeout == 30.0
        h.create_offer()


def test_per_call_total_timeout_none_lifts_the_clients_limit(mode: tuple[str, str]) -> None:
    script = Script(answer(503, **{"Retry-After": "30"}), ok())
    with harness(mode, script, total_timeout=1) as h:
        result = h.create_offer_with_response(total_timeout=None)
    assert result.attempts == 2
    assert h.delays == [30.0]


def test_per_call_total_timeout_overrides_the_clients(mode: tuple[str, str]) -> None:
    busy = answer(503, **{"Retry-After": "30"})
    script = Script(busy, busy, ok())
    with harness(mode, script, total_timeout=None) as h:
        with pytest.raises(APITimeoutError, match="total_timeout of 10 s"):
            h.create_offer(total_timeout=10)
        assert h.delays == []
        h.create_offer()  # the client's own setting (no limit) is untouched
    assert h.delays == [30.0]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("total_timeout", 0),
        ("total_timeout", -1.0),
        ("total_timeout", float("nan")),
        ("total_timeout", float("inf")),
        ("total_timeout", "5"),
        ("total_timeout", True),
        ("timeout", 0),
        ("timeout", "10"),
        ("timeout", None),
    ],
)
def test_invalid_per_call_timeouts_are_named_before_sending(
    mode: tuple[str, str], name: str, value: Any
) -> None:
    script = Script(ok())
    with harness(mode, script) as h, pytest.raises(RequestValidationError) as info:
        h.create_offer(**{name: value})
    assert info.value.path == name
    assert str(info.value).startswith(f"{name}: ")
    assert script.requests == []


def test_an_unknown_keyword_is_a_type_error(mode: tuple[str, str]) -> None:
    script = Script(ok())
    with harness(mode, script) as h:
        with pytest.raises(TypeError, match="total_timout"):
            h.create_offer(total_timout=5)
        with pytest.raises(TypeError, match="max_response_bytes"):
            h.create_offer(max_response_bytes=1)  # a client option, not a call option
        with pytest.raises(TypeError, match="api_secret"):
            h.client.with_options(api_secret="other")  # type: ignore[call-arg]
    assert script.requests == []


# -- 3. the circuit breaker ----------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def breaker(threshold: int = 3, recovery: float = 30.0) -> tuple[CircuitBreaker, FakeClock]:
    clock = FakeClock()
    return CircuitBreaker(failure_threshold=threshold, recovery_time=recovery, clock=clock), clock


@pytest.mark.parametrize(
    "failure",
    [
        lambda: answer(503),
        lambda: answer(500, "<html>oops</html>"),
        lambda: answer(423),
        lambda: answer(429),
        Drop,
    ],
    ids=["503", "500-html", "423", "429", "dropped"],
)
def test_threshold_failed_calls_open_the_breaker_and_then_no_io(
    mode: tuple[str, str], failure: Callable[[], httpx.Response | Exception]
) -> None:
    cb, _ = breaker(threshold=3)
    script = Script(failure)
    with harness(mode, script, circuit_breaker=cb, max_retries=0) as h:
        for _ in range(3):
            with pytest.raises((APIStatusError, APIConnectionError)) as info:
                h.create_offer()
            assert not isinstance(info.value, CircuitOpenError)
        assert cb.state == "open"
        sent = len(script.requests)
        with pytest.raises(CircuitOpenError) as opened:
            h.create_offer()
    assert len(script.requests) == sent == 3, "an open breaker sends nothing"
    assert isinstance(opened.value, APIConnectionError)
    assert opened.value.retry_in == pytest.approx(30.0)
    assert "30.0 s" in str(opened.value)


def test_a_call_counts_once_whatever_its_retries(mode: tuple[str, str]) -> None:
    cb, _ = breaker(threshold=2)
    script = Script(answer(503))
    with harness(mode, script, circuit_breaker=cb, max_retries=2) as h, pytest.raises(InternalServerError):
        h.create_offer()
    assert len(script.requests) == 3
    assert (cb.state, cb.failure_count) == ("closed", 1)


def test_a_spent_budget_counts_as_a_failure(mode: tuple[str, str]) -> None:
    cb, _ = breaker(threshold=1)
    script = Script(answer(503, **{"Retry-After": "60"}))
    with harness(mode, script, circuit_breaker=cb, total_timeout=10) as h:
        with pytest.raises(APITimeoutError):
            h.create_offer()
        with pytest.raises(CircuitOpenError):
            h.create_offer()
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("answer_", "error"),
    [
        (lambda: answer(400), BadRequestError),
        (lambda: answer(403), PermissionDeniedError),
        (lambda: answer(409), ConflictError),
        (
            lambda: answer(422, {"message": "bad", "errors": {"customer.email": ["invalid"]}}),
            UnprocessableEntityError,
        ),
        (lambda: ok(id=5), APIResponseValidationError),
    ],
    ids=["400", "403", "409", "422", "bad-200"],
)
def test_our_own_faults_never_count(
    mode: tuple[str, str], answer_: Callable[[], httpx.Response], error: type[Exception]
) -> None:
    cb, _ = breaker(threshold=2)
    script = Script(answer_)
    with harness(mode, script, circuit_breaker=cb, max_retries=0) as h:
        for _ in range(5):
            with pytest.raises(error):
                h.create_offer()
    assert len(script.requests) == 5
    assert (cb.state, cb.failure_count) == ("closed", 0)


def test_an_answered_4xx_ends_a_run_of_failures(mode: tuple[str, str]) -> None:
    cb, _ = breaker(threshold=3)
    script = Script(answer(503), answer(503), answer(422), answer(503), answer(503))
    with harness(mode, script, circuit_breaker=cb, max_retries=0) as h:
        for _ in range(5):
            with pytest.raises(APIStatusError):
                h.create_offer()
    assert (cb.state, cb.failure_count) == ("closed", 2)


@pytest.mark.parametrize("probe_succeeds", [True, False], ids=["probe-ok", "probe-fails"])
def test_one_probe_after_recovery_time_on_the_breakers_clock(
    mode: tuple[str, str], probe_succeeds: bool
) -> None:
    cb, clock = breaker(threshold=2, recovery=30.0)
    script = Script(answer(503), answer(503), ok() if probe_succeeds else answer(503), ok())
    with harness(mode, script, circuit_breaker=cb, max_retries=0) as h:
        for _ in range(2):
            with pytest.raises(InternalServerError):
                h.create_offer()
        clock.now += 29.9
        with pytest.raises(CircuitOpenError):
            h.create_offer()
        assert len(script.requests) == 2
        clock.now += 0.1
        if probe_succeeds:
            assert h.create_offer().id == "OFR-1"
            assert cb.state == "closed"
            h.create_offer()
            assert len(script.requests) == 4
        else:
            with pytest.raises(InternalServerError):
                h.create_offer()
            assert cb.state == "open"
            with pytest.raises(CircuitOpenError) as info:
                h.create_offer()
            assert info.value.retry_in == pytest.approx(30.0), (
                "a failed probe reopens for a full recovery_time"
            )
            assert len(script.requests) == 3


def test_a_client_and_its_views_share_one_breaker(mode: tuple[str, str]) -> None:
    cb, _ = breaker(threshold=3)
    script = Script(answer(503))
    with harness(mode, script, circuit_breaker=cb, max_retries=0) as h:
        view = view_of(h, h.client.with_options(partner_code="OTHER", total_timeout=5))
        assert view.client.circuit_breaker is cb
        for driver in (h, view, view):
            with pytest.raises(InternalServerError):
                driver.create_offer()
        assert cb.state == "open"
        for driver in (h, view):
            with pytest.raises(CircuitOpenError):
                driver.create_offer()
    assert len(script.requests) == 3


# -- 4. with_options -----------------------------------------------------------------------------


def test_a_view_shares_the_pool_and_closing_it_leaves_the_pool_open(mode: tuple[str, str]) -> None:
    script = Script(ok())
    with harness(mode, script) as h:
        view = h.client.with_options(max_retries=0)
        assert type(view) is type(h.client)
        assert view._http is h.client._http
        assert view.auth is h.client.auth
        view_of(h, view).create_offer()
        close(h, view)
        assert not h.client._http.is_closed
        h.create_offer()  # the client still works after its view was closed
        view_of(h, view).create_offer()  # and so does the view: the pool is not its to close
    assert len(script.requests) == 3
    assert h.client._http.is_closed, "the owner closes the pool"


def test_a_view_changes_only_what_it_is_given(mode: tuple[str, str]) -> None:
    script = Script(answer(503), answer(503), ok())
    with harness(mode, script, max_retries=2) as h:
        view = view_of(
            h, h.client.with_options(partner_code="OTHER", max_retries=0, headers={"X-Shop": "eu"})
        )
        with pytest.raises(InternalServerError):
            view.create_offer()
        h.create_offer()  # the client keeps its own partner code, retries and headers
    via_view, via_client, _ = script.requests
    assert via_view.url.path == "/x/partners/OTHER/offers/"
    assert via_view.headers["x-shop"] == "eu"
    assert via_client.url.path == f"/x/partners/{PARTNER}/offers/"
    assert "x-shop" not in via_client.headers
    assert len(script.requests) == 3
    # each request is signed for its own path
    assert verify_signature(
        "POST", via_view.url.raw_path.decode(), via_view.headers, secrets={API_KEY: API_SECRET}, now=NOW
    )


def test_view_headers_add_to_the_clients_headers(mode: tuple[str, str]) -> None:
    script = Script(ok())
    with harness(mode, script, headers={"X-Shop": "eu", "X-Team": "a"}) as h:
        view_of(h, h.client.with_options(headers={"X-Team": "b", "X-Trace": "1"})).create_offer()
    headers = script.requests[0].headers
    assert (headers["x-shop"], headers["x-team"], headers["x-trace"]) == ("eu", "b", "1")


@pytest.mark.parametrize(
    "name", ["Date", "Authorization", "X-Api-Key", "X-Idempotency-Key", "authorization", "DATE", "x-api-key "]
)
def test_protected_headers_are_refused(mode: tuple[str, str], name: str) -> None:
    script = Script(ok())
    with harness(mode, script) as h:
        with pytest.raises(ValueError, match="headers cannot set"):
            h.client.with_options(headers={name: "forged"})
        kind = OffersClient if h.kind == "sync" else AsyncOffersClient
        with pytest.raises(ValueError, match="headers cannot set"):
            kind(api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, headers={name: "forged"})
        h.create_offer()
    assert "forged" not in str(script.requests[0].headers.raw)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"total_timeout": -1}, "total_timeout"),
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_response_bytes": 0}, "max_response_bytes"),
        ({"partner_code": ""}, "partner_code"),
    ],
)
def test_bad_view_options_are_named(mode: tuple[str, str], changes: dict[str, Any], named: str) -> None:
    with harness(mode, Script(ok())) as h, pytest.raises(ValueError, match=named):
        h.client.with_options(**changes)


# -- 5. clock-skew correction trusts only XCover ---------------------------------------------------

FAR_FUTURE = "Fri, 31 Dec 9999 23:59:59 GMT"


def test_a_proxys_html_403_does_not_move_the_clock(mode: tuple[str, str]) -> None:
    page = "<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>"
    script = Script(
        httpx.Response(403, text=page, headers={"Date": FAR_FUTURE, "Content-Type": "text/html"}), ok()
    )
    with harness(mode, script) as h:
        with pytest.raises(PermissionDeniedError) as info:
            h.create_offer()
        assert len(script.requests) == 1, "not retried"
        assert h.client.auth.clock_offset == 0.0
        h.create_offer()
    assert info.value.model is None
    assert isinstance(info.value.body, str)
    assert "<h1>Forbidden</h1>" in info.value.body
    # the next request is signed with our own clock
    assert script.requests[1].headers["date"] == http_date(NOW + 2)


def test_xcovers_json_403_that_is_not_json_typed_does_not_move_the_clock(mode: tuple[str, str]) -> None:
    body = json.dumps({"type": "auth", "message": "Signature string does not match!"})
    script = Script(
        httpx.Response(403, text=body, headers={"Date": http_date(NOW + 3600), "Content-Type": "text/html"})
    )
    with harness(mode, script) as h, pytest.raises(PermissionDeniedError):
        h.create_offer()
    assert len(script.requests) == 1
    assert h.client.auth.clock_offset == 0.0


@pytest.mark.parametrize(
    "server_date", [FAR_FUTURE, http_date(NOW + 2 + 25 * 3600), http_date(NOW - 25 * 3600)]
)
def test_an_offset_over_24h_is_ignored_and_logged(
    mode: tuple[str, str], server_date: str, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(
        httpx.Response(
            403,
            json={"type": "auth", "message": "Signature string does not match!"},
            headers={"Date": server_date},
        )
    )
    with caplog.at_level(logging.WARNING, logger="xcover_offers"), harness(mode, script) as h:
        with pytest.raises(PermissionDeniedError):
            h.create_offer()
        assert h.client.auth.clock_offset == 0.0
    assert len(script.requests) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("ignoring" in m and "24 h" in m for m in warnings), warnings


def test_xcovers_skew_403_is_corrected_logged_and_shared_with_views(
    mode: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    skew = 23 * 3600.0  # under the 24 h cap: still a clock, if a badly set one
    now: list[list[float]] = []  # the harness clock, once the harness exists
    requests: list[httpx.Request] = []

    def xcover(request: httpx.Request) -> httpx.Response:
        request.read()
        requests.append(request)
        server_now = now[0][0] + skew
        claimed = email.utils.parsedate_to_datetime(request.headers["date"]).timestamp()
        if abs(claimed - server_now) > 300:
            return httpx.Response(
                403,
                json={"type": "auth", "message": "Signature string does not match!"},
                headers={"Date": http_date(server_now)},
            )
        return ok()

    with caplog.at_level(logging.WARNING, logger="xcover_offers"), harness(mode, xcover) as h:
        now.append(h.clock)
        view_of(h, h.client.with_options(partner_code="OTHER")).create_offer()
        assert len(requests) == 2, "one immediate retry with the corrected clock"
        assert h.delays == []
        assert h.client.auth.clock_offset == pytest.approx(skew)
        h.create_offer()  # the client learned it through its view: accepted the first time
    assert len(requests) == 3
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("82800 s" in m for m in messages), messages


# -- the wire: a trickling server is cut off at the budget ---------------------------------------


def trickle() -> Iterator[bytes]:
    """One body byte every 0.2 s; 10 s at most, so a client that never hangs up cannot hang the suite."""
    yield b"{"
    for _ in range(50):
        time.sleep(0.2)
        yield b" "


def gzip_name_drip() -> Iterator[bytes]:
    """A gzip header announcing a file name, then the name a byte every 0.2 s: it decodes to nothing."""
    yield b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff"
    for _ in range(50):
        time.sleep(0.2)
        yield b"a"


TRICKLES: dict[str, tuple[dict[str, str], Callable[[], Iterator[bytes]], float | None]] = {
    "body": ({"Content-Type": "application/json"}, trickle, None),
    "headers": ({"Content-Type": "application/json"}, trickle, 0.1),  # the status line and headers drip
    "gzip-header": ({"Content-Type": "application/json", "Content-Encoding": "gzip"}, gzip_name_drip, None),
}


@pytest.mark.parametrize("how", list(TRICKLES))
@pytest.mark.parametrize(
    ("kind", "backend"),
    [("sync", "httpx"), ("async", "httpx"), ("async", "aiohttp")],
    ids=["sync", "async-httpx", "async-aiohttp"],
)
def test_a_trickling_server_is_cut_off_at_the_budget(kind: str, backend: str, how: str) -> None:
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "api_secret": API_SECRET,
        "partner_code": PARTNER,
        "timeout": 10,  # each byte arrives well inside the socket timeout: only the budget can stop it
        "total_timeout": 1.0,
        "max_retries": 0,  # bounds a broken client to one 10 s attempt; the budget is what must stop it
    }
    params: dict[str, Any] = {"customer": CUSTOMER, "events": [sample_event()]}

    def call_sync(url: str) -> None:
        with OffersClient(base_url=url, **options) as client:
            client.create_offer(**params)

    async def call_async(url: str) -> None:
        async with AsyncOffersClient(base_url=url, backend=backend, **options) as client:  # type: ignore[arg-type]
            await client.create_offer(**params)

    headers, body, drip_head = TRICKLES[how]
    with streaming_server(200, headers, body, drip_head=drip_head) as served:
        url = served.url
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            call_sync(url) if kind == "sync" else asyncio.run(call_async(url))
        elapsed = time.monotonic() - started
    assert elapsed < 6.0, f"a 1 s budget held the call for {elapsed:.1f} s"
    assert "total_timeout of 1 s" in str(info.value)


def test_a_body_complete_at_the_deadline_is_kept(mode: tuple[str, str]) -> None:
    """The offer arrived whole: running out of time just after must not throw it away (a retry
    would then ask again for an offer that exists)."""
    holder: list[Any] = []

    def late(request: httpx.Request) -> httpx.Response:
        holder[0].clock[0] += 10.0  # the answer lands after the 1 s budget, but complete
        return ok()

    with harness(mode, late, total_timeout=1.0) as h:
        holder.append(h)
        result = h.create_offer_with_response()
    assert result.offer.id == "OFR-1"


class _TickingBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body whose every chunk arrives 0.1 s later on the harness's clock, 10 s in all."""

    def __init__(self, clock: list[float]) -> None:
        self.clock, self.sent = clock, 0

    def chunks(self) -> Iterator[bytes]:
        yield b"{"
        for _ in range(100):
            self.clock[0] += 0.1
            self.sent += 1
            yield b" "

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks():
            yield chunk


def test_a_body_still_arriving_at_the_deadline_is_cut_off_between_chunks(mode: tuple[str, str]) -> None:
    """The deadline is checked between the chunks of a body: on a transport with no socket for the
    wrapped backend or a cancel scope to cut (a caller's own, here a mock), only that check stops a
    trickle. The clock is the harness's, so this takes no time."""
    bodies: list[_TickingBody] = []
    holder: list[Any] = []

    def ticking(request: httpx.Request) -> httpx.Response:
        bodies.append(_TickingBody(holder[0].clock))
        return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=bodies[-1])

    with harness(mode, ticking, total_timeout=5.0, max_retries=0) as h:
        holder.append(h)
        with pytest.raises(APITimeoutError, match="total_timeout of 5 s"):
            h.create_offer()
    (body,) = bodies
    assert 20 <= body.sent <= 40, f"{body.sent} chunks were read; the budget ran out after about 30"


class _Iterated(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks


def test_a_skew_403_dripping_its_body_is_cut_off_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """XCoverAuth reads a 403's body to tell XCover's skew answer from a proxy's page: through a
    transport passed in (no socket deadline here), that read still ends with the call's budget. The
    deadline's clock is moved by the body itself, so this takes no time."""
    fake_now = [1000.0]
    monkeypatch.setattr("xcover_offers._deadline.time.monotonic", lambda: fake_now[0])
    sent: list[int] = []
    error = json.dumps({"type": "auth", "message": "Signature string does not match!"}).encode()

    def drip() -> Iterator[bytes]:
        for byte in error:
            fake_now[0] += 1.0  # each byte a second late: in time for any read timeout
            sent.append(byte)
            yield bytes([byte])

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Content-Length": str(len(error)),
                   "Date": http_date(NOW + 3600)}  # fmt: skip
        return httpx.Response(403, headers=headers, stream=_Iterated(drip()))

    with (
        harness(("sync", "mock"), answer, total_timeout=5.0, max_retries=0) as h,
        pytest.raises(APITimeoutError),
    ):
        h.create_offer()
    assert len(sent) <= 6, f"{len(sent)} bytes were read; the budget ran out after about 5"


def test_default_headers_may_replace_user_agent_and_accept_only(mode: tuple[str, str]) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok()

    with harness(mode, record, headers={"User-Agent": "checkout/7", "X-Team": "pay"}) as h:
        h.create_offer(idempotency_key="key-1")
    (request,) = seen
    assert request.headers["user-agent"] == "checkout/7"
    assert request.headers["x-team"] == "pay"
    assert request.headers["x-idempotency-key"] == "key-1"


def test_the_sync_pool_goes_through_the_proxy_the_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's own sync pool (built for the call's deadline) honours HTTP_PROXY and NO_PROXY as
    httpx would: the host below does not resolve, so only the proxy can answer."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    not_found = lambda: iter([b'{"message": "no", "type": "x"}'])  # noqa: E731
    with streaming_server(404, {"Content-Type": "application/json"}, not_found) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url.rsplit("/", 1)[0])
        options: dict[str, Any] = {"api_key": API_KEY, "api_secret": API_SECRET, "partner_code": PARTNER}
        client = OffersClient(**options, base_url="http://xcover.invalid/x", max_retries=0)
        with client, pytest.raises(NotFoundError):
            client.get_booking("B-1")
        assert proxy.requests == 1
        monkeypatch.setenv("NO_PROXY", "xcover.invalid")
        client = OffersClient(**options, base_url="http://xcover.invalid/x", max_retries=0)
        with client, pytest.raises(APIConnectionError):
            client.get_booking("B-1")
        assert proxy.requests == 1, "NO_PROXY: sent directly (and the host does not resolve)"


def test_a_gateway_403_without_xcovers_type_field_does_not_move_the_clock(mode: tuple[str, str]) -> None:
    """`{"message": "Forbidden"}` is an API gateway's shape too; XCover's 403 has `type` and `message`."""
    script = Script(
        httpx.Response(403, json={"message": "Forbidden"}, headers={"Date": http_date(NOW + 3 * 3600)})
    )
    with harness(mode, script) as h, pytest.raises(PermissionDeniedError):
        h.create_offer()
    assert h.client.auth.clock_offset == 0.0
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    "headers",
    [{"X-Trace": "a\nb"}, {"X-Trace": "caf\u00e9"}, {"Bad Name": "x"}, {"X-Trace": "\ud800"}],
    ids=["line-break", "non-ascii", "bad-name", "surrogate"],
)
def test_default_headers_that_could_never_be_sent_are_refused_up_front(headers: dict[str, str]) -> None:
    """Else every call would fail, each failure counting against a shared breaker as an outage."""
    with pytest.raises(ValueError, match="not a valid header"):
        OffersClient(api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, headers=headers)
    with (
        OffersClient(api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER) as client,
        pytest.raises(ValueError, match="not a valid header"),
    ):
        client.with_options(headers=headers)
