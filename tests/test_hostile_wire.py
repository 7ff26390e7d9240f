"""Hostile answers over real sockets, second pass (issue 24): what only a raw server can send.

Each test runs the sync client and both async backends against `tests/_wire.py`'s servers on
127.0.0.1: a response no server library would write (a malformed status line, a NUL or a non-ASCII
byte in a header), a body trickled in 1-byte chunks, and, in a child process, the peak memory of the
worst bodies under the default `max_response_bytes`.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from _harness import API_KEY, API_SECRET, PARTNER, sample_event
from _wire import raw_server
from xcover_offers import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncOffersClient,
    CircuitBreaker,
    InternalServerError,
    OffersClient,
    XCoverError,
)
from xcover_offers._constants import DEFAULT_MAX_RESPONSE_BYTES
from xcover_offers.sandbox import DEFAULT_API_SECRET

KINDS = [("sync", "httpx"), ("async", "httpx"), ("async", "aiohttp")]
KIND_IDS = ["sync", "async-httpx", "async-aiohttp"]
per_backend = pytest.mark.parametrize(("kind", "backend"), KINDS, ids=KIND_IDS)
OFFER = b'{"data":{"id":"OFR-1","currency":"USD","products":[]}}'


def answer(head: bytes, body: bytes = OFFER, *, status: bytes = b"200 OK") -> bytes:
    """A response with a Content-Length, `head` (header lines, CRLF-separated) written as given.
    It says Connection: close, as the raw server closes the connection after it."""
    lines = b"HTTP/1.1 " + status + b"\r\nConnection: close\r\n" + (head + b"\r\n" if head else b"")
    return lines + b"Content-Length: %d\r\n\r\n" % len(body) + body


@contextmanager
def client(kind: str, backend: str, url: str, **options: Any) -> Iterator[Callable[[], Any]]:
    """A client of `kind` on `url`, retries not slept; yields a function making one create_offer call."""
    settings: dict[str, Any] = {"api_key": API_KEY, "api_secret": API_SECRET, "partner_code": PARTNER}
    settings.update(base_url=url, **options)
    params: dict[str, Any] = {
        "customer": {"currency": "USD", "country": "US", "language": "en-us"},
        "events": [sample_event()],
    }
    if kind == "sync":
        with OffersClient(**settings) as sync:
            sync._sleep = lambda seconds: None
            yield lambda: sync.create_offer(**params)
        return

    async def no_sleep(seconds: float) -> None:
        pass

    with asyncio.Runner() as runner:
        aclient = AsyncOffersClient(backend=backend, **settings)  # type: ignore[arg-type]
        aclient._sleep = no_sleep
        try:
            yield lambda: runner.run(aclient.create_offer(**params))
        finally:
            runner.run(aclient.close())


def assert_safe(err: BaseException) -> None:
    """The error holds no live signature or secret, pickles, and chains to nothing (an aiohttp error
    it chained to would hold the signed request, and could not be pickled)."""
    assert isinstance(err, XCoverError)
    shown = str(err) + repr(err) + "".join(traceback.format_exception(err))
    blob = pickle.dumps(err)
    for text in (API_SECRET, 'signature="'):
        assert text not in shown
        assert text.encode() not in blob
    assert err.__cause__ is None
    assert err.__context__ is None or isinstance(err.__context__, XCoverError)
    assert type(pickle.loads(blob)) is type(err)


# -- item 1: malformed responses are connection errors on every backend -----------------------------

MALFORMED = {
    "bad-status-line": b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}",
    "nul-in-header": answer(b"X-Thing: a\x00b"),
    "bad-chunk-size": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "duplicate-content-length": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
}
AIOHTTP_LIMITS = {  # h11 reads these (a valid offer follows); aiohttp's parser refuses them
    "header-over-8190-bytes": answer(b"X-Long: " + b"a" * 9000),
    "too-many-headers": answer(b"\r\n".join(b"X-H%d: v" % i for i in range(200))),
}


@per_backend
@pytest.mark.parametrize(
    "raw", [*MALFORMED.values(), *AIOHTTP_LIMITS.values()], ids=[*MALFORMED, *AIOHTTP_LIMITS]
)
def test_a_malformed_response_is_a_typed_retried_counted_connection_error(
    kind: str, backend: str, raw: bytes
) -> None:
    """aiohttp's ClientResponseError used to escape raw: untyped, its request_info holding the live
    signature (in its repr), unpicklable, never retried, not counted by the breaker."""
    if raw in AIOHTTP_LIMITS.values() and backend != "aiohttp":
        with raw_server(raw) as served, client(kind, backend, served.url) as call:
            assert call().id == "OFR-1", "within h11's limits: read as usual"
        return
    breaker = CircuitBreaker(failure_threshold=1)
    with (
        raw_server(raw) as served,
        client(kind, backend, served.url, max_retries=1, circuit_breaker=breaker) as call,
        pytest.raises(APIConnectionError, match="RemoteProtocolError") as info,
    ):
        call()
    assert served.requests == 2, "retried once, as a protocol error is"
    assert breaker.state == "open", "counted as XCover failing"
    assert_safe(info.value)


# -- item 2: a non-ASCII byte in a header of an answer that becomes an error -------------------------

VIA = {"utf-8": "1.1 café-proxy".encode(), "latin-1": "1.1 café-proxy".encode("latin-1")}


@per_backend
@pytest.mark.parametrize("encoding", list(VIA))
def test_a_non_ascii_header_on_an_error_is_kept_not_a_crash(kind: str, backend: str, encoding: str) -> None:
    """Was UnicodeEncodeError from copying the response onto the error, on every backend."""
    raw = answer(b"Via: " + VIA[encoding], b'{"message": "busy"}', status=b"503 Service Unavailable")
    with (
        raw_server(raw) as served,
        client(kind, backend, served.url, max_retries=1) as call,
        pytest.raises(InternalServerError) as info,
    ):
        call()
    assert served.requests == 2
    assert info.value.message == "busy"
    assert (b"Via", VIA[encoding]) in info.value.response.headers.raw, "the bytes as they came"
    assert_safe(info.value)


@per_backend
def test_a_non_ascii_header_on_a_refused_200_is_kept(kind: str, backend: str) -> None:
    raw = answer(b"Via: " + VIA["latin-1"], b'{"nope": 1}')
    with (
        raw_server(raw) as served,
        client(kind, backend, served.url) as call,
        pytest.raises(APIResponseValidationError, match="data: required") as info,
    ):
        call()
    assert (b"Via", VIA["latin-1"]) in info.value.response.headers.raw


@per_backend
@pytest.mark.parametrize(
    ("raw_id", "escaped"),
    [(b"r\x9b2J", "r\\x9b2J"), ("r\u202e1".encode(), "r\\u202e1")],
    ids=["C1-CSI-latin-1", "bidi-override-utf-8"],
)
def test_control_and_bidi_characters_in_a_request_id_are_escaped(
    kind: str, backend: str, raw_id: bytes, escaped: str
) -> None:
    """h11 and aiohttp pass bytes 0x80-0xFF in a header: a lone 0x9b reads (as latin-1) as U+009B, a
    CSI to some terminals, and UTF-8 carries U+202E. Both reach the message and the attribute escaped."""
    raw = answer(b"X-Request-Id: " + raw_id, b'{"message": "busy"}', status=b"503 Busy")
    with (
        raw_server(raw) as served,
        client(kind, backend, served.url, max_retries=0) as call,
        pytest.raises(InternalServerError) as info,
    ):
        call()
    assert info.value.request_id == escaped
    assert str(info.value) == f"503 Busy: busy (request id {escaped})"


# -- item 3: a body trickled in 1-byte chunks ------------------------------------------------------


def chunked(body: bytes, piece: int = 1) -> bytes:
    pieces = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + piece]), body[i : i + piece]) for i in range(0, len(body), piece)
    )
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + pieces
        + b"0\r\n\r\n"
    )


@per_backend
def test_a_body_in_1_byte_chunks_is_refused_after_a_bounded_number_of_pieces(kind: str, backend: str) -> None:
    """Parsing a chunk costs ~15 µs in h11 whatever its size: a 1 MiB body in 1-byte chunks was 12 s
    of CPU (and 180 MB, a bytes object per byte), accepted. Now a body may come in at most one piece
    per 16 bytes of the limit (4,096 at least); aiohttp hands its chunks on in 16 KiB reads, in C."""
    limit = 64 * 1024  # at most 4,096 pieces; the body is 40 KiB, under the limit, in 40,960 pieces
    body = OFFER[:-1] + b" " * (40 * 1024 - len(OFFER)) + b"}"
    with (
        raw_server(chunked(body)) as served,
        client(kind, backend, served.url, max_response_bytes=limit) as call,
    ):
        if backend == "aiohttp":
            assert call().id == "OFR-1"
            return
        with pytest.raises(APIResponseValidationError, match="more than 4,096 pieces") as info:
            call()
    assert served.requests == 1, "not retried: the same answer would come again"
    assert_safe(info.value)


def test_a_plain_body_in_many_pieces_within_the_limit_is_read() -> None:
    """Kept: 4,096 pieces at any limit, so an honest server writing its JSON in small chunks works."""
    body = OFFER[:-1] + b" " * (4000 - len(OFFER)) + b"}"
    with (
        raw_server(chunked(body)) as served,
        client("sync", "httpx", served.url, max_response_bytes=5000) as call,
    ):
        assert call().id == "OFR-1"


# -- item 3: memory of the worst bodies under the default limit --------------------------------------

_PEAK = textwrap.dedent(
    """
    import json, resource, sys
    import httpx
    sys.path.insert(0, sys.argv[1])
    from _harness import API_KEY, API_SECRET, PARTNER, sample_event
    from xcover_offers import OffersClient, XCoverError
    from xcover_offers._constants import DEFAULT_MAX_RESPONSE_BYTES as LIMIT

    def filled(prefix, unit, suffix):  # as many units as fit under the limit, no large temporaries
        n = (LIMIT - len(prefix) - len(suffix) + 1) // (len(unit) + 1)
        return prefix + (unit + b",") * (n - 1) + unit + suffix

    OFFER = b'{"data":{"id":"x","currency":"USD","products":['
    bodies = [
        (200, filled(b"[", b"{}", b"]")),  # 350,000 empty objects: the most objects per byte
        (200, filled(OFFER, b"{}", b"]}}")),  # as many invalid products (iter_errors: 1.3 GB, 13 s)
        (409, filled(OFFER, b"{}", b"]}}")),  # the same as a replay
        (200, filled(OFFER, b'{"id":"p","details":{"finance":{"price":'
                     b'{"total_amount":1,"total_amount_formatted":"$1"}}}}', b"]}}")),  # valid
        (200, b"[" * (LIMIT // 2) + b"]" * (LIMIT // 2)),  # nested as deep as fits
    ]
    assert all(len(body) <= LIMIT for _, body in bodies)
    answers = [(200, b'{"data":{"id":"x","currency":"USD","products":[]}}')] + bodies

    def respond(request):
        status, body = answers.pop(0)
        return httpx.Response(status, content=body)

    client = OffersClient(
        api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, max_retries=0,
        http_client=httpx.MockTransport(respond),
    )
    params = dict(
        customer={"currency": "USD", "country": "US", "language": "en-us"}, events=[sample_event()],
        idempotency_key="order-1",  # the caller's key: a 409 may be a replay, and is parsed whole
    )
    client.create_offer(**params)  # the schemas compiled, so only the bodies count
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcomes = []
    for _ in bodies:
        try:
            client.create_offer(**params)
            outcomes.append("ok")
        except XCoverError as exc:
            outcomes.append(type(exc).__name__)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mb": (peak - base) / 1024, "outcomes": outcomes}))
    """
)


def test_no_body_under_the_default_limit_costs_more_than_100_mb(request: pytest.FixtureRequest) -> None:
    """Measured in a child process: ru_maxrss is per process, and only grows. The worst found is
    about 65 MB (350,000 empty objects); at the old 16 MiB default it was about 1 GB, and 350,000
    invalid products made the validator list every error: 1.3 GB and 13 s for 1 MiB."""
    tests = str(request.path.parent)
    done = subprocess.run([sys.executable, "-c", _PEAK, tests], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["outcomes"] == [
        "APIResponseValidationError", "APIResponseValidationError", "APIResponseValidationError", "ok",
        "APIResponseValidationError",
    ]  # fmt: skip
    assert result["peak_mb"] < 100, result


def test_the_default_limit_is_over_100_times_a_5_product_offer() -> None:
    """The default is sized from a real answer: the sandbox's Create Offer with 5 products and every
    extra field (about 8 KB)."""
    from decimal import Decimal

    from xcover_offers.sandbox import Sandbox
    from xcover_offers.sandbox._pricing import DEFAULT_PRODUCTS, ProductConfig

    benefits = DEFAULT_PRODUCTS[-1].benefits
    sandbox = Sandbox(
        products=[
            ProductConfig(f"etp-{i}", f"Cover {i}", Decimal("0.05"), benefits=benefits) for i in range(5)
        ]
    )
    with OffersClient(
        api_key=sandbox.api_key, api_secret=DEFAULT_API_SECRET, partner_code=PARTNER,
        base_url=sandbox.base_url, http_client=sandbox.transport(),
    ) as offers:  # fmt: skip
        result = offers.create_offer_with_response(
            customer={"currency": "USD", "country": "US", "language": "en-us"},
            events=[sample_event()],
            extra_fields=["tax", "commission", "benefits", "surcharge"],
        )
    assert len(result.offer.products) == 5
    assert 1000 < len(result.content) * 100 < DEFAULT_MAX_RESPONSE_BYTES
