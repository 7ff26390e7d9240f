"""What JSON Schema cannot say: plain JSON data from what callers pass, and the rules that keep it sendable.

`to_json` converts a caller's request in one walk (generated models via `to_dict`, mappings, lists
and tuples, Decimals, aware datetimes and dates) and refuses whatever `json.dumps` would refuse: a
reference cycle, nesting deeper than MAX_BODY_DEPTH, a NaN or infinite number, a lone surrogate in a
string or key, an object that is not JSON data. The schema rules are jsonschema-rs's (`_schema_check`).
A failure is an `Invalid` carrying the path, built only on the way out, and never the value: it may
be personal data.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from ._constants import MAX_BODY_DEPTH

NUMBER_HINT: Final = "a number (Decimal, int, float or a numeric string like '80.00')"
NOT_FINITE: Final = "must be a finite number"
OUT_OF_RANGE: Final = "is out of range for a JSON number"
SURROGATE: Final = "is not valid text: it holds a lone surrogate, which cannot be sent as UTF-8"
NOT_JSON: Final = "expected JSON data (an object, array, string, number, boolean or null)"
MAX_INT_BITS: Final = 1024
"""Beyond a double's range a JSON number is not interoperable (RFC 8259 section 6)."""


class Invalid(Exception):
    """A check failed below. Each enclosing object or array adds its step to `where` on the way out.

    The path is built only on failure, so a valid body costs no string work. `trail` collects the
    containers on the way out of a too-deep error, to tell a reference cycle from plain nesting.
    It holds the caller's data, so it never leaves the validator: callers raise their own error.
    `got` is the type name of a value that is not JSON data, for a reason worded by the schema.
    """

    def __init__(
        self, reason: str, *where: str | int, too_deep: bool = False, got: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.where: list[str | int] = list(where)
        self.too_deep = too_deep
        self.got = got
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


def aware_iso(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid("naive datetime; give a timezone-aware datetime")
    return value.isoformat()


# -- the one walk ------------------------------------------------------------------------------------


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


def _key(key: Any) -> str:
    if type(key) is str:
        if not utf8_ok(key):
            raise Invalid(f"a key {SURROGATE}")
        return key
    if not isinstance(key, str):
        raise Invalid(f"keys must be strings, not {describe(key)}")
    return _key(str.__str__(key))


def too_deep(value: Any) -> Invalid:
    exc = Invalid(f"nested more than {MAX_BODY_DEPTH} levels deep", too_deep=True)
    exc.trail.append(value)
    return exc


def _walk_mapping(value: Mapping[Any, Any], original: Any, depth: int) -> dict[str, Any]:
    if depth > MAX_BODY_DEPTH:
        raise too_deep(original)
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = key if type(key) is str and key.isascii() else _key(key)
        if (type(item) is str and item.isascii()) or item is None or type(item) is bool:
            out[name] = item  # most leaves: nothing to convert or refuse
            continue
        try:
            out[name] = to_json(item, depth + 1)
        except Invalid as exc:
            exc.where.append(name)
            exc.trail.append(original)
            raise
    return out


def _walk_list(value: Sequence[Any], depth: int) -> list[Any]:
    if depth > MAX_BODY_DEPTH:
        raise too_deep(value)
    out = []
    for i, item in enumerate(value):
        try:
            out.append(to_json(item, depth + 1))
        except Invalid as exc:
            exc.where.append(i)
            exc.trail.append(value)
            raise
    return out


def to_json(value: Any, depth: int) -> Any:
    """A caller's value as fresh plain JSON data (exact dict, list, str, int, float, bool, None)."""
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
        return _walk_mapping(value, value, depth)
    if t is list or t is tuple:
        return _walk_list(value, depth)
    if isinstance(value, Decimal):
        return decimal_json(value)
    if isinstance(value, dt.datetime):
        return aware_iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    data = model_dict(value)
    if data is not None:
        return _walk_mapping(data, value, depth)
    if isinstance(value, Mapping):
        return _walk_mapping(value, value, depth)
    if isinstance(value, list | tuple):
        return _walk_list(value, depth)
    if isinstance(value, str):
        return to_json(str.__str__(value), depth)
    if isinstance(value, int):  # an IntEnum; bool cannot be subclassed, and was taken above
        return check_int(int(value))
    if isinstance(value, float):
        return check_float(float(value))
    raise Invalid(f"{NOT_JSON}, got {describe(value)}", got=describe(value))


def deeper_than(value: Any, limit: int) -> list[str | int] | None:
    """The path to a container nested deeper than `limit` in received data, or None. Iterative:
    no recursion to exhaust, and a reference cycle is simply deep."""
    if not isinstance(value, dict | list):
        return None
    level: list[tuple[Any, list[str | int]]] = [(value, [])]
    for _ in range(limit):
        level = [
            (child, [*steps, key])
            for node, steps in level
            for key, child in (node.items() if isinstance(node, dict) else enumerate(node))
            if isinstance(child, dict | list)
        ]
        if not level:
            return None
    return level[0][1]


# -- paths -------------------------------------------------------------------------------------------


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


def _short_path(steps: Sequence[str | int]) -> str:
    # A path as deep as the limit would fill a screen: its start is what finds the field.
    return path_text(steps) if len(steps) <= 8 else f"{path_text(steps[:8])}..."
