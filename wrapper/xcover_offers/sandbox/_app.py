"""The sandbox's core: one request in, one response out, no I/O.

The in-process httpx transports and the real HTTP server are thin shells around `Sandbox.handle`,
so both behave identically. A request goes through the steps a real gateway and service would take,
and the first that fails answers:

1. a queued one-shot fault (429/503 with Retry-After, an HTML 502, a dropped connection);
2. routing: only ``POST {base path}/partners/{partner_code}/offers/`` exists (404, 405);
3. the body cap (413);
4. the signature, checked by `verify_signature` against the sandbox's own clock (403);
5. the content type, which must be JSON (415), and the body, which must parse (400);
6. the patched spec, through openapi-core (422 with ``errors``: field path -> messages);
7. business rules the spec cannot express, such as negative prices (422);
8. pricing (200).

Every answer carries ``Date`` (the sandbox's clock, so a client can measure its skew) and
``X-Request-Id``. Error bodies use the spec's ``{"type", "message"}`` shape whatever the status,
so a client parses one shape. Nothing the sandbox does can make it answer with a stack trace: an
unexpected failure is logged here and answered with a plain 500.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import re
import secrets
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, Final, NoReturn
from urllib.parse import parse_qsl

import anyio
from xcover_offers_api.models import (
    ForbiddenResponse,
    OfferResponse,
    ValidationErrorResponse,
    ValidationErrors,
)

from .._auth import verify_signature
from .._errors import SignatureError
from .._spec import CREATE_OFFER_PATH, allowed_extra_fields
from ._faults import Fault, Faults
from ._offers import build_offer, read_options, rule_errors
from ._openapi import SpecRequest, SpecResponse, check_request, response_problems, server_url
from ._pricing import DEFAULT_PRODUCTS, ProductConfig

if TYPE_CHECKING:
    from ._server import SandboxServer
    from ._transport import AsyncSandboxTransport, SandboxTransport

logger = logging.getLogger("xcover_offers.sandbox")

DEFAULT_API_KEY: Final = "sandbox-key"
DEFAULT_API_SECRET: Final = "sandbox-secret"  # noqa: S105 - a published test credential, by design
MAX_BODY_BYTES: Final = 1024 * 1024
IN_PROCESS_ORIGIN: Final = "https://xcover-sandbox.invalid"
"""Origin of the in-process sandbox's base URL; `.invalid` never resolves, so nothing leaves the process."""

JSON: Final = "application/json"
_HTML_502: Final = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>502 Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>\n"
)


@dataclass(frozen=True, slots=True)
class SandboxRequest:
    """A request as it arrived: method, request target (path and query, raw), headers, body."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    def header(self, name: str) -> str | None:
        """The first value of a header, by case-insensitive name."""
        return _first_header(self.headers, name)

    def json(self) -> Any:
        return json.loads(self.body)


def _first_header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers if k.lower() == lowered), None)


@dataclass(frozen=True, slots=True)
class SandboxResponse:
    """The answer: status, headers, body; `delay` to wait first, or `drop` to close without answering."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    delay: float = 0.0
    drop: bool = False

    def header(self, name: str) -> str | None:
        return _first_header(self.headers, name)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One handled request, kept in `Sandbox.history` so tests can see what went over the wire.

    A dropped connection (`Fault.drop`) is recorded with ``response.status == 0``. What the HTTP
    server rejects before a request is complete (malformed HTTP, an announced body over the cap) is
    not recorded: there is no request to show.
    """

    request: SandboxRequest
    response: SandboxResponse
    request_id: str
    at: float
    """The sandbox's clock (offset included) when it answered."""


class _Answer(Exception):
    """Raised inside the pipeline to answer early; never leaves `Sandbox.handle`."""

    def __init__(self, response: tuple[int, dict[str, Any] | bytes, dict[str, str]]) -> None:
        super().__init__(response[0])
        self.response = response


