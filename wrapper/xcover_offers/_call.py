"""One call of any operation: what is prepared once, and what a response means.

Nothing here does I/O. `Call` is built once per call (body validated and serialised, idempotency key
chosen, deadline fixed); every attempt is built and signed from it afresh. The functions below turn a
read response into a `CallResult` or a typed exception, reading the operation's generated
`OPERATION` (its readers) and the spec's schema for the status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import httpx
from xcover_offers_api.operation import Operation

from ._constants import REQUEST_ID_HEADERS
from ._errors import APIResponseValidationError, APIStatusError, status_error_class
from ._spec import resolve, response_schema
from ._telemetry import AttributeScalar, CallTrace
from ._text import printable
from ._transfer import ERROR_BODY_KEPT, parse_json, safe_response
from ._validation import schema_problem

if TYPE_CHECKING:
    from xcover_offers_api.models import Offer, OfferResponse  # noqa: F401 - OfferResponse: a string below

T = TypeVar("T")

ReplayCheck = Callable[[Any, Any], "str | None"]
"""An operation's own check of a 409 replay: (the body this call sent, the replayed answer parsed)
-> why the answer cannot be this request's, or None."""


@dataclass(frozen=True, slots=True)
class CallResult(Generic[T]):
    """A parsed answer with the HTTP response it came from (`client.call`, `*_with_response`).

    Attributes:
        parsed: the success body as the operation's generated model, checked against the spec;
            None for an answer without a body (204).
        http_response: the final httpx response.
        request_id: the server's request id, if it sent one.
        attempts: how many attempts the call took (1 when no retry was needed).
        idempotency_key: the X-Idempotency-Key every attempt carried; None for an operation that
            takes none (a GET).
        replayed: True when XCover answered 409 with the stored answer of an earlier request with
            the same key and body (an earlier attempt, or an earlier call with the caller's key):
            the operation ran once, and its first answer was lost.
    """

    parsed: T
    http_response: httpx.Response = field(repr=False)
    request_id: str | None
    attempts: int
    idempotency_key: str | None
    replayed: bool = False

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


@dataclass(frozen=True, slots=True)
class OfferResult(CallResult["OfferResponse"]):
    """A Create Offer answer (`create_offer_with_response`): `parsed` is the whole body, `offer` its
    `data` envelope unwrapped."""

    @property
    def offer(self) -> Offer:
        return self.parsed.data


@dataclass(frozen=True, slots=True)
class Hooks:
    """What an operation's convenience method adds to the one pipeline; `client.call` adds nothing.

    Attributes:
        details: what the call's span records of its answer (`xcover.offer_id`).
        replay_check: vets a 409 replay against the request (see `ReplayCheck`).
        breaker: False for a call the circuit breaker must neither refuse nor count: Confirm Offer,
            which runs after payment, must not be lost to failures of the cart's calls.
        defaults: per-call options the operation uses unless the call gives them, instead of the
            client's (Confirm's longer budget and more retries).
        result: the `CallResult` class its answer comes as (`OfferResult` for Create Offer).
    """

    details: Callable[[CallResult[Any]], Mapping[str, AttributeScalar]] | None = None
    replay_check: ReplayCheck | None = None
    breaker: bool = True
    defaults: Mapping[str, Any] = field(default_factory=dict)
    result: type[CallResult[Any]] = CallResult


NO_HOOKS: Final = Hooks()


@dataclass(slots=True)
class Call:
    """One call, prepared once.

    `target` is the URL with the query already merged in when `params` is None. `deadline` is on the
    client's monotonic timer; None means no overall limit. `max_retries` is 0 for a call that may
    not be sent again (only a GET, or a call under an idempotency key the operation documents, may).
    `key_given` says the caller chose the key (an earlier call may have used it).
    """

    operation: Operation[Any]
    method: str
    target: httpx.URL
    params: dict[str, Any] | None
    content: bytes | None
    headers: dict[str, str]
    timeout: httpx.Timeout
    idempotency_key: str | None
    body: Any
    path: str
    started: float
    total_timeout: float | None
    max_retries: int
    trace: CallTrace
    key_given: bool = False
    hooks: Hooks = NO_HOOKS

    @property
    def deadline(self) -> float | None:
        return None if self.total_timeout is None else self.started + self.total_timeout

    def remaining(self, timer: Callable[[], float]) -> float | None:
        deadline = self.deadline
        return None if deadline is None else deadline - timer()

    def attempt_timeout(self, remaining: float | None) -> httpx.Timeout:
        """The per-operation timeouts, none longer than the time left."""
        if remaining is None:
            return self.timeout
        t = self.timeout

        def clip(value: float | None) -> float:
            return remaining if value is None else min(value, remaining)

        return httpx.Timeout(
            connect=clip(t.connect), read=clip(t.read), write=clip(t.write), pool=clip(t.pool)
        )


_REQUEST_ID_RANK: Final = {name.encode("ascii"): rank for rank, name in enumerate(REQUEST_ID_HEADERS)}


def request_id(headers: httpx.Headers) -> str | None:
    """The server's request id, control and bidi characters escaped: it goes into messages, log
    lines and spans. One pass over the raw headers (a lookup by name decodes every header)."""
    best: tuple[int, bytes] | None = None
    for name, value in headers.raw:
        rank = _REQUEST_ID_RANK.get(name.lower())
        if rank is not None and value and (best is None or rank < best[0]):
            best = (rank, value)
    return None if best is None else printable(best[1].decode(headers.encoding))


def _json(response: httpx.Response) -> Any:
    try:
        return parse_json(response.content)
    except ValueError:
        return None


