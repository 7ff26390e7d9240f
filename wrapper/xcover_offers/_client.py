"""OffersClient and AsyncOffersClient: the one-line way to ask XCover for offers.

A call flows one way: arguments → validation against the spec's request schema → the generated
`OfferRequest` and request builder → httpx, signed by `XCoverAuth` on every attempt → the generated
`OfferResponse` parser → an `Offer`, or a typed exception. Everything that is not I/O lives in
`_BaseOffersClient`, so the sync and async clients cannot drift apart.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import random
import time
import uuid
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any, Literal, Self

import httpx
from xcover_offers_api.api.create_offer import create_offer as _create_offer_endpoint
from xcover_offers_api.models import Customer, Event, Offer, OfferRequest, OfferResponse, Partner

from ._auth import XCoverAuth
from ._constants import (
    CLOCK_SKEW_THRESHOLD,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ENV_NAMES,
    IDEMPOTENCY_HEADER,
    REQUEST_ID_HEADERS,
    env_value,
)
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    RequestValidationError,
    XCoverError,
    status_error_class,
)
from ._logging import bodies_enabled_by_env, logger, mask_body
from ._params import ExtraField, encode_exclude_offer_ids, encode_extra_fields, encode_flag
from ._retry import retry_delay, should_retry_exception, should_retry_status
from ._validation import build_body
from ._version import SPEC_VERSION, __version__

Timeout = float | httpx.Timeout
CustomerInput = Customer | Mapping[str, Any]
EventInput = Event | Mapping[str, Any]
PartnerInput = Partner | Mapping[str, Any]

USER_AGENT = (
    f"xcover-offers-python/{__version__} (spec {SPEC_VERSION}; "
    f"python {'.'.join(platform.python_version_tuple()[:2])}; httpx {httpx.__version__})"
)


@dataclass(frozen=True, slots=True)
class OfferResult:
    """An offer with the full HTTP response it came from (`create_offer_with_response`).

    Attributes:
        offer: the `Offer`, the `data` envelope unwrapped.
        parsed: the whole parsed body (`OfferResponse`), including fields outside `data`.
        http_response: the final httpx response.
        request_id: the server's request id, if it sent one.
        attempts: how many attempts the call took (1 when no retry was needed).
        idempotency_key: the X-Idempotency-Key every attempt carried.
    """

    offer: Offer
    parsed: OfferResponse
    http_response: httpx.Response = field(repr=False)
    request_id: str | None
    attempts: int
    idempotency_key: str

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def content(self) -> bytes:
        return self.http_response.content

    def json(self) -> Any:
        return self.http_response.json()


@dataclass(slots=True)
class _Call:
    """One create_offer call, prepared once; every attempt is built and signed from it afresh.

    `target` is `url` parsed, with the query already merged in when `params` is None.
    """

    method: str
    url: str
    target: httpx.URL
    params: dict[str, Any] | None
    content: bytes
    headers: dict[str, str]
    timeout: httpx.Timeout
    idempotency_key: str
    body: Any
    path: str


@lru_cache(maxsize=64)
def _parse_url(url: str) -> httpx.URL:
    # The same few URLs every call; parsing one costs more than signing the request.
    return httpx.URL(url)


def _timeout(value: Timeout) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"timeout must be a positive number of seconds or an httpx.Timeout, got {value!r}")
    return httpx.Timeout(float(value), connect=min(float(value), DEFAULT_TIMEOUT.connect or float(value)))


def _request_id(headers: httpx.Headers) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return None


def _error_body(response: httpx.Response) -> Any:
    """JSON when the body is JSON, else its text (an HTML page from a proxy), never an exception."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError, RecursionError):
        return response.text


def _unbind_stream(response: httpx.Response) -> None:
    """Let a response that has been read be freed by reference counting, not the cyclic collector.

    httpx binds a response and its stream to each other, a reference cycle, so otherwise every
    response waits for the garbage collector, and under load many are promoted to the oldest
    generation, which is collected rarely: memory climbed for ~15,000 calls before each full
    collection (BENCHMARKS.md, memory). The body is read and the stream closed by now; an
    in-memory stream of the same bytes takes its place.
    """
    if not response.is_closed:
        return
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return
    response.stream = httpx.ByteStream(content)


