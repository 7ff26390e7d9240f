"""What a server can send (issue 11): bodies too large to hold (plain, gzip and deflate bombs), error
bodies cut down on the exception, exceptions that hold no secret or personal data, 200s checked
against the spec, and error bodies parsed into the generated models when they fit.

Client behaviour runs sync and async through MockTransport (the harness); what needs a socket (a
body streamed by a real server, memory while refusing it) runs against a raw server on 127.0.0.1,
with the sync client and both async backends.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import pickle
import re
import traceback
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from _harness import (
    API_KEY,
    API_SECRET,
    MODE_IDS,
    MODES,
    PARTNER,
    Drop,
    Script,
    harness,
    ok_body,
    sample_event,
)
from _wire import streaming_server
from test_telemetry import Otel, otel  # noqa: F401 - the fixture
from xcover_offers import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncOffersClient,
    ConflictError,
    InternalServerError,
    OffersClient,
    PermissionDeniedError,
    RequestValidationError,
    ResponseTooLargeError,
    UnprocessableEntityError,
    XCoverError,
)
from xcover_offers._spec import response_schema
from xcover_offers._validation import build_body, schema_problem
from xcover_offers_api.api.create_offer.create_offer import OPERATION as CREATE_OFFER
from xcover_offers_api.models import ErrorResponse, ValidationErrorResponse

MiB = 1024 * 1024
KEPT = 64 * 1024  # what an exception keeps of an error body
EMAIL = "jo.bloggs@example.com"
POSTCODE = "SW1A 1AA"
PERSONAL_CUSTOMER = {
    "currency": "GBP",
    "country": "GB",
    "language": "en-gb",
    "email": EMAIL,
    "postcode": POSTCODE,
}
SIGNATURE = re.compile(r'signature="([^"]+)"')
REAL_KINDS = [("sync", "httpx"), ("async", "httpx"), ("async", "aiohttp")]
REAL_IDS = ["sync", "async-httpx", "async-aiohttp"]


def response_problem(payload: Any) -> str | None:
    """Why a Create Offer 200 body does not fit the spec, as the client checks it; None if it fits."""
    schema = response_schema(CREATE_OFFER, "200")
    assert schema is not None
    return schema_problem(payload, schema)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "mode" in metafunc.fixturenames:
        metafunc.parametrize("mode", MODES, ids=MODE_IDS)


# -- bodies, generated lazily so no test ever holds one whole ---------------------------------------


def zeros(total: int, piece: int = 64 * 1024) -> Iterator[bytes]:
    block = bytes(piece)
    for _ in range(total // piece):
        yield block


def compressed(total: int, encoding: str) -> Iterator[bytes]:
    """`total` zero bytes, gzip- or deflate-encoded piece by piece (a bomb: ~1,000 times smaller)."""
    wbits = {"gzip": 31, "deflate": 15}[encoding]
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    for block in zeros(total):
        out = compressor.compress(block)
        if out:
            yield out
    yield compressor.flush()


class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response stream for MockTransport (sync and async) that records how much was pulled from it
    and whether it was closed."""

    def __init__(self, make: Callable[[], Iterator[bytes]]) -> None:
        self._make = make
        self.pulled = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._make():
            self.pulled += len(chunk)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._make():
            self.pulled += len(chunk)
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


# -- max_response_bytes through MockTransport ------------------------------------------------------


@pytest.mark.parametrize("status", [200, 503], ids=["200", "503"])
@pytest.mark.parametrize("encoding", ["identity", "gzip", "deflate"])
def test_a_streamed_body_over_the_limit_is_refused_and_not_retried(
    mode: tuple[str, str], status: int, encoding: str
) -> None:
    total = 256 * MiB  # decoded; never produced whole: the read must stop long before
    body = Body(lambda: zeros(total) if encoding == "identity" else compressed(total, encoding))
    headers = {} if encoding == "identity" else {"Content-Encoding": encoding}
    script = Script(lambda: httpx.Response(status, headers=headers, stream=body))
    with harness(mode, script, max_response_bytes=MiB) as h, pytest.raises(ResponseTooLargeError) as info:
        h.create_offer()
    err = info.value
    assert isinstance(err, APIResponseValidationError)
    assert len(script.requests) == 1, "a body over the limit is never retried, whatever the status"
    assert h.delays == []
    assert err.limit == MiB
    assert MiB < err.size <= MiB + 5 * MiB, "stopped within one decoded piece of the limit"
    assert err.status_code == status
    assert len(err.response.content) <= KEPT
    assert body.closed, "the connection is closed, not drained"
    assert body.pulled <= 2 * MiB, f"read {body.pulled:,} raw bytes to refuse a {MiB:,} byte limit"
    assert "max_response_bytes" in str(err)