def read_body(operation: Operation[Any], key: str, content: bytes) -> Any:
    """The bytes of an answer documented under `key` checked against the spec's schema for it, then
    read by the generated reader; or what is wrong with them, as a `_Refused`. (benchmarks/hooks.py
    measures the client's parse through this function.)"""
    reader = operation.readers.get(key)
    if reader is None:
        return None  # documented without a body: whatever came is not read
    try:
        payload = parse_json(content)
    except ValueError as exc:  # not JSON, or a key twice in one object
        return _Refused(str(exc))
    return _read(operation, key, payload)


def _read(operation: Operation[Any], key: str, payload: Any) -> Any:
    reader = operation.readers[key]
    assert reader is not None
    schema = response_schema(operation, key)
    if schema is not None and (problem := schema_problem(payload, schema)) is not None:
        return _Refused(problem)
    try:
        return reader(payload)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        return _Refused(f"the generated parser refused it ({type(exc).__name__})")


@dataclass(frozen=True, slots=True)
class _Refused:
    problem: str


def success_result(call: Call, response: httpx.Response, attempts: int) -> CallResult[Any]:
    """A 2xx as a CallResult, after checking the body against the spec. A 2xx the spec does not
    list is read as the operation's first documented success."""
    operation = call.operation
    key = operation.response_key(response.status_code)
    if key is None or key[0] != "2":
        key = next(iter(operation.success_keys), None)
    parsed = None if key is None else read_body(operation, key, response.content)
    return _result(call, response, attempts, parsed, replayed=False)


def replay_result(call: Call, response: httpx.Response, attempts: int) -> CallResult[Any]:
    """A 409 carrying the stored answer of this operation (XCover's replay) as a CallResult, checked
    like a 2xx; a 409 carrying anything else is raised as its status error (ConflictError).

    A 409 body is taken for a stored answer when it has every property the success schema requires,
    each of its JSON type (Create Offer's `data` object); XCover's error shape has none of them (a
    proxy that resent the first attempt makes even a first attempt's 409 a replay). For an operation
    whose success has no body (Opt-out's 204) nothing was stored and nothing tells a replay from a
    conflict: a 409 is a replay only under a key sent before (the caller's, or after an attempt).
    A success that requires no property cannot be told from an error body: its 409 is a
    ConflictError.
    """
    operation = call.operation
    if call.idempotency_key is None:
        raise status_error(operation, response)
    if operation.success_keys and all(operation.readers[key] is None for key in operation.success_keys):
        if call.key_given or attempts > 1:  # no body tells a replay from a conflict
            return _result(call, response, attempts, None, replayed=True)
        raise status_error(operation, response)
    payload = _json(response)
    if isinstance(payload, Mapping):
        for key in operation.success_keys:
            schema = response_schema(operation, key)
            if schema is not None and _claims(payload, resolve(schema)):
                parsed = _read(operation, key, payload)
                check = call.hooks.replay_check
                if check is not None and not isinstance(parsed, _Refused):
                    problem = check(call.body, parsed)
                    if problem is not None:  # a stored answer, but to another request
                        parsed = _Refused(f"a replay that cannot answer this request: {problem}")
                return _result(call, response, attempts, parsed, replayed=True)
    raise status_error(operation, response, payload)


_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": Mapping, "array": list, "string": str, "boolean": bool, "number": (int, float), "integer": int,
}  # fmt: skip


def _claims(payload: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
    """Whether `payload` has every required property of `schema`, each of its declared JSON type."""
    required = schema.get("required") or ()
    properties = schema.get("properties") or {}
    for name in required:
        if name not in payload:
            return False
        kind = resolve(properties.get(name, {})).get("type")
        if isinstance(kind, str) and kind in _JSON_TYPES and not isinstance(payload[name], _JSON_TYPES[kind]):
            return False
    return bool(required)


def _result(
    call: Call, response: httpx.Response, attempts: int, parsed: Any, *, replayed: bool
) -> CallResult[Any]:
    rid = request_id(response.headers)
    if isinstance(parsed, _Refused):
        raise APIResponseValidationError(
            f"{response.status_code} response is not a {call.operation.id} answer: {parsed.problem}",
            # Without its body: a success body may be a booking, the policyholder and all. The
            # message names the path that failed; `.response` keeps the status and headers.
            response=safe_response(response, read=False)[0],
            request_id=rid,
        )
    return call.hooks.result(
        parsed=parsed,
        http_response=response,
        request_id=rid,
        attempts=attempts,
        idempotency_key=call.idempotency_key,
        replayed=replayed,
    )


def error_model(operation: Operation[Any], status: int, payload: Any) -> Any:
    """The generated model for a documented error body, when the body fits the spec's schema."""
    key = operation.response_key(status)
    if key is None or operation.readers.get(key) is None or not isinstance(payload, Mapping):
        return None
    if response_schema(operation, key) is None:  # an error body is only read once checked
        return None
    model = _read(operation, key, dict(payload))  # a copy: the error keeps the payload as its body
    return None if isinstance(model, _Refused) else model


def status_error(operation: Operation[Any], response: httpx.Response, payload: Any = None) -> APIStatusError:
    """The typed error for a non-2xx answer; it keeps a bounded, signature-free copy of the response.

    A body larger than what the copy keeps is not parsed: the error keeps its truncated text.
    `payload` is the body already parsed, when the caller has it (a 409 that was not a replay).
    """
    kept, size = safe_response(response)
    if size > ERROR_BODY_KEPT:
        payload = None
    elif payload is None:
        payload = _json(response)
    body: Any = payload if payload is not None else kept.text
    cls = status_error_class(response.status_code)
    return cls(
        response=kept,
        body=body,
        request_id=request_id(response.headers),
        model=error_model(operation, response.status_code, payload),
        body_size=size,
    )
