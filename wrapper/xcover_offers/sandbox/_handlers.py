"""The operations the sandbox models with state: Create Offer, Confirm Offer, Opt-out, Get Booking.

Create Offer prices an offer (see `_offers`, `_pricing`) and keeps it; Confirm Offer turns chosen
quotes of a kept offer into a booking, which Get Booking answers again; Opt-out records that the
customer did not buy (see `_bookings` for what is kept, and for how long). Each handler runs after
the pipeline's checks (signature, idempotency, the spec), so it sees a valid request.

What each case answers, and whether XCover documents it (the research notes behind the spec
additions have the sources). Where the documentation is silent, the sandbox picks the answer that
shows a client's mistake instead of hiding it, and never makes a second booking:

==========================================  ======  =================================================
case                                        status  XCover's documentation
==========================================  ======  =================================================
Confirm Offer                               201     inferred: "201 Created" (API Responses page)
Confirm, unknown offer                      404     inferred: "the resource doesn't exist"
Confirm, a quote not of this offer          422     silent; ``errors`` names ``quotes[i].id``
Confirm, no quotes, or one twice            422     silent; ``errors`` names the field
Confirm after an opt-out                    422     silent; a "logical error" (``offer_opted_out``)
Confirm again, the same quotes              409     silent; the booking already made, none new
Confirm again, other quotes                 422     silent (``offer_confirmed``)
Confirm or opt-out, offer dropped           422     silent: XCover documents no offer expiry; the
                                                    sandbox keeps offers `offer_retention` seconds
                                                    (``offer_expired``; 404 once it forgets the id)
Confirm, same idempotency key and body      409     documented: the stored booking (see `_idempotency`)
Confirm, same key while the first runs      423     documented
Confirm, same key with another body         422     silent (see `_idempotency`)
Opt-out                                     204     documented
Opt-out, unknown offer                      404     documented ("Offer not found")
Opt-out again                               204     silent; safe to repeat
Opt-out after a confirm                     422     silent (XCover's v2 opt-out declares a 422)
Get Booking                                 200     documented; the booking Confirm answered
Get Booking, unknown or dropped booking     404     documented ("the resource doesn't exist")
==========================================  ======  =================================================

Errors use XCover's ``{"type", "message"}`` shape; field errors the spec's ``errors`` map.

The booking (the shape of XCover's v2 booking): an INS-style id (``8WD8Y-LTEKE-INS``), made from
the sandbox's seed, the offer and the set of quotes, so the same confirm names the same booking;
status CONFIRMED; the total price, exact (the sum of the chosen quotes' prices as the offer priced
them) and formatted for the customer; and per quote its price, a policy that starts when it is
bought and ends when the offer's cover ends (the last event's end), and the product it was priced
from. The policyholder is checked by the spec and then dropped: it is not kept, nor answered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from xcover_offers_api._spec_facts import EXTRA_FIELDS
from xcover_offers_api.models import OfferResponse

from ._answers import Answer, Call, Handler, encode, fail, validation_error
from ._bookings import Gone, StoredBooking, StoredOffer, StoredQuote, duration
from ._money import format_money, json_number
from ._offers import DOCS_ORIGIN, PRODUCT_TYPE, build_offer, read_options, rule_errors
from ._openapi import JSON

if TYPE_CHECKING:
    from ._app import SandboxApp

CONFIRMED: Final = "CONFIRMED"
_INS_DIGITS: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: upper case, no I, L, O or U to misread."""
_SHOWN: Final = 80
"""The most characters of a client's id quoted back in a message."""


