"""`Sandbox`: the core (`SandboxApp`) with shortcuts to the shells that serve it.

The core imports neither shell; this module imports all three, so the dependencies run one way:
``_app`` <- ``_transport``, ``_server`` <- ``_sandbox``.
"""

from __future__ import annotations

from ._app import SandboxApp
from ._defaults import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_TIMEOUT
from ._server import SandboxServer
from ._transport import AsyncSandboxTransport, SandboxTransport, in_process_base_url


class Sandbox(SandboxApp):
    """An offline XCover Create Offer endpoint, driven by the patched spec.

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

    def serve(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        admin: bool = True,
    ) -> SandboxServer:
        """Start a real HTTP/1.1 server for this sandbox in a background thread; close it when done.

        The options are `SandboxServer`'s.
        """
        return SandboxServer(
            self,
            host=host,
            port=port,
            idle_timeout=idle_timeout,
            read_timeout=read_timeout,
            max_connections=max_connections,
            admin=admin,
        ).start()
