"""Every default of the client in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import httpx
from xcover_offers_api._spec_facts import DEFAULT_SERVER

DEFAULT_BASE_URL: Final = DEFAULT_SERVER
"""The spec's server, https://api.xcover.com/x."""

DEFAULT_TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2
DEFAULT_TOTAL_TIMEOUT: Final = 30.0
"""Seconds one whole call may take, retries and their waits included (aiohttp's total timeout)."""
DEFAULT_MAX_RESPONSE_BYTES: Final = 1024 * 1024
"""Largest decoded response body read; a larger one is refused. XCover's answers are small: the
sandbox's Create Offer with 5 products and every extra field is 8 KB, a booking less, so 1 MiB is over
100 times the largest seen. The limit also bounds what a hostile body costs once read: parsed, the
worst 1 MiB of JSON found (350,000 empty objects) peaks at 65 MB more than before the call; 16 MiB of
it took 1 GB (tests/test_hostile_wire.py measures it)."""
MAX_DURATION: Final = 86_400.0
"""The longest timeout or total_timeout accepted, in seconds (a day): any longer is a mistake, and
from about 1e9 s a socket's timeout overflows (OverflowError from deep inside the socket module)."""

DEFAULT_ALGORITHM: Final = "hmac-sha512"
DEFAULT_SIGNED_HEADERS: Final[tuple[str, ...]] = ("(request-target)", "date")
"""What XCover's reference client signs. ``("date",)`` is the documented minimum."""
DEFAULT_MAX_SKEW: Final = 300
"""Seconds `verify_signature` allows between a request's Date and its own clock, either way."""

INITIAL_RETRY_DELAY: Final = 0.5
"""Seconds before the first retry; doubles each attempt (before jitter)."""
MAX_RETRY_DELAY: Final = 8.0
MAX_RETRY_AFTER: Final = 60.0
"""A server's Retry-After is honoured up to this many seconds; longer waits are clamped."""

MAX_BODY_DEPTH: Final = 64
"""How deeply a request body may nest: the body's object is depth 1 and each object or array inside
adds one. The client's validator and the sandbox share it, so what one accepts the other accepts."""

SERVER_TROUBLE_STATUSES: Final = frozenset({408, 423, 429})
"""Below 500, the statuses that say XCover (or a proxy) is busy or slow, not that our request is wrong:
the breaker counts them and telemetry reports them as server_error, as it does 5xx."""

RETRYABLE_STATUSES: Final = frozenset({408, 423, 429, 500, 502, 503, 504})
"""423 Locked is XCover's "the first request with this idempotency key is still being processed"."""

CLOCK_SKEW_THRESHOLD: Final = 60.0
"""A 403 whose response Date is further than this from our clock triggers skew correction."""
MAX_CLOCK_CORRECTION: Final = 24 * 3600.0
"""A larger difference is not a skewed clock but a wrong Date (a proxy's), and is ignored."""
PROTECTED_HEADERS: Final = frozenset(
    {
        "authorization",
        "date",
        "x-api-key",
        "x-idempotency-key",
        "host",
        "content-length",
        "content-type",
        "accept-encoding",
    }
)
"""Headers the client sets itself; default headers given by a caller may not replace them."""

IDEMPOTENCY_HEADER: Final = "X-Idempotency-Key"
IDEMPOTENCY_FIELD: Final = IDEMPOTENCY_HEADER.lower()
"""The header as matched against a spec's parameter names and a request's headers."""
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
LOGGED_BODY_FIELDS: Final = frozenset(
    {
        "id", "currency", "country", "language", "schema", "type", "status", "price", "total_amount",
        "total_price", "amount", "ticket_count", "start_date", "end_date", "duration_days",
        "multiday_event", "policy_start_date", "policy_end_date", "instalment_plan",
        "first_instalment_paid", "provider",
    }
)  # fmt: skip
"""Request-body keys (any case, any depth) whose values are known not to be personal data: ids,
codes, amounts and dates. Every other value is masked whenever bodies are logged, so a field a
spec adds (a holder's name, a mobile number) is masked before anyone has to list it."""
MASKED_BODY_SUBTREES: Final = frozenset({"policyholder", "insured", "metadata", "payment_details"})
"""Request-body keys (any case) whose whole value is masked: people and free-form data, where even
an `id` or a date (a passport's, a birthday) is personal."""
LOGGED_QUERY_PARAMETERS: Final = frozenset(
    {"active_only", "include_content", "extra_fields", "exclude_offer_ids"}
)
"""Query parameters whose values may be shown in spans and errors; any other value is redacted (a
client passed in may add a proxy token, and a new operation's parameter is not reviewed yet)."""

CONFIRM_TOTAL_TIMEOUT: Final = 60.0
"""Confirm Offer's own default budget: it runs after payment, with no customer waiting on a spinner
for the offer, and a lost confirmation is a customer who paid for nothing."""
CONFIRM_MAX_RETRIES: Final = 5
"""Confirm Offer's own default retries (0.5 + 1 + 2 + 4 + 8 s of backoff fit in its budget); every
one under the same idempotency key, so XCover books once."""

MAX_WEBHOOK_BODY: Final = 1024 * 1024
"""The largest webhook body `construct_event` parses. XCover does not sign the body, so a captured
delivery's headers could carry any body while its Date is fresh; a booking is a few KiB."""
