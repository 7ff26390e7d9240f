"""The request and response bodies every benchmark uses (standard library only: the server imports it).

Shapes follow the spec: a request is a customer plus events with tickets; a response is the `data`
envelope around an offer with products, each carrying finance, files, extra fields and benefits, as a
real answer with ``extra_fields=tax,commission,benefits`` does.
"""

from __future__ import annotations

import json
from typing import Any

CUSTOMER: dict[str, Any] = {
    "currency": "USD",
    "country": "US",
    "region": "NY",
    "language": "en-us",
    "email": "ada@example.com",
}


def event_dict(index: int, tickets: int) -> dict[str, Any]:
    """One single-day event as a caller passes it, with `tickets` tickets and derived totals."""
    prices = [round(45.5 + (t % 7) * 12.25, 2) for t in range(tickets)]
    return {
        "id": f"EV-{index:05d}",
        "name": f"Benchmark Concert {index}",
        "start_date": "2027-06-01T19:30:00+00:00",
        "country": "US",
        "city": "New York",
        "venue": "Benchmark Hall",
        "category": "Music",
        "multiday_event": False,
        "duration_days": 1,
        "ticket_count": tickets,
        "total_amount": round(sum(prices), 2),
        "tickets": [
            {"id": f"TK-{index:05d}-{t:03d}", "price": price, "type": "GA", "status": "purchased"}
            for t, price in enumerate(prices)
        ],
    }


def request_dict(events: int, tickets: int) -> dict[str, Any]:
    """The Create Offer body for `events` events of `tickets` tickets each, as it goes on the wire."""
    return {
        "customer": dict(CUSTOMER),
        "context": {"events": [event_dict(i, tickets) for i in range(events)]},
    }


def _money(amount: float) -> dict[str, Any]:
    return {"total_amount": amount, "total_amount_formatted": f"${amount:,.2f}"}


def product_dict(index: int) -> dict[str, Any]:
    url = f"https://xcover.example/pds/etp-{index}.pdf"
    return {
        "id": f"QUOTE-{index:05d}-7d1f",
        "product_config_id": f"etp-{index}",
        "type": "event_ticket_protection",
        "schema_url": "https://xcover.example/schemas/event_ticket_protection_v1.json",
        "details": {
            "policy_version_id": f"etp-{index}-v1",
            "start_date": "2027-01-15T08:00:00+00:00",
            "end_date": "2027-06-01T23:59:59+00:00",
            "finance": {
                "price": {
                    "total_amount": 10.45,
                    "total_amount_without_tax": 9.5,
                    "total_amount_formatted": "$10.45",
                    "total_amount_without_tax_formatted": "$9.50",
                },
                "tax": _money(0.95),
                "commission": _money(1.9),
            },
            "pds_url": url,
            "files": [{"name": "Product disclosure statement", "url": url, "type": "pds"}],
            "extra_fields": {
                "seller_entity": "Benchmark Insurance Ltd",
                "event_datetime": "2027-06-01T19:30:00+00:00",
                "policy_start_date": "2027-01-15T08:00:00+00:00",
                "policy_start_calculated": "2027-01-15T08:00:00+00:00",
                "event_id": "EV-00000",
                "customer_id": None,
                "esim_eligible": False,
                "esimid": None,
                "same_day": False,
            },
            "experiment": [],
            "benefits": [
                {"name": "Illness and injury", "description": "Refund if you cannot attend."},
                {"name": "Transport delay", "description": "Refund if your transport fails."},
            ],
        },
    }


def response_dict(products: int) -> dict[str, Any]:
    """A 200 Create Offer answer with `products` products."""
    return {
        "data": {
            "id": "OFR-BENCH-0001",
            "currency": "USD",
            "products": [product_dict(i) for i in range(products)],
            "content": {"schema_version": "1.0", "locale": "en-US"},
            "provider_reference": "BENCH-0001",
        }
    }


def response_bytes(products: int) -> bytes:
    return json.dumps(response_dict(products), separators=(",", ":")).encode()
