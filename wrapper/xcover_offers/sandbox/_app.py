"""The sandbox's core: one request in, one response out, no I/O.

`SandboxApp` knows nothing of how it is served: the in-process httpx transports (`_transport`) and
the HTTP server (`_server`) are shells that turn what arrives into a `SandboxRequest`, call `handle`
and deliver the `SandboxResponse` (waiting, trickling or hanging up as it says). `Sandbox` (in
`_sandbox`) is this core with shortcuts to those shells. It serves every operation of its OpenAPI
document (the shipped patched spec unless given another). A request goes through the steps a real
gateway and service would take, and the first that fails answers:

1. routing by the document's paths and methods under the server's base path, which names the
   operation asked for, if any (see `_routes`);
2. the first queued one-shot fault that applies to it (429/503 with Retry-After, an HTML 502, a
   dropped connection, a 423); a fault aimed at another operation waits its turn;
3. no operation: 404, or 405 (with Allow) when the path has other methods;
4. the body cap (413);
5. the signature, checked by `verify_signature` against the sandbox's own clock (403);
6. XCover's idempotency contract, for the POSTs that declare ``x-idempotency-key`` (409 replay,
   423 in flight, 422 key reused; see `_idempotency`);
7. for an operation with a request body: the content type, which must be JSON (415), the body,
   which must parse (400), and its nesting depth (422, `MAX_BODY_DEPTH`), checked before
   openapi-core, which recurses;
8. the operation's parameters and body, through openapi-core (422 with ``errors``: field -> messages);
9. the answer: an operation modelled with state has a handler (``handlers``: operationId ->
   `Handler`; see `_handlers`: Create Offer prices and keeps offers, Confirm Offer books them, Opt-out
   and Get Booking follow them); any other gets the success its contract describes (see
   `_contract`): the lowest 2xx, with a body that validates against the response schema;
10. a fault that acts on a processed request (a lost answer, a trickle, a replay, a slow answer).

Every answer carries ``Date`` (the sandbox's clock, so a client can measure its skew) and
``X-Request-Id``. Error bodies use the spec's ``{"type", "message"}`` shape whatever the status,
so a client parses one shape. Nothing the sandbox does can make it answer with a stack trace: what
the contract leaves it no valid answer for is a 422 (``not_modelled``), and an unexpected failure in
a modelled operation is logged here and answered with a plain 500.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from email.utils import formatdate
from typing import Any, Final

import anyio

from .._constants import IDEMPOTENCY_FIELD, MAX_BODY_DEPTH
from .._errors import SignatureError
from .._redaction import redact_target
from .._verify import verify_signature
from ._answers import (
    Answer,
    Call,
    EarlyAnswer,
    Handler,
    encode,
    error_body,
    fail,
    reject_constant,
    validation_error,
)
from ._bookings import Purchases
from ._contract import NotModelled, success_answer
from ._defaults import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    HISTORY_BYTES,
    HISTORY_SIZE,
    IDEMPOTENCY_RETENTION,
    MAX_BODY_BYTES,
    MAX_OFFERS,
    OFFER_RETENTION,
)
from ._exchange import Exchange, SandboxRequest, SandboxResponse
from ._faults import Fault, Faults
from ._handlers import MODELLED, aware, create_offer
from ._history import History
from ._idempotency import Claim, IdempotencyStore
from ._log import logger
from ._openapi import JSON, Spec, SpecResponse, shipped, too_deep_at
from ._pricing import DEFAULT_PRODUCTS, ProductConfig
from ._routes import Match, Operation

_HTML_502: Final = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>502 Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>\n"
)
_FAULT_TYPES: Final = {429: "rate_limited", 503: "service_unavailable", 423: "locked"}
_TOO_DEEP: Final = f"Must not nest objects and arrays more than {MAX_BODY_DEPTH} levels deep."


@dataclasses.dataclass(slots=True)
class _Checked:
    """How far one request got: its body is kept in the history once its signature checked out."""

    signature: bool = False


def _stable_uuid(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


class SandboxApp:
    """An offline XCover API, driven by an OpenAPI document (the patched spec): the core, with no I/O.

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
        history_bytes: int = HISTORY_BYTES,
        idempotency_retention: float = IDEMPOTENCY_RETENTION,
        document: Mapping[str, Any] | None = None,
        handlers: Mapping[str, Handler] | None = None,
        offer_retention: float = OFFER_RETENTION,
        max_offers: int = MAX_OFFERS,
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
            history_bytes: how many bytes of bodies, targets and headers `history` keeps (the
                oldest exchanges are dropped first; the newest is always kept). A request refused
                before its signature was verified is kept without its body.
            idempotency_retention: seconds a processed request's answer is replayed (409) to a
                request with the same ``X-Idempotency-Key``, path and body; XCover keeps them 48
                hours; 0 turns it off.
            document: the OpenAPI document to serve; None for the patched spec shipped inside
                `xcover_offers_api`. Copied, never changed.
            handlers: operationId -> `Handler`, answers for operations modelled with state, over
                the sandbox's own (`MODELLED`); every other operation gets its contract's success.
            offer_retention: seconds an offer is kept for Confirm Offer and Opt-out (a later
                confirm is a 422, ``offer_expired``), and a booking for Get Booking from its
                confirmation; a week by default (XCover documents no offer expiry).
            max_offers: the most offers kept at once, and the most bookings; the oldest go first.
        """
        if not api_key or not api_secret:
            raise ValueError("api_key and api_secret must be non-empty")
        products = DEFAULT_PRODUCTS if products is None else products
        ids = [p.id for p in products]
        if len(set(ids)) != len(ids):
            raise ValueError(f"product config ids must be unique, got {ids}")
        self.spec: Spec = shipped() if document is None else Spec(document)
        operations = self.spec.routes.operations
        unknown = sorted(set(handlers or ()) - set(operations))
        if unknown:
            raise ValueError(f"handlers for operations the document does not have: {', '.join(unknown)}")
        self.handlers: dict[str, Handler] = {
            op: handler for op, handler in {**MODELLED, **(handlers or {})}.items() if op in operations
        }
        self.api_key = api_key
        self._secrets = {api_key: api_secret}
        self.products = tuple(products)
        self.faults = faults if faults is not None else Faults()
        self.faults.bind(operations)
        self.clock = clock
        self.sleep = sleep
        self.async_sleep = async_sleep
        self.max_body = max_body
        self.check_responses = check_responses
        self.idempotency = IdempotencyStore(retention=idempotency_retention)
        self.purchases = Purchases(retention=offer_retention, capacity=max_offers)
        self._seed = seed if seed is not None else secrets.token_hex(8)
        self._counter = itertools.count(1)
        self._history = History(size=history_size, budget=history_bytes)
        self.base_path = self.spec.base_path

    def __repr__(self) -> str:
        products = [p.id for p in self.products]
        return f"{type(self).__name__}(api_key={self.api_key!r}, products={products}, faults={self.faults!r})"

    # -- public helpers --------------------------------------------------------------------------

    @property
    def history(self) -> list[Exchange]:
        """The exchanges handled so far, oldest first (at most ``history_size``, ``history_bytes``)."""
        return self._history.exchanges()

    def now(self) -> float:
        """The sandbox's clock: the wall clock plus ``faults.clock_offset``."""
        return self.clock() + self.faults.clock_offset

    def queue(self, *faults: Fault) -> None:
        """Shorthand for ``self.faults.queue(...)``."""
        self.faults.queue(*faults)

    def reset(self) -> None:
        """Back to a fresh sandbox: no faults, no history, no idempotency keys, offers or bookings."""
        self.faults.clear()
        self._history.clear()
        self.idempotency.clear()
        self.purchases.clear()

    def stable_id(self, *parts: str) -> str:
        """A UUID made from the sandbox's seed and `parts`: the same for the same parts."""
        return _stable_uuid(self._seed, *parts)

    def new_id(self, kind: str) -> str:
        """A UUID never made before by this sandbox; reproducible, call for call, with ``seed``."""
        return self.stable_id(kind, str(next(self._counter)))

    def reject(
        self, status: int, kind: str, message: str, headers: Mapping[str, str] | None = None
    ) -> SandboxResponse:
        """An error answer, with the usual headers, for what fails before the pipeline can run.

        The HTTP server uses it for malformed HTTP (a bad request line, a bad Content-Length, a
        body over the cap announced up front) and for a connection over its cap.
        """
        request_id = self.new_id("request")
        logger.info("rejected before routing -> %s %s (request id %s)", status, kind, request_id)
        return self._render(status, error_body(kind, message), dict(headers or {}), request_id, self.now())

    def render_json(self, status: int, body: Mapping[str, Any]) -> SandboxResponse:
        """A JSON answer with ``Date`` and no request id, for a shell's own endpoints (not recorded)."""
        headers = (
            ("Date", formatdate(self.now(), usegmt=True)),
            ("Content-Type", JSON),
            ("Cache-Control", "no-store"),
        )
        return SandboxResponse(status, headers, encode(dict(body)))

    # -- the pipeline ----------------------------------------------------------------------------

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request. Never raises."""
        request_id = self.new_id("request")
        now = self.now()
        checked = _Checked()
        try:
            response = self._answer(request, request_id, now, checked)
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
        self._record(request, response, request_id, now, checked)
        logger.info(
            "%s %s -> %s (request id %s)",
            request.method,
            redact_target(request.target),
            response.status,
            request_id,
        )
        return response

    def _record(
        self,
        request: SandboxRequest,
        response: SandboxResponse,
        request_id: str,
        now: float,
        checked: _Checked,
    ) -> None:
        # Whoever can reach the port can send bodies; only a signed request's is worth its memory.
        unkept = 0 if checked.signature else len(request.body)
        kept = dataclasses.replace(request, body=b"") if unkept else request
        self._history.record(Exchange(kept, response, request_id, now, unkept_body=unkept))

    def _answer(
        self, request: SandboxRequest, request_id: str, now: float, checked: _Checked
    ) -> SandboxResponse:
        match = self.spec.route(request.method, request.path)
        fault = self.faults.take(match.operation.id if match.operation else None)
        if fault is not None and not fault.processes_request:
            return self._fault(fault, request_id, now)
        delay = self.faults.latency + (fault.delay if fault is not None else 0.0)
        try:
            status, body, headers = self._operation(request, match, now, delay, checked)
        except EarlyAnswer as early:
            status, body, headers = early.response
        if fault is not None and fault.kind == "replay" and 200 <= status < 300:
            status = 409
        response = self._render(status, body, headers, request_id, now, delay)
        if self.check_responses:
            problems = self.spec.answer_problems(request, response)
            if problems:
                raise AssertionError(f"non-conforming {response.status} answer: {'; '.join(problems)}")
        if fault is not None and fault.kind == "drop":
            # Recorded as dropped (status 0), with the answer that was lost, for tests to compare.
            return SandboxResponse(0, response.headers, response.body, delay=response.delay, drop=True)
        if fault is not None and fault.kind == "trickle":
            return dataclasses.replace(response, chunk_size=fault.chunk_size, chunk_delay=fault.interval)
        return response

    def _operation(
        self, request: SandboxRequest, match: Match, now: float, delay: float, checked: _Checked
    ) -> Answer:
        op = match.operation
        if op is None:
            if match.allowed:
                allowed = ", ".join(match.allowed)
                use = " or ".join(match.allowed)
                fail(
                    405,
                    "method_not_allowed",
                    f"{request.method} is not allowed here; use {use}.",
                    {"Allow": allowed},
                )
            fail(404, "not_found", f"No such endpoint: the sandbox serves {self.spec.routes.describe()}")
        if len(request.body) > self.max_body:
            fail(413, "payload_too_large", f"The body is larger than {self.max_body} bytes.")

        try:
            verify_signature(
                request.method, request.path, _joined(request.headers), secrets=self._secrets, now=now
            )
        except SignatureError as exc:
            fail(403, "forbidden", f"Signature verification failed: {exc}")
        checked.signature = True

        key = request.header(IDEMPOTENCY_FIELD) if op.idempotent else None
        claim = self._claim(op, match, key, request, now) if key else None
        try:
            status, body, headers = self._process(request, op, now)
            if claim is not None and 200 <= status < 300:
                if not isinstance(body, bytes):
                    body, headers = encode(body), {"Content-Type": JSON, **headers}
                self.idempotency.finish(claim, body, available_at=now + delay)
            return status, body, headers
        finally:
            if claim is not None:
                self.idempotency.release(claim)  # a no-op once finished

    def _claim(self, op: Operation, match: Match, key: str, request: SandboxRequest, now: float) -> Claim:
        scope = (op.id, match.params.get("partner_code", ""), key)
        claim = self.idempotency.begin(
            scope, request.target.encode("utf-8", "surrogatepass") + b"\n" + request.body, now
        )
        if claim.verdict == "replay":
            raise EarlyAnswer((409, claim.body, {"Content-Type": JSON} if claim.body else {}))
        if claim.verdict == "in_flight":
            # XCover documents no Retry-After for its 423, so none is sent: clients pick their own wait.
            fail(
                423,
                "locked",
                "A request with this x-idempotency-key is still being processed; retry after a moment.",
            )
        if claim.verdict == "mismatch":
            hours = self.idempotency.retention / 3600
            message = (
                "This key was already used with a different request body or path in the last "
                f"{hours:g} hours; send a new key with a new request."
            )
            raise EarlyAnswer((422, validation_error({IDEMPOTENCY_FIELD: [message]}), {}))
        return claim

    def _process(self, request: SandboxRequest, op: Operation, now: float) -> Answer:
        if "requestBody" in op.definition:
            body, content_type = _read_json(request)
            raw: bytes | None = request.body
        else:
            body, content_type, raw = None, request.header("content-type") or "", None
        errors, params = self.spec.check_request(
            self.spec.request(request, op, body=raw, content_type=content_type)
        )
        if errors:
            return 422, validation_error(errors), {}
        call = Call(op, request, params.path, params.query, body, now)
        handler = self.handlers.get(op.id)
        return handler(self, call) if handler is not None else self._contract_answer(call)

    def _contract_answer(self, call: Call) -> Answer:
        """The success the operation's contract describes; a 422 when it describes none that can be sent."""
        op = call.operation
        spec_request = self.spec.request(call.request, op, body=call.request.body, content_type=JSON)
        try:
            status, payload, media_type = success_answer(
                op,
                self.spec.document,
                now=aware(call.now),
                new_uuid=lambda: self.new_id("generated"),
                problems=lambda status, body, media: self.spec.response_problems(
                    spec_request, SpecResponse(status, body, media.lower())
                ),
            )
        except NotModelled as exc:
            logger.warning("cannot answer %s: %s", op.id, exc)
            reason = str(exc)
        except Exception:  # a gap in the instance builder or openapi-core: still the client's 4xx
            logger.exception("failed to build an answer for %s", op.id)
            reason = "building its answer failed; the sandbox's log has the details"
        else:
            return status, payload, {"Content-Type": media_type} if media_type else {}
        return 422, error_body("not_modelled", f"The sandbox cannot answer {op.id}: {reason}"), {}

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
        self,
        status: int,
        body: dict[str, Any] | bytes,
        headers: dict[str, str],
        request_id: str,
        now: float,
        delay: float | None = None,
    ) -> SandboxResponse:
        if isinstance(body, bytes):
            payload = body
        else:
            payload = encode(body)
            headers = {"Content-Type": JSON, **headers}
        all_headers = {"Date": formatdate(now, usegmt=True), "X-Request-Id": request_id, **headers}
        wait = self.faults.latency if delay is None else delay
        return SandboxResponse(status, tuple(all_headers.items()), payload, delay=wait)


