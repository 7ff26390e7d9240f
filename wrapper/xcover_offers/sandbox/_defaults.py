"""Every default of the sandbox in one place; importing it costs nothing (the command line reads it)."""

from __future__ import annotations

from typing import Final

DEFAULT_API_KEY: Final = "sandbox-key"
DEFAULT_API_SECRET: Final = "sandbox-secret"  # noqa: S105 - a published test credential, by design
MAX_BODY_BYTES: Final = 1024 * 1024
HISTORY_SIZE: Final = 1000

IDEMPOTENCY_RETENTION: Final = 48 * 3600.0
"""Seconds a processed request's answer is replayed for: XCover documents 48 hours."""
IDEMPOTENCY_CAPACITY: Final = 10_000
"""Idempotency keys kept at once, the oldest dropped first."""

OFFER_RETENTION: Final = 7 * 86400.0
"""Seconds an offer (and, from its confirmation, a booking) is kept; XCover documents no offer expiry,
so the default is a week: longer than any checkout, short enough to bound a long-running sandbox."""
MAX_OFFERS: Final = 10_000
"""Offers kept at once (and, separately, bookings), the oldest dropped first."""

DEFAULT_IDLE_TIMEOUT: Final = 30.0
"""Seconds a connection may wait for its next request before the server closes it."""
DEFAULT_READ_TIMEOUT: Final = 10.0
"""Seconds a request may take to arrive whole, from its first byte: a total, not per line."""
DEFAULT_MAX_CONNECTIONS: Final = 256
"""Connections served at once; well under the common ``ulimit -n`` of 1024."""
ACCEPT_BACKOFF: Final = 0.5
"""Seconds the accept loop waits, out of descriptors, unless a connection closes sooner."""
