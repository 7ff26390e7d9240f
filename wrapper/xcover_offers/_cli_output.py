"""The offer table the command line prints: one row per product, money as XCover formats it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from ._values import value

if TYPE_CHECKING:
    from xcover_offers_api.models import Offer

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
        return header + "\nNo products offered."
    columns = [c for c in COLUMNS if any(c in r for r in rows)]
    widths = {c: max(len(c), *(len(r.get(c, "-")) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns).rstrip()]
    lines += ["  ".join(r.get(c, "-").ljust(widths[c]) for c in columns).rstrip() for r in rows]
    return header + "\n" + "\n".join(lines)
