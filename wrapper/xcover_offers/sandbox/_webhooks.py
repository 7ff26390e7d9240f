"""The sandbox's webhooks: BOOKING_CREATED after each booking Confirm Offer makes, sent as XCover does.

What XCover documents (``docs.covergenius.com/xcover/webhooks``) and where the sandbox guesses:

- **What:** a POST of ``{"event": NAME, "payload": {...}}``; for BOOKING_CREATED the payload is the
  booking. The sandbox sends the booking exactly as its Get Booking answers it (the body Confirm
  Offer answered). *Guess:* XCover's example payload also carries ``duration`` and
  ``total_renewed_times`` per quote, and shows no ``created_at`` or ``pds_url``; the sandbox neither
  invents the first nor drops the second. ``Content-Type: application/json`` is docs silent.
- **When:** after a Confirm Offer that made a booking (201; also when a fault then turns the answer
  into a 409 or drops it: the booking exists). Never for an idempotent replay or a repeated confirm,
  which make none. **Only BOOKING_CREATED:** the spec has no cancel or modify operation, so the
  sandbox never sends BOOKING_CANCELLED or BOOKING_UPDATED (nothing is faked), nor renewal events.
- **Signed** with the listener's key and secret: ``X-Api-Key: <key>``, ``Date`` (the sandbox's
  clock, offset included) and ``Authorization: Signature keyId="<key>",algorithm="hmac-sha256",
  signature="<sig>"``, where ``<sig>`` is the percent-encoded base64 HMAC-SHA256 of ``date: <Date>``,
  made by the signer `XCoverAuth` and `verify_signature` share (`_signature`). *Guess:* no XCover
  example shows the header; ``keyId`` and ``algorithm`` follow its API signing page. Each attempt is
  signed afresh, with its own ``Date``.
- **Retries:** an answer other than 200 (or none) is retried up to 3 times, as XCover does: 4
  attempts at most. The interval is docs silent: the sandbox waits `WEBHOOK_RETRY_DELAYS`.

Bounded, so a slow or dead listener never holds up the sandbox's answers: Confirm Offer only puts
the delivery on a queue of at most `WEBHOOK_QUEUE_SIZE` (when full, the oldest waiting delivery is
dropped and logged); one daemon thread sends, started with the first delivery, through its own
`httpx.Client` (connect timeout `WEBHOOK_CONNECT_TIMEOUT`, others `WEBHOOK_TIMEOUT`, no redirects;
the answer's body is never read). `close` stops it: waiting deliveries are dropped, a retry's wait is
cut short, an attempt in flight ends within WEBHOOK_TIMEOUT (over the network, one deadline for the
whole attempt). `sent` records each delivery's outcome.
A thread (not an anyio task) because every shell runs the core synchronously: the HTTP server from
a thread per connection, the in-process transports inside the client's call.
"""

from __future__ import annotations

import hmac
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, Final

import httpx

from .._deadline import deadline
from .._deadline_transport import DeadlineTransport
from .._signature import secret_bytes, signature_for, string_to_sign
from .._signing import _KEY_ID
from .._version import __version__
from ..webhooks import WebhookEventType
from ._answers import Answer, Call, Handler, encode
from ._defaults import (
    HISTORY_SIZE,
    WEBHOOK_CONNECT_TIMEOUT,
    WEBHOOK_QUEUE_SIZE,
    WEBHOOK_RETRY_DELAYS,
    WEBHOOK_TIMEOUT,
)
from ._log import logger
from ._openapi import JSON

if TYPE_CHECKING:
    from ._app import SandboxApp

BOOKING_CREATED: Final = WebhookEventType.BOOKING_CREATED.value
ALGORITHM: Final = "hmac-sha256"


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """What became of one webhook.

    Attributes:
        event: the event, e.g. ``BOOKING_CREATED``.
        booking_id: the payload's ``id``.
        status: the last answer's status, or None if there was none (no connection, a timeout, or
            dropped before it was sent).
        attempts: how many times it was sent (0 if dropped while waiting).
        error: why it was not delivered, if it was not: ``ConnectError``, ``dropped: queue full`` ...
    """

    event: str
    booking_id: str | None
    status: int | None
    attempts: int
    error: str | None = None

    @property
    def delivered(self) -> bool:
        """The listener answered 200."""
        return self.status == 200