def test_a_declared_length_over_the_limit_is_refused_without_reading(mode: tuple[str, str]) -> None:
    body = Body(lambda: zeros(64 * MiB))
    script = Script(lambda: httpx.Response(200, headers={"Content-Length": str(64 * MiB)}, stream=body))
    with harness(mode, script, max_response_bytes=MiB) as h, pytest.raises(ResponseTooLargeError) as info:
        h.create_offer()
    assert body.pulled == 0
    assert body.closed
    assert (info.value.size, info.value.limit) == (64 * MiB, MiB)
    assert len(script.requests) == 1


def _padded_body() -> bytes:
    return json.dumps(ok_body(padding="x" * 20_000)).encode()


@pytest.mark.parametrize("how", ["declared", "streamed", "gzip"])
def test_the_limit_is_on_the_decoded_size_and_inclusive(mode: tuple[str, str], how: str) -> None:
    plain = _padded_body()
    content = gzip.compress(plain) if how == "gzip" else plain
    assert len(content) < len(plain) // 10 or how != "gzip"

    def respond() -> httpx.Response:
        if how == "declared":
            return httpx.Response(200, content=content, headers={"Content-Type": "application/json"})
        headers = {"Content-Encoding": "gzip"} if how == "gzip" else {}
        return httpx.Response(
            200, headers=headers, stream=Body(lambda: iter([content[:5000], content[5000:]]))
        )

    with harness(mode, Script(respond), max_response_bytes=len(plain)) as h:
        assert h.create_offer().to_dict()["padding"] == "x" * 20_000
    with harness(mode, Script(respond), max_response_bytes=len(plain) - 1) as h:
        with pytest.raises(ResponseTooLargeError) as info:
            h.create_offer()
        assert info.value.size >= len(plain)


def test_a_view_and_the_constructor_set_the_limit(mode: tuple[str, str]) -> None:
    plain = _padded_body()
    script = Script(lambda: httpx.Response(200, content=plain))
    with harness(mode, script) as h:
        assert h.client.max_response_bytes == MiB, "the default"
        small = h.client.with_options(max_response_bytes=1000)
        assert small.max_response_bytes == 1000
        h.create_offer()  # the client keeps its own limit
    with pytest.raises(ValueError, match="max_response_bytes"):
        OffersClient(api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, max_response_bytes=0)


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, gzip", "deflate, gzip", "compress"])
def test_encodings_a_bounded_read_cannot_decode_are_refused_unread(
    mode: tuple[str, str], encoding: str
) -> None:
    """Brotli inflates a few KiB to a GiB in one step and stacked layers multiply, so reading in
    pieces cannot bound them: the client asks for one layer of gzip or deflate, and refuses the rest
    before reading a byte (whether or not brotli or zstandard is installed)."""
    body = Body(lambda: iter([b"\x00" * 4096] * 16))
    script = Script(lambda: httpx.Response(200, headers={"Content-Encoding": encoding}, stream=body))
    with harness(mode, script) as h, pytest.raises(APIResponseValidationError, match="was not asked for"):
        h.create_offer()
    assert len(script.requests) == 1, "not retried"
    assert script.requests[0].headers["accept-encoding"] == "gzip, deflate"
    assert body.pulled == 0
    assert body.closed


def test_accept_encoding_cannot_be_widened_by_default_headers() -> None:
    with pytest.raises(ValueError, match="Accept-Encoding"):
        OffersClient(
            api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, headers={"Accept-Encoding": "br"}
        )


def test_a_body_that_does_not_decode_is_a_response_error_not_a_connection_error(
    mode: tuple[str, str],
) -> None:
    script = Script(lambda: httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=Body(
        lambda: iter([b"this is not gzip at all"]))))  # fmt: skip
    with harness(mode, script) as h, pytest.raises(APIResponseValidationError, match="does not decode"):
        h.create_offer()
    assert len(script.requests) == 1


# -- a real server streaming the body: tests/_wire.py --------------------------------------------


@contextmanager
def real_client(kind: str, backend: str, url: str, **options: Any) -> Iterator[Callable[[], Any]]:
    """A client of `kind` against `url`; yields a function making one create_offer call."""
    settings: dict[str, Any] = {
        "api_key": API_KEY,
        "api_secret": API_SECRET,
        "partner_code": PARTNER,
        "base_url": url,
    }
    settings.update(options)
    params: dict[str, Any] = {"customer": PERSONAL_CUSTOMER, "events": [sample_event()]}
    if kind == "sync":
        with OffersClient(**settings) as client:
            yield lambda: client.create_offer(**params)
        return
    with asyncio.Runner() as runner:
        aclient = AsyncOffersClient(backend=backend, **settings)  # type: ignore[arg-type]
        try:
            yield lambda: runner.run(aclient.create_offer(**params))
        finally:
            runner.run(aclient.close())


PLAIN = 100 * MiB
BOMB = 200 * MiB  # zeros; about 200 KB once gzipped
BODIES: dict[str, tuple[dict[str, str], Callable[[], Iterator[bytes]]]] = {
    "plain-100MB": ({"Content-Type": "application/json"}, lambda: zeros(PLAIN)),
    "gzip-bomb-200MB": (
        {"Content-Type": "application/json", "Content-Encoding": "gzip"},
        lambda: compressed(BOMB, "gzip"),
    ),
}


