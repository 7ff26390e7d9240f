"""OffersClient and AsyncOffersClient, each test run sync and async, through MockTransport and a server."""

from __future__ import annotations

import email.utils
import json
import logging
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
    Script,
    harness,
    ok_body,
    sample_event,
)
from xcover_offers import (
    SPEC_VERSION,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ExtraField,
    InternalServerError,
    NotFoundError,
    OffersClient,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    UnprocessableEntityError,
    XCoverError,
    __version__,
    verify_signature,
)
from xcover_offers_api.models import Offer

WIRE_TESTS = frozenset(
    {
        "test_sends_a_signed_request_and_returns_the_offer",
        "test_percent_encodes_the_partner_code",
        "test_dropped_connection_is_retried_then_raised",
        "test_dropped_connection_then_success",
        "test_html_502_is_a_typed_error_with_the_text",
        "test_redirects_are_not_followed",
    }
)
"""Where the wire adds something (framing, encoding, hang-ups, timeouts): also against a real server.
Everything else runs sync and async through MockTransport."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "mode" in metafunc.fixturenames:
        wire = metafunc.function.__name__ in WIRE_TESTS
        metafunc.parametrize("mode", WIRE_MODES if wire else MODES, ids=WIRE_MODE_IDS if wire else MODE_IDS)


def ok(**extra: Any) -> httpx.Response:
    return httpx.Response(200, json=ok_body(**extra), headers={"X-Request-Id": "req-ok"})


def status(code: int, body: Any = None, **headers: str) -> httpx.Response:
    if isinstance(body, str):
        return httpx.Response(code, text=body, headers=headers)
    return httpx.Response(
        code, json=body if body is not None else {"type": "x", "message": "nope"}, headers=headers
    )


# -- the happy path ---------------------------------------------------------------------------------


def test_sends_a_signed_request_and_returns_the_offer(mode: tuple[str, str]) -> None:
    rec = Script(ok(unannounced={"kept": True}))
    with harness(mode, rec) as h:
        offer = h.create_offer(
            extra_fields=[ExtraField.TAX, "commission", "tax"],
            exclude_offer_ids=["cfg_1", "cfg_2"],
            active_only=True,
            include_content=False,
        )
    assert isinstance(offer, Offer)
    assert offer.id == "OFR-1"
    assert offer.to_dict()["unannounced"] == {"kept": True}, "unknown response fields must survive"
    (req,) = rec.requests
    assert req.method == "POST"
    assert req.url.path == f"/x/partners/{PARTNER}/offers/"
    assert dict(req.url.params) == {
        "active_only": "true",
        "include_content": "false",
        "extra_fields": "tax,commission",
        "exclude_offer_ids": "cfg_1,cfg_2",
    }
    body = json.loads(req.content)
    assert body["customer"] == {"currency": "USD", "country": "US", "language": "en-us"}
    assert body["context"]["events"][0]["tickets"] == [{"id": "t-1", "price": 80.0}]
    assert req.headers["content-type"] == "application/json"
    assert req.headers["x-api-key"] == API_KEY
    assert req.headers["user-agent"].startswith(
        f"xcover-offers-python/{__version__} (spec {SPEC_VERSION}; python 3."
    )
    assert len(req.headers["x-idempotency-key"]) == 36
    assert req.headers["date"] == email.utils.formatdate(NOW, usegmt=True)
    assert (
        verify_signature(
            "POST", req.url.raw_path.decode(), req.headers, secrets={API_KEY: API_SECRET}, now=NOW
        )
        == API_KEY
    )


def test_unset_options_are_not_sent(mode: tuple[str, str]) -> None:
    rec = Script(ok())
    with harness(mode, rec) as h:
        h.create_offer(extra_fields=[], exclude_offer_ids=None)
    assert dict(rec.requests[0].url.params) == {}


def test_full_response_is_reachable(mode: tuple[str, str]) -> None:
    rec = Script(ok())
    with harness(mode, rec) as h:
        result = h.create_offer_with_response(idempotency_key="order-42")
    assert result.status_code == 200
    assert result.request_id == "req-ok"
    assert result.headers["x-request-id"] == "req-ok"
    assert result.json()["data"]["id"] == "OFR-1"
    assert result.content.startswith(b"{")
    assert result.attempts == 1
    assert result.idempotency_key == "order-42"
    assert result.offer.id == "OFR-1"
    assert rec.requests[0].headers["x-idempotency-key"] == "order-42"


def test_percent_encodes_the_partner_code(mode: tuple[str, str]) -> None:
    rec = Script(ok())
    with harness(mode, rec, partner_code="A B/C") as h:
        h.create_offer()
    req = rec.requests[0]
    assert req.url.raw_path.startswith(b"/x/partners/A%20B%2FC/offers/")
    verify_signature(
        "POST", req.url.raw_path.decode(), req.headers, secrets={API_KEY: API_SECRET}, now=NOW + 5
    )


# -- bad input never leaves the process ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"customer": {"currency": "USD", "country": "US"}}, "customer.language"),
        (
            {"events": [sample_event(), sample_event(tickets=[{"id": "t", "price": "twelve"}])]},
            "events[1].tickets[0].price",
        ),
        ({"events": [sample_event(start_date="2027-06-01T19:30:00")]}, "events[0].start_date"),
        ({"events": []}, "events"),
        ({"extra_fields": ["tax", "vat"]}, "extra_fields[1]"),
        ({"exclude_offer_ids": ["a,b"]}, "exclude_offer_ids[0]"),
        ({"active_only": "yes"}, "active_only"),
    ],
)
def test_invalid_input_raises_before_sending(
    mode: tuple[str, str], kwargs: dict[str, Any], path: str
) -> None:
    rec = Script(ok())
    with harness(mode, rec) as h, pytest.raises(RequestValidationError) as info:
        h.create_offer(**kwargs)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")
    assert isinstance(info.value, ValueError)
    assert rec.requests == []


# -- retries --------------------------------------------------------------------------------------


def test_retries_503_with_backoff_same_key_fresh_dates(mode: tuple[str, str]) -> None:
    rec = Script(status(503), status(503), ok())
    with harness(mode, rec) as h:
        result = h.create_offer_with_response()
    assert result.attempts == 3
    assert h.delays == [0.5, 1.0]
    keys = {r.headers["x-idempotency-key"] for r in rec.requests}
    assert len(keys) == 1
    dates = [r.headers["date"] for r in rec.requests]
    assert len(set(dates)) == 3, dates
    signatures = {r.headers["authorization"] for r in rec.requests}
    assert len(signatures) == 3


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses(mode: tuple[str, str], code: int) -> None:
    rec = Script(status(code), ok())
    with harness(mode, rec) as h:
        assert h.create_offer_with_response().attempts == 2


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
    ],
)
def test_other_4xx_are_not_retried(mode: tuple[str, str], code: int, cls: type[APIStatusError]) -> None:
    rec = Script(status(code, {"type": "t", "message": "Bad thing"}, **{"X-Request-Id": "rid-9"}))
    with harness(mode, rec) as h, pytest.raises(cls) as info:
        h.create_offer()
    assert type(info.value) is cls
    assert len(rec.requests) == 1
    err = info.value
    assert err.status_code == code
    assert err.request_id == "rid-9"
    assert err.body == {"type": "t", "message": "Bad thing"}
    assert str(err).startswith(f"{code} ")
    assert "Bad thing" in str(err)
    assert "rid-9" in str(err)
    assert err.response.status_code == code


def test_retries_exhausted_raise_the_last_error(mode: tuple[str, str]) -> None:
    rec = Script(status(429, {"message": "slow down"}, **{"Retry-After": "3"}))
    with harness(mode, rec) as h, pytest.raises(RateLimitError):
        h.create_offer()
    assert len(rec.requests) == 3
    assert h.delays == [3.0, 3.0]


def test_max_retries_zero_disables_retries(mode: tuple[str, str]) -> None:
    rec = Script(status(503))
    with harness(mode, rec, max_retries=0) as h, pytest.raises(InternalServerError):
        h.create_offer()
    assert len(rec.requests) == 1
    assert h.delays == []


def test_retry_after_http_date(mode: tuple[str, str]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        handler.calls += 1  # type: ignore[attr-defined]
        if handler.calls == 1:  # type: ignore[attr-defined]
            # The harness clock reads NOW + 2 by the time this answer is parsed.
            return status(503, **{"Retry-After": email.utils.formatdate(NOW + 2 + 7, usegmt=True)})
        return ok()

    handler.calls = 0  # type: ignore[attr-defined]
    with harness(mode, handler) as h:
        h.create_offer()
    assert h.delays == [7.0]


def test_retry_after_is_capped_at_60s(mode: tuple[str, str]) -> None:
    rec = Script(status(429, **{"Retry-After": "3600"}), ok())
    with harness(mode, rec, total_timeout=None) as h:
        h.create_offer()
    assert h.delays == [60.0]


def test_dropped_connection_is_retried_then_raised(mode: tuple[str, str]) -> None:
    rec = Script(Drop())
    with harness(mode, rec) as h, pytest.raises(APIConnectionError) as info:
        h.create_offer()
    assert not isinstance(info.value, APITimeoutError)
    assert len(rec.requests) == 3
    assert h.delays == [0.5, 1.0]
    assert API_SECRET not in str(info.value)


def test_dropped_connection_then_success(mode: tuple[str, str]) -> None:
    rec = Script(Drop(), ok())
    with harness(mode, rec) as h:
        assert h.create_offer_with_response().attempts == 2


def test_html_502_is_a_typed_error_with_the_text(mode: tuple[str, str]) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    rec = Script(status(502, html, **{"Content-Type": "text/html"}))
    with harness(mode, rec, max_retries=1) as h, pytest.raises(InternalServerError) as info:
        h.create_offer()
    assert info.value.body == html
    assert "502 Bad Gateway" in str(info.value)
    assert len(rec.requests) == 2


def test_422_exposes_field_errors(mode: tuple[str, str]) -> None:
    body = {
        "type": "validation",
        "message": "Invalid request",
        "errors": {"customer.currency": ["Unknown currency"]},
    }
    rec = Script(status(422, body))
    with harness(mode, rec) as h, pytest.raises(UnprocessableEntityError) as info:
        h.create_offer()
    assert info.value.errors == {"customer.currency": ["Unknown currency"]}
    assert "customer.currency: Unknown currency" in str(info.value)


def test_success_body_that_is_not_an_offer(mode: tuple[str, str]) -> None:
    rec = Script(httpx.Response(200, text="<html>maintenance</html>"))
    with harness(mode, rec) as h, pytest.raises(APIResponseValidationError):
        h.create_offer()


# -- clock skew -----------------------------------------------------------------------------------


def _skewed_403(server_now: float) -> httpx.Response:
    return httpx.Response(
        403,
        json={"type": "auth", "message": "Signature string does not match!"},
        headers={"Date": email.utils.formatdate(server_now, usegmt=True)},
    )


def test_clock_skew_is_corrected_and_kept(mode: tuple[str, str], caplog: pytest.LogCaptureFixture) -> None:
    skew = 3600.0
    seen_dates: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen_dates.append(request.headers["date"])
        server_now = handler.now[0] + skew  # type: ignore[attr-defined]
        claimed = email.utils.parsedate_to_datetime(request.headers["date"]).timestamp()
        if abs(claimed - server_now) > 300:
            return _skewed_403(server_now)
        return ok()

    with caplog.at_level(logging.WARNING, logger="xcover_offers"), harness(mode, handler) as h:
        handler.now = h.clock  # type: ignore[attr-defined]
        h.create_offer()
        assert len(seen_dates) == 2
        assert h.delays == [], "the skew retry is immediate and not a backoff retry"
        assert h.client.auth.clock_offset == pytest.approx(skew, abs=2)
        h.create_offer()  # later calls keep the offset: one request, accepted
        assert len(seen_dates) == 3
    assert any("clock" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_skew_retry_happens_once(mode: tuple[str, str]) -> None:
    rec = Script(_skewed_403(NOW + 7200))
    with harness(mode, rec) as h, pytest.raises(PermissionDeniedError):
        h.create_offer()
    assert len(rec.requests) == 2


def test_403_without_skew_is_not_retried(mode: tuple[str, str]) -> None:
    rec = Script(_skewed_403(NOW + 10))
    with harness(mode, rec) as h, pytest.raises(PermissionDeniedError) as info:
        h.create_offer()
    assert len(rec.requests) == 1
    assert h.client.auth.clock_offset == 0.0
    assert "Signature string does not match!" in str(info.value)


def test_a_cookie_set_on_the_way_is_never_sent_back() -> None:
    """The client's own pool keeps no cookies: a load balancer's `Set-Cookie` is not ours to return."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ok_body(), headers={"Set-Cookie": "AWSALB=sticky; Path=/"})

    with harness(("sync", "mock"), answer) as h:
        h.create_offer()
        h.create_offer()
    assert [r.headers.get("cookie") for r in seen] == [None, None]


