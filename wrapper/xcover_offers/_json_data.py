"""Plain JSON data from what callers pass, and the checks that keep a body sendable.

The value-level half of the validator (`_schema_check` is the schema-level half): numbers that JSON
can carry, text that UTF-8 can carry, datetimes with an offset, generated models as dicts, and any
free-form data walked within MAX_BODY_DEPTH. A failure is an `Invalid` carrying the path, built only
on the way out, and never the value: it may be personal data.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from ._constants import MAX_BODY_DEPTH

Check = Callable[[Any, int], Any]
"""A compiled schema node: (value, the depth it sits at) -> the JSON value to send (requests) or the
value itself (responses). Raises Invalid."""

NUMBER_HINT: Final = "a number (Decimal, int, float or a numeric string like '80.00')"
NOT_NULL: Final = "must not be null"
NOT_FINITE: Final = "must be a finite number"
OUT_OF_RANGE: Final = "is out of range for a JSON number"
SURROGATE: Final = "is not valid text: it holds a lone surrogate, which cannot be sent as UTF-8"
MAX_INT_BITS: Final = 1024
"""Beyond a double's range a JSON number is not interoperable (RFC 8259 section 6)."""


class Invalid(Exception):
    """A check failed below. Each enclosing object or array adds its step to `where` on the way out.

    The path is built only on failure, so a valid body costs no string work. `trail` collects the
    containers on the way out of a too-deep error, to tell a reference cycle from plain nesting.
    It holds the caller's data, so it never leaves the validator: callers raise their own error.
    """

    def __init__(self, reason: str, *where: str | int, too_deep: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.where: list[str | int] = list(where)
        self.too_deep = too_deep
        self.trail: list[Any] = []


def describe(value: Any) -> str:
    # The type only: values may be personal data and must not reach logs through error messages.
    return "null" if value is None else type(value).__name__


def utf8_ok(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_float(value: float) -> float:
    if not math.isfinite(value):
        raise Invalid(NOT_FINITE)
    return value


def check_int(value: int) -> int:
    if value.bit_length() > MAX_INT_BITS:
        raise Invalid(OUT_OF_RANGE)
    return value


_NUMERIC: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""A numeric string as JSON and people write it: ASCII digits, an optional point and exponent."""


def to_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise Invalid(f"expected {NUMBER_HINT}, got {describe(value)}")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)  # exact; str() of a huge int would hit Python's digit limit
    elif isinstance(value, str):
        # Decimal() alone would also take "1_000", "NaN" spelt out or non-ASCII digits ("٣").
        if not _NUMERIC.fullmatch(value.strip()):
            raise Invalid(f"is not a number; pass {NUMBER_HINT}")
        amount = Decimal(value.strip())
    else:
        # A float's shortest repr, not its binary value: Decimal(0.1) would carry the error into sums.
        # float's own repr: a subclass's may not be a number (numpy 2 prints `np.float64(80.0)`).
        amount = Decimal(float.__repr__(value))
    if not amount.is_finite():
        raise Invalid(NOT_FINITE)
    return amount


def decimal_json(amount: Decimal) -> int | float:
    if not amount.is_finite():
        raise Invalid(NOT_FINITE)
    if amount.adjusted() > 308:  # before int(): Decimal("1e999999999") would build a huge int
        raise Invalid(OUT_OF_RANGE)
    if amount == amount.to_integral_value():
        return check_int(int(amount))  # the same range as an int given as such
    number = float(amount)
    if not math.isfinite(number):  # just under 1e309 with a fraction still rounds to inf
        raise Invalid(OUT_OF_RANGE)
    return number


def whole_decimal(value: Any) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()


def null(nullable: bool) -> None:
    """None where the schema allows null, else the error."""
    if not nullable:
        raise Invalid(NOT_NULL)
    return None


def exact_type_check(cls: type, expected: str, nullable: bool) -> Check:
    def check_exact_type(value: Any, depth: int) -> Any:
        if type(value) is cls:
            return value
        if value is None:
            return null(nullable)
        raise Invalid(f"expected {expected}, got {describe(value)}")

    return check_exact_type


def bound_check(test: Callable[[Any, Any], bool], limit: Any, message: str) -> Callable[[Any], None]:
    def check_bound(value: Any) -> None:
        if not test(value, limit):
            raise Invalid(message)

    return check_bound


def aware_iso(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid("naive datetime; give a timezone-aware datetime")
    return value.isoformat()


def request_datetime(value: str) -> None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Invalid("expected an ISO 8601 date-time, e.g. 2027-06-01T19:30:00+00:00") from None
    if parsed.utcoffset() is None:
        raise Invalid("date-time has no timezone offset; give an aware datetime")


def response_datetime(value: str) -> None:
    # Whatever the generated parser turns into a datetime (it uses fromisoformat) is accepted;
    # XCover's own form is not pinned down further by the spec.
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise Invalid("expected an ISO 8601 date-time") from None


def iso_date(value: str) -> None:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid("expected an ISO 8601 date, e.g. 2027-06-01") from None


def model_dict(value: Any) -> dict[str, Any] | None:
    """A generated model's `to_dict()`, or None when `value` is not a model."""
    to_dict = getattr(value, "to_dict", None)
    if not callable(to_dict):
        return None
    try:
        data = to_dict()
    except Exception as exc:  # any failure of a caller's object is bad input (a str for a datetime ...)
        problem = f"this {type(value).__name__} cannot be serialised ({type(exc).__name__})"
    else:
        if isinstance(data, dict):
            return data
        problem = f"{type(value).__name__}.to_dict() did not return a dict"
    raise Invalid(f"{problem}; check its field types")


def check_key(key: Any) -> None:
    if not isinstance(key, str):
        raise Invalid(f"keys must be strings, not {describe(key)}")
    if not utf8_ok(key):
        raise Invalid(f"a key {SURROGATE}")


def too_deep(value: Any) -> Invalid:
    exc = Invalid(f"nested more than {MAX_BODY_DEPTH} levels deep", too_deep=True)
    exc.trail.append(value)
    return exc


def walk_mapping(value: Mapping[Any, Any], original: Any, depth: int, field: Callable[[Any], Check]) -> Any:
    if depth > MAX_BODY_DEPTH:
        raise too_deep(original)
    out: dict[str, Any] = {}
    for key, item in value.items():
        check = field(key)
        try:
            out[key] = check(item, depth + 1)
        except Invalid as exc:
            exc.where.append(key)
            exc.trail.append(original)
            raise
    return out


def walk_list(value: Sequence[Any], depth: int, items: Check) -> list[Any]:
    if depth > MAX_BODY_DEPTH:
        raise too_deep(value)
    out = []
    for i, item in enumerate(value):
        try:
            out.append(items(item, depth + 1))
        except Invalid as exc:
            exc.where.append(i)
            exc.trail.append(value)
            raise
    return out


def _any_key(key: Any) -> Check:
    check_key(key)
    return any_json


def any_json(value: Any, depth: int) -> Any:
    """A request value where the schema says nothing: any JSON data, converted like the rest."""
    t = type(value)
    if t is str:
        if not utf8_ok(value):
            raise Invalid(SURROGATE)
        return value
    if t is int:
        return check_int(value)
    if t is float:
        return check_float(value)
    if value is None or t is bool:
        return value
    if t is dict:
        return walk_mapping(value, value, depth, _any_key)
    if t is list or t is tuple:
        return walk_list(value, depth, any_json)
    if isinstance(value, Decimal):
        return decimal_json(value)
    if isinstance(value, dt.datetime):
        return aware_iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    data = model_dict(value)
    if data is not None:
        return walk_mapping(data, value, depth, _any_key)
    if isinstance(value, Mapping):
        return walk_mapping(value, value, depth, _any_key)
    if isinstance(value, list | tuple):
        return walk_list(value, depth, any_json)
    if isinstance(value, str):
        return any_json(str.__str__(value), depth)
    if isinstance(value, int) and not isinstance(value, bool):
        return check_int(int(value))
    if isinstance(value, float):
        return check_float(float(value))
    raise Invalid(
        f"expected JSON data (an object, array, string, number, boolean or null), got {describe(value)}"
    )


def anything(value: Any, depth: int) -> Any:
    return value


def path_text(steps: Sequence[str | int]) -> str:
    path = ""
    for step in steps:
        path = f"{path}[{step}]" if isinstance(step, int) else f"{path}.{step}" if path else str(step)
    return path


def explain(exc: Invalid, shown: Callable[[list[str | int]], list[str | int]]) -> tuple[str, str]:
    """(path, reason) for a failed check; `shown` maps body steps to the steps the caller knows."""
    steps = exc.where[::-1]
    if not exc.too_deep:
        return path_text(shown(steps)), exc.reason
    first: dict[int, int] = {}
    for j, container in enumerate(exc.trail[::-1]):  # trail[j] is the container at steps[:j]
        i = first.setdefault(id(container), j)
        if i != j:
            back = _short_path(shown(steps[:i])) or "the body"
            return _short_path(
                shown(steps[:j])
            ), f"refers back to {back}: a reference cycle cannot be sent as JSON"
    return _short_path(shown(steps)), f"{exc.reason}; objects and arrays may nest {MAX_BODY_DEPTH} deep"


def _short_path(steps: list[str | int]) -> str:
    # A path as deep as the limit would fill a screen: its start is what finds the field.
    return path_text(steps) if len(steps) <= 8 else f"{path_text(steps[:8])}..."