@pytest.mark.parametrize(("kind", "backend"), REAL_KINDS, ids=REAL_IDS)
@pytest.mark.parametrize("which", list(BODIES))
def test_a_real_server_s_huge_body_is_refused_once_and_the_connection_closed(
    kind: str, backend: str, which: str
) -> None:
    headers, body = BODIES[which]
    with streaming_server(503, headers, body) as served:
        with (
            real_client(kind, backend, served.url, max_response_bytes=MiB) as call,
            pytest.raises(ResponseTooLargeError) as info,
        ):
            call()
        assert served.requests == 1, "refused bodies are not retried, even on a 503"
        if which.startswith("plain"):
            assert served.hung_up.wait(10), "the client closed the connection instead of draining it"
            assert served.body_sent < PLAIN // 2
    assert info.value.limit == MiB
    assert info.value.status_code == 503


@pytest.mark.parametrize(("kind", "backend"), REAL_KINDS, ids=REAL_IDS)
@pytest.mark.parametrize("which", list(BODIES))
def test_memory_while_refusing_stays_near_the_limit(kind: str, backend: str, which: str) -> None:
    build_body(customer=PERSONAL_CUSTOMER, events=[sample_event()], partner=None, schema=None)  # compiled
    response_problem({})  # compiled, so neither compile counts towards the peak
    headers, body = BODIES[which]
    with (
        streaming_server(200, headers, body) as served,
        real_client(kind, backend, served.url, max_response_bytes=MiB, max_retries=0) as call,
    ):
        tracemalloc.start()
        try:
            baseline = tracemalloc.get_traced_memory()[0]
            with pytest.raises(ResponseTooLargeError):
                call()
            peak = tracemalloc.get_traced_memory()[1] - baseline
        finally:
            tracemalloc.stop()
    assert peak < MiB + 8 * MiB, f"peak {peak / MiB:.1f} MiB while refusing a body with a 1 MiB limit"


# -- error bodies kept on exceptions ----------------------------------------------------------------


def test_a_large_error_body_is_cut_on_the_exception_with_its_size(mode: tuple[str, str]) -> None:
    page = "<html>" + "gateway trouble " * 16_000 + "</html>"  # ~250 KiB
    script = Script(httpx.Response(502, text=page, headers={"Content-Type": "text/html"}))
    with harness(mode, script) as h, pytest.raises(InternalServerError) as info:
        h.create_offer()
    err = info.value
    assert len(script.requests) == 3, "still retried as a 502"
    assert err.body_size == len(page)
    assert len(err.response.content) == KEPT
    assert isinstance(err.body, str)
    assert len(err.body) <= KEPT
    assert len(str(err)) < 1000
    assert len(pickle.dumps(err)) < 3 * KEPT, "the cut body, as bytes and as text, and little else"


def test_a_large_json_error_body_is_not_kept_whole(mode: tuple[str, str]) -> None:
    # A 422 listing 6,000 fields is about 750 KiB: under max_response_bytes, far over what an
    # exception should carry (in a log record, a pickle sent to another process, a Sentry event).
    errors = {f"events[{i}].tickets[0].price": ["must be positive " * 5] for i in range(6_000)}
    body = {"type": "validation", "message": "The given data was invalid.", "errors": errors}
    script = Script(httpx.Response(422, json=body))
    with harness(mode, script) as h, pytest.raises(UnprocessableEntityError) as info:
        h.create_offer()
    err = info.value
    assert err.body_size > 10 * KEPT
    assert len(err.response.content) <= KEPT
    size = len(pickle.dumps(err))
    assert size < 4 * KEPT, f"the exception pickles to {size:,} bytes for a {err.body_size:,} byte body"


# -- exceptions hold no secret and no personal data --------------------------------------------------


def _capture_signatures(script: Script) -> Callable[[httpx.Request], httpx.Response]:
    signatures: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        match = SIGNATURE.search(request.headers["authorization"])
        assert match is not None
        signatures.append(match[1])
        return script(request)

    handler.signatures = signatures  # type: ignore[attr-defined]
    return handler


def product(**details: Any) -> dict[str, Any]:
    """A product with every field the spec requires; `details` entries replace or add to its details."""
    price = {"total_amount": 12.5, "total_amount_formatted": "$12.50"}
    return {"id": "p-1", "details": {"finance": {"price": price}, **details}}


def offer_body(*, products: list[dict[str, Any]] | None = None, **data: Any) -> dict[str, Any]:
    """A 200 body with every field the spec requires; keyword arguments replace or add to `data`."""
    return {
        "data": {
            "id": "OFR-1",
            "currency": "USD",
            "products": [product()] if products is None else products,
            **data,
        }
    }