def _read_json(request: SandboxRequest) -> tuple[Any, str]:
    """(the parsed body or None, the content type to validate with); 415, 400 or 422 when unreadable."""
    content_type = request.header("content-type") or ""
    media, _, params = content_type.partition(";")
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", params, re.I)
    wrong_type = media.strip().lower() != JSON or (
        charset and charset.group(1).lower() not in {"utf-8", "utf8"}
    )
    if not request.body:
        # No body at all is a missing required field, which the spec answers with a 422.
        return None, JSON
    if wrong_type:
        fail(
            415,
            "unsupported_media_type",
            f"Send the body as {JSON} (UTF-8); got {content_type or 'none'!r}.",
        )
    try:
        body = json.loads(request.body.decode("utf-8"), parse_float=Decimal, parse_constant=reject_constant)
    except RecursionError:
        # Too deep for the parser to tell whether it is even valid JSON: a 400, naming the limit.
        fail(400, "bad_request", f"The body nests too deeply to read. {_TOO_DEEP}")
    except ValueError as exc:
        fail(400, "bad_request", f"The body is not valid JSON: {str(exc)[:120]}")
    too_deep = too_deep_at(body, MAX_BODY_DEPTH) if isinstance(body, Mapping | list) else None
    if too_deep is not None:
        raise EarlyAnswer((422, validation_error({too_deep: [_TOO_DEEP]}), {}))
    return body, content_type


def _joined(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Lowercase name -> value, repeated headers joined with ", " as HTTP allows."""
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


__all__ = ["MODELLED", "SandboxApp", "create_offer", "error_body", "reject_constant", "too_deep_at"]