# -- secrets and logs -----------------------------------------------------------------------------


def test_secret_never_in_repr_logs_or_errors(mode: tuple[str, str], caplog: pytest.LogCaptureFixture) -> None:
    rec = Script(status(503), status(403, {"message": "denied"}))
    with caplog.at_level(logging.DEBUG, logger="xcover_offers"), harness(mode, rec, log_bodies=True) as h:
        with pytest.raises(PermissionDeniedError) as info:
            h.create_offer(
                customer={"currency": "USD", "country": "US", "language": "en-us", "email": "jo@example.com"}
            )
        texts = [repr(h.client), str(h.client), repr(h.client.auth), str(info.value), repr(info.value)]
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    signature = rec.requests[0].headers["authorization"].rsplit("signature=", 1)[1].strip('"')
    for text in [*texts, log_text]:
        assert API_SECRET not in text
        assert signature not in text
    debug_lines = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(debug_lines) == 2, "one DEBUG line per attempt"
    assert "POST /x/partners/LLODT/offers/ -> 503" in debug_lines[0].getMessage()
    assert "jo@example.com" not in log_text
    assert '"email": "***"' in log_text


def test_bodies_not_logged_by_default(mode: tuple[str, str], caplog: pytest.LogCaptureFixture) -> None:
    rec = Script(ok())
    with caplog.at_level(logging.DEBUG, logger="xcover_offers"), harness(mode, rec) as h:
        h.create_offer(
            customer={"currency": "USD", "country": "US", "language": "en-us", "postcode": "90210"}
        )
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    assert "90210" not in log_text
    assert "body=" not in log_text