BAD_PRICE = {"total_amount": "abc", "total_amount_formatted": "$12.50"}
BAD_200 = offer_body(products=[product(finance={"price": BAD_PRICE})])
Answer = Callable[[], httpx.Response | Exception]
EXCHANGES: dict[str, tuple[Answer, dict[str, Any], type[XCoverError]]] = {
    "403": (
        lambda: httpx.Response(403, json={"type": "auth", "message": "Signature string does not match!"}),
        {},
        PermissionDeniedError,
    ),
    "403-html": (lambda: httpx.Response(403, text="<h1>Forbidden</h1>"), {}, PermissionDeniedError),
    "422": (
        lambda: httpx.Response(
            422, json={"message": "invalid", "errors": {"customer.email": ["is not allowed"]}}
        ),
        {},
        UnprocessableEntityError,
    ),
    "409": (lambda: httpx.Response(409, json={"message": "conflict"}), {}, ConflictError),
    "socket-timeout": (lambda: httpx.ReadTimeout("read timed out"), {"max_retries": 0}, APITimeoutError),
    "budget-timeout": (
        lambda: httpx.Response(503, json={"message": "busy"}, headers={"Retry-After": "60"}),
        {"total_timeout": 10},
        APITimeoutError,
    ),
    "connection": (Drop, {"max_retries": 0}, APIConnectionError),
    "bad-200": (lambda: httpx.Response(200, json=BAD_200), {}, APIResponseValidationError),
    "too-large": (
        lambda: httpx.Response(200, content=b"{" + b" " * 5000 + b"}"),
        {"max_response_bytes": 1000},
        ResponseTooLargeError,
    ),
    "too-large-streamed": (
        lambda: httpx.Response(200, stream=Body(lambda: zeros(4 * MiB))),
        {"max_response_bytes": 1000},
        ResponseTooLargeError,
    ),
}


def _forbidden(signatures: list[str]) -> list[str]:
    return [API_SECRET, API_KEY, EMAIL, POSTCODE, *signatures]


def _surfaces(err: BaseException) -> dict[str, str]:
    """Every way an exception gets shown, stored or sent elsewhere."""
    return {
        "str": str(err),
        "repr": repr(err),
        "args": repr(err.args),
        "traceback": "".join(traceback.format_exception(err)),
    }


@pytest.mark.parametrize("exchange", list(EXCHANGES))
def test_exceptions_hold_no_secret_or_personal_data(mode: tuple[str, str], exchange: str) -> None:
    make, options, expected = EXCHANGES[exchange]
    handler = _capture_signatures(Script(make))
    with harness(mode, handler, **options) as h, pytest.raises(expected) as info:
        h.create_offer(customer=PERSONAL_CUSTOMER)
    err = info.value
    signatures: list[str] = handler.signatures  # type: ignore[attr-defined]
    assert signatures, "the request was signed and sent"
    blob = pickle.dumps(err)
    for secret in _forbidden(signatures):
        assert secret.encode() not in blob, f"pickled {type(err).__name__} holds {secret[:12]}..."
        for where, text in _surfaces(err).items():
            assert secret not in text, f"{where} of {type(err).__name__} holds {secret[:12]}..."
    again = pickle.loads(blob)
    assert type(again) is type(err)
    assert str(again) == str(err)
    if isinstance(err, APIStatusError):
        assert again.status_code == err.status_code
        assert again.body == err.body


def test_a_passed_in_clients_query_parameters_are_not_kept_on_the_exception() -> None:
    """A client passed in may add its own `params=` (a proxy's token): the request an exception
    keeps shows them as REDACTED, as the attempt span's url.full does."""
    token = "proxy-t0ken-s3cret"
    pool = httpx.Client(
        params={"proxy_token": token}, transport=httpx.MockTransport(lambda r: httpx.Response(503))
    )
    client = OffersClient(
        api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, http_client=pool, max_retries=0
    )
    with client, pool, pytest.raises(InternalServerError) as info:
        client.create_offer(customer=PERSONAL_CUSTOMER, events=[sample_event()], extra_fields=["tax"])
    err = info.value
    assert err.response.request.url.params["proxy_token"] == "REDACTED"
    assert err.response.request.url.params["extra_fields"] == "tax"  # Create Offer's own are kept
    assert token.encode() not in pickle.dumps(err)
    for text in _surfaces(err).values():
        assert token not in text


def test_a_lone_surrogate_is_a_validation_error_holding_no_personal_data(mode: tuple[str, str]) -> None:
    script = Script(httpx.Response(200, json=ok_body()))
    with harness(mode, script) as h, pytest.raises(RequestValidationError) as info:
        h.create_offer(customer=PERSONAL_CUSTOMER, events=[sample_event(name="Gig \ud800")])
    err = info.value
    assert err.path == "events[0].name"
    assert script.requests == []
    blob = pickle.dumps(err)
    for secret in _forbidden([]):
        assert secret.encode() not in blob
        for text in _surfaces(err).values():
            assert secret not in text
    assert str(pickle.loads(blob)) == str(err)


