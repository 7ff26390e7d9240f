"""What the pytest fixtures hand a test: a running sandbox and clients configured for it.

Usable without pytest too (``with SandboxFixture() as kit: ...``): the fixtures in `pytest_plugin`
only create one and close it after the test.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self, Unpack

import httpx

from .._client import AsyncOffersClient, OffersClient
from .._options import ClientOptions, EnvOverrides
from .._signing import XCoverAuth
from ._defaults import DEFAULT_API_KEY, DEFAULT_API_SECRET
from ._exchange import Exchange
from ._faults import Fault, Faults
from ._sandbox import Sandbox
from ._server import SandboxServer, ServerOptions
from ._webhooks import WebhookDelivery

DEFAULT_PARTNER_CODE = "SANDBOX"


class ServerFixtureOptions(ServerOptions, total=False):
    """What the ``xcover_sandbox_server_options`` fixture may set: `SandboxServer`'s options (host,
    port, idle_timeout, read_timeout, max_connections, admin) and the sandbox's `Faults`."""

    faults: Faults


class SandboxFixture:
    """A sandbox, served in-process (default) or over HTTP on 127.0.0.1, with clients for it.

    Args:
        serve: run a real HTTP server on 127.0.0.1 instead of the in-process transports.
        partner_code: the partner code the clients use.
        **sandbox_kwargs: passed to `Sandbox` (products, faults, clock, seed, webhook_url ...).

    Attributes:
        sandbox: the `Sandbox`; set ``sandbox.faults`` or call `queue` to inject faults.
        api_key, api_secret, partner_code: the credentials the clients sign with.
    """

    def __init__(
        self, *, serve: bool = False, partner_code: str = DEFAULT_PARTNER_CODE, **sandbox_kwargs: Any
    ) -> None:
        sandbox_kwargs.setdefault("api_key", DEFAULT_API_KEY)
        sandbox_kwargs.setdefault("api_secret", DEFAULT_API_SECRET)
        self.api_key: str = sandbox_kwargs["api_key"]
        self.api_secret: str = sandbox_kwargs["api_secret"]
        self.partner_code = partner_code
        self.sandbox = Sandbox(**sandbox_kwargs)
        self._server: SandboxServer | None = self.sandbox.serve() if serve else None
        self._closers: list[OffersClient | httpx.Client] = []
        self._client: OffersClient | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, partner_code={self.partner_code!r})"

    @property
    def server(self) -> SandboxServer | None:
        """The `SandboxServer` when served over HTTP, else None."""
        return self._server

    @property
    def base_url(self) -> str:
        """What the clients use as base URL: the server's, or the in-process one."""
        return self._server.base_url if self._server is not None else self.sandbox.base_url

    @property
    def faults(self) -> Faults:
        return self.sandbox.faults

    @property
    def history(self) -> list[Exchange]:
        """Every exchange the sandbox handled, oldest first."""
        return self.sandbox.history

    @property
    def webhooks_sent(self) -> list[WebhookDelivery]:
        """What became of each webhook the sandbox sent (given ``webhook_url=``), oldest first."""
        return self.sandbox.webhooks_sent

    def queue(self, *faults: Fault) -> None:
        """One-shot faults for the next requests, in order."""
        self.sandbox.queue(*faults)

    @property
    def client(self) -> OffersClient:
        """An `OffersClient` for this sandbox, created on first use and closed with the fixture."""
        if self._client is None:
            self._client = self.new_client()
        return self._client

    def new_client(
        self,
        *,
        http_client: httpx.Client | httpx.BaseTransport | None = None,
        **options: Unpack[EnvOverrides],
    ) -> OffersClient:
        """A new `OffersClient` for this sandbox; keyword arguments (`OffersClient`'s) override the
        sandbox's credentials, partner code and base URL."""
        if http_client is None and self._server is None:
            http_client = self.sandbox.transport()  # the client owns and closes it
        client = OffersClient(http_client=http_client, **self._client_options(options))
        self._closers.append(client)
        return client

    def async_client(
        self,
        *,
        http_client: httpx.AsyncClient | httpx.AsyncBaseTransport | None = None,
        **options: Unpack[EnvOverrides],
    ) -> AsyncOffersClient:
        """A new `AsyncOffersClient` for this sandbox; use it as ``async with`` in the test."""
        if http_client is None and self._server is None:
            http_client = self.sandbox.async_transport()
        return AsyncOffersClient(http_client=http_client, **self._client_options(options))

    def http_client(self, *, sign: bool = True, **kwargs: Any) -> httpx.Client:
        """A plain `httpx.Client` on this sandbox's base URL, signing with `XCoverAuth` unless
        ``sign=False``: for requests the high-level client would refuse to send."""
        if self._server is None:
            kwargs.setdefault("transport", self.sandbox.transport())
        if sign:
            kwargs.setdefault("auth", XCoverAuth(self.api_key, self.api_secret))
        http = httpx.Client(base_url=self.base_url, **kwargs)
        self._closers.append(http)
        return http

    def offers_path(self, partner_code: str | None = None) -> str:
        """The Create Offer path relative to `base_url`: ``/partners/{partner_code}/offers/``."""
        return f"/partners/{partner_code or self.partner_code}/offers/"

    def _client_options(self, overrides: EnvOverrides) -> ClientOptions:
        options: ClientOptions = {
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "partner_code": self.partner_code,
            "base_url": self.base_url,
        }
        options.update(overrides)
        return options

    def close(self) -> None:
        """Close the clients it made, stop the server, if any, and the sandbox's webhooks."""
        for closer in reversed(self._closers):
            closer.close()
        self._closers.clear()
        if self._server is not None:
            self._server.close()
        self.sandbox.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class SandboxServerFixture(SandboxFixture):
    """A sandbox served over real HTTP/1.1, with clients for it: `server` is always there.

    What the ``xcover_sandbox_server`` fixture hands a test.

    Args:
        partner_code: the partner code the clients use.
        faults: the sandbox's fault settings (latency, clock offset, queued faults); none by default.
        **options: `SandboxServer`'s: host (default 127.0.0.1), port (default 0, a free one),
            idle_timeout, read_timeout, max_connections, admin.
    """

    def __init__(
        self,
        *,
        partner_code: str = DEFAULT_PARTNER_CODE,
        faults: Faults | None = None,
        **options: Unpack[ServerOptions],
    ) -> None:
        super().__init__(partner_code=partner_code, faults=faults)
        try:
            self._running = self.sandbox.serve(**options)
        except BaseException:
            self.sandbox.close()
            raise
        self._server = self._running

    @property
    def server(self) -> SandboxServer:
        """The running `SandboxServer` (``origin``, ``port``, ``admin_url``)."""
        return self._running
