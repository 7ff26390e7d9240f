"""The sandbox tests' shared credentials and sample order (one event, one ticket)."""

from __future__ import annotations

from typing import Any

KEY, SECRET = "test-key", "test-secret"
PATH = "/partners/LLODT/offers/"
ORDER: dict[str, Any] = {
    "customer": {"currency": "USD", "country": "US", "language": "en-us"},
    "context": {
        "events": [
            {"id": "e1", "name": "Concert", "start_date": "2031-06-01T19:00:00+02:00", "country": "US",
             "tickets": [{"id": "t1", "price": 100}]},
        ]
    },
}  # fmt: skip
