"""The tables the command line prints (an offer, a booking), money as XCover formats it.

Every string in them is the server's, so each is shown through `printable`: an offer id holding
`ESC]0;…BEL` or `ESC[2J` is printed as those escapes, not obeyed by the terminal. `json_text` does the
same for --json, as JSON escapes (the same data).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from ._text import printable, printable_json
from ._values import value

if TYPE_CHECKING:
    from xcover_offers_api.models import Booking, Offer

COLUMNS: Final = ("PRODUCT CONFIG", "PRICE", "WITHOUT TAX", "TAX", "SURCHARGE", "COMMISSION", "BENEFITS")


def amount_text(node: Any, field: str = "total_amount") -> str:
    """A finance entry's `field` as text: its ``_formatted`` string, else the number, else a dash."""
    text = getattr(node, f"{field}_formatted", None)
    if isinstance(text, str) and text:
        return text
    amount = getattr(node, field, None)
    return str(amount) if isinstance(amount, int | float) else "-"


def offer_table(offer: Offer) -> str:
    """An `Offer` as a plain-text table: one row per product, optional columns only when present."""
    rows: list[dict[str, str]] = []
    for product in offer.products:
        finance = product.details.finance
        row = {
            "PRODUCT CONFIG": value(product.product_config_id) or "-",
            "PRICE": amount_text(finance.price),
            "WITHOUT TAX": amount_text(finance.price, "total_amount_without_tax"),
        }
        for column, node in (
            ("TAX", value(finance.tax)),
            ("SURCHARGE", value(finance.surcharge)),
            ("COMMISSION", value(finance.commission)),
        ):
            if node is not None:
                row[column] = amount_text(node)
        benefits = value(product.details.benefits)
        if benefits is not None:
            row["BENEFITS"] = str(len(benefits))
        rows.append(row)
    header = f"Offer {offer.id} in {offer.currency}"
    reference = value(offer.provider_reference)
    if reference:
        header += f" (provider reference {reference})"
    if not rows:
        return printable(header) + "\nNo products offered."
    return printable(header) + "\n" + _table(rows, COLUMNS)


def booking_table(booking: Booking) -> str:
    """A `Booking` as a plain-text table: one row per booked quote."""
    header = f"Booking {booking.id} {booking.status}"
    total = amount_text(booking, "total_price")
    if total != "-":
        header += f": {total}" + (f" {booking.currency}" if isinstance(booking.currency, str) else "")
    rows: list[dict[str, str]] = []
    for quote in value(booking.quotes, []):
        policy = value(quote.policy)
        rows.append(
            {
                "QUOTE": quote.id,
                "STATUS": value(quote.status) or "-",
                "PRICE": amount_text(quote, "price"),
                "POLICY": (value(policy.policy_name) if policy is not None else None) or "-",
            }
        )
    return printable(header) + ("\n" + _table(rows, ("QUOTE", "STATUS", "PRICE", "POLICY")) if rows else "")


def _table(rows: list[dict[str, str]], order: tuple[str, ...]) -> str:
    """Rows as aligned columns, in `order`, only the columns some row has, each cell `printable`."""
    rows = [{c: printable(text) for c, text in r.items()} for r in rows]
    columns = [c for c in order if any(c in r for r in rows)]
    widths = {c: max(len(c), *(len(r.get(c, "-")) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns).rstrip()]
    lines += ["  ".join(r.get(c, "-").ljust(widths[c]) for c in columns).rstrip() for r in rows]
    return "\n".join(lines)


def json_text(data: Any) -> str:
    """A model's `to_dict()` as indented JSON, non-ASCII text kept, control and bidi characters as
    JSON escapes."""
    return printable_json(json.dumps(data, indent=2, ensure_ascii=False))
