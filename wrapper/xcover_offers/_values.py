"""`value`: read an optional response field as a plain Python value.

The generated models keep the spec's three states for a field the spec leaves optional: a value,
`None` (sent as null) or `Unset` (not sent). A service rarely cares which of the last two it got, and
`isinstance(x, Unset)` in its own code ties it to the generator. `value` collapses both to `None` or
to a default, the way `dict.get` does, and mypy narrows the result. Fields XCover's documentation
shows are always returned are `required` in the spec fixes, so they need no accessor at all.
"""

from __future__ import annotations

from typing import TypeVar, overload

from xcover_offers_api.types import Unset

__all__ = ["value"]

T = TypeVar("T")
D = TypeVar("D")


@overload
def value(field: T | Unset | None, /) -> T | None: ...


@overload
def value(field: T | Unset | None, /, default: D) -> T | D: ...


def value(field: object, /, default: object = None) -> object:
    """The field's value, or `default` when the response left it out or sent null.

    Args:
        field: a response model attribute, e.g. `product.product_config_id` or `finance.tax`.
        default: what to return instead of an absent or null field (None when not given).

    Example:
        `value(product.product_config_id, "")` is a `str`; `value(finance.tax)` is a `Tax` or None.

    The model still tells the two apart for the few callers that need to (`to_dict()` omits an absent
    field and keeps a null one).
    """
    return default if field is None or isinstance(field, Unset) else field