# -- 200 bodies checked against the spec --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (BAD_200, "data.products[0].details.finance.price.total_amount"),
        (offer_body(products=[product(start_date="not-a-date")]), "data.products[0].details.start_date"),
        (offer_body(id=5), "data.id"),
        (offer_body(currency=["USD"]), "data.currency"),
    ],
    ids=["total_amount-str", "start_date-not-a-date", "id-int", "currency-list"],
)
def test_a_200_that_breaks_the_spec_is_refused_naming_the_path(
    mode: tuple[str, str], body: dict[str, Any], path: str
) -> None:
    assert response_problem(offer_body()) is None, "the same body with the field right is valid"
    script = Script(httpx.Response(200, json=body, headers={"X-Request-Id": "req-7"}))
    with harness(mode, script) as h, pytest.raises(APIResponseValidationError) as info:
        h.create_offer()
    message = str(info.value)
    assert f"{path}: expected" in message, message
    assert "req-7" in message
    assert info.value.request_id == "req-7"
    assert info.value.status_code == 200
    assert len(script.requests) == 1


def test_the_issues_example_names_number_and_str(mode: tuple[str, str]) -> None:
    with (
        harness(mode, Script(httpx.Response(200, json=BAD_200))) as h,
        pytest.raises(APIResponseValidationError) as info,
    ):
        h.create_offer()
    assert re.search(
        r"data\.products\[0\]\.details\.finance\.price\.total_amount: expected (a )?number, got str",
        str(info.value),
    ), str(info.value)


def test_the_issues_verbatim_example_is_refused(mode: tuple[str, str]) -> None:
    # As filed; it also lacks fields the spec requires, so which problem is named first is left open.
    verbatim = {
        "data": {"id": "x", "products": [{"details": {"finance": {"price": {"total_amount": "abc"}}}}]}
    }
    with (
        harness(mode, Script(httpx.Response(200, json=verbatim))) as h,
        pytest.raises(APIResponseValidationError, match=r"data\.\S+: (expected|required)"),
    ):
        h.create_offer()


@pytest.mark.parametrize("body", [b"<html>ok</html>", b"", b'{"data": ', b"[]", b'{"meta": 1}'])
def test_a_200_that_is_not_an_offer_body_is_refused(mode: tuple[str, str], body: bytes) -> None:
    with (
        harness(mode, Script(httpx.Response(200, content=body))) as h,
        pytest.raises(APIResponseValidationError),
    ):
        h.create_offer()


def test_a_valid_200_is_typed_and_unknown_fields_survive(mode: tuple[str, str]) -> None:
    body = offer_body(
        id="OFR-9",
        brand_new={"nested": [1, 2]},
        products=[{**product(start_date="2027-06-01T19:30:00+00:00"), "later_field": "kept"}],
    )
    body["meta"] = {"version": 2}
    with harness(mode, Script(httpx.Response(200, json=body))) as h:
        result = h.create_offer_with_response()
    offer = result.offer
    assert offer.additional_properties["brand_new"] == {"nested": [1, 2]}
    assert offer.to_dict()["brand_new"] == {"nested": [1, 2]}
    assert offer.products[0].additional_properties["later_field"] == "kept"
    assert result.parsed.additional_properties["meta"] == {"version": 2}
    details = offer.products[0].details
    assert details.finance.price.total_amount == 12.5
    assert details.start_date.year == 2027


# -- error bodies parsed into the generated models --------------------------------------------------


def test_a_403_in_the_spec_shape_gives_the_model(mode: tuple[str, str]) -> None:
    body = {"type": "auth", "message": "Signature string does not match!"}
    with (
        harness(mode, Script(httpx.Response(403, json=body))) as h,
        pytest.raises(PermissionDeniedError) as info,
    ):
        h.create_offer()
    model = info.value.model
    assert isinstance(model, ErrorResponse)
    assert (model.type_, model.message) == ("auth", "Signature string does not match!")
    assert info.value.body == body


def test_a_422_in_the_spec_shape_gives_the_model(mode: tuple[str, str]) -> None:
    body = {"type": "validation", "message": "invalid", "errors": {"customer.country": ["unknown country"]}}
    with (
        harness(mode, Script(httpx.Response(422, json=body))) as h,
        pytest.raises(UnprocessableEntityError) as info,
    ):
        h.create_offer()
    model = info.value.model
    assert isinstance(model, ValidationErrorResponse)
    assert model.message == "invalid"
    assert model.to_dict()["errors"] == {"customer.country": ["unknown country"]}
    assert info.value.errors == {"customer.country": ["unknown country"]}


