"""Run one client test four ways: sync or async client, through httpx.MockTransport or a real server.

A test writes a handler `httpx.Request -> httpx.Response` once. In "mock" mode the handler sits behind
`httpx.MockTransport`; in "server" mode a threaded HTTP/1.1 server on 127.0.0.1 rebuilds the request,
calls the same handler and writes its response back (raising `Drop` closes the connection without an
answer). The harness pins the clock, records retry delays instead of sleeping, and pins the jitter.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from xcover_offers import AsyncOffersClient, OffersClient

Handler = Callable[[httpx.Request], httpx.Response]
API_KEY = "test-key-123"
API_SECRET = "s3cr3t-do-not-leak-7f1c"
PARTNER = "LLODT"
NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z

MODES = [("sync", "mock"), ("async", "mock")]
MODE_IDS = ["sync-mock", "async-mock"]
WIRE_MODES = [*MODES, ("sync", "server"), ("async", "server")]
"""For tests where the wire matters (streaming limits, timeouts, connection handling): all four ways."""
WIRE_MODE_IDS = [*MODE_IDS, "sync-server", "async-server"]


class Drop(Exception):
    """Raised by a handler: close the connection without answering."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    handler: Handler


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        host, port = self.server.server_address[:2]
        request = httpx.Request(
            self.command,
            f"http://{host}:{port}{self.path}",
            headers=[(k, v) for k, v in self.headers.items()],
            content=body,
        )
        try:
            response = self.server.handler(request)
        except Drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        content = response.content
        self.send_response_only(response.status_code, response.reason_phrase)
        for k, v in response.headers.multi_items():
            if k.lower() not in {"content-length", "transfer-encoding", "connection"}:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_POST = _serve
    do_GET = _serve


@contextmanager
def serve(handler: Handler) -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _RequestHandler)
    server.handler = handler
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/x"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _DropTransport(httpx.MockTransport):
    """MockTransport where `Drop` becomes what a client sees when the peer hangs up."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except Drop:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.") from None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except Drop:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.") from None


class Script:
    """A handler answering from a script (the last entry repeats), recording every request it sees.

    An entry is a response, an exception to raise, or a function making either, for a fresh one per
    request (a streamed response can be read once)."""

    def __init__(
        self, *responses: httpx.Response | Exception | Callable[[], httpx.Response | Exception]
    ) -> None:
        self.script = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if callable(item):
            item = item()
        if isinstance(item, Exception):
            raise item
        return item


@dataclass
class Harness:
    """A configured client plus what it recorded; `create_offer` works the same in every mode."""

    kind: str
    client: OffersClient | AsyncOffersClient
    runner: asyncio.Runner | None
    delays: list[float] = field(default_factory=list)
    clock: list[float] = field(default_factory=lambda: [NOW])

    def create_offer(self, **kwargs: Any) -> Any:
        return self._run("create_offer", kwargs)

    def create_offer_with_response(self, **kwargs: Any) -> Any:
        return self._run("create_offer_with_response", kwargs)

    def call(self, endpoint: Any, **kwargs: Any) -> Any:
        """`client.call(endpoint, **kwargs)`, awaited in async mode."""
        if self.runner is None:
            return self.client.call(endpoint, **kwargs)
        return self.runner.run(self.client.call(endpoint, **kwargs))  # type: ignore[arg-type]

    def _run(self, method: str, kwargs: dict[str, Any]) -> Any:
        kwargs.setdefault("customer", {"currency": "USD", "country": "US", "language": "en-us"})
        kwargs.setdefault("events", [sample_event()])
        fn = getattr(self.client, method)
        if self.runner is None:
            return fn(**kwargs)
        return self.runner.run(fn(**kwargs))


def sample_event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": "ev-1",
        "name": "Concert",
        "start_date": "2027-06-01T19:30:00+00:00",
        "country": "US",
        "tickets": [{"id": "t-1", "price": 80.0}],
    }
    event.update(overrides)
    return event


def ok_body(**extra: Any) -> dict[str, Any]:
    return {"data": {"id": "OFR-1", "currency": "USD", "products": [], **extra}}


@contextmanager
def harness(mode: tuple[str, str], handler: Handler, **client_kwargs: Any) -> Iterator[Harness]:
    kind, transport = mode
    h: Harness | None = None

    def advancing(request: httpx.Request) -> httpx.Response:
        # Each attempt happens "later": move the pinned clock a little so Dates differ per attempt.
        assert h is not None
        h.clock[0] += 2.0
        return handler(request)

    options: dict[str, Any] = {"api_key": API_KEY, "api_secret": API_SECRET, "partner_code": PARTNER}
    options.update(client_kwargs)
    with serve(advancing) if transport == "server" else _nullcontext() as url:
        if transport == "server":
            options.setdefault("base_url", url)
        else:
            options.setdefault("http_client", _DropTransport(advancing))
        runner = asyncio.Runner() if kind == "async" else None
        client: OffersClient | AsyncOffersClient = (
            AsyncOffersClient(**options) if kind == "async" else OffersClient(**options)
        )
        h = Harness(kind=kind, client=client, runner=runner)
        _pin(h)
        try:
            yield h
        finally:
            if isinstance(client, AsyncOffersClient):
                assert runner is not None
                runner.run(client.close())
                runner.close()
            else:
                client.close()


def _pin(h: Harness) -> None:
    h.client._clock = lambda: h.clock[0]
    h.client._timer = lambda: h.clock[0]
    h.client._rand = lambda: 0.0  # jitter factor 1.0: delays are exactly 0.5, 1, 2, ...
    if h.kind == "async":

        async def sleep(seconds: float) -> None:
            h.delays.append(seconds)
            h.clock[0] += seconds

        h.client._sleep = sleep
    else:

        def sync_sleep(seconds: float) -> None:
            h.delays.append(seconds)
            h.clock[0] += seconds

        h.client._sleep = sync_sleep


@contextmanager
def _nullcontext() -> Iterator[None]:
    yield None
