"""Check bodies against the spec's schemas: requests before they are sent, responses when they arrive.

One kind of compiled validator (jsonschema-rs, via `_schema_check`) serves both directions. Its rules
come from the patched OpenAPI document the low-level client was generated from, converted to JSON
Schema when generating, so nothing here restates a field of the API; what JSON Schema cannot say
(money, NaN, cycles, depth, text that UTF-8 cannot carry, converting caller objects) is `_json_data`'s.
An error names the path as the caller wrote it (`events[1].tickets[0].price`) and never holds the
value, which may be personal data.

A request is checked and converted to plain JSON data in one walk, so a body that passed
`build_body` always serialises. A response is only checked; unknown fields are allowed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._errors import RequestValidationError
from ._json_data import Invalid, decimal_json, describe, explain, to_decimal
from ._schema_check import compiled
from ._spec import request_schema

__all__ = ["build_body", "check_body", "decimal_to_json", "parse_amount", "schema_problem", "serialise"]


def parse_amount(value: object, path: str) -> Decimal:
    """A money amount as an exact Decimal, from a Decimal, int, float or numeric string.

    The one reading of money input, shared by the builders and the request validator, so
    `ticket(price="80.00")` and `{"price": "80.00"}` accept and refuse the same things.
    """
    try:
        return to_decimal(value)
    except Invalid as exc:
        reason = exc.reason
    raise RequestValidationError(path, reason)


def decimal_to_json(amount: Decimal, path: str) -> int | float:
    """A Decimal as the JSON number that goes on the wire: an int when whole, else the nearest float."""
    try:
        return decimal_json(amount)
    except Invalid as exc:
        reason = exc.reason
    raise RequestValidationError(path, reason)


def _caller_steps(steps: list[str | int]) -> list[str | int]:
    # build_body's arguments are `events`, not `context.events`: name paths the way they were passed.
    return ["events", *steps[2:]] if steps[:2] == ["context", "events"] else steps


def build_body(*, customer: Any, events: Any, partner: Any, schema: Any) -> dict[str, Any]:
    """The Create Offer body as plain JSON data, checked against the spec's request schema.

    Paths in errors use the argument names (`events[0].tickets[1].price`). The result is fresh
    data (the caller's objects are never modified) that `serialise` always accepts.

    Raises:
        RequestValidationError: the first problem found, with its path; it never holds the value.
    """
    if isinstance(events, Mapping | str | bytes) or not isinstance(events, Sequence):
        raise RequestValidationError("events", f"expected a list of events, got {describe(events)}")
    if not events:
        raise RequestValidationError("events", "at least one event is required")
    raw: dict[str, Any] = {"customer": customer, "context": {"events": list(events)}}
    if partner is not None:
        raw["partner"] = partner
    if schema is not None:
        raw["schema"] = schema
    body: dict[str, Any] = _checked(raw, request_schema(), _caller_steps)
    return body


def check_body(body: Any, schema: Mapping[str, Any]) -> Any:
    """Any operation's request body (a generated model or a mapping with the same keys) as plain JSON
    data, checked against the operation's request schema (`_spec.body_schema`); errors name the path
    under `body`.

    Raises:
        RequestValidationError: the first problem found, with its path; it never holds the value.
    """
    return _checked(body, schema, lambda steps: ["body", *steps])


def _checked(
    value: Any, schema: Mapping[str, Any], shown: Callable[[list[str | int]], list[str | int]]
) -> Any:
    try:
        return compiled(schema, request=True).check(value)
    except Invalid as exc:
        path, reason = explain(exc, shown)
    # Raised outside the except block, so the exception's context cannot lead back to the data.
    raise RequestValidationError(path, reason)


def serialise(body: Any) -> bytes:
    """The bytes to send: compact UTF-8 JSON, no NaN. A `build_body` result always serialises.

    Anything else that cannot be sent is a RequestValidationError that holds neither the body nor
    the offending value (json's own errors can hold the whole body).
    """
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:  # UnicodeEncodeError is a ValueError
        problem = type(exc).__name__
    raise RequestValidationError("body", f"cannot be sent as JSON ({problem}); build it with build_body")


def schema_problem(payload: Any, schema: Mapping[str, Any]) -> str | None:
    """Why a received body does not fit `schema` (`_spec.response_schema`), as `path: reason`; None if
    it fits.

    Checked as a response: unknown fields pass, free-form parts are not walked, a date-time is what
    the generated parser accepts.
    """
    try:
        compiled(schema, request=False).check(payload)
    except Invalid as exc:
        path, reason = explain(exc, list)
    else:
        return None
    return f"{path}: {reason}" if path else reason
