"""A minimal checkout service, written as a service team would: it imports only the installed package."""

from __future__ import annotations

import datetime as dt

from xcover_offers import OffersClient, XCoverError, event, ticket
from xcover_offers_api.models import Offer


def protection_offer(client: OffersClient, order_id: str, price: str) -> Offer | None:
    """The offer to show at checkout, or None: the checkout never waits on insurance."""
    try:
        return client.create_offer(
            customer={"currency": "USD", "country": "US", "language": "en-us"},
            events=[
                event(
                    id=f"{order_id}-event",
                    name="Concert",
                    country="US",
                    start_date=dt.datetime(2031, 6, 1, 19, 30, tzinfo=dt.UTC),
                    tickets=[ticket(id=f"{order_id}-ticket", price=price)],
                )
            ],
            idempotency_key=f"offer-{order_id}",
        )
    except XCoverError:
        return None
