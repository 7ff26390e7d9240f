"""Every default of the client in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import httpx

from ._spec import default_server

DEFAULT_BASE_URL: Final = default_server()
"""The spec's server, https://api.xcover.com/x."""

DEFAULT_TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2

INITIAL_RETRY_DELAY: Final = 0.5
"""Seconds before the first retry; doubles each attempt (before jitter)."""
MAX_RETRY_DELAY: Final = 8.0
MAX_RETRY_AFTER: Final = 60.0
"""A server's Retry-After is honoured up to this many seconds; longer waits are clamped."""

RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})

CLOCK_SKEW_THRESHOLD: Final = 60.0
"""A 403 whose response Date is further than this from our clock triggers skew correction."""

IDEMPOTENCY_HEADER: Final = "X-Idempotency-Key"
REQUEST_ID_HEADERS: Final = ("x-request-id", "x-amzn-requestid", "x-amz-apigw-id", "x-correlation-id")
"""Response headers that may carry the server's request id, in order of preference."""

ENV_NAMES: Final = (
    # (ours, the vendor reference client's) — ours win when both are set.
    ("XCOVER_API_KEY", "XC_AUTH_API_KEY"),
    ("XCOVER_API_SECRET", "XC_AUTH_API_SECRET"),
    ("XCOVER_PARTNER_CODE", "XC_PARTNER_CODE"),
    ("XCOVER_BASE_URL", "XC_BASE_URL"),
)


def env_value(names: tuple[str, ...], environ: Mapping[str, str]) -> str | None:
    """The first of `names` set to something other than blanks, stripped."""
    return next((environ[n].strip() for n in names if environ.get(n, "").strip()), None)


LOGGER_NAME: Final = "xcover_offers"
LOG_ENV: Final = "XCOVER_LOG"
"""XCOVER_LOG=debug (or info) turns on the package's own log handler."""
LOG_BODIES_ENV: Final = "XCOVER_LOG_BODIES"
"""XCOVER_LOG_BODIES=1 adds request bodies to DEBUG lines, with personal data masked."""
MASKED_BODY_FIELDS: Final = frozenset(
    {
        "email", "ip", "postcode", "phone", "first_name", "last_name", "address", "address1", "address2",
        "customer_id", "metadata",
    }
)  # fmt: skip
"""Request-body keys (any case, any depth) whose values are personal data or may hold it (partner
`metadata` is free-form): masked whenever bodies are logged."""
