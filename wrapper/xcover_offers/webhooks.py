"""XCover's webhooks: `construct_event` checks a delivery, `refresh` fetches the booking it is about.

XCover POSTs ``{"event": NAME, "payload": {...}}`` to the partner's listener with three headers::

    X-Api-Key: <the listener key the partner gave XCover>
    Date: Thu, 27 Feb 2025 05:01:47 GMT
    Authorization: Signature keyId="<key>",algorithm="hmac-sha256",signature="<sig>"

``<sig>`` is base64(HMAC-SHA256(listener secret, ``date: <Date>``)), percent-encoded or not: XCover's
own check URL-decodes it, so both are accepted. There is no ``headers`` parameter, which by the
signing draft means ``date`` alone; a ``headers`` list that is present must include ``date``. The
parser of that header and the builder of the string to sign are the ones `verify_signature` uses
(see `_verify`).

**The body is not signed.** A delivery that passes proves that someone holding the secret signed
that ``Date`` recently, not what the body says: a captured delivery's headers can carry another body
within `tolerance`. So treat the event as a hint: `refresh` fetches the booking from XCover and the
handler acts on that answer, upserting it by booking id. A redelivery (XCover retries "up to 3 times"
when the listener does not answer 200) then changes nothing, and needs no delivery id (XCover
documents none)::

    event = webhooks.construct_event(headers, body, api_key=KEY, api_secret=SECRET)
    if event.booking_id is not None:
        booking = webhooks.refresh(event, client)   # client.get_booking(event.booking_id)
        bookings[booking.id] = booking

Source: ``docs.covergenius.com/xcover/webhooks``. The payloads of events other than BOOKING_CREATED
were not readable there; `construct_event` assumes the same envelope for all and keeps an event
name it does not know as a plain string.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import math
from collections.abc import Coroutine, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Protocol, overload

from ._constants import DEFAULT_MAX_SKEW, MAX_WEBHOOK_BODY
from ._errors import SignatureError, WebhookSignatureError
from ._signature import REQUEST_TARGET, VERIFY_ALGORITHMS, secret_bytes, utf8_or_none
from ._verify import (
    allowed_algorithm,
    authorization_params,
    check_date,
    check_signature,
    collect_headers,
    short,
    signed_names,
    signed_text,
    timestamp,
)

if TYPE_CHECKING:
    from xcover_offers_api.models import Booking

    from ._client import AsyncOffersClient, OffersClient

__all__ = ["WebhookEvent", "WebhookEventType", "WebhookSignatureError", "construct_event", "refresh"]

DEFAULT_TOLERANCE: Final = float(DEFAULT_MAX_SKEW)
"""Seconds a delivery's ``Date`` may be from now, either way: `verify_signature`'s default skew."""
_REQUIRED: Final = ("algorithm", "signature")
_SHAPE: Final = 'expected a JSON object {"event": NAME, "payload": {...}}'


class _Headers(Protocol):
    """Any mapping of header names to values, or an object with such ``items()`` (werkzeug's)."""

    def items(self) -> Iterable[tuple[str, str]]: ...


class WebhookEventType(StrEnum):
    """The events XCover documents. A name not listed here is kept as a plain `str`."""

    BOOKING_CREATED = "BOOKING_CREATED"
    BOOKING_UPDATED = "BOOKING_UPDATED"
    BOOKING_CANCELLED = "BOOKING_CANCELLED"
    RENEWAL_CREATED = "RENEWAL_CREATED"
    RENEWAL_NOTIFICATION = "RENEWAL_NOTIFICATION"
    RENEWAL_DUE = "RENEWAL_DUE"
    RENEWAL_EXPIRED = "RENEWAL_EXPIRED"


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A webhook delivery that passed `construct_event`'s checks. Holds no secret.

    Attributes:
        event: the event, a `WebhookEventType` (a `str`), or the name as sent if it is not one.
        booking_id: the payload's ``id`` (for booking events, the booking id, e.g. ``8WD8Y-LTEKE-INS``),
            or None when the payload has no string ``id``.
        payload: the payload as sent, a dict; unsigned, so a hint: see `refresh`. Left out of the
            repr (a booking carries personal data).
        received_date: the delivery's ``Date``, as an aware datetime in UTC.
    """

    event: WebhookEventType | str
    booking_id: str | None
    payload: dict[str, Any] = field(repr=False)
    received_date: dt.datetime


def construct_event(
    headers: _Headers,
    body: bytes | str,
    *,
    api_key: str,
    api_secret: str | bytes,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | dt.datetime | None = None,
) -> WebhookEvent:
    """Check an XCover webhook delivery and read its event.

    The checks, in order, each failing with its own `WebhookSignatureError.check`: the headers are a
    mapping (``headers``); ``X-Api-Key`` is `api_key` (``api_key``); the Authorization header uses the
    Signature scheme with ``algorithm`` and ``signature`` (``authorization``), and its ``keyId``, if
    any, is `api_key` (``api_key``); the algorithm is hmac-sha256, -sha384 or -sha512 (``algorithm``);
    the signed list, if given, includes ``date`` and not ``(request-target)``, and each listed header
    is present (``signed_headers``); ``Date`` is an HTTP date within `tolerance` of `now` (``date``);
    the signature is the HMAC of the signed string under `api_secret` (``signature``); and the body
    is ``{"event": NAME, "payload": {...}}`` (``body``). Keys and signatures are compared in constant
    time.

    Args:
        headers: the request's headers, looked up case-insensitively: any mapping, `httpx.Headers`,
            or a framework's headers object with ``items()`` (Flask's, Django's, Starlette's).
        body: the raw request body (bytes as received; text is encoded as UTF-8).
        api_key: the listener key the partner gave XCover.
        api_secret: the listener secret (``str`` is encoded as UTF-8).
        tolerance: the largest allowed difference, in seconds, between ``Date`` and `now`.
        now: the current time (seconds since the epoch or an aware datetime); default `time.time()`.

    Returns:
        The event; act on `refresh`'s booking, not on the unsigned payload.

    Raises:
        WebhookSignatureError: a check failed; answer 400 or 401. The message says which and why,
            and never holds the secret or a valid signature.
        ValueError: `api_key`, `api_secret`, `tolerance` or `now` is invalid (a bug in the caller).
    """
    secret = secret_bytes(api_secret)
    if not isinstance(api_key, str) or not api_key:
        raise ValueError("api_key must be a non-empty string")
    expected_key = api_key.encode("utf-8", "surrogatepass")
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 <= tolerance < math.inf:
        raise ValueError(f"tolerance must be a finite, non-negative number of seconds, not {tolerance!r}")
    now_ts = timestamp(now)

    with _failing("headers"):
        received = collect_headers(headers)
    with _failing("api_key"):
        given_key = received.get("x-api-key")
        if given_key is None:
            raise SignatureError("the webhook has no X-Api-Key header")
        if not _same(given_key, expected_key):
            raise SignatureError("X-Api-Key is not the webhook key")  # not shown: a credential
    with _failing("authorization"):
        params = authorization_params(received, _REQUIRED)
    with _failing("api_key"):
        key_id = params.get("keyId")
        if key_id is not None and not _same(key_id, expected_key):
            raise SignatureError("keyId is not the webhook key")
    with _failing("algorithm"):
        algorithm = allowed_algorithm(params, VERIFY_ALGORITHMS)
    with _failing("signed_headers"):
        names = signed_names(params.get("headers"))
        if REQUEST_TARGET in names:
            raise SignatureError(
                f"the signed header list {short(params['headers'])} names {REQUEST_TARGET}, which a "
                "webhook cannot be checked against: XCover signs only date"
            )
    with _failing("date"):
        sent = check_date(received.get("date"), now_ts, tolerance)
    with _failing("signed_headers"):
        text = signed_text(names, "POST", "/", received)
    with _failing("signature"):
        check_signature(secret, algorithm, params["signature"], text, signer="the sender", url_decode=True)

    event, payload = _read_body(body)
    booking_id = payload.get("id")
    return WebhookEvent(
        event=_event_type(event),
        booking_id=booking_id if isinstance(booking_id, str) and booking_id else None,
        payload=payload,
        received_date=dt.datetime.fromtimestamp(sent, dt.UTC),
    )


@overload
def refresh(event: WebhookEvent, client: OffersClient) -> Booking: ...


@overload
def refresh(event: WebhookEvent, client: AsyncOffersClient) -> Coroutine[Any, Any, Booking]: ...


def refresh(
    event: WebhookEvent, client: OffersClient | AsyncOffersClient
) -> Booking | Coroutine[Any, Any, Booking]:
    """The booking `event` is about, as XCover answers it now: ``client.get_booking(event.booking_id)``.

    With an `OffersClient` it returns the `Booking`; with an `AsyncOffersClient`, the coroutine to
    await (``booking = await webhooks.refresh(event, client)``). The client's errors propagate (a
    `NotFoundError` for a booking XCover does not know).

    Raises:
        ValueError: the event names no booking (its payload has no ``id``).
    """
    if event.booking_id is None:
        raise ValueError(f"the {event.event} event has no booking id (payload.id) to fetch")
    return client.get_booking(event.booking_id)


@contextmanager
def _failing(check: str) -> Iterator[None]:
    """A `SignatureError` inside becomes a `WebhookSignatureError` naming `check`."""
    try:
        yield
    except SignatureError as exc:
        raise WebhookSignatureError(str(exc), check=check) from None


def _same(given: str, expected: bytes) -> bool:
    encoded = utf8_or_none(given)
    return hmac.compare_digest(encoded if encoded is not None else b"", expected)


def _read_body(body: bytes | str) -> tuple[str, dict[str, Any]]:
    """(event name, payload); a `WebhookSignatureError` (check ``body``) for any other shape."""
    data: Any = None
    problem = None
    if not isinstance(body, bytes | bytearray | str):
        problem = f"expected bytes, not {type(body).__name__}"
    elif len(body) > MAX_WEBHOOK_BODY:  # unsigned: a captured delivery's headers carry any body
        problem = f"larger than {MAX_WEBHOOK_BODY:,} bytes (a booking is a few KiB)"
    else:
        try:
            data = json.loads(body, parse_constant=_no_constant)
        except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            problem = "not JSON"
    if problem is None:
        event = data.get("event") if isinstance(data, dict) else None
        payload = data.get("payload") if isinstance(data, dict) else None
        if isinstance(event, str) and event and isinstance(payload, dict):
            return event, payload
        problem = _SHAPE
    # Raised here, not in the except clause: a JSONDecodeError keeps the whole body (.doc).
    raise WebhookSignatureError(f"the body is not an XCover webhook: {problem}", check="body")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _event_type(name: str) -> WebhookEventType | str:
    try:
        return WebhookEventType(name)
    except ValueError:
        return name
