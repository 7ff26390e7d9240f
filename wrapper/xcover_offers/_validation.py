"""Check a request body against the spec's request schema before anything is sent.

The rules (required fields, JSON types, nullability, date-time format, enums) are read from the
patched OpenAPI document that the low-level client was generated from, so this module restates no
field of the API. Errors name the path as the caller wrote it: `events[1].tickets[0].price`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._errors import RequestValidationError
from ._spec import document, request_schema

_TYPE_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
}


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        ref = str(schema["$ref"])
        if not ref.startswith("#/"):
            raise LookupError(f"external $ref {ref!r} is not supported")
        node: Any = document()
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def _type_ok(value: Any, expected: str) -> bool:
    if expected == "string":
        return isinstance(value, str)
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "object":
        return isinstance(value, Mapping)
    if expected == "array":
        return isinstance(value, list)
    return True


def parse_aware_datetime(value: str, path: str) -> dt.datetime:
    """RFC 3339 date-time with an offset; a naive one is ambiguous and rejected."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise RequestValidationError(
            path, "expected an ISO 8601 date-time, e.g. 2027-06-01T19:30:00+00:00"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise RequestValidationError(path, "date-time has no timezone offset; give an aware datetime")
    return parsed


def _describe(value: Any) -> str:
    # The type only: values may be personal data and must not reach logs through error messages.
    return "null" if value is None else type(value).__name__


def validate(value: Any, schema: Mapping[str, Any], path: str) -> None:
    """Raise RequestValidationError at the first place `value` breaks `schema`."""
    schema = _resolve(schema)
    if value is None:
        if schema.get("nullable"):
            return
        raise RequestValidationError(path, "must not be null")
    expected = schema.get("type")
    if isinstance(expected, str) and not _type_ok(value, expected):
        raise RequestValidationError(
            path, f"expected {_TYPE_NAMES.get(expected, expected)}, got {_describe(value)}"
        )
    if "enum" in schema and value not in schema["enum"]:
        raise RequestValidationError(path, f"must be one of {', '.join(map(str, schema['enum']))}")
    if isinstance(value, str):
        if schema.get("format") == "date-time":
            parse_aware_datetime(value, path)
        if "minLength" in schema and len(value) < int(schema["minLength"]):
            raise RequestValidationError(path, f"must be at least {schema['minLength']} characters")
    if isinstance(value, Mapping):
        for name in schema.get("required", ()):
            if name not in value:
                raise RequestValidationError(_join(path, name), "required field is missing")
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                validate(value[name], sub, _join(path, name))
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(item, schema["items"], f"{path}[{i}]")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def to_json(value: Any, path: str) -> Any:
    """Plain JSON data from what callers pass: generated models, mappings, datetimes, Decimals."""
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): to_json(v, _join(path, str(k))) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise RequestValidationError(path, "naive datetime; give a timezone-aware datetime")
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise RequestValidationError(path, "must be a finite number")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise RequestValidationError(path, "must be a finite number")
    return value


def build_body(
    *,
    customer: Any,
    events: Any,
    partner: Any,
    schema: Any,
) -> dict[str, Any]:
    """Assemble and validate the Create Offer body; paths in errors use the argument names."""
    if isinstance(events, Mapping | str | bytes) or not isinstance(events, Sequence):
        raise RequestValidationError("events", f"expected a list of events, got {type(events).__name__}")
    if not events:
        raise RequestValidationError("events", "at least one event is required")
    body: dict[str, Any] = {"customer": to_json(customer, "customer")}
    body["context"] = {"events": to_json(list(events), "events")}
    if partner is not None:
        body["partner"] = to_json(partner, "partner")
    if schema is not None:
        body["schema"] = schema
    spec = _resolve(request_schema())
    properties = spec.get("properties", {})
    for name in ("customer", "partner", "schema"):
        if name in body:
            validate(body[name], properties.get(name, {}), name)
    context_schema = _resolve(properties.get("context", {}))
    validate(body["context"]["events"], context_schema.get("properties", {}).get("events", {}), "events")
    return body
