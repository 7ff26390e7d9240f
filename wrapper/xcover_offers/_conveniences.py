"""The convenience methods' arguments, turned into a generated endpoint's own.

Each function here is the only place that names its operation's parameters: it checks the friendly
input (builders' output, mappings, comma lists, Decimals) and returns what `client.call` would take
for that endpoint, so the call then runs through the one pipeline like any other operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xcover_offers_api.api.create_offer import create_offer as _create_offer

from ._base import Checked
from ._call import CallResult
from ._options import REQUEST_OPTIONS, CreateOfferParams, RequestOptions, check_keywords
from ._params import encode_exclude_offer_ids, encode_extra_fields, encode_flag
from ._telemetry import AttributeScalar
from ._validation import build_body

CREATE_OFFER = _create_offer.OPERATION

Prepared = tuple[Any, dict[str, Any], RequestOptions]


def split_options(params: Mapping[str, Any]) -> RequestOptions:
    options: RequestOptions = {k: v for k, v in params.items() if k in REQUEST_OPTIONS}  # type: ignore[assignment]
    return options


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
    return CREATE_OFFER, arguments, split_options(params)


def offer_details(result: CallResult[Any]) -> Mapping[str, AttributeScalar]:
    """What a Create Offer call's span records of its answer."""
    offer = result.parsed.data
    return {"xcover.offer_id": offer.id, "xcover.products": len(offer.products)}
