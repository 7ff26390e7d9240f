"""Turning a valid Create Offer request into the offer the sandbox answers with.

The answer is built with the generated models (`Offer`, `Product`, `Price` ...) and serialised with
their `to_dict()`, so its shape is the spec's by construction; this module decides only the values:
prices (see `_pricing`), formatted amounts (see `_money`), dates and the policy's extra fields.

Dates: the policy starts when the offer is quoted (the sandbox's clock); it ends when the last
event ends (``end_date``, else ``start_date`` plus ``duration_days - 1`` days, else ``start_date``).
The **primary event** is the one that starts first; ``event_datetime``, ``event_id`` and
``same_day`` (quoted on the event's calendar day, in the event's own UTC offset) describe it, and
``esim_eligible`` is true when the customer travels to it from another country.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote

from xcover_offers_api.models import (
    Benefit,
    Commission,
    Finance,
    Offer,
    OfferContent,
    Price,
    Product,
    ProductDetails,
    ProductExtraFields,
    ProductFile,
    Surcharge,
    Tax,
)
from xcover_offers_api.types import UNSET

from ._bookings import StoredQuote
from ._money import format_money, json_number, split_language
from ._pricing import ProductConfig, Quote, amount_errors, quote_product

PRODUCT_TYPE: Final = "event_ticket_protection"
SELLER_ENTITY: Final = "XCover Sandbox (a test double, not an insurer)"
DOCS_ORIGIN: Final = "https://xcover-sandbox.invalid"
"""`.invalid` never resolves (RFC 2606): the sandbox's document links cannot reach a real site."""
CONTENT_SCHEMA_VERSION: Final = "1.0"

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?"
)
_UNREPRESENTABLE: Final = "Must be a date-time between the years 0001 and 9999."


def parse_datetime(value: Any) -> dt.datetime | None:
    """An RFC 3339 date-time as an aware datetime (naive ones taken as UTC); None if it has none.

    The spec check has already accepted the string; this only fails for what Python cannot hold
    (year 0000). A leap second (``:60``) is read as ``:59``.
    """
    if not isinstance(value, str):
        return None
    m = _RFC3339.fullmatch(value.strip())
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    tz = dt.UTC
    if m.group(9):
        offset = dt.timedelta(hours=int(m.group(10)), minutes=int(m.group(11)))
        try:
            tz = dt.timezone(-offset if m.group(9) == "-" else offset)
        except ValueError:
            return None
    try:
        return dt.datetime(year, month, day, hour, minute, min(second, 59), micro, tzinfo=tz)
    except ValueError:
        return None


