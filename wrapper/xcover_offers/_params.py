"""Query-parameter helpers: `extra_fields`, `exclude_offer_ids` and the boolean flags.

The spec types both list parameters as plain strings and gives the allowed `extra_fields` values only
in prose, so the generator cannot check them. These helpers encode lists comma-joined, validate each
value before anything is sent, and return UNSET for "not given" so that nothing is sent at all.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Final

from xcover_offers_api._spec_facts import EXTRA_FIELDS
from xcover_offers_api.types import UNSET, Unset

from ._errors import RequestValidationError
from ._json_data import utf8_ok


class ExtraField(enum.StrEnum):
    """Values of the `extra_fields` query parameter (the spec lists them in its description)."""

    TAX = "tax"
    COMMISSION = "commission"
    BENEFITS = "benefits"
    SURCHARGE = "surcharge"


ALLOWED_EXTRA_FIELDS: Final[tuple[str, ...]] = EXTRA_FIELDS
"""Read from the spec when the low-level client is generated, so a value the spec adds is accepted as a
string before ExtraField lists it (a test keeps the enum and the spec in step)."""


def _as_list(values: Iterable[object] | str, field: str) -> list[object]:
    if isinstance(values, str):
        # One comma-separated string is the wire form; accept it rather than iterate its characters.
        return [v.strip() for v in values.split(",")] if values.strip() else []
    if isinstance(values, bytes | bytearray) or not isinstance(values, Iterable):
        raise RequestValidationError(field, f"expected an iterable of strings, got {type(values).__name__}")
    return list(values)


def _encode_list(
    values: Iterable[object] | str | None, field: str, normalise: Callable[[str, str], str]
) -> str | Unset:
    """Check each value (`normalise` raises for a bad one), drop duplicates keeping order, comma-join."""
    if values is None:
        return UNSET
    out: dict[str, None] = {}
    for i, value in enumerate(_as_list(values, field)):
        path = f"{field}[{i}]"
        if not isinstance(value, str):
            raise RequestValidationError(path, f"expected a string, got {type(value).__name__}")
        out[normalise(value, path)] = None
    return ",".join(out) if out else UNSET


def _extra_field(value: str, path: str) -> str:
    name = str(value).strip().lower()  # a StrEnum's str() is its value
    if name not in ALLOWED_EXTRA_FIELDS:
        raise RequestValidationError(
            path, f"unknown value {value!r}; allowed values: {', '.join(ALLOWED_EXTRA_FIELDS)}"
        )
    return name


def _offer_id(value: str, path: str) -> str:
    if not utf8_ok(value):
        raise RequestValidationError(path, "not valid Unicode text (a lone surrogate)")
    if "," in value:
        raise RequestValidationError(path, "an id cannot contain a comma (ids are sent comma-joined)")
    if not value.strip():
        raise RequestValidationError(path, "an id cannot be empty")
    return value.strip()


def encode_extra_fields(values: Iterable[ExtraField | str] | str | None) -> str | Unset:
    """Validate and comma-join `extra_fields`; duplicates dropped, order kept; None or empty: not sent."""
    return _encode_list(values, "extra_fields", _extra_field)


def encode_exclude_offer_ids(ids: Iterable[str] | str | None) -> str | Unset:
    """Validate and comma-join offer config ids; duplicates dropped, order kept; None or empty: not sent."""
    return _encode_list(ids, "exclude_offer_ids", _offer_id)


def encode_flag(value: bool | None, field: str) -> bool | Unset:
    """None means not sent (the server's default applies); httpx sends a bool as true/false."""
    if value is None:
        return UNSET
    if not isinstance(value, bool):
        raise RequestValidationError(field, f"expected True, False or None, got {type(value).__name__}")
    return value
