"""The sandbox's core: one request in, one response out, no I/O.

`SandboxApp` knows nothing of how it is served: the in-process httpx transports (`_transport`) and
the HTTP server (`_server`) are shells that turn what arrives into a `SandboxRequest`, call `handle`
and deliver the `SandboxResponse` (waiting, trickling or hanging up as it says). `Sandbox` (in
`_sandbox`) is this core with shortcuts to those shells. A request goes through the steps a real
gateway and service would take, and the first that fails answers:

1. a queued one-shot fault (429/503 with Retry-After, an HTML 502, a dropped connection, a 423);
2. routing: only ``POST {base path}/partners/{partner_code}/offers/`` exists (404, 405);
3. the body cap (413);
4. the signature, checked by `verify_signature` against the sandbox's own clock (403);
5. XCover's idempotency contract (409 replay, 423 in flight, 422 key reused; see `_idempotency`);
6. the content type, which must be JSON (415), and the body, which must parse (400);
7. the nesting depth (422, `MAX_BODY_DEPTH`), checked before openapi-core, which recurses;
8. the patched spec, through openapi-core (422 with ``errors``: field path -> messages);
9. business rules the spec cannot express, such as negative prices (422);
10. pricing (200), and a fault that acts on a processed request (lost answer, trickle, replay).

Every answer carries ``Date`` (the sandbox's clock, so a client can measure its skew) and
``X-Request-Id``. Error bodies use the spec's ``{"type", "message"}`` shape whatever the status,
so a client parses one shape. Nothing the sandbox does can make it answer with a stack trace: an
unexpected failure is logged here and answered with a plain 500.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import re
import secrets
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from email.utils import formatdate
from typing import Any, Final, NoReturn
from urllib.parse import parse_qsl

import anyio
from xcover_offers_api.models import ErrorResponse as ErrorBody
from xcover_offers_api.models import OfferResponse, ValidationErrorResponse, ValidationErrors

from .._constants import IDEMPOTENCY_HEADER, MAX_BODY_DEPTH
from .._errors import SignatureError
from .._spec import CREATE_OFFER_PATH, allowed_extra_fields
from .._verify import verify_signature
from ._defaults import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    HISTORY_SIZE,
    IDEMPOTENCY_RETENTION,
    MAX_BODY_BYTES,
)
from ._exchange import Exchange, SandboxRequest, SandboxResponse
from ._faults import Fault, Faults
from ._idempotency import Claim, IdempotencyStore
from ._log import logger
from ._offers import build_offer, read_options, rule_errors
from ._openapi import JSON, SpecRequest, answer_problems, check_request, server_url, too_deep_at
from ._pricing import DEFAULT_PRODUCTS, ProductConfig

IDEMPOTENCY_FIELD: Final = IDEMPOTENCY_HEADER.lower()
_HTML_502: Final = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>502 Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>\n"
)
_FAULT_TYPES: Final = {429: "rate_limited", 503: "service_unavailable", 423: "locked"}
_TOO_DEEP: Final = f"Must not nest objects and arrays more than {MAX_BODY_DEPTH} levels deep."

Answer = tuple[int, dict[str, Any] | bytes, dict[str, str]]


class _Answer(Exception):
    """Raised inside the pipeline to answer early; never leaves `SandboxApp.handle`."""

    def __init__(self, response: Answer) -> None:
        super().__init__(response[0])
        self.response = response


def error_body(kind: str, message: str) -> dict[str, Any]:
    """The spec's ``{"type", "message"}`` error shape, used for every error status."""
    return ErrorBody(type_=kind, message=message).to_dict()


