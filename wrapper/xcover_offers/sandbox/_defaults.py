"""Every default of the sandbox in one place; importing it costs nothing (the command line reads it)."""

from __future__ import annotations

from typing import Final

from .._constants import MAX_DURATION

DEFAULT_API_KEY: Final = "sandbox-key"
DEFAULT_API_SECRET: Final = "sandbox-secret"  # noqa: S105 - a published test credential, by design
MAX_BODY_BYTES: Final = 1024 * 1024
HISTORY_SIZE: Final = 1000
"""Exchanges `history` keeps at once, the oldest dropped first."""
HISTORY_BYTES: Final = 32 * 1024 * 1024
"""Bytes of requests and answers (bodies, targets, headers) `history` keeps at once, the oldest
dropped first: 1,000 requests of 1 MiB would otherwise hold a GiB. A request whose signature was
not verified is kept without its body, which counts as nothing."""

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
MAX_TIMEOUT: Final = MAX_DURATION
"""The longest idle or read timeout, a day: a longer one (1e308) cannot be given to a socket."""
ACCEPT_BACKOFF: Final = 0.5
"""Seconds the accept loop waits, out of descriptors, unless a connection closes sooner."""

DEFAULT_WEBHOOK_KEY: Final = "sandbox-webhook-key"
DEFAULT_WEBHOOK_SECRET: Final = "sandbox-webhook-secret"  # noqa: S105 - a published test credential
WEBHOOK_QUEUE_SIZE: Final = 100
"""Webhook deliveries waiting at once; when full, the oldest waiting one is dropped (and logged)."""
WEBHOOK_RETRY_DELAYS: Final = (0.5, 1.0, 2.0)
"""Seconds before each retry of a delivery not answered 200: XCover retries "up to 3 times" and
documents no interval."""
WEBHOOK_CONNECT_TIMEOUT: Final = 2.0
WEBHOOK_TIMEOUT: Final = 5.0
"""Seconds a webhook attempt may wait to send, or for the answer's status line (read, write, pool)."""
