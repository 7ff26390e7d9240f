"""An offline XCover API, for developing and testing without XCover's staging.

It serves every operation of an OpenAPI document (by default the patched spec it ships with): it
verifies signatures with `verify_signature`, validates each request against its operation with
openapi-core, keeps XCover's idempotency contract (see `_idempotency`) and can inject faults, aimed
at one operation or at any (see `_faults`). The purchase flow is modelled with state (see
`_handlers`): Create Offer prices deterministically (see `_pricing`) and keeps its offers, Confirm
Offer books them (and, given a ``webhook_url``, sends XCover's BOOKING_CREATED webhook; see
`_webhooks`), Opt-out and Get Booking follow them, within bounds (``offer_retention``,
``max_offers``; see `_bookings`). An operation without a model answers the success its contract
describes (see `_contract`). Run it in-process through an httpx transport, or as a real HTTP/1.1
server with an admin endpoint for faults (see `_admin`)::

    from xcover_offers.sandbox import Sandbox

    sandbox = Sandbox()                                   # key "sandbox-key", secret "sandbox-secret"
    http = httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url)
    with sandbox.serve(port=0) as server:                 # or: xcover-offers sandbox --port 8080
        print(server.base_url, server.admin_url)

The core (`SandboxApp`, one request in, one response out) knows nothing of how it is served;
`SandboxTransport`, `AsyncSandboxTransport` and `SandboxServer` serve it, and `Sandbox` is the core
with shortcuts to them.

Needs the ``sandbox`` extra (``pip install 'xcover-offers[sandbox]'``). Names are imported on first
use, so importing this package (as the pytest plugin does at start-up) costs nothing and works
without the extra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._answers import Call, Handler
    from ._app import SandboxApp
    from ._defaults import (
        DEFAULT_API_KEY,
        DEFAULT_API_SECRET,
        DEFAULT_WEBHOOK_KEY,
        DEFAULT_WEBHOOK_SECRET,
        MAX_BODY_BYTES,
    )
    from ._exchange import Exchange, SandboxRequest, SandboxResponse
    from ._faults import Fault, Faults
    from ._fixture import SandboxFixture
    from ._pricing import DEFAULT_PRODUCTS, ProductConfig
    from ._sandbox import Sandbox
    from ._server import SandboxServer
    from ._transport import AsyncSandboxTransport, SandboxTransport
    from ._webhooks import WebhookDelivery

_WHERE = {
    "DEFAULT_API_KEY": "._defaults",
    "DEFAULT_API_SECRET": "._defaults",
    "DEFAULT_WEBHOOK_KEY": "._defaults",
    "DEFAULT_WEBHOOK_SECRET": "._defaults",
    "MAX_BODY_BYTES": "._defaults",
    "SandboxApp": "._app",
    "Call": "._answers",
    "Handler": "._answers",
    "Exchange": "._exchange",
    "SandboxRequest": "._exchange",
    "SandboxResponse": "._exchange",
    "Sandbox": "._sandbox",
    "Fault": "._faults",
    "Faults": "._faults",
    "SandboxFixture": "._fixture",
    "DEFAULT_PRODUCTS": "._pricing",
    "ProductConfig": "._pricing",
    "SandboxServer": "._server",
    "AsyncSandboxTransport": "._transport",
    "SandboxTransport": "._transport",
    "WebhookDelivery": "._webhooks",
}

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_SECRET",
    "DEFAULT_PRODUCTS",
    "DEFAULT_WEBHOOK_KEY",
    "DEFAULT_WEBHOOK_SECRET",
    "MAX_BODY_BYTES",
    "AsyncSandboxTransport",
    "Call",
    "Exchange",
    "Fault",
    "Faults",
    "Handler",
    "ProductConfig",
    "Sandbox",
    "SandboxApp",
    "SandboxFixture",
    "SandboxRequest",
    "SandboxResponse",
    "SandboxServer",
    "SandboxTransport",
    "WebhookDelivery",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
