"""Compiled schema checks: the machinery behind `_validation`, for requests and responses alike.

A schema node compiles once into a function `(value, depth) -> value`. For a request it also converts
what callers pass (generated models, datetimes, Decimals, numeric strings in `number` fields) into
plain JSON data, and refuses whatever `json.dumps` would refuse: a reference cycle, nesting deeper
than MAX_BODY_DEPTH, a NaN or infinite number, a lone surrogate in a string or key, an object that is
not JSON data. For a response it only checks: unknown fields pass and free-form parts are not walked.

Compiled checks are cached per schema node. Compiling happens under a lock, and each compilation has
its own `$ref` cycle guard, so concurrent first calls never see a half-built check. A keyword outside
_KEYWORDS and _ANNOTATIONS stops compilation with its name, so a spec update cannot drop a rule
silently. Failures carry the path, built only on the way out, and never the value.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final

from ._constants import MAX_BODY_DEPTH
from ._json_data import (
    NUMBER_HINT,
    SURROGATE,
    Check,
    Invalid,
    any_json,
    anything,
    aware_iso,
    bound_check,
    check_float,
    check_int,
    check_key,
    decimal_json,
    describe,
    exact_type_check,
    iso_date,
    model_dict,
    null,
    request_datetime,
    response_datetime,
    to_decimal,
    too_deep,
    utf8_ok,
    walk_list,
    walk_mapping,
    whole_decimal,
)
from ._spec import resolve

_KEYWORDS: Final = frozenset(
    {
        "type", "nullable", "properties", "required", "items", "additionalProperties",
        "enum", "minLength", "maxLength", "minimum", "maximum", "format",
    }
)  # fmt: skip
"""The validation keywords implemented here (`$ref` is followed by `_spec.resolve`)."""
_ANNOTATIONS: Final = frozenset(
    {"description", "title", "example", "examples", "default", "deprecated", "readOnly", "writeOnly",
     "externalDocs", "xml"}
)  # fmt: skip
"""Keywords that describe and never constrain; `x-` extensions are ignored as well."""
_STRUCTURAL: Final = ("properties", "required", "items", "additionalProperties")
_TYPES: Final = frozenset({"string", "number", "integer", "boolean", "object", "array"})
_UNCHECKED_FORMATS: Final = frozenset(
    {"email", "uri", "uri-reference", "hostname", "ipv4", "ipv6", "int32", "int64", "float", "double",
     "password"}
)  # fmt: skip
"""Formats left to XCover. The generated models keep these values as they are, so an odd one cannot
break parsing, and XCover's check is the one that counts (a bad email gets XCover's 422)."""

_compiled: dict[tuple[int, bool], tuple[Mapping[str, Any], Check]] = {}
"""Compiled checks by (id of the schema node, is a request); the node is kept so its id stays its own.
Written only under _lock, and only with finished checks."""
_lock = threading.Lock()


def compiled_check(
    schema: Mapping[str, Any], *, request: bool, root: Mapping[str, Any] | None = None
) -> Check:
    entry = _compiled.get((id(schema), request))
    if entry is not None and entry[0] is schema:
        return entry[1]
    with _lock:
        entry = _compiled.get((id(schema), request))
        if entry is not None and entry[0] is schema:
            return entry[1]
        compiler = _Compiler(request=request, root=root)
        check = compiler.node(schema, "")
        for key, (node, done) in compiler.done.items():
            _compiled[(key, request)] = (node, done)
        _compiled[(id(schema), request)] = (schema, check)
    return check


def forget_compiled() -> None:
    """Drop every compiled check (tests use it to exercise first use)."""
    with _lock:
        _compiled.clear()


class _Compiler:
    """One compilation. Its `$ref` cycle guard (`pending`) belongs to it alone, never to another thread."""

    def __init__(self, *, request: bool, root: Mapping[str, Any] | None) -> None:
        self.request = request
        self.root = root
        self.done: dict[int, tuple[Mapping[str, Any], Check]] = {}
        self.pending: dict[int, list[Check]] = {}

    def node(self, schema: Mapping[str, Any], where: str) -> Check:
        target = resolve(schema, self.root)
        key = id(target)
        for entry in (self.done.get(key), _compiled.get((key, self.request))):
            if entry is not None and entry[0] is target:
                return entry[1]
        if key in self.pending:  # a $ref cycle: forward to the check once it is built
            cell = self.pending[key]
            return lambda value, depth: cell[0](value, depth)
        cell = self.pending[key] = []
        check = self._compile(target, where)
        cell.append(check)
        del self.pending[key]
        self.done[key] = (target, check)
        return check

    def _compile(self, schema: Mapping[str, Any], where: str) -> Check:
        unknown = sorted(
            k for k in schema if k not in _KEYWORDS and k not in _ANNOTATIONS and not k.startswith("x-")
        )
        if unknown:
            raise _unsupported(f"schema keyword {unknown[0]!r}", where)
        kind = schema.get("type")
        if kind is None:
            present = [
                k
                for k in (*_STRUCTURAL, "minLength", "maxLength", "minimum", "maximum", "format")
                if k in schema
            ]
            if present:
                raise _unsupported(f"{present[0]!r} without a 'type'", where)
            return self._constrained(self._any(), schema, None, where)
        if not isinstance(kind, str) or kind not in _TYPES:
            raise _unsupported(f"type {kind!r}", where)
        nullable = schema.get("nullable", False) is True
        if kind == "object":
            return self._constrained(self._object(schema, where, nullable), schema, kind, where)
        if kind == "array":
            return self._constrained(self._array(schema, where, nullable), schema, kind, where)
        misplaced = [k for k in _STRUCTURAL if k in schema]
        if misplaced:
            raise _unsupported(f"{misplaced[0]!r} on a {kind}", where)
        scalar = {"string": self._string, "number": self._number, "integer": self._integer}.get(kind)
        if scalar is not None:
            return scalar(schema, where, nullable, _extra(schema, kind, where))
        return self._constrained(exact_type_check(bool, "a boolean", nullable), schema, kind, where)

    def _any(self) -> Check:
        return any_json if self.request else anything

    def _constrained(self, check: Check, schema: Mapping[str, Any], kind: str | None, where: str) -> Check:
        extra = _extra(schema, kind, where)
        if extra is None:
            return check

        def constrained(value: Any, depth: int) -> Any:
            value = check(value, depth)
            if value is not None:
                extra(value)
            return value

        return constrained

    def _format(self, schema: Mapping[str, Any], where: str) -> Callable[[str], None] | None:
        fmt = schema.get("format")
        if fmt is None or fmt in _UNCHECKED_FORMATS:
            return None
        if fmt == "date-time":
            return request_datetime if self.request else response_datetime
        if fmt == "date":
            return iso_date
        raise _unsupported(f"format {fmt!r}", where)

    def _string(
        self, schema: Mapping[str, Any], where: str, nullable: bool, extra: Callable[[Any], None] | None
    ) -> Check:
        fmt = self._format(schema, where)
        request = self.request
        expected = "a string"
        if request and fmt is request_datetime:
            expected = "an ISO 8601 date-time string or an aware datetime"

        def check_string(value: Any, depth: int) -> Any:
            if type(value) is not str:
                if value is None:
                    return null(nullable)
                if not isinstance(value, str):
                    if request and fmt is request_datetime and isinstance(value, dt.datetime):
                        return aware_iso(value)
                    if request and fmt is iso_date and isinstance(value, dt.date):
                        value = value.isoformat()
                    else:
                        raise Invalid(f"expected {expected}, got {describe(value)}")
                value = str.__str__(value)
            if request and not utf8_ok(value):
                raise Invalid(SURROGATE)
            if fmt is not None:
                fmt(value)
            if extra is not None:
                extra(value)
            return value

        return check_string

    def _number(
        self, schema: Mapping[str, Any], where: str, nullable: bool, extra: Callable[[Any], None] | None
    ) -> Check:
        request = self.request
        expected = NUMBER_HINT if request else "a number"

        def check_number(value: Any, depth: int) -> Any:
            t = type(value)
            if t is float:
                check_float(value)
            elif t is int:
                check_int(value)
            elif value is None:
                return null(nullable)
            elif request and not isinstance(value, bool):
                # Money comes as Decimal or text as often as float: the same types `ticket()` takes.
                value = decimal_json(to_decimal(value))
            else:
                raise Invalid(f"expected {expected}, got {describe(value)}")
            if extra is not None:
                extra(value)
            return value

        return check_number

    def _integer(
        self, schema: Mapping[str, Any], where: str, nullable: bool, extra: Callable[[Any], None] | None
    ) -> Check:
        request = self.request

        def check_integer(value: Any, depth: int) -> Any:
            if type(value) is not int:
                if value is None:
                    return null(nullable)
                if isinstance(value, int) and not isinstance(value, bool):
                    value = int(value)
                elif request and whole_decimal(value):
                    value = decimal_json(value)
                elif not request and isinstance(value, float) and value.is_integer():
                    pass  # JSON has one number type: 2.0 is an integer
                else:
                    raise Invalid(f"expected an integer, got {describe(value)}")
            check_int(int(value))
            if extra is not None:
                extra(value)
            return value

        return check_integer

    def _object(self, schema: Mapping[str, Any], where: str, nullable: bool) -> Check:
        properties: dict[str, Check] = {
            str(name): self.node(sub, f"{where}.{name}" if where else str(name))
            for name, sub in schema.get("properties", {}).items()
        }
        required = tuple(schema.get("required", ()))
        extra_schema = schema.get("additionalProperties", True)
        additional: Check | None
        if extra_schema is True:
            additional = self._any()
        elif extra_schema is False:
            additional = None
        elif isinstance(extra_schema, Mapping):
            additional = self.node(extra_schema, f"{where}.*")
        else:
            raise _unsupported(f"additionalProperties {extra_schema!r}", where)
        if self.request:
            return _request_object(properties, required, additional, nullable)
        known_good = {
            str(name): _known_good_types(resolve(sub, self.root))
            for name, sub in schema.get("properties", {}).items()
        }
        return _response_object(properties, known_good, required, additional, nullable)

    def _array(self, schema: Mapping[str, Any], where: str, nullable: bool) -> Check:
        items_schema = schema.get("items")
        if items_schema is not None and not isinstance(items_schema, Mapping):
            raise _unsupported("'items' that is not one schema", where)
        items = self._any() if items_schema is None else self.node(items_schema, f"{where}[]")
        request = self.request
        accepted = (list, tuple) if request else (list,)

        def check_array(value: Any, depth: int) -> Any:
            if type(value) is not list:
                if value is None:
                    return null(nullable)
                if not isinstance(value, accepted):
                    raise Invalid(f"expected an array, got {describe(value)}")
            if request:
                return walk_list(value, depth, items)
            if depth > MAX_BODY_DEPTH:
                raise too_deep(value)
            if items is not anything:
                for i, item in enumerate(value):
                    try:
                        items(item, depth + 1)
                    except Invalid as exc:
                        exc.where.append(i)
                        raise
            return value

        return check_array


_BOUNDS: Final = {
    # keyword: (the types it applies to, the test, the message)
    "minLength": (("string",), lambda v, n: len(v) >= n, "must be at least {} characters"),
    "maxLength": (("string",), lambda v, n: len(v) <= n, "must be at most {} characters"),
    "minimum": (("number", "integer"), lambda v, n: v >= n, "must be at least {}"),
    "maximum": (("number", "integer"), lambda v, n: v <= n, "must be at most {}"),
}


def _extra(schema: Mapping[str, Any], kind: str | None, where: str) -> Callable[[Any], None] | None:
    """enum, lengths and bounds: checked once the value has its JSON type."""
    checks: list[Callable[[Any], None]] = []
    if "enum" in schema:
        allowed = list(schema["enum"])
        shown = ", ".join(map(str, allowed))

        def enum(value: Any) -> None:
            if value not in allowed:
                raise Invalid(f"must be one of {shown}")

        checks.append(enum)
    for name, (kinds, test, message) in _BOUNDS.items():
        if name in schema:
            if kind not in kinds:
                raise _unsupported(f"{name!r} on a {kind or 'schema without a type'}", where)
            checks.append(bound_check(test, schema[name], message.format(schema[name])))
    if len(checks) < 2:
        return checks[0] if checks else None

    def every(value: Any) -> None:
        for check in checks:
            check(value)

    return every


def _unsupported(what: str, where: str) -> NotImplementedError:
    return NotImplementedError(
        f"{what} at {where or 'the top of the schema'} is not implemented by the validator (it "
        f"implements {', '.join(sorted(_KEYWORDS))} and $ref; ignores {', '.join(sorted(_ANNOTATIONS))})"
    )


_ABSENT: Final = object()


def _request_object(
    properties: Mapping[str, Check], required: tuple[str, ...], additional: Check | None, nullable: bool
) -> Check:
    def field(key: Any) -> Check:
        check = properties.get(key)
        if check is not None:
            return check
        check_key(key)
        if additional is None:
            raise Invalid(f"is not a field here; the spec allows {', '.join(properties)}", key)
        return additional

    def check_object(value: Any, depth: int) -> Any:
        original = value
        if type(value) is not dict:
            if value is None:
                return null(nullable)
            data = model_dict(value)
            if data is not None:
                value = data
            elif not isinstance(value, Mapping):
                raise Invalid(f"expected an object, got {describe(value)}")
        for name in required:
            if name not in value:
                raise Invalid("required field is missing", name)
        return walk_mapping(value, original, depth, field)

    return check_object


def _known_good_types(schema: Mapping[str, Any]) -> frozenset[type]:
    """Types of a received value that pass `schema` at a glance, with no call (most leaves of a body).

    A float is never among them: JSON's parser accepts NaN, which the check refuses.
    """
    if any(k in schema for k in ("enum", "minLength", "maxLength", "minimum", "maximum")):
        return frozenset()
    kind = schema.get("type")
    if kind == "string" and schema.get("format") in (None, *_UNCHECKED_FORMATS):
        types: set[type] = {str}
    elif kind in ("integer", "number", "boolean"):
        types = {bool} if kind == "boolean" else {int}
    else:
        return frozenset()
    if schema.get("nullable") is True:
        types.add(type(None))
    return frozenset(types)


def _response_object(
    properties: Mapping[str, Check],
    known_good: Mapping[str, frozenset[type]],
    required: tuple[str, ...],
    additional: Check | None,
    nullable: bool,
) -> Check:
    declared = tuple((name, check, known_good.get(name, frozenset())) for name, check in properties.items())
    # Unknown fields are allowed in responses, whatever additionalProperties says: XCover adding a
    # field must not break clients already deployed. A schema for them is still applied.
    others = additional if additional is not None and additional is not anything else None

    def check_object(value: Any, depth: int) -> Any:
        if type(value) is not dict:
            if value is None:
                return null(nullable)
            raise Invalid(f"expected an object, got {describe(value)}")
        if depth > MAX_BODY_DEPTH:
            raise too_deep(value)
        for name in required:
            if name not in value:
                raise Invalid("required field is missing", name)
        for name, check, good in declared:
            item = value.get(name, _ABSENT)
            if item is not _ABSENT and type(item) not in good:
                try:
                    check(item, depth + 1)
                except Invalid as exc:
                    exc.where.append(name)
                    raise
        if others is not None:
            for name, item in value.items():
                if name not in properties:
                    try:
                        others(item, depth + 1)
                    except Invalid as exc:
                        exc.where.append(name)
                        raise
        return value

    return check_object