def _server_time(response: httpx.Response) -> float | None:
    value = response.headers.get("date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


class _BaseOffersClient:
    """Configuration, request preparation and response decisions shared by both clients."""

    _http: httpx.Client | httpx.AsyncClient

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        partner_code: str,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        algorithm: str = "hmac-sha512",
        signed_headers: Sequence[str] = ("(request-target)", "date"),
        log_bodies: bool | None = None,
    ) -> None:
        for name, value in (("api_key", api_key), ("api_secret", api_secret), ("partner_code", partner_code)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string")
        if partner_code.strip() in {".", ".."}:
            # Percent-encoding leaves dots alone, and a dot segment would send the request elsewhere.
            raise ValueError("partner_code cannot be '.' or '..'")
        base = (base_url or DEFAULT_BASE_URL).rstrip("/")
        parsed = httpx.URL(base)
        if parsed.scheme not in {"http", "https"} or not parsed.host:
            raise ValueError(f"base_url must be an absolute http(s) URL, got {base!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        self.partner_code = partner_code
        self.base_url = base
        self.timeout = _timeout(timeout)
        self.max_retries = max_retries
        self.log_bodies = bodies_enabled_by_env() if log_bodies is None else log_bodies
        # Seams for tests: the wall clock (signing reads it too), the retry sleep and the jitter source.
        self._clock: Callable[[], float] = time.time
        self._rand: Callable[[], float] = random.random
        self.auth = XCoverAuth(
            api_key,
            api_secret,
            algorithm=algorithm,
            signed_headers=signed_headers,
            clock=lambda: self._clock(),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(partner_code={self.partner_code!r}, base_url={self.base_url!r})"

    @classmethod
    def _env_kwargs(cls, environ: Mapping[str, str] | None, overrides: dict[str, Any]) -> dict[str, Any]:
        environ = os.environ if environ is None else environ
        found: dict[str, Any] = {}
        missing: list[str] = []
        for arg, names in zip(("api_key", "api_secret", "partner_code", "base_url"), ENV_NAMES, strict=True):
            if arg in overrides:
                continue
            value = env_value(names, environ)
            if value is not None:
                found[arg] = value
            elif arg != "base_url":
                missing.append(f"{names[0]} (or {names[1]})")
        if missing:
            raise XCoverError(f"missing environment variables: {', '.join(missing)}")
        return {**found, **overrides}

    # -- preparing a call --------------------------------------------------------------------------

    def _prepare(
        self,
        *,
        customer: CustomerInput,
        events: Sequence[EventInput],
        partner: PartnerInput | None,
        schema: str | None,
        extra_fields: Iterable[ExtraField | str] | str | None,
        exclude_offer_ids: Iterable[str] | str | None,
        active_only: bool | None,
        include_content: bool | None,
        idempotency_key: str | None,
        timeout: Timeout | None,
    ) -> _Call:
        body = build_body(customer=customer, events=events, partner=partner, schema=schema)
        kwargs = _create_offer_endpoint._get_kwargs(
            self.partner_code,
            body=OfferRequest.from_dict(body),
            active_only=encode_flag(active_only, "active_only"),
            include_content=encode_flag(include_content, "include_content"),
            extra_fields=encode_extra_fields(extra_fields),
            exclude_offer_ids=encode_exclude_offer_ids(exclude_offer_ids),
        )
        if idempotency_key is None:
            idempotency_key = str(uuid.uuid4())
        elif (
            not isinstance(idempotency_key, str)
            or not 0 < len(idempotency_key) <= 255
            or not all("!" <= c <= "~" for c in idempotency_key)
        ):
            raise RequestValidationError(
                "idempotency_key", "must be 1 to 255 visible ASCII characters (it is sent as a header)"
            )
        headers = {str(k): str(v) for k, v in kwargs.get("headers", {}).items()}
        headers.update(
            {"Accept": "application/json", "User-Agent": USER_AGENT, IDEMPOTENCY_HEADER: idempotency_key}
        )
        url = self.base_url + kwargs["url"]
        target = _parse_url(url)
        params: dict[str, Any] | None = kwargs.get("params") or None
        if params is not None and not self._http.params:
            # What httpx would do on every attempt, done once. With client-wide params (a client
            # passed in) httpx keeps its own merge order, so the query is left to it.
            target, params = target.copy_merge_params(params), None
        # Serialised once; every attempt sends the same bytes.
        content = json.dumps(
            kwargs["json"], ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode()
        return _Call(
            method=str(kwargs["method"]).upper(),
            url=url,
            target=target,
            params=params,
            content=content,
            headers=headers,
            timeout=self.timeout if timeout is None else _timeout(timeout),
            idempotency_key=idempotency_key,
            body=kwargs["json"],
            path=target.raw_path.decode("ascii").partition("?")[0],
        )

    # -- deciding what a response means -----------------------------------------------------------

    def _log_attempt(
        self, call: _Call, attempt: int, outcome: httpx.Response | httpx.HTTPError, started: float
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        if isinstance(outcome, httpx.Response):
            result = f"{outcome.status_code} ({_request_id(outcome.headers)})"
        else:
            result = type(outcome).__name__
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d/%d, idempotency key %s)%s",
            call.method,
            call.path,
            result,
            elapsed_ms,
            attempt,
            self.max_retries + 1,
            call.idempotency_key,
            f" body={json.dumps(mask_body(call.body), ensure_ascii=False)}" if self.log_bodies else "",
        )

    def _skew_correction(self, response: httpx.Response) -> float | None:
        """On a 403, the new clock offset if the server's Date shows our clock is off; else None."""
        if response.status_code != 403:
            return None
        server = _server_time(response)
        if server is None:
            return None
        local = self._clock()
        if abs(server - (local + self.auth.clock_offset)) <= CLOCK_SKEW_THRESHOLD:
            return None
        return server - local

    def _apply_skew(self, offset: float) -> None:
        logger.warning(
            "XCover answered 403 and its clock differs from ours by %.0f s; signing with that offset "
            "from now on and retrying once",
            offset,
        )
        self.auth.clock_offset = offset

    def _result(self, call: _Call, response: httpx.Response, attempts: int) -> OfferResult:
        request_id = _request_id(response.headers)
        try:
            payload = response.json()
            parsed = OfferResponse.from_dict(payload)
        except (ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise APIResponseValidationError(
                f"{response.status_code} response is not a Create Offer body ({type(exc).__name__}: {exc})",
                response=response,
                request_id=request_id,
            ) from None
        if not isinstance(parsed.data, Offer) or not isinstance(payload.get("data"), dict):
            raise APIResponseValidationError(
                f"{response.status_code} response has no 'data' object",
                response=response,
                request_id=request_id,
            )
        return OfferResult(
            offer=parsed.data,
            parsed=parsed,
            http_response=response,
            request_id=request_id,
            attempts=attempts,
            idempotency_key=call.idempotency_key,
        )

    def _status_error(self, response: httpx.Response) -> XCoverError:
        cls = status_error_class(response.status_code)
        return cls(response=response, body=_error_body(response), request_id=_request_id(response.headers))

    def _connection_error(self, exc: httpx.HTTPError, request: httpx.Request) -> XCoverError:
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"XCover did not answer in time ({type(exc).__name__})", request=request)
        return APIConnectionError(f"could not reach XCover: {type(exc).__name__}: {exc}", request=request)

    # -- the retry loop, written once for both clients ---------------------------------------------

    def _attempts(
        self, call: _Call
    ) -> Generator[httpx.Request | float, httpx.Response | httpx.HTTPError | None, OfferResult]:
        """The whole retry policy as a generator, so sync and async clients share one copy.

        It yields a request to send (and receives the response or the httpx error) or a delay to
        sleep (and receives None), and returns the result or raises the typed error. Each attempt
        is a new request, so XCoverAuth signs it afresh with a fresh Date; the idempotency key in
        `call.headers` is the same for all of them.
        """
        retries_done = 0
        skew_retried = False
        attempt = 0
        while True:
            attempt += 1
            request = self._http.build_request(
                call.method, call.target, params=call.params, content=call.content, headers=call.headers,
                timeout=call.timeout,
            )  # fmt: skip
            started = time.perf_counter()
            outcome = yield request
            if not isinstance(outcome, httpx.Response):
                assert isinstance(outcome, httpx.HTTPError)
                self._log_attempt(call, attempt, outcome, started)
                if should_retry_exception(outcome) and retries_done < self.max_retries:
                    yield retry_delay(retries_done, None, now=self._clock(), rand=self._rand)
                    retries_done += 1
                    continue
                raise self._connection_error(outcome, request) from outcome
            response = outcome
            _unbind_stream(response)
            self._log_attempt(call, attempt, response, started)
            if response.is_success:
                return self._result(call, response, attempt)
            offset = None if skew_retried else self._skew_correction(response)
            if offset is not None:
                self._apply_skew(offset)
                skew_retried = True
                continue
            if should_retry_status(response.status_code) and retries_done < self.max_retries:
                retry_after = response.headers.get("retry-after")
                # A Retry-After date is on the server's clock: measure it against the response's
                # Date, else our clock corrected by any skew learned so far.
                now = _server_time(response) or self._clock() + self.auth.clock_offset
                yield retry_delay(retries_done, retry_after, now=now, rand=self._rand)
                retries_done += 1
                continue
            raise self._status_error(response)


class OffersClient(_BaseOffersClient):
    """Synchronous client. Thread-safe: share one per process and close it (or use `with`).

    Args:
        api_key: the XCover API key (sent as X-Api-Key and keyId; not secret).
        api_secret: the signing secret. Never logged, never shown in a repr or an error.
        partner_code: the partner code issued by Cover Genius, e.g. "LLODT".
        base_url: defaults to the spec's server, https://api.xcover.com/x.
        timeout: seconds (connect capped at 5 s) or an httpx.Timeout; default 10 s, connect 5 s.
        max_retries: retries after the first attempt, for connection errors, timeouts, 408, 429,
            500, 502, 503 and 504; 0 disables them.
        http_client: an httpx.Client or transport to send through (redirects stay off: a
            redirected request would not be re-signed). A client passed in is not closed by us.
        log_bodies: add request bodies, personal data masked, to DEBUG lines (default from
            XCOVER_LOG_BODIES).
    """

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        partner_code: str,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | httpx.BaseTransport | None = None,
        algorithm: str = "hmac-sha512",
        signed_headers: Sequence[str] = ("(request-target)", "date"),
        log_bodies: bool | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            api_secret=api_secret,
            partner_code=partner_code,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            algorithm=algorithm,
            signed_headers=signed_headers,
            log_bodies=log_bodies,
        )
        if isinstance(http_client, httpx.AsyncClient) or (
            isinstance(http_client, httpx.AsyncBaseTransport)
            and not isinstance(http_client, httpx.BaseTransport)
        ):
            raise TypeError("OffersClient needs a sync httpx.Client or transport; use AsyncOffersClient")
        self._owns_http = not isinstance(http_client, httpx.Client)
        self._http: httpx.Client
        if isinstance(http_client, httpx.Client):
            self._http = http_client
        else:
            self._http = httpx.Client(transport=http_client, timeout=self.timeout, follow_redirects=False)
        self._sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_env(cls, *, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Configure from XCOVER_API_KEY, XCOVER_API_SECRET, XCOVER_PARTNER_CODE, XCOVER_BASE_URL.

        The vendor client's names (XC_AUTH_API_KEY, XC_AUTH_API_SECRET, XC_PARTNER_CODE,
        XC_BASE_URL) are read when ours are unset. Keyword arguments override both.
        """
        return cls(**cls._env_kwargs(environ, overrides))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def create_offer(
        self,
        *,
        customer: CustomerInput,
        events: Sequence[EventInput],
        partner: PartnerInput | None = None,
        schema: str | None = None,
        extra_fields: Iterable[ExtraField | str] | str | None = None,
        exclude_offer_ids: Iterable[str] | str | None = None,
        active_only: bool | None = None,
        include_content: bool | None = None,
        idempotency_key: str | None = None,
        timeout: Timeout | None = None,
    ) -> Offer:
        """Create an offer for the events being bought; returns the `Offer` (`data` unwrapped).

        Raises:
            RequestValidationError: bad input, before anything is sent.
            APIStatusError: a subclass per status (PermissionDeniedError for a bad signature ...).
            APIConnectionError: no response after the retries (APITimeoutError for timeouts).
        """
        return self.create_offer_with_response(
            customer=customer,
            events=events,
            partner=partner,
            schema=schema,
            extra_fields=extra_fields,
            exclude_offer_ids=exclude_offer_ids,
            active_only=active_only,
            include_content=include_content,
            idempotency_key=idempotency_key,
            timeout=timeout,
        ).offer

    def create_offer_with_response(
        self,
        *,
        customer: CustomerInput,
        events: Sequence[EventInput],
        partner: PartnerInput | None = None,
        schema: str | None = None,
        extra_fields: Iterable[ExtraField | str] | str | None = None,
        exclude_offer_ids: Iterable[str] | str | None = None,
        active_only: bool | None = None,
        include_content: bool | None = None,
        idempotency_key: str | None = None,
        timeout: Timeout | None = None,
    ) -> OfferResult:
        """`create_offer`, returning the offer with the full response (status, headers, request id)."""
        call = self._prepare(
            customer=customer,
            events=events,
            partner=partner,
            schema=schema,
            extra_fields=extra_fields,
            exclude_offer_ids=exclude_offer_ids,
            active_only=active_only,
            include_content=include_content,
            idempotency_key=idempotency_key,
            timeout=timeout,
        )
        return self._send(call)

    def _send(self, call: _Call) -> OfferResult:
        flow = self._attempts(call)
        step = next(flow)
        while True:
            outcome: httpx.Response | httpx.HTTPError | None = None
            if isinstance(step, httpx.Request):
                try:
                    outcome = self._http.send(step, auth=self.auth, follow_redirects=False)
                except httpx.HTTPError as exc:
                    outcome = exc
            else:
                self._sleep(step)
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                result: OfferResult = done.value
                return result


class AsyncOffersClient(_BaseOffersClient):
    """Asynchronous client, the same API as `OffersClient` with `await` and `async with`.

    Task-safe: share one per event loop. `backend="aiohttp"` sends through the `httpx-aiohttp`
    transport (install `xcover-offers[aiohttp]`), which keeps its throughput at high concurrency
    where httpx's own async pool does not (see BENCHMARKS.md).
    """

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        partner_code: str,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | httpx.AsyncBaseTransport | None = None,
        backend: Literal["httpx", "aiohttp"] = "httpx",
        algorithm: str = "hmac-sha512",
        signed_headers: Sequence[str] = ("(request-target)", "date"),
        log_bodies: bool | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            api_secret=api_secret,
            partner_code=partner_code,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            algorithm=algorithm,
            signed_headers=signed_headers,
            log_bodies=log_bodies,
        )
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
        self._owns_http = not isinstance(http_client, httpx.AsyncClient)
        self._http: httpx.AsyncClient
        if isinstance(http_client, httpx.AsyncClient):
            self._http = http_client
        else:
            self._http = httpx.AsyncClient(
                transport=http_client, timeout=self.timeout, follow_redirects=False
            )
        import anyio  # only the async client needs it; sync users do not pay for the import

        self._sleep: Callable[[float], Any] = anyio.sleep

    @classmethod
    def from_env(cls, *, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Configure from the environment, as `OffersClient.from_env`."""
        return cls(**cls._env_kwargs(environ, overrides))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def create_offer(
        self,
        *,
        customer: CustomerInput,
        events: Sequence[EventInput],
        partner: PartnerInput | None = None,
        schema: str | None = None,
        extra_fields: Iterable[ExtraField | str] | str | None = None,
        exclude_offer_ids: Iterable[str] | str | None = None,
        active_only: bool | None = None,
        include_content: bool | None = None,
        idempotency_key: str | None = None,
        timeout: Timeout | None = None,
    ) -> Offer:
        """Create an offer; see `OffersClient.create_offer`."""
        result = await self.create_offer_with_response(
            customer=customer,
            events=events,
            partner=partner,
            schema=schema,
            extra_fields=extra_fields,
            exclude_offer_ids=exclude_offer_ids,
            active_only=active_only,
            include_content=include_content,
            idempotency_key=idempotency_key,
            timeout=timeout,
        )
        return result.offer

    async def create_offer_with_response(
        self,
        *,
        customer: CustomerInput,
        events: Sequence[EventInput],
        partner: PartnerInput | None = None,
        schema: str | None = None,
        extra_fields: Iterable[ExtraField | str] | str | None = None,
        exclude_offer_ids: Iterable[str] | str | None = None,
        active_only: bool | None = None,
        include_content: bool | None = None,
        idempotency_key: str | None = None,
        timeout: Timeout | None = None,
    ) -> OfferResult:
        """`create_offer`, returning the offer with the full response."""
        call = self._prepare(
            customer=customer,
            events=events,
            partner=partner,
            schema=schema,
            extra_fields=extra_fields,
            exclude_offer_ids=exclude_offer_ids,
            active_only=active_only,
            include_content=include_content,
            idempotency_key=idempotency_key,
            timeout=timeout,
        )
        return await self._send(call)

    async def _send(self, call: _Call) -> OfferResult:
        flow = self._attempts(call)
        step = next(flow)
        while True:
            outcome: httpx.Response | httpx.HTTPError | None = None
            if isinstance(step, httpx.Request):
                try:
                    outcome = await self._http.send(step, auth=self.auth, follow_redirects=False)
                except httpx.HTTPError as exc:
                    outcome = exc
            else:
                await self._sleep(step)
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                result: OfferResult = done.value
                return result


def _aiohttp_transport() -> httpx.AsyncBaseTransport:
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        raise ImportError(
            "backend='aiohttp' needs the aiohttp extra: pip install 'xcover-offers[aiohttp]'"
        ) from None
    transport: httpx.AsyncBaseTransport = AiohttpTransport()
    return transport