def create_offer(app: SandboxApp, call: Call) -> Answer:
    """Create Offer: business rules beyond the spec (422), then an offer priced from the sandbox's
    products (200), kept for Confirm Offer and Opt-out."""
    body = call.body
    errors = rule_errors(body) if isinstance(body, Mapping) else {"body": ["Must be a JSON object."]}
    if errors or not isinstance(body, Mapping):
        return 422, validation_error(errors), {}
    offer_id = app.new_id("offer")
    offer, quotes = build_offer(
        body,
        read_options(call.query, EXTRA_FIELDS),
        app.products,
        now=aware(call.now),
        offer_id=offer_id,
        product_id=lambda offer, config: app.stable_id(offer, config),
    )
    customer = body.get("customer") or {}
    kept = StoredOffer(
        partner_code=_param(app, call, "partner_code"),
        id=offer_id,
        currency=offer.currency,
        language=str(customer.get("language", "")),
        country=str(customer.get("country", "")),
        quotes={q.id: q for q in quotes},
    )
    app.purchases.add_offer(kept, call.now)
    return 200, encode(OfferResponse(data=offer).to_dict()), {"Content-Type": JSON}


def confirm_offer(app: SandboxApp, call: Call) -> Answer:
    """Confirm Offer: a booking of the chosen quotes of a kept offer (201; see the table above)."""
    body = call.body if isinstance(call.body, Mapping) else {}
    chosen = [str(q.get("id")) for q in body.get("quotes") or () if isinstance(q, Mapping)]
    with app.purchases.lock:
        offer = _kept_offer(app, call)
        errors = _quote_errors(offer, chosen)
        if errors:
            return 422, validation_error(errors), {}
        if offer.opted_out:
            fail(
                422,
                "offer_opted_out",
                f"Offer {offer.id} was opted out of; a customer who then buys needs a new offer.",
            )
        if offer.booking_id is not None:
            confirmed = f"Offer {offer.id} is already confirmed as booking {offer.booking_id}"
            if frozenset(chosen) != offer.booked:
                fail(422, "offer_confirmed", f"{confirmed}, with other quotes.")
            booking = app.purchases.booking(offer.partner_code, offer.booking_id, call.now)
            if booking is None:
                fail(422, "offer_confirmed", f"{confirmed}, which the sandbox no longer keeps.")
            return 409, dict(booking.body), {}
        booking_body = _booking(app, offer, chosen, body.get("partner_transaction_id"), call.now)
        booking_id = str(booking_body["id"])
        offer.booking_id, offer.booked = booking_id, frozenset(chosen)
        app.purchases.add_booking(StoredBooking(offer.partner_code, booking_id, booking_body), call.now)
    return 201, booking_body, {}


def opt_out_offer(app: SandboxApp, call: Call) -> Answer:
    """Opt-out: the customer did not buy (204, also when repeated); 422 once the offer is confirmed."""
    with app.purchases.lock:
        offer = _kept_offer(app, call)
        if offer.booking_id is not None:
            fail(
                422,
                "offer_confirmed",
                f"Offer {offer.id} is confirmed as booking {offer.booking_id}; it cannot be opted out of.",
            )
        offer.opted_out = True
    return 204, b"", {}


def get_booking(app: SandboxApp, call: Call) -> Answer:
    """Get Booking: the booking Confirm Offer made (200), or 404."""
    partner_code, booking_id = _param(app, call, "partner_code"), _param(app, call, "booking_id")
    booking = app.purchases.booking(partner_code, booking_id, call.now)
    if booking is None:
        fail(
            404,
            "not_found",
            f"No booking {_shown(booking_id)} for partner {_shown(partner_code)}; the sandbox keeps "
            f"the bookings it confirmed for {duration(app.purchases.retention)}, at most "
            f"{app.purchases.capacity}.",
        )
    return 200, dict(booking.body), {}


MODELLED: Final[Mapping[str, Handler]] = {
    "create_offer": create_offer,
    "confirm_offer": confirm_offer,
    "opt_out_offer": opt_out_offer,
    "get_booking": get_booking,
}
"""The operations the sandbox models with state, by operationId; the rest answer from the contract."""