def _instant(value: dt.datetime) -> int:
    """Microseconds since 0001-01-01 UTC: an ordering key that cannot overflow at the calendar's edges."""
    offset = value.utcoffset() or dt.timedelta(0)
    local = (value.toordinal() * 86_400 + value.hour * 3600 + value.minute * 60 + value.second) * 10**6
    return local + value.microsecond - (offset // dt.timedelta(microseconds=1))


def rule_errors(body: Mapping[str, Any]) -> dict[str, list[str]]:
    """What the spec allows but the sandbox refuses (422): out-of-range amounts and dates."""
    events = _events(body)
    errors = amount_errors(events)
    for i, event in enumerate(events):
        for name in ("start_date", "end_date"):
            if event.get(name) is not None and parse_datetime(event[name]) is None:
                errors.setdefault(f"context.events[{i}].{name}", []).append(_UNREPRESENTABLE)
    return errors


def _events(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    context = body.get("context") or {}
    events = context.get("events") or []
    return [e for e in events if isinstance(e, Mapping)]


def _event_end(event: Mapping[str, Any], start: dt.datetime) -> dt.datetime:
    end = parse_datetime(event.get("end_date"))
    if end is not None:
        return end
    days = event.get("duration_days")
    if isinstance(days, int) and not isinstance(days, bool) and days > 1:
        try:
            return start + dt.timedelta(days=days - 1)
        except OverflowError:
            return start
    return start


@dataclass(frozen=True, slots=True)
class OfferOptions:
    """The query parameters, already read through the spec (defaults applied)."""

    extra_fields: frozenset[str]
    exclude_offer_ids: frozenset[str]
    active_only: bool
    include_content: bool


def read_options(query: Mapping[str, Any], allowed_extra_fields: Collection[str]) -> OfferOptions:
    """Options from the unmarshalled query. Unknown extra field names are ignored: the spec types the
    parameter as a free string, so a value outside its list is not an error."""

    def split(name: str) -> list[str]:
        raw = query.get(name)
        return [v.strip() for v in raw.split(",") if v.strip()] if isinstance(raw, str) else []

    return OfferOptions(
        extra_fields=frozenset(v.lower() for v in split("extra_fields")) & frozenset(allowed_extra_fields),
        exclude_offer_ids=frozenset(split("exclude_offer_ids")),
        active_only=bool(query.get("active_only", False)),
        include_content=bool(query.get("include_content", True)),
    )


def _money_fields(amount: Decimal, currency: str, language: str, country: str) -> tuple[int | float, str]:
    return json_number(amount), format_money(amount, currency, language, country)


def _finance(q: Quote, extras: frozenset[str], currency: str, language: str, country: str) -> Finance:
    total, total_formatted = _money_fields(q.total, currency, language, country)
    net, net_formatted = _money_fields(q.without_tax, currency, language, country)
    finance = Finance(
        price=Price(
            total_amount=total,
            total_amount_without_tax=net,
            total_amount_formatted=total_formatted,
            total_amount_without_tax_formatted=net_formatted,
        )
    )
    if "tax" in extras:
        amount, text = _money_fields(q.tax, currency, language, country)
        finance.tax = Tax(total_amount=amount, total_amount_formatted=text)
    if "surcharge" in extras:
        amount, text = _money_fields(q.surcharge, currency, language, country)
        finance.surcharge = Surcharge(total_amount=amount, total_amount_formatted=text)
    if "commission" in extras:
        amount, text = _money_fields(q.commission, currency, language, country)
        finance.commission = Commission(total_amount=amount, total_amount_formatted=text)
    return finance


def build_offer(
    body: Mapping[str, Any],
    options: OfferOptions,
    products: Sequence[ProductConfig],
    *,
    now: dt.datetime,
    offer_id: str,
    product_id: Any,
) -> tuple[Offer, list[StoredQuote]]:
    """The offer for a request that passed the spec check and `rule_errors`, and its products as
    the sandbox keeps them for Confirm Offer (exact prices).

    Args:
        body: the request body, numbers parsed as Decimal.
        options: the query options.
        products: the configured offers.
        now: the sandbox's clock, aware.
        offer_id: the offer's id.
        product_id: ``(offer_id, config_id) -> str``, the product (quote) ids.
    """
    customer = body.get("customer") or {}
    currency = str(customer.get("currency", "")).strip().upper()
    language = str(customer.get("language", ""))
    country = str(customer.get("country", ""))
    partner = body.get("partner") or {}
    events = _events(body)

    starts = [(parse_datetime(e.get("start_date")), e) for e in events]
    dated = [(start, e) for start, e in starts if start is not None]
    primary = min(dated, key=lambda pair: _instant(pair[0]), default=None)
    ends = [_event_end(e, start) for start, e in dated]
    policy_end = max(ends, key=_instant, default=None)

    chosen = [
        p for p in products if p.id not in options.exclude_offer_ids and (p.active or not options.active_only)
    ]
    schema_name = str(body.get("schema") or "event_ticket_protection_v1")
    schema_url = f"{DOCS_ORIGIN}/schemas/{quote(schema_name, safe='')}.json"
    quoted_at = now.replace(microsecond=0)
    out: list[Product] = []
    kept: list[StoredQuote] = []
    for config in chosen if events else ():
        pds_url = f"{DOCS_ORIGIN}/pds/{quote(config.id, safe='')}.pdf"
        extra = ProductExtraFields(
            seller_entity=SELLER_ENTITY,
            policy_start_date=quoted_at,
            policy_start_calculated=quoted_at,
            customer_id=str(partner["customer_id"]) if partner.get("customer_id") is not None else None,
            esimid=None,
        )
        if primary is not None:
            start, event = primary
            offset = start.utcoffset() or dt.timedelta(0)
            extra.event_datetime = start
            extra.event_id = str(event.get("id"))
            extra.same_day = (quoted_at + offset).date() == start.date()
            extra.esim_eligible = str(event.get("country", "")).strip().upper() != country.strip().upper()
        priced = quote_product(config, events, currency)
        version = f"{config.id}-v1"
        details = ProductDetails(
            policy_version_id=version,
            start_date=quoted_at,
            end_date=policy_end,
            finance=_finance(priced, options.extra_fields, currency, language, country),
            pds_url=pds_url,
            files=[
                ProductFile(name=f"{config.name}: product disclosure statement", url=pds_url, type_="pds")
            ],
            extra_fields=extra,
            experiment=[],
        )
        if "benefits" in options.extra_fields:
            details.benefits = [Benefit.from_dict(dict(b)) for b in config.benefits]
        quote_id = product_id(offer_id, config.id)
        kept.append(StoredQuote(quote_id, config.id, config.name, priced.total, version, policy_end))
        out.append(
            Product(
                id=quote_id,
                product_config_id=config.id,
                type_=PRODUCT_TYPE,
                schema_url=schema_url,
                details=details,
            )
        )

    lang, region = split_language(language, country)
    offer = Offer(
        id=offer_id,
        currency=currency,
        products=out,
        content=OfferContent(
            schema_version=CONTENT_SCHEMA_VERSION, locale=f"{lang}-{region}" if region else lang
        )
        if options.include_content
        else UNSET,
        provider_reference=f"SBX-{offer_id[:8].upper()}",
    )
    return offer, kept
