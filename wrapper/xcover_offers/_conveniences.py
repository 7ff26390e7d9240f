"""The convenience methods' arguments, turned into a generated endpoint's own.

Each function here is the only place that names its operation's parameters: it checks the friendly
input (builders' output, mappings, comma lists, Decimals) and returns what `client.call` would take
for that endpoint, so the call then runs through the one pipeline like any other operation.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

from xcover_offers_api import models  # each model is imported when first used
from xcover_offers_api.operation import Operation

from ._base import Checked
from ._call import NO_HOOKS, CallResult, Hooks, OfferResult
from ._constants import CONFIRM_MAX_RETRIES, CONFIRM_TOTAL_TIMEOUT
from ._errors import RequestValidationError
from ._options import (
    REQUEST_OPTIONS,
    ConfirmOfferParams,
    CreateOfferParams,
    OfferRef,
    RequestOptions,
    check_keywords,
)
from ._params import encode_exclude_offer_ids, encode_extra_fields, encode_flag
from ._spec import body_schema
from ._telemetry import AttributeScalar
from ._validation import build_body, check_body


@functools.cache
def endpoint(name: str) -> Operation[Any]:
    """The generated `OPERATION` of `xcover_offers_api.api.<name>.<name>`, imported on first use (with
    only the models it needs), so `import xcover_offers` loads no operation."""
    operation: Operation[Any] = importlib.import_module(f"xcover_offers_api.api.{name}.{name}").OPERATION
    return operation


Prepared = tuple[Operation[Any], dict[str, Any], RequestOptions, Hooks]
"""What `_prepare` takes: the operation, its builder's arguments, the per-call options, the hooks."""


def split_options(params: Mapping[str, Any]) -> RequestOptions:
    """The per-call options among a method's keywords (for `client.call`: among its arguments)."""
    options: RequestOptions = {k: v for k, v in params.items() if k in REQUEST_OPTIONS}  # type: ignore[assignment]
    return options


def any_operation(operation: Operation[Any], arguments: Mapping[str, Any]) -> Prepared:
    """`client.call`'s keywords: the per-call options, and the endpoint's own arguments; an operation
    that has a convenience method gets its hooks through `call` too."""
    options = split_options(arguments)
    hooks = HOOKS.get(operation.id, NO_HOOKS)
    return operation, {k: v for k, v in arguments.items() if k not in options}, options, hooks


def create_offer(params: CreateOfferParams) -> Prepared:
    check_keywords(params, CreateOfferParams, "create_offer")
    body = build_body(
        customer=params["customer"],
        events=params["events"],
        partner=params.get("partner"),
        schema=params.get("schema"),
    )
    arguments = {
        "body": Checked(body),
        "active_only": encode_flag(params.get("active_only"), "active_only"),
        "include_content": encode_flag(params.get("include_content"), "include_content"),
        "extra_fields": encode_extra_fields(params.get("extra_fields")),
        "exclude_offer_ids": encode_exclude_offer_ids(params.get("exclude_offer_ids")),
    }
    return endpoint("create_offer"), arguments, split_options(params), CREATE_OFFER_HOOKS


def offer_replay_problem(sent: Any, replayed: Any) -> str | None:
    """Why a 409 replay cannot be the answer to the Create Offer request `sent`: XCover prices an
    offer in the customer's currency, so a stored offer in another one answered another request
    (a key reused across orders, or a replay store that mixed them up)."""
    asked = sent["customer"]["currency"]
    got = replayed.data.currency
    if str(got).casefold() != str(asked).casefold():
        return f"data.currency is {got!r}, the request asked for {asked!r}"
    return None


def offer_details(result: CallResult[Any]) -> Mapping[str, AttributeScalar]:
    """What a Create Offer call's span records of its answer."""
    offer = result.parsed.data
    return {"xcover.offer_id": offer.id, "xcover.products": len(offer.products)}


# -- the purchase flow ----------------------------------------------------------------------------