@pytest.mark.parametrize(
    ("status", "make", "kept"),
    [
        (
            403,
            lambda: httpx.Response(403, text="<html><h1>Access denied by proxy</h1></html>"),
            "<h1>Access denied by proxy</h1>",
        ),
        (403, lambda: httpx.Response(403, json={"message": 5, "type": ["x"]}), {"message": 5, "type": ["x"]}),
        (
            422,
            lambda: httpx.Response(422, json={"message": "bad", "errors": ["not", "a", "map"]}),
            {"message": "bad", "errors": ["not", "a", "map"]},
        ),
    ],
    ids=["403-html", "403-wrong-types", "422-errors-list"],
)
def test_an_error_body_that_does_not_fit_is_kept_raw(
    mode: tuple[str, str], status: int, make: Callable[[], httpx.Response], kept: Any
) -> None:
    with harness(mode, Script(make)) as h, pytest.raises(APIStatusError) as info:
        h.create_offer()
    assert info.value.status_code == status
    assert info.value.model is None
    if isinstance(kept, str):
        assert isinstance(info.value.body, str)
        assert kept in info.value.body
        assert "Access denied by proxy" in str(info.value)
    else:
        assert info.value.body == kept


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        (["0"], 0),
        ([" 42 "], 42),
        (["42", "42"], 42),
        (["9" * 18], 10**18 - 1),
        (["42", "43"], ValueError),
        (["-5"], ValueError),
        (["\u00b2"], ValueError),  # SUPERSCRIPT TWO: str.isdigit() says yes, int() says no
        (["1_000"], ValueError),
        (["9" * 19], ValueError),
        (["9" * 5000], ValueError),  # int() would raise its own digit-limit error
        ([""], ValueError),
    ],
)
def test_content_length_is_read_one_way_by_client_and_sandbox(values: list[str], expected: object) -> None:
    from xcover_offers._transfer import content_length

    if expected is ValueError:
        with pytest.raises(ValueError, match="Content-Length"):
            content_length(values)
    else:
        assert content_length(values) == expected


def test_an_absurd_content_length_is_counted_not_believed(mode: tuple[str, str]) -> None:
    """A Content-Length past int()'s digit limit (only a transport passed in can hand one over; h11
    refuses it on the wire) neither escapes as a bare ValueError nor stops the body being counted."""
    headers = {"Content-Length": "9" * 5000}
    script = Script(lambda: httpx.Response(200, headers=headers, stream=Body(lambda: zeros(64 * 1024))))
    with harness(mode, script, max_response_bytes=1000) as h, pytest.raises(ResponseTooLargeError):
        h.create_offer()


# -- issue 24, second pass: what the server says reaches people escaped ------------------------------
# (the wire-level items are in test_hostile_wire.py)

ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\x9b\u202egpj.exe\u2066\n"
"""A terminal title, a clear screen, a C1 CSI, a bidi override, an isolate and a forged log line."""
SHOWN = "\\x1b]0;PWNED\\x07\\x1b[2J\\x9b\\u202egpj.exe\\u2066\\x0a"


def test_printable_escapes_what_drives_a_terminal_and_keeps_the_rest() -> None:
    from xcover_offers._text import printable

    assert printable(ESCAPES) == SHOWN
    assert printable(SHOWN) == SHOWN, "idempotent"
    assert printable("Café ≠ cafe, 東京, \U0001f600, tab-free") == "Café ≠ cafe, 東京, \U0001f600, tab-free"
    assert printable("lone \udc80 surrogate") == "lone \\udc80 surrogate"
    assert printable("\u200e\u200f\u061c\u202a\u2069\x7f\x85\u2028") == (
        "\\u200e\\u200f\\u061c\\u202a\\u2069\\x7f\\x85\\u2028"
    )


def rid_header(text: str) -> list[tuple[bytes, bytes]]:
    """An X-Request-Id of any text, as UTF-8 bytes (MockTransport has no parser to refuse ESC)."""
    return [(b"X-Request-Id", text.encode())]


def _hostile_422() -> httpx.Response:
    body = {"message": f"bad {ESCAPES}", "errors": {f"customer.{ESCAPES}": [f"no {ESCAPES}"]}}
    return httpx.Response(422, json=body, headers=rid_header(f"req-{ESCAPES.strip()}"))


def test_server_text_in_an_error_message_is_escaped(mode: tuple[str, str]) -> None:
    """Was printed raw: str(err) held ESC ] 0 ; ... BEL, ESC [ 2 J and U+202E."""
    with harness(mode, Script(_hostile_422)) as h, pytest.raises(UnprocessableEntityError) as info:
        h.create_offer()
    err = info.value
    text = str(err)
    assert text.isascii(), "every control, C1 and bidi character shown as an escape"
    assert text.isprintable()
    assert f"bad {SHOWN}" in text
    assert err.request_id == "req-\\x1b]0;PWNED\\x07\\x1b[2J\\x9b\\u202egpj.exe\\u2066"
    assert err.message == f"bad {ESCAPES}", "the attribute keeps the server's value"
    assert str(pickle.loads(pickle.dumps(err))) == text


def test_server_text_in_a_refused_answer_is_escaped(mode: tuple[str, str]) -> None:
    # A key twice names the key: the server's text, in the message.
    content = b'{"data": {"id": "x", "currency": "USD", "products": []}, "\\u001b[2J": 1, "\\u001b[2J": 2}'
    with (
        harness(mode, Script(lambda: httpx.Response(200, content=content))) as h,
        pytest.raises(APIResponseValidationError) as info,
    ):
        h.create_offer()
    assert "\x1b" not in str(info.value)
    assert "\\x1b[2J" in str(info.value)


