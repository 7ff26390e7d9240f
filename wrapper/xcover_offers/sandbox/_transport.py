"""In-process httpx transports: the sandbox without a socket, for fast tests.

``httpx.Client(transport=SandboxTransport(app))`` (or ``sandbox.transport()``) sends every request
straight to `SandboxApp.handle`. The request still goes through the client's auth and the bytes it
would put on the wire (path as sent, headers, body), so signing is exercised exactly as over the
network. A dropped-connection fault surfaces as the error httpx raises when a server hangs up:
`httpx.RemoteProtocolError`. A trickling body is a stream that waits (through the sandbox's sleep
functions) before each piece.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Final

import httpx

from ._app import SandboxApp
from ._exchange import SandboxRequest, SandboxResponse

IN_PROCESS_ORIGIN: Final = "https://xcover-sandbox.invalid"
"""Origin of the in-process sandbox's base URL; `.invalid` never resolves, so nothing leaves the process."""


def in_process_base_url(app: SandboxApp) -> str:
    """The base URL to give a client that uses these transports."""
    return IN_PROCESS_ORIGIN + app.base_path


def _to_sandbox(request: httpx.Request, body: bytes) -> SandboxRequest:
    return SandboxRequest(
        method=request.method,
        target=request.url.raw_path.decode("latin-1"),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw),
        body=body,
    )


class _Trickle(httpx.SyncByteStream):
    def __init__(self, app: SandboxApp, response: SandboxResponse) -> None:
        self._app = app
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        for i, chunk in enumerate(self._response.chunks()):
            if i:
                self._app.sleep(self._response.chunk_delay)
            yield chunk


class _AsyncTrickle(httpx.AsyncByteStream):
    def __init__(self, app: SandboxApp, response: SandboxResponse) -> None:
        self._app = app
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, chunk in enumerate(self._response.chunks()):
            if i:
                await self._app.async_sleep(self._response.chunk_delay)
            yield chunk


def _to_httpx(
    response: SandboxResponse, request: httpx.Request, stream: httpx.SyncByteStream | httpx.AsyncByteStream
) -> httpx.Response:
    if response.drop:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    # A stream rather than `content=`: the client then reads the body the way it reads a socket's,
    # so what it sets on the way (`response.elapsed`) is there as with a real server.
    length = [] if response.status == 204 else [("Content-Length", str(len(response.body)))]
    headers = [*response.headers, *length]
    return httpx.Response(response.status, headers=headers, stream=stream, request=request)


class SandboxTransport(httpx.BaseTransport):
    """Answers `httpx.Client` requests from a sandbox; injected latency uses ``sandbox.sleep``."""

    def __init__(self, sandbox: SandboxApp) -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.sandbox.handle(_to_sandbox(request, request.read()))
        if response.delay:
            self.sandbox.sleep(response.delay)
        stream = _Trickle(self.sandbox, response) if response.chunk_size else httpx.ByteStream(response.body)
        return _to_httpx(response, request, stream)


class AsyncSandboxTransport(httpx.AsyncBaseTransport):
    """Answers `httpx.AsyncClient` requests from a sandbox; latency uses ``sandbox.async_sleep``."""

    def __init__(self, sandbox: SandboxApp) -> None:
        self.sandbox = sandbox

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = self.sandbox.handle(_to_sandbox(request, await request.aread()))
        if response.delay:
            await self.sandbox.async_sleep(response.delay)
        stream = (
            _AsyncTrickle(self.sandbox, response) if response.chunk_size else httpx.ByteStream(response.body)
        )
        return _to_httpx(response, request, stream)