def webhook_url_problem(url: object) -> str | None:
    """Why `url` cannot be a listener's (the one rule, for the sender and the CLI), or None. No
    user:password: httpx would turn it into Basic auth over the webhook's signature, and show it."""
    try:
        parsed = httpx.URL(url) if isinstance(url, str) else None
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        return "the webhook URL must be an http:// or https:// URL"
    if parsed.userinfo:
        return "the webhook URL must not carry a user or password (XCover signs its webhooks)"
    return None


@dataclass(frozen=True, slots=True)
class _Pending:
    event: str
    booking_id: str | None
    body: bytes


class WebhookSender:
    """Sends webhooks to one listener from a bounded queue and one thread (see the module docstring).

    Args:
        url: the listener, ``http://`` or ``https://``.
        key: the listener key (``X-Api-Key`` and ``keyId``).
        secret: the listener secret.
        clock: the sandbox's clock, for ``Date``.
        transport: an httpx transport to send through instead of the network (tests).
        capacity: deliveries waiting at once.
        retry_delays: seconds before each retry; its length is the number of retries.
        history_size: outcomes `sent` keeps, the oldest dropped first.
    """

    def __init__(
        self,
        url: str,
        *,
        key: str,
        secret: str,
        clock: Callable[[], float],
        transport: httpx.BaseTransport | None = None,
        capacity: int = WEBHOOK_QUEUE_SIZE,
        retry_delays: Sequence[float] = WEBHOOK_RETRY_DELAYS,
        history_size: int = HISTORY_SIZE,
    ) -> None:
        problem = webhook_url_problem(url)
        if problem is not None:
            raise ValueError(problem)
        if not isinstance(key, str) or not _KEY_ID.fullmatch(key):
            raise ValueError("the webhook key must be visible ASCII without spaces, quotes or backslashes")
        if not isinstance(secret, str) or not secret:
            raise ValueError("the webhook secret must be a non-empty string")
        if capacity < 1:
            raise ValueError("the webhook queue capacity must be at least 1")
        self.url = str(httpx.URL(url))
        self.key = key
        self._secret = secret_bytes(secret)  # the client's rule: UTF-8 text, not empty
        self._clock = clock
        self._transport = transport
        self.capacity = capacity
        self.retry_delays = tuple(float(d) for d in retry_delays)
        self._queue: deque[_Pending] = deque()
        self._sent: deque[WebhookDelivery] = deque(maxlen=history_size)
        self._busy = False
        self._closed = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"WebhookSender(url={self.url!r}, key={self.key!r})"

    def has_secret(self, secret: str) -> bool:
        """Whether the webhooks are signed with `secret` (compared in constant time, never shown)."""
        return hmac.compare_digest(self._secret, secret_bytes(secret))

    def send(self, event: str, payload: Mapping[str, Any]) -> None:
        """Queue ``{"event": event, "payload": payload}``; returns at once."""
        booking_id = payload.get("id")
        pending = _Pending(
            event,
            booking_id if isinstance(booking_id, str) else None,
            encode({"event": event, "payload": dict(payload)}),
        )
        with self._changed:
            if self._closed:
                return
            if len(self._queue) >= self.capacity:
                oldest = self._queue.popleft()
                self._record(oldest, None, 0, "dropped: queue full")
                logger.warning(
                    "webhook queue full (%d): dropped %s for booking %s",
                    self.capacity,
                    oldest.event,
                    oldest.booking_id,
                )
            self._queue.append(pending)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=repr(self), daemon=True)
                self._thread.start()
            self._changed.notify_all()

    @property
    def sent(self) -> list[WebhookDelivery]:
        """The outcome of each delivery finished so far (delivered, given up or dropped), oldest first."""
        with self._changed:
            return list(self._sent)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or being sent; False if `timeout` seconds passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._queue and not self._busy, timeout)

    def clear(self) -> None:
        """Forget waiting deliveries and recorded outcomes (a sandbox reset)."""
        with self._changed:
            self._queue.clear()
            self._sent.clear()

    def close(self, timeout: float = 5.0) -> None:
        """Stop sending: drop what waits, cut a retry's wait short, join the thread (up to `timeout`)."""
        with self._changed:
            if self._closed:
                return
            self._closed = True
            dropped = list(self._queue)
            self._queue.clear()
            for pending in dropped:
                self._record(pending, None, 0, "dropped: sandbox closed")
            self._changed.notify_all()
            thread = self._thread
        if dropped:
            logger.info("webhooks: %d waiting deliveries dropped on close", len(dropped))
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # -- the sender thread -------------------------------------------------------------------------

    def _run(self) -> None:
        timeout = httpx.Timeout(WEBHOOK_TIMEOUT, connect=WEBHOOK_CONNECT_TIMEOUT)
        headers = {"User-Agent": f"xcover-offers-sandbox/{__version__}", "Content-Type": JSON}
        transport = self._transport
        if transport is None:  # the network: every socket operation bounded by the attempt's deadline
            transport = DeadlineTransport(trust_env=False)
        with httpx.Client(
            transport=transport, timeout=timeout, headers=headers, follow_redirects=False
        ) as http:
            while True:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()
                    self._changed.wait_for(lambda: self._queue or self._closed)
                    if self._closed:
                        return
                    pending = self._queue.popleft()
                    self._busy = True
                try:
                    self._deliver(http, pending)
                except Exception:  # the thread must outlive any one delivery
                    logger.exception("webhook %s for booking %s failed", pending.event, pending.booking_id)
                    self._record(pending, None, 0, "sandbox failure")

    def _deliver(self, http: httpx.Client, pending: _Pending) -> None:
        status: int | None = None
        error: str | None = None
        attempts = 0
        for delay in (0.0, *self.retry_delays):
            if delay and self._wait_closed(delay):
                error = "sandbox closed"
                break
            attempts += 1
            status, error = self._attempt(http, pending)
            logger.info(
                "webhook %s for booking %s -> %s (attempt %d)",
                pending.event,
                pending.booking_id,
                status if status is not None else error,
                attempts,
            )
            if status == 200:
                break
        self._record(pending, status, attempts, None if status == 200 else error or f"status {status}")

    def _attempt(self, http: httpx.Client, pending: _Pending) -> tuple[int | None, str | None]:
        try:
            # Streamed and closed unread: a listener's answer body is never read, however large.
            # One deadline for the whole attempt: a listener dripping its answer cannot hold the thread.
            with (
                deadline(WEBHOOK_TIMEOUT),
                http.stream("POST", self.url, content=pending.body, headers=self._signed()) as answer,
            ):
                return answer.status_code, None
        except httpx.HTTPError as exc:
            return None, type(exc).__name__

    def _signed(self) -> dict[str, str]:
        date = formatdate(self._clock(), usegmt=True)
        text = string_to_sign(("date",), "POST", "/", lambda name: date)
        signature = signature_for(self._secret, ALGORITHM, text.encode("ascii"))
        return {
            "X-Api-Key": self.key,
            "Date": date,
            "Authorization": f'Signature keyId="{self.key}",algorithm="{ALGORITHM}",signature="{signature}"',
        }

    def _wait_closed(self, seconds: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._closed, seconds)

    def _record(self, pending: _Pending, status: int | None, attempts: int, error: str | None) -> None:
        delivery = WebhookDelivery(pending.event, pending.booking_id, status, attempts, error)
        with self._changed:  # re-entrant use from `send` and `close` holds it already: an RLock
            self._sent.append(delivery)


def notify_on_confirm(confirm: Handler, sender: WebhookSender) -> Handler:
    """`confirm` (Confirm Offer's handler), which also queues BOOKING_CREATED for each booking made."""

    def confirm_and_notify(app: SandboxApp, call: Call) -> Answer:
        status, body, headers = confirm(app, call)
        if status == 201 and isinstance(body, Mapping):
            try:
                sender.send(BOOKING_CREATED, body)
            except Exception:  # a webhook never costs the booking its answer
                logger.exception("could not queue %s for booking %s", BOOKING_CREATED, body.get("id"))
        return status, body, headers

    return confirm_and_notify