def _fail(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> NoReturn:
    raise _Answer((status, error_body(kind, message), headers or {}))


def _stable_uuid(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def reject_constant(name: str) -> NoReturn:
    """For json.loads: NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


class SandboxApp:
    """An offline XCover Create Offer endpoint, driven by the patched spec: the core, with no I/O.

    `handle` answers one `SandboxRequest`; `history`, `faults`, `queue` and `reset` are for tests.
    Its arguments are described on `__init__`.
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        products: Sequence[ProductConfig] | None = None,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        max_body: int = MAX_BODY_BYTES,
        seed: str | None = None,
        check_responses: bool = False,
        history_size: int = HISTORY_SIZE,
        idempotency_retention: float = IDEMPOTENCY_RETENTION,
    ) -> None:
        """Configure the sandbox; every argument is optional.

        Args:
            api_key: the key clients sign with (their X-Api-Key and keyId).
            api_secret: the secret that key signs with.
            products: the configured offers, one product each in every answer (see `_pricing`);
                None for `DEFAULT_PRODUCTS` (etp-basic, etp-premium, etp-flex).
            faults: fault injection settings; a fresh healthy `Faults` by default.
            clock: wall clock in seconds; the sandbox's own time is ``clock() + faults.clock_offset``.
            sleep: how the sync transport and the server wait for injected latency and trickles.
            async_sleep: how the async transport waits for them.
            max_body: the largest body accepted, in bytes (413 above it).
            seed: makes ids reproducible; ids are unique per sandbox either way.
            check_responses: validate every answer against the spec before sending it and answer 500
                if it does not conform; meant for this package's own tests.
            history_size: how many exchanges `history` keeps (the oldest are dropped first).
            idempotency_retention: seconds a processed request's answer is replayed (409) to a
                request with the same ``X-Idempotency-Key`` and body; XCover keeps them 48 hours;
                0 turns it off.
        """
        if not api_key or not api_secret:
            raise ValueError("api_key and api_secret must be non-empty")
        products = DEFAULT_PRODUCTS if products is None else products
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
        self.idempotency = IdempotencyStore(retention=idempotency_retention)
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
        return f"{type(self).__name__}(api_key={self.api_key!r}, products={products}, faults={self.faults!r})"

    # -- public helpers --------------------------------------------------------------------------

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

    def reset(self) -> None:
        """Back to a fresh sandbox: no faults, no history, no stored idempotency keys."""
        self.faults.clear()
        self._history.clear()
        self.idempotency.clear()

    def reject(
        self, status: int, kind: str, message: str, headers: Mapping[str, str] | None = None
    ) -> SandboxResponse:
        """An error answer, with the usual headers, for what fails before the pipeline can run.

        The HTTP server uses it for malformed HTTP (a bad request line, a bad Content-Length, a
        body over the cap announced up front) and for a connection over its cap.
        """
        request_id = _stable_uuid(self._seed, "request", str(next(self._counter)))
        logger.info("rejected before routing -> %s %s (request id %s)", status, kind, request_id)
        return self._render(status, error_body(kind, message), dict(headers or {}), request_id, self.now())

    def render_json(self, status: int, body: Mapping[str, Any]) -> SandboxResponse:
        """A JSON answer with ``Date`` and no request id, for a shell's own endpoints (not recorded)."""
        headers = (
            ("Date", formatdate(self.now(), usegmt=True)),
            ("Content-Type", JSON),
            ("Cache-Control", "no-store"),
        )
        return SandboxResponse(status, headers, _encode(dict(body)))

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
                error_body(
                    "internal_error",
                    f"The sandbox failed on this request; its log has the details ({request_id}).",
                ),
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
        if fault is not None and not fault.processes_request:
            return self._fault(fault, request_id, now)
        try:
            status, body, headers = self._offer(request, now)
        except _Answer as early:
            status, body, headers = early.response
        if fault is not None and fault.kind == "replay" and status == 200:
            status = 409
        response = self._render(status, body, headers, request_id, now)
        if self.check_responses:
            problems = answer_problems(request, response)
            if problems:
                raise AssertionError(f"non-conforming {response.status} answer: {'; '.join(problems)}")
        if fault is not None and fault.kind == "drop":
            # Recorded as dropped (status 0), with the answer that was lost, for tests to compare.
            return SandboxResponse(0, response.headers, response.body, delay=response.delay, drop=True)
        if fault is not None and fault.kind == "trickle":
            return dataclasses.replace(response, chunk_size=fault.chunk_size, chunk_delay=fault.interval)
        return response

    def _offer(self, request: SandboxRequest, now: float) -> Answer:
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

        key = request.header(IDEMPOTENCY_FIELD)
        claim = self._claim(match.group("partner_code"), key, request.body, now) if key else None
        try:
            answer = self._priced(request, now)
            if claim is not None and answer[0] == 200 and isinstance(answer[1], bytes):
                self.idempotency.finish(claim, answer[1], available_at=now + self.faults.latency)
            return answer
        finally:
            if claim is not None:
                self.idempotency.release(claim)  # a no-op once finished

    def _claim(self, partner_code: str, key: str, body: bytes, now: float) -> Claim:
        claim = self.idempotency.begin((partner_code, key), body, now)
        if claim.verdict == "replay":
            raise _Answer((409, claim.body, {"Content-Type": JSON}))
        if claim.verdict == "in_flight":
            # XCover documents no Retry-After for its 423, so none is sent: clients pick their own wait.
            _fail(
                423,
                "locked",
                "A request with this x-idempotency-key is still being processed; retry after a moment.",
            )
        if claim.verdict == "mismatch":
            hours = self.idempotency.retention / 3600
            message = (
                f"This key was already used with a different request body in the last {hours:g} hours; "
                "send a new key with a new request."
            )
            raise _Answer((422, self._validation_error({IDEMPOTENCY_FIELD: [message]}), {}))
        return claim

    def _priced(self, request: SandboxRequest, now: float) -> Answer:
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
                    request.body.decode("utf-8"), parse_float=Decimal, parse_constant=reject_constant
                )
            except RecursionError:
                # Too deep for the parser to tell whether it is even valid JSON: a 400, naming the limit.
                _fail(400, "bad_request", f"The body nests too deeply to read. {_TOO_DEEP}")
            except ValueError as exc:
                _fail(400, "bad_request", f"The body is not valid JSON: {str(exc)[:120]}")
            too_deep = too_deep_at(body, MAX_BODY_DEPTH) if isinstance(body, Mapping | list) else None
            if too_deep is not None:
                return 422, self._validation_error({too_deep: [_TOO_DEEP]}), {}

        errors, query = check_request(
            SpecRequest(
                path=request.path,
                query=parse_qsl(request.query, keep_blank_values=True),
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
        offer_id = _stable_uuid(self._seed, "offer", str(next(self._counter)))
        offer = build_offer(
            body,
            options,
            self.products,
            now=_aware(now),
            offer_id=offer_id,
            product_id=lambda offer, config: _stable_uuid(self._seed, offer, config),
        )
        return 200, _encode(OfferResponse(data=offer).to_dict()), {"Content-Type": JSON}

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
        body = error_body(_FAULT_TYPES.get(fault.status, "injected_fault"), fault.message)
        return self._render(fault.status, body, extra, request_id, now)

    def _render(
        self, status: int, body: dict[str, Any] | bytes, headers: dict[str, str], request_id: str, now: float
    ) -> SandboxResponse:
        if isinstance(body, bytes):
            payload = body
        else:
            payload = _encode(body)
            headers = {"Content-Type": JSON, **headers}
        all_headers = {"Date": formatdate(now, usegmt=True), "X-Request-Id": request_id, **headers}
        return SandboxResponse(status, tuple(all_headers.items()), payload, delay=self.faults.latency)


def _aware(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)


def _joined(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Lowercase name -> value, repeated headers joined with ", " as HTTP allows."""
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


__all__ = ["SandboxApp", "error_body"]
