"""The sandbox tests' shared credentials and sample order (one event, one ticket)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from xcover_offers import XCoverAuth

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


class SignOnly(httpx.Auth):
    """XCoverAuth's signing without its clock-skew step, so the sandbox's own 403s are what is seen."""

    def __init__(self, auth: XCoverAuth) -> None:
        self._auth = auth

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        return self._auth.auth_flow(request)
