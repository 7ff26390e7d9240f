"""XCover's idempotency contract, as its documentation states it ("Idempotency Keys"), for the POST
operations that keep it (see `Operation.idempotent`):

- a request whose ``x-idempotency-key`` and body were already processed gets the stored response
  body again, with **409 Conflict**, for 48 hours (the clients may treat it as a success);
- a duplicate that arrives while the first is still being processed gets **423 Locked**, and should
  be retried after a while. XCover documents no Retry-After for it, so the sandbox sends none.

What the documentation leaves open, the sandbox decides, and says so:

- the same key with a *different* request (body, or path: another offer id) is refused with a 422
  naming the key: never a silent new offer, and never someone else's stored answer;
- only successful (2xx) answers are stored. A request refused with a 4xx created nothing, so sending
  it again is processed (and refused) again;
- keys are scoped by operation and partner code; requests are compared byte for byte, path and body
  (a retry sends the same bytes);
- "processing" lasts until the first answer is due: its arrival plus the injected latency, on the
  sandbox's clock, so a duplicate sent during injected latency gets 423;
- at most `capacity` keys are kept, the oldest dropped first, so a long-running sandbox stays small.

All of it runs on the caller's clock values: no I/O, no time source of its own. Thread-safe.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Literal

from ._defaults import IDEMPOTENCY_CAPACITY, IDEMPOTENCY_RETENTION

Verdict = Literal["new", "replay", "in_flight", "mismatch"]


@dataclass(slots=True)
class _Entry:
    fingerprint: str
    created: float
    token: object
    body: bytes | None = None
    available_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Claim:
    """What `IdempotencyStore.begin` found for one request."""

    verdict: Verdict
    scope: tuple[str, ...] = ()
    token: object = field(default=None, compare=False)
    body: bytes = b""
    """The stored answer's body, for a replay."""


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class IdempotencyStore:
    """Processed requests by scope (operation, partner code, idempotency key), kept `retention` seconds.

    Args:
        retention: seconds an answer is replayed for; 0 keeps nothing (every request is new).
        capacity: the most keys kept at once.
    """

    def __init__(
        self, *, retention: float = IDEMPOTENCY_RETENTION, capacity: int = IDEMPOTENCY_CAPACITY
    ) -> None:
        if retention < 0:
            raise ValueError("idempotency retention cannot be negative")
        if capacity < 1:
            raise ValueError("idempotency capacity must be at least 1")
        self.retention = float(retention)
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, ...], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def begin(self, scope: tuple[str, ...], body: bytes, now: float) -> Claim:
        """Look the request up; when it is new, reserve its key until `finish` or `release`."""
        if self.retention == 0:
            return Claim("new")
        print_ = fingerprint(body)
        with self._lock:
            self._expire(now)
            entry = self._entries.get(scope)
            if entry is not None and now < entry.created + self.retention:
                if entry.fingerprint != print_:
                    return Claim("mismatch", scope)
                if entry.body is None or now < entry.available_at:
                    return Claim("in_flight", scope)
                return Claim("replay", scope, body=entry.body)
            token = object()
            self._entries.pop(scope, None)
            self._entries[scope] = _Entry(print_, now, token)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
            return Claim("new", scope, token)

    def finish(self, claim: Claim, body: bytes, *, available_at: float) -> None:
        """Store the answer of a claimed request; duplicates get it from `available_at` on."""
        with self._lock:
            entry = self._entries.get(claim.scope)
            if entry is not None and entry.token is claim.token and claim.token is not None:
                entry.body = body
                entry.available_at = available_at

    def release(self, claim: Claim) -> None:
        """Forget a claimed request that stored nothing (it was refused, or failed)."""
        with self._lock:
            entry = self._entries.get(claim.scope)
            if entry is not None and entry.token is claim.token and entry.body is None:
                del self._entries[claim.scope]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _expire(self, now: float) -> None:
        # Oldest first; a clock moved backwards only delays a purge (`begin` checks the age anyway).
        while self._entries:
            scope, entry = next(iter(self._entries.items()))
            if now < entry.created + self.retention:
                break
            del self._entries[scope]
