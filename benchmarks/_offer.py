"""The call every end-to-end benchmark makes, and its bare httpx baseline, written once.

The client's side builds its inputs with the public constructors on every call, as a service does.
The baseline is what a service would write without the client: `httpx.Client.post` with `json=` of
the body the client sent (serialised by httpx on every call) and the headers of one signed request
as static headers (no signing, no fresh Date), then `response.json()`: JSON in and out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import _payloads
import hooks
import httpx
import xcover_offers

START = dt.datetime(2027, 6, 1, 19, 30, tzinfo=dt.UTC)


def inputs() -> tuple[Any, list[Any]]:
    """One checkout, built with the public constructors: a customer and one event of two tickets."""
    customer = xcover_offers.customer(
        currency="USD", country="US", language="en-us", region="NY", email="ada@example.com"
    )
    event = xcover_offers.event(
        id="EV-00001",
        name="Benchmark Concert",
        start_date=START,
        country="US",
        city="New York",
        venue="Benchmark Hall",
        category="Music",
        tickets=[
            xcover_offers.ticket(id="TK-1", price=Decimal("45.50"), type_="GA"),
            xcover_offers.ticket(id="TK-2", price=Decimal("57.75"), type_="GA"),
        ],
    )
    return customer, [event]


def capture(base_url: str) -> hooks.Wire:
    """The request `create_offer` sends for `inputs()` to `base_url`: what the baselines send."""
    return hooks.capture_request(base_url, *inputs(), answer=_payloads.response_bytes(2))


def client_call(client: xcover_offers.OffersClient) -> Callable[[], object]:
    """One `create_offer` through the public API, inputs built by the constructors each time."""

    def once() -> object:
        customer, events = inputs()
        return client.create_offer(customer=customer, events=events)

    return once


def bare_call(bare: httpx.Client, wire: hooks.Wire) -> Callable[[], object]:
    """The baseline: a bare post of the same body as JSON, the answer read as JSON."""
    body = json.loads(wire.content)

    def once() -> object:
        response = bare.post(wire.url, json=body, headers=wire.headers)
        response.raise_for_status()
        return response.json()

    return once
