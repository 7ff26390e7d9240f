"""The spec's body schemas as compiled jsonschema-rs validators, for requests and responses alike.

The schemas were converted to JSON Schema when the package was generated (tools/draft4.py: `nullable`,
the checked formats, a response's `additionalProperties`) and ship as one document per direction,
request.schema.json and response.schema.json: each schema at its pointer in the spec, its `$ref`s
naming the document by its `id`. A validator is compiled once per schema and direction, under a
lock, with the document in its registry. The draft is pinned to Draft 4, the one OpenAPI 3.0's
Schema Object extends: its `integer` is a number without a fraction part, as the generated models
read it (2.0 is a float). What stays here is what cannot be data: the format checks, which are Python.

`Compiled.check` checks a request after `_json_data.to_json` has made it plain JSON data (the
rules JSON Schema cannot say), turning a numeric string into a number where the schema says
`number`: money comes as text as often as not. A response is only checked: unknown fields pass and
free-form parts are not walked. A failure is an `Invalid` with the path and a reason worded here,
never jsonschema-rs's own message, which quotes the value.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import unquote

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
    to_decimal,
    to_json,
)
from ._spec import json_schema, resolve

DRAFT: Final = "http://json-schema.org/draft-04/schema#"
"""The draft the schema documents are written in, and the one compiled here."""


def _request_datetime(value: str) -> str | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return "expected an ISO 8601 date-time, e.g. 2027-06-01T19:30:00+00:00"
    if parsed.utcoffset() is None:
        return "date-time has no timezone offset; give an aware datetime"
    return None


def _response_datetime(value: str) -> str | None:
    # Whatever the generated parser turns into a datetime (it uses fromisoformat) is accepted;
    # XCover's own form is not pinned down further by the spec.
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return "expected an ISO 8601 date-time"
    return None


def _iso_date(value: str) -> str | None:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return "expected an ISO 8601 date, e.g. 2027-06-01"
    return None


FORMATS: Final[dict[str, tuple[Callable[[str], str | None], Callable[[str], str | None]]]] = {
    # format: (its check on a request, on a response), each returning the problem or None
    "date-time": (_request_datetime, _response_datetime),
    "date": (_iso_date, _iso_date),
}
"""The formats checked here: what the generated models parse (generation keeps exactly these,
tools/draft4.py's CHECKED_FORMATS). Other formats (email, uri) are left to XCover: the models keep
those values as text, and XCover's check is the one that counts."""
_A: Final = {"string": "a string", "number": "a number", "integer": "an integer", "boolean": "a boolean",
             "object": "an object", "array": "an array"}  # fmt: skip


def _types(schema: Mapping[str, Any]) -> list[str]:
    """The JSON types a converted schema allows, null aside."""
    kind = schema.get("type")
    return [t for t in ([kind] if isinstance(kind, str) else kind or ()) if t != "null"]


def _format(schema: Mapping[str, Any]) -> str | None:
    """The format a converted schema checks: its own, or the one behind a date-time's usual form."""
    found = schema.get("format")
    if found is None:
        found = next((b.get("format") for b in schema.get("anyOf", ()) if "format" in b), None)
    return found if isinstance(found, str) else None


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
    """One body schema of the spec compiled for one direction. Use `compiled()`, which caches."""

    def __init__(self, ref: str, *, request: bool, document: dict[str, Any] | None = None) -> None:
        """`ref` ("#/paths/...") names the schema in `document`, by default the shipped one of its
        direction."""
        tree = json_schema("request" if request else "response") if document is None else document
        if tree.get("$schema") != DRAFT:
            raise LookupError(f"the schemas are written in {tree.get('$schema')!r}, not {DRAFT!r}")
        self.request = request
        self.ref = ref
        self.tree = tree
        self._formats = {name: checks[0 if request else 1] for name, checks in FORMATS.items()}
        # jsonschema-rs recurses natively, as deep as a recursive schema lets the data go: such a
        # response is bounded first, as requests always are by `to_json`.
        self._recursive = unquote(ref[1:]) in tree["unbounded"]
        # The schema itself, not a `$ref` to it: an error behind a `$ref` costs jsonschema-rs half as
        # much again to report (money given as text is reported, then converted). Its own `$ref`s
        # name the document by its `id`, which the registry holds.
        self._validator = jsonschema_rs.Draft4Validator(
            dict(resolve({"$ref": ref}, tree)),
            formats={name: _fits(check) for name, check in self._formats.items()},
            validate_formats=True,
            registry=jsonschema_rs.Registry([(tree["id"], tree)], draft=jsonschema_rs.Draft4),
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
            if exc.got is not None and (types := _types(self._schema_at(steps))):
                exc.reason = f"expected {self._expected(steps, types)}, got {exc.got}"
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
        """The converted schema at a data path; {} where the schema says nothing (free-form data)."""
        node: Any = {"$ref": self.ref}
        for step in steps:
            node = resolve(node, self.tree)
            if isinstance(step, int):
                node = node.get("items", {})
            else:
                node = node.get("properties", {}).get(step, node.get("additionalProperties", {}))
            if not isinstance(node, Mapping):
                return {}
        return resolve(node, self.tree)

    def _expected(self, steps: Sequence[str | int], types: Sequence[str]) -> str:
        if self.request and "number" in types:
            return NUMBER_HINT  # the same money types `ticket()` takes
        if self.request and _format(self._schema_at(steps)) == "date-time":
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
                check := self._formats.get(_format(self._schema_at(steps)) or "")
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


_compiled: dict[tuple[str, bool], Compiled] = {}
"""Compiled validators by (the schema's `$ref`, is a request). Written only under _lock, and only
with finished validators."""
_lock = threading.Lock()


def compiled(schema: Mapping[str, Any], *, request: bool) -> Compiled:
    """A body schema of the spec, as `_spec.body_schema` and `response_schema` name it
    (`{"$ref": "#/paths/..."}`), compiled for requests or responses."""
    key = (schema["$ref"], request)
    found = _compiled.get(key)
    if found is None:
        with _lock:
            found = _compiled.get(key)
            if found is None:
                found = _compiled[key] = Compiled(key[0], request=request)
    return found


def forget_compiled() -> None:
    """Drop every compiled validator (tests use it to exercise first use)."""
    with _lock:
        _compiled.clear()