def test_per_call_timeout(mode: tuple[str, str]) -> None:
    rec = Script(ok())
    with harness(mode, rec, timeout=3.0) as h:
        h.create_offer()
        h.create_offer(timeout=httpx.Timeout(1.0, connect=0.5))
    assert rec.requests[0].extensions["timeout"] == {"connect": 3.0, "read": 3.0, "write": 3.0, "pool": 3.0}
    assert rec.requests[1].extensions["timeout"] == {"connect": 0.5, "read": 1.0, "write": 1.0, "pool": 1.0}


def test_timeout_becomes_api_timeout_error(mode: tuple[str, str]) -> None:
    # Through MockTransport only: a real server's slow answer is test_checkout's trickling server.
    rec = Script(httpx.ReadTimeout("slow"))
    with harness(mode, rec) as h, pytest.raises(APITimeoutError):
        h.create_offer()
    assert len(rec.requests) == 3


def test_errors_share_the_base_class(mode: tuple[str, str]) -> None:
    rec = Script(status(404))
    with harness(mode, rec) as h, pytest.raises(XCoverError):
        h.create_offer()


def test_redirects_are_not_followed(mode: tuple[str, str]) -> None:
    rec = Script(httpx.Response(307, headers={"Location": "https://elsewhere.example/x"}))
    with harness(mode, rec) as h, pytest.raises(APIStatusError) as info:
        h.create_offer()
    assert info.value.status_code == 307
    assert len(rec.requests) == 1


