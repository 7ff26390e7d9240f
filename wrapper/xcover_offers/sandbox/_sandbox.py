"""`Sandbox`: the core (`SandboxApp`) with shortcuts to the shells that serve it.

The core imports neither shell; this module imports all three, so the dependencies run one way:
``_app`` <- ``_transport``, ``_server`` <- ``_sandbox``.
"""

from __future__ import annotations

from typing import Unpack

from ._app import SandboxApp
from ._server import SandboxServer, ServerOptions
from ._transport import AsyncSandboxTransport, SandboxTransport, in_process_base_url


class Sandbox(SandboxApp):
    """An offline XCover API, driven by an OpenAPI document (by default the patched spec).

    Serve it in-process (`transport`, `async_transport`, with `base_url`) or over HTTP (`serve`).
    Its arguments are described on `__init__` (inherited from `SandboxApp`, the core).
    """

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
