"""In-process httpx transports: the sandbox without a socket, for fast tests.

``httpx.Client(transport=sandbox.transport())`` sends every request straight to `Sandbox.handle`.
The request still goes through the client's auth and the bytes it would put on the wire (path as
sent, headers, body), so signing is exercised exactly as over the network. A dropped-connection
fault surfaces as the error httpx raises when a server hangs up: `httpx.RemoteProtocolError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from ._app import SandboxRequest, SandboxResponse

if TYPE_CHECKING:
    from ._app import Sandbox


def _to_sandbox(request: httpx.Request, body: bytes) -> SandboxRequest:
    return SandboxRequest(
        method=request.method,
        target=request.url.raw_path.decode("latin-1"),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw),
        body=body,
    )


def _to_httpx(response: SandboxResponse, request: httpx.Request) -> httpx.Response:
    if response.drop:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    # A stream rather than `content=`: the client then reads the body the way it reads a socket's,
    # so what it sets on the way (`response.elapsed`) is there as with a real server.
    headers = [*response.headers, ("Content-Length", str(len(response.body)))]
    return httpx.Response(
        response.status, headers=headers, stream=httpx.ByteStream(response.body), request=request
    )


class SandboxTransport(httpx.BaseTransport):
    """Answers `httpx.Client` requests from a `Sandbox`; injected latency uses ``sandbox.sleep``."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.sandbox.handle(_to_sandbox(request, request.read()))
        if response.delay:
            self.sandbox.sleep(response.delay)
        return _to_httpx(response, request)


class AsyncSandboxTransport(httpx.AsyncBaseTransport):
    """Answers `httpx.AsyncClient` requests from a `Sandbox`; latency uses ``sandbox.async_sleep``."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = self.sandbox.handle(_to_sandbox(request, await request.aread()))
        if response.delay:
            await self.sandbox.async_sleep(response.delay)
        return _to_httpx(response, request)
