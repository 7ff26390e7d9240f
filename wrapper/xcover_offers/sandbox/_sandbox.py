"""`Sandbox`: the core (`SandboxApp`) with shortcuts to the shells that serve it.

The core imports neither shell; this module imports all three, and the webhook sender (`_webhooks`),
so the dependencies run one way: ``_app`` <- ``_transport``, ``_server``, ``_webhooks`` <- ``_sandbox``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypedDict, Unpack

import httpx

from ._answers import Handler
from ._app import SandboxApp
from ._defaults import DEFAULT_WEBHOOK_KEY, DEFAULT_WEBHOOK_SECRET
from ._faults import Faults
from ._pricing import ProductConfig
from ._server import SandboxServer, ServerOptions
from ._transport import AsyncSandboxTransport, SandboxTransport, in_process_base_url
from ._webhooks import WebhookDelivery, WebhookSender, notify_on_confirm


class AppOptions(TypedDict, total=False):
    """`SandboxApp`'s keyword arguments, which `Sandbox` passes on (a test keeps the two in step)."""

    api_key: str
    api_secret: str
    products: Sequence[ProductConfig] | None
    faults: Faults | None
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    async_sleep: Callable[[float], Awaitable[None]]
    max_body: int
    seed: str | None
    check_responses: bool
    history_size: int
    history_bytes: int
    idempotency_retention: float
    document: Mapping[str, Any] | None
    handlers: Mapping[str, Handler] | None
    offer_retention: float
    max_offers: int


class Sandbox(SandboxApp):
    """An offline XCover API, driven by an OpenAPI document (by default the patched spec).

    Serve it in-process (`transport`, `async_transport`, with `base_url`) or over HTTP (`serve`).
    Given a ``webhook_url``, it sends XCover's BOOKING_CREATED webhook there after each booking (see
    `_webhooks`); `close` stops that. Its other arguments are described on `SandboxApp.__init__`.

    Args:
        webhook_url: the listener to send webhooks to; None (the default) sends none.
        webhook_key: the listener key (``X-Api-Key`` and ``keyId``).
        webhook_secret: the listener secret the webhooks are signed with.
        webhook_transport: an httpx transport for the webhooks instead of the network (tests).
        **options: `SandboxApp`'s arguments.
    """

    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        webhook_key: str = DEFAULT_WEBHOOK_KEY,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        webhook_transport: httpx.BaseTransport | None = None,
        **options: Unpack[AppOptions],
    ) -> None:
        super().__init__(**options)
        self.webhooks: WebhookSender | None = None
        if webhook_url is not None:
            self.webhooks = WebhookSender(
                webhook_url,
                key=webhook_key,
                secret=webhook_secret,
                clock=self.now,
                transport=webhook_transport,
            )
            confirm = self.handlers.get("confirm_offer")
            if confirm is not None:
                self.handlers["confirm_offer"] = notify_on_confirm(confirm, self.webhooks)

    @property
    def webhooks_sent(self) -> list[WebhookDelivery]:
        """What became of each webhook finished so far, oldest first; [] without a ``webhook_url``."""
        return self.webhooks.sent if self.webhooks is not None else []

    def wait_for_webhooks(self, timeout: float = 5.0) -> bool:
        """Wait until no webhook is queued or being sent; False if `timeout` seconds passed first."""
        return self.webhooks.wait_idle(timeout) if self.webhooks is not None else True

    def reset(self) -> None:
        """`SandboxApp.reset`, and forget queued webhooks and their outcomes."""
        super().reset()
        if self.webhooks is not None:
            self.webhooks.clear()

    def close(self) -> None:
        """Stop sending webhooks (those still queued are dropped). Idempotent; a server is closed apart."""
        if self.webhooks is not None:
            self.webhooks.close()

    @property
    def base_url(self) -> str:
        """The base URL to give a client for the in-process transports (it never resolves)."""
        return in_process_base_url(self)

    def transport(self) -> SandboxTransport:
        """An httpx transport for `httpx.Client` that answers from this sandbox, no socket involved."""
        return SandboxTransport(self)

    def async_transport(self) -> AsyncSandboxTransport:
        """An httpx transport for `httpx.AsyncClient`."""
        return AsyncSandboxTransport(self)

    def serve(self, **options: Unpack[ServerOptions]) -> SandboxServer:
        """Start a real HTTP/1.1 server for this sandbox in a background thread; close it when done.

        The options (host, port, idle_timeout, read_timeout, max_connections, admin) are
        `SandboxServer`'s, with its defaults.
        """
        return SandboxServer(self, **options).start()