def offer_id_of(offer: OfferRef) -> str:
    """An offer id from an `Offer` (Create Offer's answer) or the id itself."""
    if isinstance(offer, models.Offer):
        return offer.id
    if isinstance(offer, str):
        return offer
    raise RequestValidationError("offer_id", f"expected an offer id or an Offer, got {type(offer).__name__}")


def _quote(item: object, path: str, products: frozenset[str] | None) -> object:
    """One entry of `quotes`: a quote id (Create Offer's `products[].id`), a `Product`, a mapping or a
    generated model with the documented fields. Checked against the offer when it was given whole."""
    entry: object = (
        {"id": item}
        if isinstance(item, str)
        else {"id": item.id}
        if isinstance(item, models.Product)
        else item
    )
    quote_id = entry.get("id") if isinstance(entry, Mapping) else getattr(entry, "id", None)
    if products is not None and isinstance(quote_id, str) and quote_id not in products:
        raise RequestValidationError(f"{path}.id", "is not one of this offer's products")
    return entry


def confirm_offer(offer: OfferRef, params: ConfirmOfferParams) -> Prepared:
    check_keywords(params, ConfirmOfferParams, "confirm_offer")
    quotes = params["quotes"]
    if isinstance(quotes, str | Mapping) or not isinstance(quotes, Sequence):
        raise RequestValidationError("quotes", "expected a list of quote ids, products or quotes")
    if not quotes:
        raise RequestValidationError("quotes", "at least one quote is required")
    products = frozenset(p.id for p in offer.products) if isinstance(offer, models.Offer) else None
    body: dict[str, object] = {
        "quotes": [_quote(item, f"quotes[{i}]", products) for i, item in enumerate(quotes)],
        "policyholder": params["policyholder"],
    }
    for name in ("partner_transaction_id", "payment_details"):
        if params.get(name) is not None:
            body[name] = params[name]
    operation = endpoint("confirm_offer")
    schema = body_schema(operation)
    assert schema is not None
    try:
        checked = check_body(body, schema)
    except RequestValidationError as exc:  # named as the caller passed it: `quotes[0].id`, not `body.`
        path, reason = exc.path.removeprefix("body."), exc.reason
    else:
        options = split_options(params)
        return (
            operation,
            {"offer_id": offer_id_of(offer), "body": Checked(checked)},
            options,
            CONFIRM_HOOKS,
        )
    raise RequestValidationError(path, reason)


def opt_out(offer: OfferRef, options: RequestOptions) -> Prepared:
    check_keywords(options, RequestOptions, "opt_out")
    return endpoint("opt_out_offer"), {"offer_id": offer_id_of(offer)}, options, NO_HOOKS


def get_booking(booking_id: str, options: RequestOptions) -> Prepared:
    check_keywords(options, RequestOptions, "get_booking")
    return endpoint("get_booking"), {"booking_id": booking_id}, options, BOOKING_HOOKS


def booking_details(result: CallResult[Any]) -> Mapping[str, AttributeScalar]:
    """What a Confirm or Get Booking call's span records of its answer: the booking id and status."""
    booking = result.parsed
    return {"xcover.booking_id": booking.id, "xcover.booking_status": booking.status}


CREATE_OFFER_HOOKS: Final = Hooks(
    details=offer_details, replay_check=offer_replay_problem, result=OfferResult
)
CONFIRM_HOOKS: Final = Hooks(
    details=booking_details,
    breaker=False,
    defaults={"total_timeout": CONFIRM_TOTAL_TIMEOUT, "max_retries": CONFIRM_MAX_RETRIES},
)
"""After payment, the call that sells the product must not be lost: never refused by an open breaker
(nor counted: cart failures must not cost a sale), with a longer budget and more retries of its own."""
BOOKING_HOOKS: Final = Hooks(details=booking_details)
HOOKS: Final = {
    "create_offer": CREATE_OFFER_HOOKS,
    "confirm_offer": CONFIRM_HOOKS,
    "get_booking": BOOKING_HOOKS,
}
"""The hooks by operation id, for `client.call` on an operation that has a convenience method."""
