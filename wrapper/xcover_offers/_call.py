"""One create_offer call: what is prepared once, and what a response means.

Nothing here does I/O. `Call` is built once per call (body validated and serialised, idempotency key
chosen, deadline fixed); every attempt is built and signed from it afresh. The functions below turn a
read response into an `OfferResult` or a typed exception.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from xcover_offers_api.models import ErrorResponse, Offer, OfferResponse, ValidationErrorResponse

from ._constants import REQUEST_ID_HEADERS
from ._errors import APIResponseValidationError, APIStatusError, status_error_class
from ._retry import parse_http_date
from ._spec import create_offer_operation
from ._telemetry import CallTrace
from ._transfer import ERROR_BODY_KEPT, safe_response
from ._validation import response_problem, schema_problem


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
        replayed: True when XCover answered 409 with the stored response of an earlier attempt
            with the same key and body (the offer exists; its first response was lost).
    """

    offer: Offer
    parsed: OfferResponse
    http_response: httpx.Response = field(repr=False)
    request_id: str | None
    attempts: int
    idempotency_key: str
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


@dataclass(slots=True)
class Call:
    """One create_offer call, prepared once.

    `target` is the URL with the query already merged in when `params` is None. `deadline` is on the
    client's monotonic timer; None means no overall limit.
    """

    method: str
    target: httpx.URL
    params: dict[str, Any] | None
    content: bytes
    headers: dict[str, str]
    timeout: httpx.Timeout
    idempotency_key: str
    body: Any
    path: str
    started: float
    total_timeout: float | None
    trace: CallTrace

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


def request_id(headers: httpx.Headers) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return None


def server_time(response: httpx.Response) -> float | None:
    """The response's Date as a timestamp, or None."""
    return parse_http_date(response.headers.get("date"))


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def parse_offer_body(content: bytes) -> OfferResponse | str:
    """The bytes of a 200 (or a 409 replay) checked against the spec's response schema, then parsed
    by the generated model; or what is wrong with them, with its path. (benchmarks/hooks.py measures
    the client's parse through this function.)"""
    try:
        payload = json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "the body is not JSON"
    return _parse_offer(payload)


def _parse_offer(payload: Any) -> OfferResponse | str:
    problem = response_problem(payload)
    if problem is not None:
        return problem
    try:
        return OfferResponse.from_dict(payload)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        return f"the generated parser refused it ({type(exc).__name__})"


def offer_result(call: Call, response: httpx.Response, attempts: int) -> OfferResult:
    """A 200 as an OfferResult, after checking the body against the spec."""
    return _result(call, response, attempts, parse_offer_body(response.content), replayed=False)


def replay_result(call: Call, response: httpx.Response, attempts: int) -> OfferResult | None:
    """A 409 carrying a stored Create Offer response (XCover's replay) as an OfferResult, checked
    like a 200; None when the 409 carries anything else (no `data` object)."""
    payload = _json(response)
    if not (isinstance(payload, Mapping) and isinstance(payload.get("data"), Mapping)):
        return None
    return _result(call, response, attempts, _parse_offer(payload), replayed=True)


def _result(
    call: Call, response: httpx.Response, attempts: int, parsed: OfferResponse | str, *, replayed: bool
) -> OfferResult:
    rid = request_id(response.headers)
    if isinstance(parsed, str):
        raise APIResponseValidationError(
            f"{response.status_code} response is not a Create Offer body: {parsed}",
            response=safe_response(response)[0],
            request_id=rid,
        )
    return OfferResult(
        offer=parsed.data,
        parsed=parsed,
        http_response=response,
        request_id=rid,
        attempts=attempts,
        idempotency_key=call.idempotency_key,
        replayed=replayed,
    )


def error_schema(status: int) -> Mapping[str, Any] | None:
    """The spec's schema for an error status's JSON body, if it documents one."""
    documented = create_offer_operation().get("responses", {}).get(str(status), {})
    schema: Mapping[str, Any] | None = documented.get("content", {}).get("application/json", {}).get("schema")
    return schema


def error_model(status: int, payload: Any) -> ErrorResponse | ValidationErrorResponse | None:
    """The generated model for a documented error body (403, 422) when the body fits its schema."""
    schema = error_schema(status)
    if schema is None or not isinstance(payload, Mapping) or schema_problem(payload, schema) is not None:
        return None
    model = ValidationErrorResponse if status == 422 else ErrorResponse
    try:
        return model.from_dict(dict(payload))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def status_error(response: httpx.Response) -> APIStatusError:
    """The typed error for a non-2xx answer; it keeps a bounded, signature-free copy of the response.

    A body larger than what the copy keeps is not parsed: the error keeps its truncated text.
    """
    kept, size = safe_response(response)
    payload = _json(response) if size <= ERROR_BODY_KEPT else None
    body: Any = payload if payload is not None else kept.text
    cls = status_error_class(response.status_code)
    return cls(
        response=kept,
        body=body,
        request_id=request_id(response.headers),
        model=error_model(response.status_code, payload),
        body_size=size,
    )


def is_signature_failure(response: httpx.Response) -> bool:
    """A 403 in XCover's documented JSON error shape ({"type", "message"}), not a proxy's page."""
    if response.status_code != 403:
        return False
    if "json" not in response.headers.get("content-type", ""):
        return False
    payload = _json(response)
    return (
        isinstance(payload, Mapping)
        and isinstance(payload.get("message"), str)
        and isinstance(payload.get("type"), str)  # both, as the spec's 403 body has them
        and error_model(403, payload) is not None
    )
