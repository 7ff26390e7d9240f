"""The purchase flow's state: the offers the sandbox made and the bookings confirmed from them.

Create Offer keeps each offer it answers as a `StoredOffer`: what Confirm Offer needs to check the
quotes and price a booking (ids, prices, dates, the customer's currency and language), never the
customer's personal data. Confirm Offer keeps each booking as the answer it sent (`StoredBooking`);
the policyholder is not part of it.

Both are kept within bounds, so a long-running sandbox stays small: an offer for `retention`
seconds from its creation, a booking for as long from its confirmation, and at most `capacity` of
each, the oldest dropped first. An offer that is dropped leaves a trace, its id and why (at most
`capacity` traces, the oldest forgotten first), so that acting on it later is told "expired" rather
than "no such offer".

Everything is keyed by partner code and id: an offer made for one partner code is unknown to
another. Runs on the caller's clock values; thread-safe, with `lock` held by a handler that checks
an offer and changes it in one step (a confirm).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from ._defaults import MAX_OFFERS, OFFER_RETENTION

Key = tuple[str, str]
"""(partner code, id)."""
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class StoredQuote:
    """One product of an offer, as a booking needs it.

    Attributes:
        id: the quote id (the product's ``id`` in the offer: what Confirm Offer names).
        config_id: the product config it was priced from.
        name: the config's human name, the booking's ``policy_name``.
        price: its total price (tax included), exact, rounded to the currency's minor unit.
        policy_version: the offer's ``policy_version_id``.
        end: when its cover ends (the last event's end); None if the offer had none.
    """

    id: str
    config_id: str
    name: str
    price: Decimal
    policy_version: str
    end: dt.datetime | None


@dataclass(slots=True)
class StoredOffer:
    """An offer the sandbox made, and what happened to it since (change it under `Purchases.lock`).

    Attributes:
        partner_code: the partner code it was made for.
        id: the offer id.
        currency: the customer's currency.
        language: the customer's language tag, for formatting amounts.
        country: the customer's country, the same.
        quotes: its products by quote id, in the offer's order.
        opted_out: an opt-out was recorded for it.
        booking_id: the booking confirmed from it, if any ...
        booked: ... and the quote ids that booking covers.
    """

    partner_code: str
    id: str
    currency: str
    language: str
    country: str
    quotes: Mapping[str, StoredQuote]
    opted_out: bool = False
    booking_id: str | None = None
    booked: frozenset[str] = field(default=frozenset())


@dataclass(frozen=True, slots=True)
class StoredBooking:
    """A confirmed booking: the JSON body Confirm Offer answered, which Get Booking answers again."""

    partner_code: str
    id: str
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Gone:
    """An offer the sandbox made and no longer keeps; `reason` says why ("the sandbox keeps ...")."""

    reason: str


class _Kept(Generic[V]):
    """Values by key, oldest first, dropped after `retention` seconds or beyond `capacity`.

    `dropped` hears of each value dropped, with the reason. A clock moved backwards only delays a
    purge: a value is checked for age when it is read as well.
    """

    def __init__(
        self, noun: str, retention: float, capacity: int, dropped: Callable[[Key, str], None]
    ) -> None:
        self.noun = noun
        self.retention = retention
        self.capacity = capacity
        self._items: OrderedDict[Key, tuple[float, V]] = OrderedDict()
        self._dropped = dropped

    def put(self, key: Key, value: V, now: float) -> None:
        self.expire(now)
        self._items.pop(key, None)
        self._items[key] = (now, value)
        while len(self._items) > self.capacity:
            oldest, _ = self._items.popitem(last=False)
            self._dropped(oldest, f"the sandbox keeps at most {self.capacity} {self.noun}")

    def get(self, key: Key, now: float) -> V | None:
        self.expire(now)
        found = self._items.get(key)
        if found is None:
            return None
        if now >= found[0] + self.retention:
            self._drop_old(key)
            return None
        return found[1]

    def expire(self, now: float) -> None:
        while self._items:
            key, (created, _) = next(iter(self._items.items()))
            if now < created + self.retention:
                break
            self._drop_old(key)

    def _drop_old(self, key: Key) -> None:
        del self._items[key]
        self._dropped(key, f"the sandbox keeps {self.noun} for {duration(self.retention)}")

    def held(self) -> list[Key]:
        return list(self._items)

    def clear(self) -> None:
        self._items.clear()


def duration(seconds: float) -> str:
    """``7 days``, ``90 minutes``, ``1.5 seconds``: a retention as people say it."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds:g} seconds"


class Purchases:
    """The sandbox's offers and bookings, within bounds (see the module docstring).

    Args:
        retention: seconds an offer is kept from its creation, and a booking from its confirmation.
        capacity: the most offers kept at once, and the most bookings.
    """

    def __init__(self, *, retention: float = OFFER_RETENTION, capacity: int = MAX_OFFERS) -> None:
        if not retention > 0:
            raise ValueError("offer retention must be more than 0 seconds")
        if capacity < 1:
            raise ValueError("max offers must be at least 1")
        self.retention = float(retention)
        self.capacity = capacity
        self.lock = threading.RLock()
        self._gone: OrderedDict[Key, str] = OrderedDict()
        self._offers: _Kept[StoredOffer] = _Kept("offers", self.retention, capacity, self._bury)
        self._bookings: _Kept[StoredBooking] = _Kept(
            "bookings", self.retention, capacity, lambda key, reason: None
        )

    def _bury(self, key: Key, reason: str) -> None:
        self._gone.pop(key, None)
        self._gone[key] = reason
        while len(self._gone) > self.capacity:
            self._gone.popitem(last=False)

    def add_offer(self, offer: StoredOffer, now: float) -> None:
        with self.lock:
            self._offers.put((offer.partner_code, offer.id), offer, now)

    def offer(self, partner_code: str, offer_id: str, now: float) -> StoredOffer | Gone | None:
        """The offer, `Gone` if the sandbox made it and dropped it since, or None if it never made it."""
        key = (partner_code, offer_id)
        with self.lock:
            found = self._offers.get(key, now)
            if found is not None:
                return found
            reason = self._gone.get(key)
            return Gone(reason) if reason is not None else None

    def add_booking(self, booking: StoredBooking, now: float) -> None:
        with self.lock:
            self._bookings.put((booking.partner_code, booking.id), booking, now)

    def booking(self, partner_code: str, booking_id: str, now: float) -> StoredBooking | None:
        with self.lock:
            return self._bookings.get((partner_code, booking_id), now)

    def offer_ids(self, now: float | None = None) -> list[str]:
        """The ids of the offers kept, oldest first (dropping the expired first, given `now`)."""
        with self.lock:
            if now is not None:
                self._offers.expire(now)
            return [offer_id for _, offer_id in self._offers.held()]

    def booking_ids(self, now: float | None = None) -> list[str]:
        """The ids of the bookings kept, oldest first (dropping the expired first, given `now`)."""
        with self.lock:
            if now is not None:
                self._bookings.expire(now)
            return [booking_id for _, booking_id in self._bookings.held()]

    def clear(self) -> None:
        """Forget every offer, booking and trace."""
        with self.lock:
            self._offers.clear()
            self._bookings.clear()
            self._gone.clear()