def _kept_offer(app: SandboxApp, call: Call) -> StoredOffer:
    """The offer the path names; 404 if the sandbox never made it, 422 if it dropped it since."""
    partner_code, offer_id = _param(app, call, "partner_code"), _param(app, call, "offer_id")
    found = app.purchases.offer(partner_code, offer_id, call.now)
    if isinstance(found, Gone):
        fail(
            422,
            "offer_expired",
            f"Offer {offer_id} has expired: {found.reason}. XCover documents no expiry; create a new offer.",
        )
    if found is None:
        fail(404, "not_found", f"No offer {_shown(offer_id)} for partner {_shown(partner_code)}.")
    return found


def _quote_errors(offer: StoredOffer, chosen: Sequence[str]) -> dict[str, list[str]]:
    if not chosen:
        return {"quotes": ["Choose at least one quote: the id of a product of the offer."]}
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, quote_id in enumerate(chosen):
        if quote_id not in offer.quotes:
            message = (
                f"Quote {_shown(quote_id)} is not a quote of offer {offer.id}; "
                "use the ids of its data.products[]."
            )
        elif quote_id in seen:
            message = f"Quote {_shown(quote_id)} is listed more than once."
        else:
            seen.add(quote_id)
            continue
        errors[f"quotes[{i}].id"] = [message]
    return errors


def _booking(
    app: SandboxApp, offer: StoredOffer, chosen: Sequence[str], transaction_id: Any, now: float
) -> dict[str, Any]:
    """The booking's JSON body (see the module docstring)."""
    booked_at = aware(now).replace(microsecond=0).isoformat()
    quotes = [offer.quotes[q] for q in chosen]
    total = sum((q.price for q in quotes), Decimal(0))
    booking_id = ins_number(app, offer, chosen)
    return {
        "id": booking_id,
        "status": CONFIRMED,
        "currency": offer.currency,
        "total_price": json_number(total),
        "total_price_formatted": _formatted(offer, total),
        "partner_transaction_id": transaction_id if isinstance(transaction_id, str) else None,
        "created_at": booked_at,
        "updated_at": booked_at,
        "pds_url": f"{DOCS_ORIGIN}/pds/{booking_id}",
        "quotes": [_booked_quote(offer, q, booked_at) for q in quotes],
    }


def _booked_quote(offer: StoredOffer, quote: StoredQuote, booked_at: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": quote.id,
        "status": CONFIRMED,
        "price": json_number(quote.price),
        "price_formatted": _formatted(offer, quote.price),
        "policy_start_date": booked_at,
    }
    if quote.end is not None:
        out["policy_end_date"] = quote.end.isoformat()
    out["policy"] = {
        "policy_type": PRODUCT_TYPE,
        "policy_name": quote.name,
        "policy_code": quote.config_id.upper(),
        "policy_version": quote.policy_version,
        "category": PRODUCT_TYPE,
    }
    return out


def ins_number(app: SandboxApp, offer: StoredOffer, quote_ids: Sequence[str]) -> str:
    """``8WD8Y-LTEKE-INS``: the same for the same sandbox seed, offer and set of quotes."""
    value = uuid.UUID(app.stable_id("booking", offer.partner_code, offer.id, *sorted(set(quote_ids)))).int
    digits = [_INS_DIGITS[(value >> (5 * i)) & 31] for i in range(10)]
    return f"{''.join(digits[:5])}-{''.join(digits[5:])}-INS"


def _formatted(offer: StoredOffer, amount: Decimal) -> str:
    return format_money(amount, offer.currency, offer.language, offer.country)


def _param(app: SandboxApp, call: Call, name: str) -> str:
    """A path parameter, as the spec read it; from the path template if the document leaves it
    undeclared (as XCover's published pages do)."""
    value = call.path.get(name)
    if value is None:
        value = app.spec.route(call.request.method, call.request.path).params.get(name, "")
    return str(value)


def _shown(text: str) -> str:
    """A client's id quoted in a message: cut short, so an answer stays small."""
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


def aware(timestamp: float) -> dt.datetime:
    """A sandbox timestamp as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)