def test_the_debug_line_and_the_span_hold_server_text_escaped(
    mode: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
    otel: Otel,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from xcover_offers import _otel

    monkeypatch.setattr(_otel, "global_providers", lambda: (otel.tracer_provider, otel.meter_provider))
    body = offer_body(id=f"OFR-{ESCAPES}")
    script = Script(httpx.Response(200, json=body, headers=rid_header(f"req-{ESCAPES}")))
    with caplog.at_level(logging.DEBUG, logger="xcover_offers"), harness(mode, script) as h:
        h.create_offer()
    (line,) = [r.getMessage() for r in caplog.records if hasattr(r, "xcover_attempt")]
    assert f"(req-{SHOWN})" in line, "one line, however many newlines the server sends"
    attributes = dict(otel.call_span().attributes or {})
    assert attributes["xcover.request_id"] == f"req-{SHOWN}"
    assert attributes["xcover.offer_id"] == f"OFR-{SHOWN}"


def test_the_cli_prints_server_text_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    """The offer table, --json and the one-line error: each used to print ESC sequences raw."""
    import io

    from _harness import serve
    from xcover_offers._cli import main

    hostile = offer_body(
        id=f"OFR-{ESCAPES}",
        provider_reference=ESCAPES,
        products=[{**product(), "product_config_id": f"etp-{ESCAPES}"}],
    )
    refusal = httpx.Response(422, json={"message": f"bad {ESCAPES}"})  # http.server writes latin-1 headers
    answers = [httpx.Response(200, json=hostile), httpx.Response(200, json=hostile), refusal]
    request = json.dumps({"customer": PERSONAL_CUSTOMER, "context": {"events": [sample_event()]}})
    with serve(lambda r: answers.pop(0)) as url:
        environ = {"XCOVER_API_KEY": API_KEY, "XCOVER_API_SECRET": API_SECRET, "XCOVER_PARTNER_CODE": PARTNER,
                   "XCOVER_BASE_URL": url}  # fmt: skip
        outputs = []
        for flags in ([], ["--json"], []):
            out = io.StringIO()
            code = main(["create-offer", *flags], environ=environ, stdout=out, stdin=io.StringIO(request))
            outputs.append((code, out.getvalue()))
    (table_code, table), (json_code, as_json), (error_code, _) = outputs
    assert (table_code, json_code, error_code) == (0, 0, 1)
    assert f"Offer OFR-{SHOWN}" in table
    assert f"etp-{SHOWN}" in table
    assert json.loads(as_json)["id"] == f"OFR-{ESCAPES}", "--json: the same data, as JSON escapes"
    error = capsys.readouterr().err
    assert f"bad {SHOWN}" in error
    for text in (table, as_json, error):
        assert not any(c in text for c in "\x1b\x07\x9b\u202e\u2066"), repr(text)


# -- issue 24: timeouts are durations --------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"timeout": float("inf"), "total_timeout": None}, "timeout"),  # sync: OverflowError on the socket
        ({"timeout": 1e300, "total_timeout": None}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": 86_401}, "timeout"),
        ({"timeout": httpx.Timeout(5.0, read=float("inf"))}, "timeout read"),
        ({"timeout": httpx.Timeout(5.0, pool=1e300)}, "timeout pool"),
        ({"timeout": httpx.Timeout(5.0, connect=0)}, "timeout connect"),
        ({"total_timeout": 1e300}, "total_timeout"),
        ({"total_timeout": 10**400}, "total_timeout"),  # math.isfinite() would raise OverflowError
    ],
    ids=[
        "inf",
        "1e300",
        "nan",
        "over-a-day",
        "Timeout-read-inf",
        "Timeout-pool-1e300",
        "Timeout-connect-0",
        "total-1e300",
        "total-huge-int",
    ],
)
def test_a_duration_that_is_not_one_is_refused_naming_the_option(options: dict[str, Any], named: str) -> None:
    for cls in (OffersClient, AsyncOffersClient):
        with pytest.raises(ValueError, match=f"^{named} must be a positive number of seconds up to 86,400"):
            cls(api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, **options)
    client = OffersClient(api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER)
    with client, pytest.raises(ValueError, match=named):
        client.with_options(**options)
    script = Script(httpx.Response(200, json=ok_body()))
    with harness(MODES[0], script) as h, pytest.raises(RequestValidationError) as info:
        h.create_offer(**options)
    assert info.value.path == named.split()[0]
    assert script.requests == []


def test_a_day_and_none_are_durations(mode: tuple[str, str]) -> None:
    script = Script(httpx.Response(200, json=ok_body()))
    with harness(mode, script, timeout=86_400, total_timeout=None) as h:
        h.create_offer(timeout=httpx.Timeout(None, connect=5.0), total_timeout=86_400)
    assert len(script.requests) == 1


# -- issue 24: an answer must mean one thing, and be this request's --------------------------------


