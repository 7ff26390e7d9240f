"""How the sandbox prices an offer: deterministic, documented and plausible.

One product per configured offer ("product config"). The defaults:

===========  ========================  ======  ======================================================
config id    name                      rate    active
===========  ========================  ======  ======================================================
etp-basic    Ticket Protection         5 %     yes
etp-premium  Ticket Protection Plus    9 %     yes
etp-flex     Ticket Protection Flex    12 %    no: a draft config, dropped when ``active_only=true``
===========  ========================  ======  ======================================================

For each product, in the customer's currency:

- an event's **ticket total** is the sum of its tickets' ``price``; an event that lists no tickets
  counts its ``total_amount``; one with neither counts 0 (``total_paid``, for layaway, is ignored);
- **price without tax** = rate × the sum of the events' ticket totals, rounded half-up to the
  currency's minor unit (`_money.round_money`);
- **tax** = 10 % of the price without tax, added on top: ``total_amount`` = without tax + tax;
- **surcharge** = 2 % of the price without tax, a part of it (a payment-processing levy);
- **commission** = 20 % of the price without tax, the partner's share of it.

The price is always in the answer; tax, surcharge, commission and the product's benefits only when
named in ``extra_fields``. Amounts the spec allows but no insurer would quote are refused with a
422, as a real service would: a negative amount, or one above 1,000,000,000.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from ._money import round_money

TAX_RATE: Final = Decimal("0.10")
SURCHARGE_RATE: Final = Decimal("0.02")
COMMISSION_RATE: Final = Decimal("0.20")
MAX_AMOUNT: Final = Decimal(1_000_000_000)


@dataclass(frozen=True, slots=True)
class ProductConfig:
    """One configured offer: the sandbox answers with one product per config.

    Attributes:
        id: the product config id (what ``exclude_offer_ids`` names).
        name: a human name, used in the product's files and by the command line.
        rate: the price without tax as a share of the events' ticket total (Decimal("0.05") = 5 %).
        active: False for a draft config, which ``active_only=true`` leaves out.
        benefits: what the cover includes, returned when ``extra_fields`` has "benefits".
    """

    id: str
    name: str
    rate: Decimal
    active: bool = True
    benefits: tuple[Mapping[str, str], ...] = field(default=())


_ILLNESS = {
    "name": "Illness, injury or death",
    "description": "Refund of the ticket price if you cannot attend because of illness, injury or death.",
}
_TRANSPORT = {
    "name": "Transport failure",
    "description": "Refund if public transport or your private vehicle breaks down on the way.",
}
_WEATHER = {
    "name": "Severe weather",
    "description": "Refund if severe weather makes it unsafe to travel to the event.",
}
_CHANGE = {
    "name": "Change of plans",
    "description": "Refund for a documented change of work or family circumstances.",
}

DEFAULT_PRODUCTS: Final[tuple[ProductConfig, ...]] = (
    ProductConfig("etp-basic", "Ticket Protection", Decimal("0.05"), benefits=(_ILLNESS, _TRANSPORT)),
    ProductConfig(
        "etp-premium", "Ticket Protection Plus", Decimal("0.09"), benefits=(_ILLNESS, _TRANSPORT, _WEATHER)
    ),
    ProductConfig(
        "etp-flex",
        "Ticket Protection Flex",
        Decimal("0.12"),
        active=False,
        benefits=(_ILLNESS, _TRANSPORT, _WEATHER, _CHANGE),
    ),
)


@dataclass(frozen=True, slots=True)
class Quote:
    """The priced amounts of one product, each rounded to the currency's minor unit."""

    without_tax: Decimal
    tax: Decimal
    surcharge: Decimal
    commission: Decimal

    @property
    def total(self) -> Decimal:
        return self.without_tax + self.tax


def _amount(value: Any) -> Decimal | None:
    # The body is parsed with parse_float=Decimal, so numbers are Decimal or int (never bool: the
    # spec check ran first).
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return None


def ticket_total(event: Mapping[str, Any]) -> Decimal:
    """The event's ticket total as documented above."""
    tickets = event.get("tickets") or []
    if tickets:
        return sum((_amount(t.get("price")) or Decimal(0) for t in tickets), Decimal(0))
    return _amount(event.get("total_amount")) or Decimal(0)


def amount_errors(events: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Field path -> message for every amount outside 0 .. 1,000,000,000."""
    errors: dict[str, list[str]] = {}

    def check(path: str, value: Any) -> None:
        amount = _amount(value)
        if amount is None:
            return
        if amount < 0:
            errors.setdefault(path, []).append("must be greater than or equal to 0")
        elif amount > MAX_AMOUNT:
            errors.setdefault(path, []).append("must be less than or equal to 1000000000")

    for i, event in enumerate(events):
        check(f"context.events[{i}].total_amount", event.get("total_amount"))
        for j, ticket in enumerate(event.get("tickets") or []):
            check(f"context.events[{i}].tickets[{j}].price", ticket.get("price"))
            check(f"context.events[{i}].tickets[{j}].total_paid", ticket.get("total_paid"))
    return errors


def quote_product(config: ProductConfig, events: Sequence[Mapping[str, Any]], currency: str) -> Quote:
    """Price one product for the events, in `currency`."""
    ticket_sum = sum((ticket_total(e) for e in events), Decimal(0))
    without_tax = round_money(ticket_sum * config.rate, currency)
    return Quote(
        without_tax=without_tax,
        tax=round_money(without_tax * TAX_RATE, currency),
        surcharge=round_money(without_tax * SURCHARGE_RATE, currency),
        commission=round_money(without_tax * COMMISSION_RATE, currency),
    )
