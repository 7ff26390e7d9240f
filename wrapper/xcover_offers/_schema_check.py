"""The spec's schemas as compiled jsonschema-rs validators, for requests and responses alike.

A schema node of the patched OpenAPI document is converted to JSON Schema (`json_schema`) and
compiled once per node and direction, under a lock; the cache is keyed by the node's identity in
the cached document. The draft is pinned to Draft 4, the one OpenAPI 3.0's Schema Object extends:
its `integer` is a number without a fraction part, as the generated models read it (2.0 is a float).

`Compiled.check` checks a request after `_json_data.to_json` has made it plain JSON data (the
rules JSON Schema cannot say), turning a numeric string into a number where the schema says
`number`: money comes as text as often as not. A response is only checked: unknown fields pass and
free-form parts are not walked. A failure is an `Invalid` with the path and a reason worded here,
never jsonschema-rs's own message, which quotes the value.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import jsonschema_rs
from jsonschema_rs import ValidationError, ValidationErrorKind

from ._constants import MAX_BODY_DEPTH
from ._json_data import (
    NOT_FINITE,
    NOT_JSON,
    NUMBER_HINT,
    Invalid,
    decimal_json,
    deeper_than,
    describe,
    iso_date,
    request_datetime,
    response_datetime,
    to_decimal,
    to_json,
)
from ._spec import document, resolve

_URI: Final = "urn:xcover-offers:openapi"
"""Where the converted document sits in a validator's registry; local `$ref`s are rewritten to it."""
_FORMATS: Final[dict[str, tuple[Callable[[str], str | None], Callable[[str], str | None]]]] = {
    # format: (its check on a request, on a response), each returning the problem or None
    "date-time": (request_datetime, response_datetime),
    "date": (iso_date, iso_date),
}
"""The formats checked here: what the generated models parse. Other formats (email, uri, ...) are
left to XCover: the models keep those values as text, and XCover's check is the one that counts."""
_COMMON_DATE_TIME: Final = (
    r"^(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-"
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
"""The usual date-time form (RFC 3339 with an offset, no 29 February), matched in Rust before the
`date-time` check is called in Python, which costs a call per value: a strict subset of what
`datetime.fromisoformat` accepts with an offset (tests/test_validation.py proves it)."""
_LITERAL: Final = frozenset({"enum", "const", "default", "example", "examples"})
"""Keywords whose value is data, not a schema: never converted."""
_A: Final = {"string": "a string", "number": "a number", "integer": "an integer", "boolean": "a boolean",
             "object": "an object", "array": "an array"}  # fmt: skip


def json_schema(node: Any, *, request: bool) -> Any:
    """An OpenAPI 3.0 schema (or a whole document) as the JSON Schema Draft 4 that jsonschema-rs compiles.

    This belongs at generation time, next to the spec fixes (the generation tools are being changed
    elsewhere); until it moves there it runs once per schema at first use, cached with the validator.

    - `nullable: true` adds "null" to the type, and to the enum if there is one.
    - A local `$ref` (`#/...`) points into the registry holding the converted document; any other
      `$ref` is a LookupError, as in `_spec.resolve`, so nothing is ever fetched.
    - `format` is kept only where it is checked here (`_FORMATS`); a date-time tries
      `_COMMON_DATE_TIME` first.
    - For a response, `additionalProperties: false` is dropped: XCover adding a field must not break
      clients already deployed (a schema given for additional properties still applies).

    OpenAPI-only keywords (example, discriminator, xml, externalDocs, readOnly, writeOnly) mean
    nothing to Draft 4, which ignores them.
    """
    if isinstance(node, list):
        return [json_schema(item, request=request) for item in node]
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _LITERAL or str(key).startswith("x-"):
            out[key] = value
        elif key == "properties" and isinstance(value, Mapping):  # names, each with a schema
            out[key] = {name: json_schema(sub, request=request) for name, sub in value.items()}
        else:
            out[key] = json_schema(value, request=request)
    if isinstance(ref := out.get("$ref"), str):
        if not ref.startswith("#/"):
            raise LookupError(f"only local $refs are supported, got {ref!r}")
        out["$ref"] = _URI + ref
    if isinstance(out.get("format"), str) and out["format"] not in _FORMATS:
        del out["format"]
    if out.get("format") == "date-time" and "anyOf" not in out:
        out["anyOf"] = [{"pattern": _COMMON_DATE_TIME}, {"format": out.pop("format")}]
    if not request and out.get("additionalProperties") is False:
        del out["additionalProperties"]
    if out.get("nullable") is True:
        del out["nullable"]
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def _has_ref(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(_has_ref(value) for value in node.values())
    return isinstance(node, list) and any(_has_ref(item) for item in node)


def _cycles(node: Any, root: Mapping[str, Any] | None, refs: frozenset[str] = frozenset()) -> bool:
    """Whether `node` reaches a `$ref` that leads back to it: only then can the data it fits nest
    as deep as it likes."""
    if isinstance(node, list):
        return any(_cycles(item, root, refs) for item in node)
    if not isinstance(node, Mapping):
        return False
    ref = node.get("$ref")
    if isinstance(ref, str):
        return ref in refs or _cycles(resolve(node, root), root, refs | {ref})
    return any(_cycles(value, root, refs) for key, value in node.items() if key not in _LITERAL)


def _fits(check: Callable[[str], str | None]) -> Callable[[str], bool]:
    return lambda text: check(text) is None


def _money_text(error: ValidationError, value: Any) -> bool:
    """Whether the error is text where the schema says `number`: money given as "80.00"."""
    kind = error.kind
    return type(value) is str and isinstance(kind, ValidationErrorKind.Type) and "number" in kind.types


def _at(data: Any, steps: Sequence[str | int]) -> Any:
    for step in steps:
        data = data[step]
    return data


class Compiled:
    """One schema node compiled for one direction. Use `compiled()`, which caches."""

    def __init__(self, schema: Mapping[str, Any], *, request: bool, root: Mapping[str, Any] | None) -> None:
        self.schema = schema
        self.request = request
        self.root = root
        self._formats = {name: checks[0 if request else 1] for name, checks in _FORMATS.items()}
        converted = json_schema(schema, request=request)
        # jsonschema-rs recurses natively, as deep as a recursive schema lets the data go: such a
        # response is bounded first, as requests always are by `to_json`.
        self._recursive = _cycles(schema, root)
        registry = None
        if _has_ref(converted):
            whole = json_schema(document() if root is None else root, request=request)
            registry = jsonschema_rs.Registry([(_URI, whole)], draft=jsonschema_rs.Draft4)
        self._validator = jsonschema_rs.Draft4Validator(
            converted,
            formats={name: _fits(check) for name, check in self._formats.items()},
            validate_formats=True,
            registry=registry,
            offline=True,
            mask="<value>",  # its own messages never quote data, should one be shown by mistake
        )

    def check(self, value: Any) -> Any:
        """A request as fresh plain JSON data, converted and checked; a response, checked, as it is.

        Raises:
            Invalid: the first problem found, with its path.
        """
        return self._request(value) if self.request else self._response(value)

    def _request(self, value: Any) -> Any:
        try:
            data = to_json(value, 1)
        except Invalid as exc:
            steps = exc.where[::-1]  # not JSON data: say what the spec expects there, if it says
            if exc.got is not None and isinstance(kind := self._schema_at(steps).get("type"), str):
                exc.reason = f"expected {self._expected(steps, [kind])}, got {exc.got}"
            raise
        while not self._validator.is_valid(data):
            errors = list(self._validator.iter_errors(data))  # a list: the data changes below
            if not errors:
                raise Invalid("does not fit the spec")
            for error in errors:
                steps = list(error.instance_path)
                if not _money_text(error, _at(data, steps)):
                    raise self._invalid(error, data)
                try:  # the one conversion the schema decides: text to a number where it says `number`
                    number = decimal_json(to_decimal(_at(data, steps)))
                except Invalid as exc:
                    exc.where.extend(reversed(steps))
                    raise
                if steps:
                    _at(data, steps[:-1])[steps[-1]] = number
                else:
                    data = number  # checked again, as every converted number is (a maximum, an enum)
        return data

    def _response(self, payload: Any) -> Any:
        if self._recursive and (steps := deeper_than(payload, MAX_BODY_DEPTH)) is not None:
            raise Invalid(f"nested more than {MAX_BODY_DEPTH} levels deep", *reversed(steps), too_deep=True)
        try:
            # The first error only: iter_errors builds every one before yielding any, 13 s and 1.3 GB
            # for a 1 MiB answer listing 350,000 empty products.
            self._validator.validate(payload)
        except ValidationError as error:
            raise self._invalid(error, payload) from None
        except ValueError:  # jsonschema-rs takes JSON types only: json.loads never gives others
            raise Invalid(f"{NOT_JSON}, as json.loads returns") from None
        return payload

    def _schema_at(self, steps: Sequence[str | int]) -> Mapping[str, Any]:
        """The spec's schema at a data path; {} where the schema says nothing (free-form data)."""
        node: Any = self.schema
        for step in steps:
            node = resolve(node, self.root)
            if isinstance(step, int):
                node = node.get("items", {})
            else:
                node = node.get("properties", {}).get(step, node.get("additionalProperties", {}))
            if not isinstance(node, Mapping):
                return {}
        return resolve(node, self.root)

    def _expected(self, steps: Sequence[str | int], types: Sequence[str]) -> str:
        if self.request and "number" in types:
            return NUMBER_HINT  # the same money types `ticket()` takes
        if self.request and self._schema_at(steps).get("format") == "date-time":
            return "an ISO 8601 date-time string or an aware datetime"
        return " or ".join(_A.get(t, t) for t in types if t != "null")

    def _invalid(self, error: ValidationError, data: Any) -> Invalid:
        """jsonschema-rs's error in today's wording: the path as the caller wrote it, never the value."""
        steps = list(error.instance_path)
        value = _at(data, steps)
        match error.kind:
            case ValidationErrorKind.Type(types=types):
                if value is None:
                    reason = "must not be null"
                elif isinstance(value, float) and not math.isfinite(value):  # json.loads reads NaN
                    reason = NOT_FINITE
                else:
                    reason = f"expected {self._expected(steps, types)}, got {describe(value)}"
            case ValidationErrorKind.Required(property=name):
                steps.append(name)
                reason = "required field is missing"
            case ValidationErrorKind.AdditionalProperties(unexpected=names):
                allowed = ", ".join(self._schema_at(steps).get("properties", {}))
                steps.append(names[0])
                reason = f"is not a field here; the spec allows {allowed}"
            case ValidationErrorKind.Format(format=name):
                reason = self._formats[name](value) or f"is not a {name}"
            case ValidationErrorKind.AnyOf() if isinstance(value, str) and (
                check := self._formats.get(self._schema_at(steps).get("format", ""))
            ):  # a date-time that is not in the usual form, and not a date-time at all
                reason = check(value) or "does not fit the spec"
            case ValidationErrorKind.Enum(options=options):
                reason = f"must be one of {', '.join(str(o) for o in options if o is not None)}"
            case ValidationErrorKind.MinLength(limit=limit):
                reason = f"must be at least {limit} characters"
            case ValidationErrorKind.MaxLength(limit=limit):
                reason = f"must be at most {limit} characters"
            case ValidationErrorKind.Minimum(limit=limit):
                reason = f"must be at least {limit}"
            case ValidationErrorKind.Maximum(limit=limit):
                reason = f"must be at most {limit}"
            case ValidationErrorKind.Pattern(pattern=pattern):
                reason = f"must match the pattern {pattern}"
            case kind:
                reason = f"does not fit the spec's {kind.name!r} rule"
        return Invalid(reason, *reversed(steps))


_compiled: dict[tuple[int, bool], tuple[Mapping[str, Any], Compiled]] = {}
"""Compiled validators by (id of the schema node, is a request); the node is kept so its id stays its
own. Written only under _lock, and only with finished validators."""
_lock = threading.Lock()


def compiled(schema: Mapping[str, Any], *, request: bool, root: Mapping[str, Any] | None = None) -> Compiled:
    """`schema` (a node of `root`, by default the shipped document) compiled for requests or responses."""
    key = (id(schema), request)
    entry = _compiled.get(key)
    if entry is None or entry[0] is not schema:
        with _lock:
            entry = _compiled.get(key)
            if entry is None or entry[0] is not schema:
                entry = _compiled[key] = (schema, Compiled(schema, request=request, root=root))
    return entry[1]


def forget_compiled() -> None:
    """Drop every compiled validator (tests use it to exercise first use)."""
    with _lock:
        _compiled.clear()