def test_a_key_twice_in_a_200_is_refused_not_last_one_wins(mode: tuple[str, str]) -> None:
    first = json.dumps(offer_body(id="OFR-FIRST"))[1:-1]
    content = ("{" + first + ", " + json.dumps(offer_body(id="OFR-SECOND"))[1:-1] + "}").encode()
    script = Script(lambda: httpx.Response(200, content=content, headers={"X-Request-Id": "r-9"}))
    with harness(mode, script) as h, pytest.raises(APIResponseValidationError) as info:
        h.create_offer()
    assert "the key 'data' twice" in str(info.value)
    assert info.value.request_id == "r-9"
    assert len(script.requests) == 1, "not retried"


def test_a_key_twice_deep_in_a_200_is_refused(mode: tuple[str, str]) -> None:
    content = b'{"data": {"id": "OFR-1", "currency": "USD", "currency": "EUR", "products": []}}'
    with (
        harness(mode, Script(lambda: httpx.Response(200, content=content))) as h,
        pytest.raises(APIResponseValidationError, match="'currency' twice"),
    ):
        h.create_offer()


def test_an_error_body_with_a_key_twice_is_kept_as_text(mode: tuple[str, str]) -> None:
    content = b'{"message": "first", "message": "second"}'
    with (
        harness(mode, Script(lambda: httpx.Response(400, content=content))) as h,
        pytest.raises(APIStatusError) as info,
    ):
        h.create_offer()
    assert info.value.body == content.decode()
    assert info.value.message is None


def test_a_replay_in_another_currency_is_not_this_request_s_answer(mode: tuple[str, str]) -> None:
    """A 409 replay is the stored answer to the first request under the key: an offer in EUR cannot
    answer a USD customer's request (a key reused across orders), so it is not a success."""
    script = Script(httpx.Response(409, json=offer_body(currency="EUR"), headers={"X-Request-Id": "r-5"}))
    with harness(mode, script) as h, pytest.raises(APIResponseValidationError) as info:
        h.create_offer(idempotency_key="order-1")
    message = str(info.value)
    assert "409 response is not a create_offer answer: a replay that cannot answer this request" in message
    assert "data.currency is 'EUR', the request asked for 'USD'" in message
    assert len(script.requests) == 1


def test_a_replay_in_the_request_s_currency_is_a_success(mode: tuple[str, str]) -> None:
    script = Script(httpx.Response(409, json=offer_body(currency="usd")))  # case aside, the same
    with harness(mode, script) as h:
        result = h.create_offer_with_response(idempotency_key="order-1")
    assert result.replayed
    assert result.offer.currency == "usd"


# -- issue 24: one class to catch to fail open ------------------------------------------------------


def test_api_error_is_what_xcover_failing_raises_and_input_errors_are_not() -> None:
    from xcover_offers import APIError, CircuitOpenError, SignatureError

    for cls in (APIConnectionError, APITimeoutError, CircuitOpenError, APIStatusError, InternalServerError,
                UnprocessableEntityError, APIResponseValidationError, ResponseTooLargeError):  # fmt: skip
        assert issubclass(cls, APIError), cls
    for cls in (RequestValidationError, SignatureError):
        assert not issubclass(cls, APIError), cls
    assert issubclass(APIError, XCoverError)


@pytest.mark.parametrize(
    "answer",
    [
        lambda: httpx.Response(503, json={"message": "down"}),
        lambda: httpx.Response(400, json={"message": "no"}),
        lambda: httpx.Response(200, json={"not": "an offer"}),
        Drop,
    ],
    ids=["503", "400", "bad-200", "no-response"],
)
def test_failing_open_catches_api_error_only(mode: tuple[str, str], answer: Callable[[], Any]) -> None:
    from xcover_offers import APIError

    with harness(mode, Script(answer), max_retries=0) as h:
        with pytest.raises(APIError):
            h.create_offer()
        with pytest.raises(RequestValidationError) as info:  # a bug in the caller: not caught
            h.create_offer(events=[sample_event(tickets=[{"id": "t", "price": "free"}])])
        assert not isinstance(info.value, APIError)


def test_a_body_in_1_byte_chunks_costs_its_size_in_memory(mode: tuple[str, str]) -> None:
    """Kept in one buffer, not a list of one bytes object per chunk (about 40 bytes a byte: 180 MB
    for a 1 MiB body trickled in 1-byte chunks)."""
    content = json.dumps(ok_body(padding="x" * 60_000)).encode()
    trickled = Body(lambda: (content[i : i + 1] for i in range(len(content))))
    script = Script(httpx.Response(200, json=ok_body()), lambda: httpx.Response(200, stream=trickled))
    with harness(mode, script) as h:
        h.create_offer()  # the schemas compiled first
        tracemalloc.start()
        try:
            result = h.create_offer_with_response()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert result.offer.additional_properties["padding"] == "x" * 60_000
    assert peak < 8 * len(content), f"peak {peak:,} bytes for a {len(content):,} byte body"