def test_own_http_client_is_used_and_left_open() -> None:
    """One way is enough: this is about ownership, not transport."""
    rec = Script(ok())
    http = httpx.Client(transport=httpx.MockTransport(rec), follow_redirects=True)
    with OffersClient(
        api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, http_client=http
    ) as client:
        client.create_offer(
            customer={"currency": "USD", "country": "US", "language": "en-us"}, events=[sample_event()]
        )
    assert not http.is_closed
    assert rec.requests[0].headers["x-api-key"] == API_KEY
    http.close()


def test_retry_after_date_is_read_on_the_servers_clock(mode: tuple[str, str]) -> None:
    server_now = NOW + 3600  # the server's clock is an hour ahead of ours
    rec = Script(
        status(
            503,
            **{
                "Date": email.utils.formatdate(server_now, usegmt=True),
                "Retry-After": email.utils.formatdate(server_now + 5, usegmt=True),
            },
        ),
        ok(),
    )
    with harness(mode, rec) as h:
        h.create_offer()
    assert h.delays == [5.0]


def test_deeply_nested_bodies_still_give_typed_errors(mode: tuple[str, str]) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    rec = Script(httpx.Response(200, text=deep), httpx.Response(404, text=deep))
    with harness(mode, rec) as h:
        with pytest.raises(APIResponseValidationError):
            h.create_offer()
        with pytest.raises(NotFoundError):
            h.create_offer()


@pytest.mark.parametrize("key", ["", "clé", "a\r\nX-Evil: 1", "x" * 256])
def test_bad_idempotency_keys_are_rejected_before_sending(mode: tuple[str, str], key: str) -> None:
    rec = Script(ok())
    with harness(mode, rec) as h, pytest.raises(RequestValidationError, match="idempotency_key"):
        h.create_offer(idempotency_key=key)
    assert rec.requests == []


@pytest.mark.parametrize("body", [{"data": []}, {"data": None}, {"offer": {}}, [1, 2]])
def test_success_without_a_data_object(mode: tuple[str, str], body: Any) -> None:
    rec = Script(httpx.Response(200, json=body))
    with harness(mode, rec) as h, pytest.raises(APIResponseValidationError):
        h.create_offer()
