"""Check a request body against the spec's request schema before anything is sent.

The rules (required fields, JSON types, nullability, date-time format, enums) are read from the
patched OpenAPI document that the low-level client was generated from, so this module restates no
field of the API. Errors name the path as the caller wrote it: `events[1].tickets[0].price`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

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
    try:
        _checker(schema)(value)
    except _Invalid as exc:
        for step in reversed(exc.where):
            path = f"{path}[{step}]" if isinstance(step, int) else _join(path, step)
        raise RequestValidationError(path, exc.reason) from None


class _Invalid(Exception):
    """A check failed below; each enclosing object or array adds its step to `where` on the way out.

    Building the path only on failure keeps the common case, a valid body, free of string work.
    """

    def __init__(self, reason: str, *where: str | int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.where: list[str | int] = list(where)


Check = Callable[[Any], None]

_checkers: dict[int, tuple[Mapping[str, Any], Check]] = {}
"""Compiled schema nodes by id; the node itself is kept so that its id stays its own."""
_compiling: set[int] = set()

_EXACT_TYPES: Final[Mapping[str, tuple[type, ...]]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
}
"""Types for which the schema's `type` check passes at a glance; anything else takes the full path."""


def _checker(schema: Mapping[str, Any]) -> Check:
    """The compiled check for one schema node (compiled once: the spec is read once)."""
    entry = _checkers.get(id(schema))
    if entry is not None and entry[0] is schema:
        return entry[1]
    if id(schema) in _compiling:  # a $ref cycle: look the node up when it is used
        return lambda value: _checker(schema)(value)
    _compiling.add(id(schema))
    try:
        check = _compile(schema)
    finally:
        _compiling.discard(id(schema))
    _checkers[id(schema)] = (schema, check)
    return check


def _compile(node: Mapping[str, Any]) -> Check:
    """One schema node as a function: the rules of `validate`, in the same order, decided once.

    `full` is the general check. When the value has the exact type the schema asks for, most of
    those rules are known to pass, and the returned function does only what is left.
    """
    schema = _resolve(node)
    nullable = bool(schema.get("nullable"))
    expected: str | None = schema.get("type") if isinstance(schema.get("type"), str) else None
    has_enum = "enum" in schema
    date_time = schema.get("format") == "date-time"
    min_length = int(schema["minLength"]) if "minLength" in schema else None
    required = tuple(schema.get("required", ()))
    properties = tuple((name, _checker(sub)) for name, sub in schema.get("properties", {}).items())
    items = _checker(schema["items"]) if "items" in schema else None

    def check_mapping(value: Mapping[str, Any]) -> None:
        for name in required:
            if name not in value:
                raise _Invalid("required field is missing", name)
        for name, sub in properties:
            if name in value:
                try:
                    sub(value[name])
                except _Invalid as exc:
                    exc.where.append(name)
                    raise

    def check_items(value: list[Any]) -> None:
        assert items is not None
        for i, item in enumerate(value):
            try:
                items(item)
            except _Invalid as exc:
                exc.where.append(i)
                raise

    def full(value: Any) -> None:
        if value is None:
            if nullable:
                return
            raise _Invalid("must not be null")
        if expected is not None and not _type_ok(value, expected):
            raise _Invalid(f"expected {_TYPE_NAMES.get(expected, expected)}, got {_describe(value)}")
        if has_enum and value not in schema["enum"]:
            raise _Invalid(f"must be one of {', '.join(map(str, schema['enum']))}")
        if isinstance(value, str):
            if date_time:
                _check_datetime(value)
            if min_length is not None and len(value) < min_length:
                raise _Invalid(f"must be at least {schema['minLength']} characters")
        if isinstance(value, Mapping):
            check_mapping(value)
        if items is not None and isinstance(value, list):
            check_items(value)

    if has_enum or min_length is not None:
        return full
    exact = _EXACT_TYPES.get(expected or "")
    if exact is not None and not required and not properties and items is None:
        if date_time:

            def check_datetime(value: Any) -> None:
                if type(value) is str:
                    _check_datetime(value)
                else:
                    full(value)

            return check_datetime

        def check_scalar(value: Any) -> None:
            if type(value) not in exact:
                full(value)

        return check_scalar
    if expected == "object" and items is None:

        def check_object(value: Any) -> None:
            if type(value) is dict:
                check_mapping(value)
            else:
                full(value)

        return check_object
    if expected == "array" and not required and not properties:

        def check_array(value: Any) -> None:
            if type(value) is list:
                if items is not None:
                    check_items(value)
            else:
                full(value)

        return check_array
    return full


def _check_datetime(value: str) -> None:
    try:
        parse_aware_datetime(value, "")
    except RequestValidationError as exc:
        raise _Invalid(exc.reason) from None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_PLAIN: Final = frozenset({str, int, bool, type(None)})
"""Exact types that `to_json` passes through unchanged (subclasses take the general path)."""


def to_json(value: Any, path: str) -> Any:
    """Plain JSON data from what callers pass: generated models, mappings, datetimes, Decimals."""
    cls = type(value)
    if cls in _PLAIN:
        return value
    # Plain dicts and lists, the common input, are copied without building a path per value: the
    # path is only needed for an error, and plain scalars and finite floats cannot raise one.
    if cls is dict:
        return {
            (k if type(k) is str else str(k)): (
                v
                if (t := type(v)) in _PLAIN or (t is float and math.isfinite(v))
                else to_json(v, _join(path, str(k)))
            )
            for k, v in value.items()
        }
    if cls is list:
        return [
            v if (t := type(v)) in _PLAIN or (t is float and math.isfinite(v)) else to_json(v, f"{path}[{i}]")
            for i, v in enumerate(value)
        ]
    return _to_json(value, path)


def _to_json(value: Any, path: str) -> Any:
    if hasattr(value, "to_dict") and callable(value.to_dict):
        try:
            data = value.to_dict()
        except (AttributeError, TypeError, ValueError) as exc:  # e.g. a str where a datetime belongs
            problem = f"this {type(value).__name__} cannot be serialised ({type(exc).__name__})"
            raise RequestValidationError(path, f"{problem}; check its field types") from None
        # Not walked again: the generated serialiser already produced JSON types for every typed
        # field, and a wrong type (a Decimal in a float field) is named by validation below.
        return data
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
