"""OffersClient and AsyncOffersClient: the one-line way to ask XCover for offers.

A call flows one way: arguments → validation against the spec's request schema → the generated
`OfferRequest` and request builder → httpx, signed by `XCoverAuth` on every attempt → a bounded read
→ the response checked against the spec → the generated `OfferResponse` parser → an `Offer`, or a
typed exception. The policy lives in `_base.py`; the two classes here only do the I/O it asks for.
"""

from __future__ import annotations

import http.cookiejar
import sys
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, TypeVar, Unpack

import httpx
from xcover_offers_api.operation import Operation

from . import _conveniences as conveniences
from ._base import Outcome, _BaseOffersClient
from ._call import Call, CallResult, OfferResult
from ._deadline import deadline
from ._options import (
    ClientOptions,
    ConfirmOfferParams,
    CreateOfferParams,
    EnvOverrides,
    OfferRef,
    RequestOptions,
)
from ._transfer import BodyRefused, aiohttp_errors, aread_body, from_aiohttp, read_body

if TYPE_CHECKING:  # the models load with the first call that returns one
    from xcover_offers_api.models import Booking, Offer

T = TypeVar("T")


class Endpoint(Protocol[T]):
    """A generated endpoint module (`xcover_offers_api.api.<tag>.<operation>`): its `OPERATION`
    says how to send it and types its answer."""

    @property
    def OPERATION(self) -> Operation[T]: ...  # the generated module's constant


_CALL_DOC = """Call any operation of the spec, with everything the client does for `create_offer`.

        This is how an operation is used from the day it is generated until it gets a convenience
        method: `client.call(opt_out_offer, offer_id="...")` with
        `from xcover_offers_api.api.<tag> import opt_out_offer`.

        Args:
            endpoint: the generated endpoint module.
            arguments: the generated function's own arguments, less `client`: path parameters
                (`partner_code` is the client's unless given), query parameters, `body` (the
                generated model, or a mapping with the same keys). Plus the per-call options
                `idempotency_key`, `timeout`, `total_timeout`, `max_retries` and `headers`.

        Returns:
            `CallResult`: `.parsed` is the success model (None for a 204), with the status, headers,
            request id, attempts, the idempotency key and whether it was a 409 replay.

        An operation is retried under one idempotency key when its spec documents
        `x-idempotency-key`; a GET is retried without one; anything else is sent once. An operation
        that has a convenience method gets its checks here too (Create Offer's replay check).

        Raises:
            RequestValidationError: a body or path value the spec refuses, before anything is sent.
            TypeError: an argument the endpoint does not take, or a missing one.
            APIStatusError and the rest, as `create_offer` documents them.
        """

_CREATE_OFFER_DOC = """Ask XCover for protection offers for the events being bought; returns the `Offer`.

        Keyword arguments (see `CreateOfferParams`):
            customer: who is buying, `Customer` or a mapping; `currency`, `country` and `language`
                are required, e.g. `xcover_offers.customer(currency="USD", country="US", language="en-us")`
                or `{"currency": "USD", "country": "US", "language": "en-us", "email": "a@b.example"}`.
            events: a non-empty list of `Event` or mappings, one per event bought, each with its
                tickets, e.g. `[xcover_offers.event(id="ev-1", name="Concert", start_date=..., country="US",
                tickets=[xcover_offers.ticket(id="t-1", price="80.00")])]`. Amounts may be Decimal,
                int, float or a numeric string ("80.00").
            partner: optional `Partner` or mapping, e.g. `{"transaction_id": "ORDER-1", "metadata": {...}}`.
            schema: optional str, the offer schema to use, e.g. "event-ticket"; the partner's default
                when not given.
            extra_fields: optional list of `ExtraField` or str, or one comma-separated str, e.g.
                `[ExtraField.TAX, "commission"]`: extra finance fields to include per product.
            exclude_offer_ids: optional list of str (or a comma-separated str): the spec's "Offer
                Config IDs" to leave out of the offer. The sandbox matches them against each
                product's `product_config_id`, e.g. `["etp-basic"]`; check the ids with XCover.
            active_only: optional bool; with a test API key, True returns only active products.
            include_content: optional bool; False leaves the localised content out (smaller response).
            idempotency_key: optional str, 1-255 visible ASCII characters; one is generated per call
                otherwise, e.g. "order-1234-offer". Every retry of the call sends the same key. No
                personal data in it: it is recorded on spans.
            max_retries: optional int, retries after the first attempt for this call (the client's,
                default 2, when not given); 0 sends it once.
            headers: optional mapping of extra headers for this call, added to the client's.
            timeout: optional float seconds or `httpx.Timeout`, for each socket operation of this call.
            total_timeout: optional float seconds for the whole call, retries and waits included, or
                None for no limit; the client's (default 30 s) when not given.

        Raises:
            RequestValidationError: bad input, before anything is sent; `.path` names the field.
            APIStatusError: a subclass per status (PermissionDeniedError for a bad signature,
                ConflictError for a 409 that is not a replay ...).
            APIConnectionError: no response after the retries; APITimeoutError when the time ran
                out, CircuitOpenError when the circuit breaker is open.
            APIResponseValidationError: the server's body is not the documented shape, or larger than
                max_response_bytes (ResponseTooLargeError).
        """

