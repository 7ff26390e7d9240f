"""Money for the sandbox: exact amounts, rounded like a ledger, formatted like the customer reads them.

Amounts are `decimal.Decimal` from the moment the request body is parsed (a ticket of 0.1 stays 0.1),
and every amount the sandbox answers with is rounded **half-up** to the currency's minor unit
(its ISO 4217 exponent): 0 decimals for JPY, KRW, CLP, ISK, VND; 3 for BHD, JOD, KWD, OMR, TND;
2 for everything else, including currencies the table does not know.

The `*_formatted` strings follow the customer's currency and language. Babel would be the complete
answer, but a test double should not pull in CLDR, so this is a small table in CLDR's spirit:

=========================  ===========  =========  =========  ======================
language                   symbol       grouping   decimal    example (1234.5 EUR)
=========================  ===========  =========  =========  ======================
en, ja, zh, ko             before       ``,``      ``.``      €1,234.50
de, es, it, el, da         after        ``.``      ``,``      1.234,50 €
fr                         after        NNBSP      ``,``      1 234,50 €
nl, pt                     before + sp  ``.``      ``,``      € 1.234,50
sv, nb, no, fi             after        NBSP       ``,``      1 234,50 €
=========================  ===========  =========  =========  ======================

A dollar-like currency shows its bare local symbol only at home (USD is "$" for an en-US customer
and "US$" for an en-GB one; AUD is "$" in en-AU and "A$" elsewhere), as CLDR does. A currency
outside the table uses its code as the symbol ("CHF 12.50" in English, "12,50 XYZ" in German); a
language outside the table falls back to the plain form "USD 12.34".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

NBSP: Final = "\u00a0"
NNBSP: Final = "\u202f"


@dataclass(frozen=True, slots=True)
class _Currency:
    exponent: int
    symbol: str
    home: str | None = None
    """Region where the currency is written with `local_symbol` instead of `symbol`."""
    local_symbol: str | None = None


_CURRENCIES: Final[dict[str, _Currency]] = {
    "USD": _Currency(2, "US$", "US", "$"),
    "AUD": _Currency(2, "A$", "AU", "$"),
    "CAD": _Currency(2, "CA$", "CA", "$"),
    "NZD": _Currency(2, "NZ$", "NZ", "$"),
    "HKD": _Currency(2, "HK$", "HK", "$"),
    "SGD": _Currency(2, "S$", "SG", "$"),
    "MXN": _Currency(2, "MX$", "MX", "$"),
    "EUR": _Currency(2, "€"),
    "GBP": _Currency(2, "£"),
    "JPY": _Currency(0, "¥", "JP", "￥"),
    "CNY": _Currency(2, "CN¥", "CN", "¥"),
    "KRW": _Currency(0, "₩"),
    "INR": _Currency(2, "₹"),
    "BRL": _Currency(2, "R$"),
    "ZAR": _Currency(2, "ZAR", "ZA", "R"),
    "CHF": _Currency(2, "CHF"),
    "SEK": _Currency(2, "SEK", "SE", "kr"),
    "NOK": _Currency(2, "NOK", "NO", "kr"),
    "DKK": _Currency(2, "DKK", "DK", "kr."),
    "CLP": _Currency(0, "CLP", "CL", "$"),
    "ISK": _Currency(0, "ISK", "IS", "kr"),
    "VND": _Currency(0, "₫"),
    "BHD": _Currency(3, "BHD"),
    "JOD": _Currency(3, "JOD"),
    "KWD": _Currency(3, "KWD"),
    "OMR": _Currency(3, "OMR"),
    "TND": _Currency(3, "TND"),
}


@dataclass(frozen=True, slots=True)
class _Locale:
    symbol_first: bool
    group: str
    decimal: str
    spaced: bool
    """A no-break space between symbol and number (always after the number when symbol_first is False)."""


_EN = _Locale(symbol_first=True, group=",", decimal=".", spaced=False)
_CONTINENTAL = _Locale(symbol_first=False, group=".", decimal=",", spaced=True)
_NORDIC = _Locale(symbol_first=False, group=NBSP, decimal=",", spaced=True)

_LOCALES: Final[dict[str, _Locale]] = {
    "en": _EN,
    "ja": _EN,
    "zh": _EN,
    "ko": _EN,
    "de": _CONTINENTAL,
    "es": _CONTINENTAL,
    "it": _CONTINENTAL,
    "el": _CONTINENTAL,
    "da": _CONTINENTAL,
    "fr": _Locale(symbol_first=False, group=NNBSP, decimal=",", spaced=True),
    "nl": _Locale(symbol_first=True, group=".", decimal=",", spaced=True),
    "pt": _Locale(symbol_first=True, group=".", decimal=",", spaced=True),
    "sv": _NORDIC,
    "nb": _NORDIC,
    "no": _NORDIC,
    "fi": _NORDIC,
}


def minor_unit_exponent(currency: str) -> int:
    """Decimals of the currency's minor unit (2 when the table does not know the currency)."""
    known = _CURRENCIES.get(currency.strip().upper())
    return known.exponent if known else 2


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's minor unit: 0.125 USD -> 0.13, 1234.5 JPY -> 1235."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit_exponent(currency)), rounding=ROUND_HALF_UP)


def json_number(amount: Decimal) -> int | float:
    """The JSON form of a rounded amount: an int for 0-decimal currencies, else the nearest float.

    The spec types amounts as `number` and the generated models as float; a rounded amount of a few
    significant digits round-trips exactly through float's shortest repr ("12.34").
    """
    return int(amount) if amount.as_tuple().exponent == 0 else float(amount)


def split_language(language: str, country: str = "") -> tuple[str, str]:
    """("en", "US") from "en-us", "en_US" or "EN"; the region falls back to the customer's country."""
    parts = [p for p in language.replace("_", "-").split("-") if p]
    lang = parts[0].lower() if parts else ""
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), country.strip().upper())
    return lang, region


def format_money(amount: Decimal, currency: str, language: str, country: str = "") -> str:
    """`amount` (already rounded) as the customer reads it; see the module docstring for the table."""
    code = currency.strip().upper()
    exponent = minor_unit_exponent(code)
    amount = round_money(amount, code)
    lang, region = split_language(language, country)
    locale = _LOCALES.get(lang)
    if locale is None:
        plain = f"{amount:.{exponent}f}"
        return f"{code} {plain}" if code else plain
    digits = f"{abs(amount):.{exponent}f}"
    whole, _, fraction = digits.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    number = locale.group.join(groups) + (locale.decimal + fraction if fraction else "")
    known = _CURRENCIES.get(code)
    if known is None:
        symbol = code
    elif known.local_symbol and known.home == region:
        symbol = known.local_symbol
    else:
        symbol = known.symbol
    sign = "-" if amount < 0 else ""
    if not symbol:
        return sign + number
    if locale.symbol_first:
        # A symbol that ends in a letter ("CHF") needs a gap before the digits even in English.
        gap = NBSP if locale.spaced or symbol[-1].isalpha() else ""
        return f"{sign}{symbol}{gap}{number}"
    return f"{sign}{number}{NBSP}{symbol}"