def _fail(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> NoReturn:
    raise _Answer((status, ForbiddenResponse(type_=kind, message=message).to_dict(), headers or {}))


def _stable_uuid(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


class Sandbox:
    """An offline XCover Create Offer endpoint, driven by the patched spec.

    Args:
        api_key: the key clients sign with (their X-Api-Key and keyId).
        api_secret: the secret that key signs with.
        products: the configured offers; one product each in every answer (see `_pricing`).
        faults: fault injection settings; a fresh healthy `Faults` by default.
        clock: wall clock in seconds; the sandbox's own time is ``clock() + faults.clock_offset``.
        sleep: how the sync transport and the server wait for injected latency.
        async_sleep: how the async transport waits for it.
        max_body: the largest body accepted, in bytes (413 above it).
        seed: makes ids reproducible; ids are unique per sandbox either way, and requests sharing
            an ``X-Idempotency-Key`` get the same offer id.
        check_responses: validate every answer against the spec before sending it and answer 500
            if it does not conform; meant for this package's own tests.
        history_size: how many exchanges `history` keeps (the oldest are dropped first).
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        products: Sequence[ProductConfig] = DEFAULT_PRODUCTS,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        max_body: int = MAX_BODY_BYTES,
        seed: str | None = None,
        check_responses: bool = False,
        history_size: int = 1000,
    ) -> None:
        if not api_key or not api_secret:
            raise ValueError("api_key and api_secret must be non-empty")
        ids = [p.id for p in products]
        if len(set(ids)) != len(ids):
            raise ValueError(f"product config ids must be unique, got {ids}")
        self.api_key = api_key
        self._secrets = {api_key: api_secret}
        self.products = tuple(products)
        self.faults = faults if faults is not None else Faults()
        self.clock = clock
        self.sleep = sleep
        self.async_sleep = async_sleep
        self.max_body = max_body
        self.check_responses = check_responses
        self._seed = seed if seed is not None else secrets.token_hex(8)
        self._counter = itertools.count(1)
        self._history: deque[Exchange] = deque(maxlen=history_size)
        self._allowed_extra_fields = allowed_extra_fields()
        self.base_path = server_url()[1]
        self._route = re.compile(
            "^"
            + re.escape(self.base_path)
            + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]*)", re.escape(CREATE_OFFER_PATH))
            + "$"
        )

    def __repr__(self) -> str:
        products = [p.id for p in self.products]
        return f"Sandbox(api_key={self.api_key!r}, products={products}, faults={self.faults!r})"

    # -- public helpers --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The base URL to give a client for the in-process transports (it never resolves)."""
        return IN_PROCESS_ORIGIN + self.base_path

    @property
    def history(self) -> list[Exchange]:
        """The exchanges handled so far, oldest first (at most ``history_size``)."""
        return list(self._history)

    def now(self) -> float:
        """The sandbox's clock: the wall clock plus ``faults.clock_offset``."""
        return self.clock() + self.faults.clock_offset

    def queue(self, *faults: Fault) -> None:
        """Shorthand for ``self.faults.queue(...)``."""
        self.faults.queue(*faults)

    def transport(self) -> SandboxTransport:
        """An httpx transport for `httpx.Client` that answers from this sandbox, no socket involved."""
        from ._transport import SandboxTransport

        return SandboxTransport(self)

    def async_transport(self) -> AsyncSandboxTransport:
        """An httpx transport for `httpx.AsyncClient`."""
        from ._transport import AsyncSandboxTransport

        return AsyncSandboxTransport(self)

    def serve(self, *, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """Start a real HTTP/1.1 server for this sandbox in a background thread; close it when done."""
        from ._server import SandboxServer

        return SandboxServer(self, host=host, port=port).start()

    def reject(self, status: int, kind: str, message: str) -> SandboxResponse:
        """An error answer, with the usual headers, for what fails before the pipeline can run.

        The HTTP server uses it for malformed HTTP: a bad request line, a bad Content-Length, a
        body over the cap announced up front.
        """
        request_id = _stable_uuid(self._seed, "request", str(next(self._counter)))
        logger.info("rejected before routing -> %s %s (request id %s)", status, kind, request_id)
        body = ForbiddenResponse(type_=kind, message=message).to_dict()
        return self._render(status, body, {}, request_id, self.now())

    # -- the pipeline ----------------------------------------------------------------------------

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request. Never raises."""
        request_id = _stable_uuid(self._seed, "request", str(next(self._counter)))
        now = self.now()
        try:
            response = self._answer(request, request_id, now)
        except Exception:
            logger.exception(
                "sandbox failure on %s %s (request id %s)", request.method, request.path, request_id
            )
            response = self._render(
                500,
                ForbiddenResponse(
                    type_="internal_error",
                    message=f"The sandbox failed on this request; its log has the details ({request_id}).",
                ).to_dict(),
                {},
                request_id,
                now,
            )
        self._history.append(Exchange(request, response, request_id, now))
        logger.info(
            "%s %s -> %s (request id %s)", request.method, request.target, response.status, request_id
        )
        return response

    def _answer(self, request: SandboxRequest, request_id: str, now: float) -> SandboxResponse:
        fault = self.faults.take()
        if fault is not None:
            return self._fault(fault, request_id, now)
        try:
            status, body, headers = self._offer(request, now)
        except _Answer as early:
            status, body, headers = early.response
        response = self._render(status, body, headers, request_id, now)
        if self.check_responses:
            self._check(request, response)
        return response

    def _offer(
        self, request: SandboxRequest, now: float
    ) -> tuple[int, dict[str, Any] | bytes, dict[str, str]]:
        match = self._route.match(request.path)
        if match is None:
            _fail(
                404,
                "not_found",
                f"No such endpoint: the sandbox serves POST {self.base_path}{CREATE_OFFER_PATH}",
            )
        if request.method.upper() != "POST":
            _fail(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed here; use POST.",
                {"Allow": "POST"},
            )
        if len(request.body) > self.max_body:
            _fail(413, "payload_too_large", f"The body is larger than {self.max_body} bytes.")

        try:
            verify_signature(
                request.method, request.path, _joined(request.headers), secrets=self._secrets, now=now
            )
        except SignatureError as exc:
            _fail(403, "forbidden", f"Signature verification failed: {exc}")

        content_type = request.header("content-type") or ""
        media, _, params = content_type.partition(";")
        charset = re.search(r"charset\s*=\s*\"?([\w-]+)", params, re.I)
        wrong_type = media.strip().lower() != JSON or (
            charset and charset.group(1).lower() not in {"utf-8", "utf8"}
        )
        if not request.body:
            # No body at all is a missing required field, which the spec answers with a 422.
            body: Any = None
            content_type = JSON
        elif wrong_type:
            _fail(
                415,
                "unsupported_media_type",
                f"Send the body as {JSON} (UTF-8); got {content_type or 'none'!r}.",
            )
        else:
            try:
                body = json.loads(
                    request.body.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant
                )
            except (ValueError, RecursionError) as exc:
                _fail(400, "bad_request", f"The body is not valid JSON: {str(exc)[:120]}")

        errors, query = check_request(
            SpecRequest(
                path=request.path,
                query=_query_pairs(request.query),
                headers=request.headers,
                body=request.body,
                content_type=content_type.lower(),
            )
        )
        if not errors and isinstance(body, Mapping):
            errors = rule_errors(body)
        if errors or not isinstance(body, Mapping):
            return 422, self._validation_error(errors or {"body": ["Must be a JSON object."]}), {}

        options = read_options(query, self._allowed_extra_fields)
        offer_id = self._offer_id(match.group("partner_code"), request.header("x-idempotency-key"))
        offer = build_offer(
            body,
            options,
            self.products,
            now=_aware(now),
            offer_id=offer_id,
            product_id=lambda offer, config: _stable_uuid(self._seed, offer, config),
        )
        return 200, OfferResponse(data=offer).to_dict(), {}

    def _offer_id(self, partner_code: str, idempotency_key: str | None) -> str:
        # Retries of one call carry one idempotency key; answering them with one offer id lets a
        # test see that the client kept the key, as the real service deduplicates on it.
        if idempotency_key:
            return _stable_uuid(self._seed, "offer", partner_code, idempotency_key)
        return _stable_uuid(self._seed, "offer", str(next(self._counter)))

    @staticmethod
    def _validation_error(errors: Mapping[str, list[str]]) -> dict[str, Any]:
        fields = ValidationErrors()
        fields.additional_properties = {k: list(v) for k, v in errors.items()}
        count = len(errors)
        return ValidationErrorResponse(
            type_="validation_error",
            message=f"The request is invalid: {count} field{'s' if count != 1 else ''} failed validation.",
            errors=fields,
        ).to_dict()

    def _fault(self, fault: Fault, request_id: str, now: float) -> SandboxResponse:
        if fault.kind == "drop":
            return SandboxResponse(0, (), b"", delay=self.faults.latency, drop=True)
        if fault.kind == "html":
            headers = {"Content-Type": "text/html; charset=utf-8"}
            return self._render(502, _HTML_502, headers, request_id, now)
        extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        kind = {429: "rate_limited", 503: "service_unavailable"}.get(fault.status, "injected_fault")
        body = ForbiddenResponse(type_=kind, message=fault.message).to_dict()
        return self._render(fault.status, body, extra, request_id, now)

    def _render(
        self, status: int, body: dict[str, Any] | bytes, headers: dict[str, str], request_id: str, now: float
    ) -> SandboxResponse:
        if isinstance(body, bytes):
            payload = body
        else:
            payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
                "utf-8"
            )
            headers = {"Content-Type": JSON, **headers}
        all_headers = {"Date": formatdate(now, usegmt=True), "X-Request-Id": request_id, **headers}
        return SandboxResponse(status, tuple(all_headers.items()), payload, delay=self.faults.latency)

    def _check(self, request: SandboxRequest, response: SandboxResponse) -> None:
        """Raise if `response` does not conform to the spec (only with ``check_responses``)."""
        content_type = response.header("content-type") or ""
        if not content_type.startswith(JSON):
            return
        # Statuses the spec does not document use its error shape, which the 403 response defines.
        status = response.status if response.status in (200, 403, 422) else 403
        spec_request = SpecRequest(
            path=self.base_path + CREATE_OFFER_PATH.replace("{partner_code}", "SANDBOX")
            if status != response.status
            else request.path,
            query=_query_pairs(request.query),
            headers=request.headers,
            body=request.body,
            content_type=JSON,
        )
        problems = response_problems(spec_request, SpecResponse(status, response.body, JSON))
        if problems:
            raise AssertionError(f"non-conforming {response.status} answer: {'; '.join(problems)}")


def _aware(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)


def _joined(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Lowercase name -> value, repeated headers joined with ", " as HTTP allows."""
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_SECRET",
    "MAX_BODY_BYTES",
    "Exchange",
    "Sandbox",
    "SandboxRequest",
    "SandboxResponse",
]