_CONFIRM_DOC = """Confirm an offer after payment: XCover sells the chosen products; returns the `Booking`.

        Args:
            offer_id: the offer's id, or the `Offer` `create_offer` returned (then each quote is
                checked to be one of its products before anything is sent).
            quotes: the chosen products: quote ids (Create Offer's `products[].id`), the `Offer`'s
                `Product`s, `QuoteSelection`s or mappings with the documented fields
                (`{"id": ..., "insured": [...]}`).
            policyholder: `xcover_offers.policyholder(...)` or a mapping; first_name, last_name,
                email, phone and country are required.
            partner_transaction_id: optional str, your order reference.
            payment_details: optional mapping, e.g. `{"provider": "stripe"}`.
            idempotency_key: a UUID (the spec types it so). Derive it from your order, e.g.
                `str(uuid.uuid5(uuid.NAMESPACE_URL, f"confirm/{order_id}"))`, so that a retry from a
                job later, after this call has failed, gets the same booking; one is generated per
                call otherwise.
            total_timeout, max_retries: 60 s and 5 unless given, whatever the client's defaults:
                the customer has paid, so a short outage must not lose the sale, and every retry is
                under the same key, so XCover books once (a lost answer comes back as a 409 replay,
                `replayed=True` on `confirm_offer_with_response`).
            timeout, headers: as `create_offer`.

        Raises:
            RequestValidationError: bad input, before anything is sent; `.path` names the field.
            NotFoundError: no such offer. UnprocessableEntityError: XCover refused the request, or
                the key was used with another body in the last 48 hours.
            APIConnectionError, APITimeoutError, APIStatusError ...: as `create_offer`. When it still
                fails, keep the key and retry later from a job: the same key returns the booking.
        """

_OPT_OUT_DOC = """Tell XCover the customer was offered protection and declined it; returns None (204).

        XCover asks for it whenever an offer is not taken: partners report their conversion rate to
        regulators from it. Safe to repeat: it is retried under one idempotency key, a 409 replay is
        a success, and XCover's docs say nothing of a second opt-out for the same offer (the
        sandbox answers 204 again).

        Args:
            offer_id: the offer's id, or the `Offer` `create_offer` returned.
            idempotency_key, timeout, total_timeout, max_retries, headers: as `create_offer`.
        """

_GET_BOOKING_DOC = """Read a booking as XCover has it now (e.g. after a webhook); returns the `Booking`.

        Args:
            booking_id: the booking's id (`Booking.id`, an INS number such as "8WD8Y-LTEKE-INS").
            timeout, total_timeout, max_retries, headers: as `create_offer`; a GET is retried
                without an idempotency key.
        """

_CLIENT_ARGS_DOC = """
    Args:
        api_key: the XCover API key (sent as X-Api-Key and keyId).
        api_secret: the signing secret. Never logged, never shown in a repr or an error.
        partner_code: the partner code issued by Cover Genius, e.g. "LLODT".
        base_url: defaults to the spec's server, https://api.xcover.com/x.
        timeout: seconds for each socket operation (connect capped at 5 s) or an httpx.Timeout;
            default 10 s, connect 5 s.
        total_timeout: seconds one whole call may take, retries and their waits included; default
            30 s; None for no limit.
        max_retries: retries after the first attempt, for connection errors, timeouts, 408, 423,
            429, 500, 502, 503 and 504; default 2; 0 disables them.
        max_response_bytes: largest decoded response body read (default 1 MiB, over 100 times a
            5-product offer); a larger one raises ResponseTooLargeError and is not retried.
        headers: default headers added to every request (not Date, Authorization, X-Api-Key,
            X-Idempotency-Key or the body's headers, which the client sets).
        circuit_breaker: a `CircuitBreaker`, shareable between clients; off when not given.
        http_client: an httpx client or transport to send through (redirects stay off: a
            redirected request would not be re-signed). A client passed in is not closed by us.
            A sync client's own pool keeps total_timeout inside every socket read; through a sync
            client or transport passed in it is checked between reads and attempts only, so a
            server that drips its headers within each read timeout can hold such a call longer.
        algorithm, signed_headers: what the signature uses (hmac-sha512 over (request-target) and
            date by default).
        log_bodies: add request bodies, personal data masked, to DEBUG lines (default from
            XCOVER_LOG_BODIES).
"""


