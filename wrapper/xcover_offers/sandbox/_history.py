"""What `SandboxApp.history` keeps: the last exchanges, bounded by count and by bytes.

A sandbox left running on a laptop or in CI sees whatever is sent to it; without a byte budget,
1,000 requests of 1 MiB hold a GiB. The newest exchange is always kept, whatever its size (it is
bounded by the body cap), so a test can read what it just sent.
"""

from __future__ import annotations

import threading
from collections import deque

from ._exchange import Exchange


def exchange_bytes(exchange: Exchange) -> int:
    """What an exchange holds, roughly: bodies, request target and headers, both ways."""
    request, response = exchange.request, exchange.response
    headers = sum(len(k) + len(v) for k, v in (*request.headers, *response.headers))
    return len(request.target) + len(request.body) + len(response.body) + headers


class History:
    """The last `size` exchanges that fit in `budget` bytes, oldest first; safe across threads."""

    def __init__(self, *, size: int, budget: int) -> None:
        if size < 0 or budget < 0:
            raise ValueError("history_size and history_bytes must be 0 or more")
        self.size = size
        self.budget = budget
        self._kept: deque[tuple[Exchange, int]] = deque()
        self._bytes = 0
        self._lock = threading.Lock()

    def record(self, exchange: Exchange) -> None:
        if self.size == 0:
            return
        cost = exchange_bytes(exchange)
        with self._lock:
            self._kept.append((exchange, cost))
            self._bytes += cost
            while len(self._kept) > 1 and (len(self._kept) > self.size or self._bytes > self.budget):
                self._bytes -= self._kept.popleft()[1]

    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return [exchange for exchange, _ in self._kept]

    @property
    def bytes(self) -> int:
        """The bytes held now, as `exchange_bytes` counts them."""
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._bytes = 0