class OffersClient(_BaseOffersClient):
    """Synchronous client. Thread-safe: share one per process and close it (or use `with`)."""

    _http: httpx.Client

    def __init__(
        self,
        *,
        http_client: httpx.Client | httpx.BaseTransport | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._configure(options)
        if isinstance(http_client, httpx.AsyncClient) or (
            isinstance(http_client, httpx.AsyncBaseTransport)
            and not isinstance(http_client, httpx.BaseTransport)
        ):
            raise TypeError("OffersClient needs a sync httpx.Client or transport; use AsyncOffersClient")
        self._http, self._owns_http = _pool(httpx.Client, http_client, self.timeout)
        self._sleep: Callable[[float], None] = time.sleep

    __init__.__doc__ = _CLIENT_ARGS_DOC

    @classmethod
    def from_env(cls, *, environ: Mapping[str, str] | None = None, **overrides: Unpack[EnvOverrides]) -> Self:
        """Configure from XCOVER_API_KEY, XCOVER_API_SECRET, XCOVER_PARTNER_CODE, XCOVER_BASE_URL.

        The vendor client's names (XC_AUTH_API_KEY, XC_AUTH_API_SECRET, XC_PARTNER_CODE,
        XC_BASE_URL) are read when ours are unset. Keyword arguments override both.
        """
        return cls(**cls._env_options(environ, overrides))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool, if this client created it (a `with_options` view never does)."""
        if self._owns_http:
            self._http.close()

    def create_offer(self, **params: Unpack[CreateOfferParams]) -> Offer:
        return self.create_offer_with_response(**params).offer

    create_offer.__doc__ = _CREATE_OFFER_DOC

    def create_offer_with_response(self, **params: Unpack[CreateOfferParams]) -> OfferResult:
        """`create_offer`, returning the offer with the full response (status, headers, request id,
        attempts, whether it was a 409 replay)."""
        result = self._drive(self._prepare(*conveniences.create_offer(params)))
        assert isinstance(result, OfferResult)
        return result

    def confirm_offer(self, offer_id: OfferRef, /, **params: Unpack[ConfirmOfferParams]) -> Booking:
        return self.confirm_offer_with_response(offer_id, **params).parsed

    confirm_offer.__doc__ = _CONFIRM_DOC

    def confirm_offer_with_response(
        self, offer_id: OfferRef, /, **params: Unpack[ConfirmOfferParams]
    ) -> CallResult[Booking]:
        """`confirm_offer`, returning the booking with the full response (status, headers, request
        id, attempts, whether it was a 409 replay)."""
        return self._drive(self._prepare(*conveniences.confirm_offer(offer_id, params)))

    def opt_out(self, offer_id: OfferRef, /, **options: Unpack[RequestOptions]) -> None:
        self.opt_out_with_response(offer_id, **options)

    opt_out.__doc__ = _OPT_OUT_DOC

    def opt_out_with_response(
        self, offer_id: OfferRef, /, **options: Unpack[RequestOptions]
    ) -> CallResult[None]:
        """`opt_out`, returning the full response."""
        return self._drive(self._prepare(*conveniences.opt_out(offer_id, options)))

    def get_booking(self, booking_id: str, /, **options: Unpack[RequestOptions]) -> Booking:
        return self.get_booking_with_response(booking_id, **options).parsed

    get_booking.__doc__ = _GET_BOOKING_DOC

    def get_booking_with_response(
        self, booking_id: str, /, **options: Unpack[RequestOptions]
    ) -> CallResult[Booking]:
        """`get_booking`, returning the booking with the full response."""
        return self._drive(self._prepare(*conveniences.get_booking(booking_id, options)))

    def call(self, endpoint: Endpoint[T], /, **arguments: Any) -> CallResult[T]:
        return self._drive(self._prepare(*conveniences.any_operation(endpoint.OPERATION, arguments)))

    call.__doc__ = _CALL_DOC

    def _drive(self, call: Call) -> CallResult[Any]:
        flow = self._run(call)
        step = next(flow)
        while True:
            outcome: Outcome = None
            try:
                if isinstance(step, httpx.Request):
                    outcome = self._exchange(step, call)
                else:
                    self._sleep(step)
            except BaseException as exc:  # an interrupt, or a transport's own bug: the policy
                flow.throw(exc)  # records the call's end (trace, breaker), then re-raises it
                raise
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                result: CallResult[Any] = done.value
                return result

    def _exchange(self, request: httpx.Request, call: Call) -> Outcome:
        try:
            # Every socket operation of our own pool waits at most until the call's deadline, what a
            # cancel scope does for async code (a pool passed in keeps its own timeouts only).
            with deadline(call.remaining(self._timer)):
                response = self._http.send(request, auth=self.auth, follow_redirects=False, stream=True)
                return read_body(
                    response, limit=self.max_response_bytes, deadline=call.deadline, timer=self._timer
                )
        except (httpx.HTTPError, BodyRefused) as exc:
            return exc


class AsyncOffersClient(_BaseOffersClient):
    """Asynchronous client, the same API as `OffersClient` with `await` and `async with`.

    Task-safe: share one per event loop. `backend="aiohttp"` sends through the `httpx-aiohttp`
    transport (install `xcover-offers[aiohttp]`), which keeps its throughput at high concurrency
    where httpx's own async pool does not (see BENCHMARKS.md).
    """

    _http: httpx.AsyncClient

    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient | httpx.AsyncBaseTransport | None = None,
        backend: Literal["httpx", "aiohttp"] = "httpx",
        **options: Unpack[ClientOptions],
    ) -> None:
        self._configure(options)
        if isinstance(http_client, httpx.Client) or (
            isinstance(http_client, httpx.BaseTransport)
            and not isinstance(http_client, httpx.AsyncBaseTransport)
        ):
            raise TypeError(
                "AsyncOffersClient needs an httpx.AsyncClient or async transport; use OffersClient"
            )
        if backend not in ("httpx", "aiohttp"):
            raise ValueError(f"backend must be 'httpx' or 'aiohttp', got {backend!r}")
        if backend == "aiohttp":
            if http_client is not None:
                raise ValueError("pass either http_client or backend='aiohttp', not both")
            http_client = _aiohttp_transport()
        self._http, self._owns_http = _pool(httpx.AsyncClient, http_client, self.timeout)
        import anyio  # only the async client needs it; sync users do not pay for the import

        self._sleep: Callable[[float], Any] = anyio.sleep
        self._fail_after = anyio.fail_after
        # aiohttp's own errors, which httpx-aiohttp lets through for a malformed response: caught
        # whenever aiohttp is loaded (a transport passed in may use it too; nothing else raises them).
        self._backend_errors: tuple[type[Exception], ...] = (
            aiohttp_errors() if "aiohttp" in sys.modules else ()
        )

    __init__.__doc__ = (
        _CLIENT_ARGS_DOC
        + """        backend: "httpx" (default) or "aiohttp".
"""
    )

    @classmethod
    def from_env(cls, *, environ: Mapping[str, str] | None = None, **overrides: Unpack[EnvOverrides]) -> Self:
        """Configure from the environment, as `OffersClient.from_env`."""
        return cls(**cls._env_options(environ, overrides))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool, if this client created it (a `with_options` view never does)."""
        if self._owns_http:
            await self._http.aclose()

    async def create_offer(self, **params: Unpack[CreateOfferParams]) -> Offer:
        result = await self.create_offer_with_response(**params)
        return result.offer

    create_offer.__doc__ = _CREATE_OFFER_DOC

    async def create_offer_with_response(self, **params: Unpack[CreateOfferParams]) -> OfferResult:
        """`create_offer`, returning the offer with the full response."""
        result = await self._drive(self._prepare(*conveniences.create_offer(params)))
        assert isinstance(result, OfferResult)
        return result

    async def confirm_offer(self, offer_id: OfferRef, /, **params: Unpack[ConfirmOfferParams]) -> Booking:
        return (await self.confirm_offer_with_response(offer_id, **params)).parsed

    confirm_offer.__doc__ = _CONFIRM_DOC

    async def confirm_offer_with_response(
        self, offer_id: OfferRef, /, **params: Unpack[ConfirmOfferParams]
    ) -> CallResult[Booking]:
        """`confirm_offer`, returning the booking with the full response (status, headers, request
        id, attempts, whether it was a 409 replay)."""
        return await self._drive(self._prepare(*conveniences.confirm_offer(offer_id, params)))

    async def opt_out(self, offer_id: OfferRef, /, **options: Unpack[RequestOptions]) -> None:
        await self.opt_out_with_response(offer_id, **options)

    opt_out.__doc__ = _OPT_OUT_DOC

    async def opt_out_with_response(
        self, offer_id: OfferRef, /, **options: Unpack[RequestOptions]
    ) -> CallResult[None]:
        """`opt_out`, returning the full response."""
        return await self._drive(self._prepare(*conveniences.opt_out(offer_id, options)))

    async def get_booking(self, booking_id: str, /, **options: Unpack[RequestOptions]) -> Booking:
        return (await self.get_booking_with_response(booking_id, **options)).parsed

    get_booking.__doc__ = _GET_BOOKING_DOC

    async def get_booking_with_response(
        self, booking_id: str, /, **options: Unpack[RequestOptions]
    ) -> CallResult[Booking]:
        """`get_booking`, returning the booking with the full response."""
        return await self._drive(self._prepare(*conveniences.get_booking(booking_id, options)))

    async def call(self, endpoint: Endpoint[T], /, **arguments: Any) -> CallResult[T]:
        return await self._drive(self._prepare(*conveniences.any_operation(endpoint.OPERATION, arguments)))

    call.__doc__ = _CALL_DOC

    async def _drive(self, call: Call) -> CallResult[Any]:
        flow = self._run(call)
        step = next(flow)
        while True:
            outcome: Outcome = None
            try:
                if isinstance(step, httpx.Request):
                    outcome = await self._exchange(step, call)
                else:
                    await self._sleep(step)
            except BaseException as exc:  # cancelled, or a transport's own bug: the policy records
                flow.throw(exc)  # the call's end (trace, breaker), then re-raises it
                raise
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                result: CallResult[Any] = done.value
                return result

    async def _exchange(self, request: httpx.Request, call: Call) -> Outcome:
        remaining = call.remaining(self._timer)
        # The whole attempt under one deadline: what the wrapped network backend does for sync
        # code, a cancel scope does here, for both backends, even inside one slow read.
        scope = self._fail_after(max(remaining, 0.0)) if remaining is not None else nullcontext()
        try:
            with scope:
                response = await self._http.send(request, auth=self.auth, follow_redirects=False, stream=True)
                return await aread_body(
                    response, limit=self.max_response_bytes, deadline=call.deadline, timer=self._timer
                )
        except (httpx.HTTPError, BodyRefused) as exc:
            return exc
        except self._backend_errors as exc:  # typed, retried and counted like h11's protocol errors
            return from_aiohttp(exc, request)
        except TimeoutError:
            return httpx.ReadTimeout("the call's total_timeout ran out", request=request)


_Pool = TypeVar("_Pool", httpx.Client, httpx.AsyncClient)


class _NoCookies(http.cookiejar.CookieJar):
    """The cookie jar of the pools the client creates: it keeps none. XCover's API is signed per
    request and sets no cookie; one set on the way (a load balancer's) is not ours to send back,
    and keeping it would cost every response the jar's parsing of its headers."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


def _pool(cls: type[_Pool], given: Any, timeout: httpx.Timeout) -> tuple[_Pool, bool]:
    """The client to send through and whether it is ours to close: the caller's own client as it
    is, else one of ours over the transport given, redirects off, no cookies kept. With nothing
    given, a sync client's pool is `DeadlineTransport`, whose every socket operation waits at most
    until the call's deadline; an async client's is httpx's own (a cancel scope bounds it)."""
    if isinstance(given, cls):
        return given, False
    if given is None and cls is httpx.Client:
        from ._deadline_transport import DeadlineTransport  # httpcore: with the first sync client

        given = DeadlineTransport()
    client = cls(transport=given, timeout=timeout, follow_redirects=False, cookies=_NoCookies())
    return client, True


def _aiohttp_transport() -> httpx.AsyncBaseTransport:
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        raise ImportError(
            "backend='aiohttp' needs the aiohttp extra: pip install 'xcover-offers[aiohttp]'"
        ) from None
    transport: httpx.AsyncBaseTransport = AiohttpTransport()
    return transport
