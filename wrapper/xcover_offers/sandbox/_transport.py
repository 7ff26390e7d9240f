"""In-process httpx transports: the sandbox without a socket, for fast tests.

``httpx.Client(transport=SandboxTransport(app))`` (or ``sandbox.transport()``) sends every request
straight to `SandboxApp.handle`. The request still goes through the client's auth and the bytes it
would put on the wire (path as sent, headers, body), so signing is exercised exactly as over the
network. A dropped-connection fault surfaces as the error httpx raises when a server hangs up:
`httpx.RemoteProtocolError`. A trickling body is a stream that waits (through the sandbox's sleep
functions) before each piece.

A wait (injected latency, a trickle's pause) lasts no longer than a socket read would: the request's
read timeout (``request.extensions["timeout"]``) and, in sync code, the deadline `OffersClient` sets
for the call (`_deadline`). A wait cut short raises `httpx.ReadTimeout`, as a real server's would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Final

import httpx

from .._deadline import clip
from ._app import SandboxApp
from ._exchange import SandboxRequest, SandboxResponse

IN_PROCESS_ORIGIN: Final = "https://xcover-sandbox.invalid"
"""Origin of the in-process sandbox's base URL; `.invalid` never resolves, so nothing leaves the process."""


def in_process_base_url(app: SandboxApp) -> str:
    """The base URL to give a client that uses these transports."""
    return IN_PROCESS_ORIGIN + app.base_path


class _NoTimeLeft(Exception):
    pass


def _wait_allowed(request: httpx.Request) -> float | None:
    """How long a read of this request may wait: its read timeout, cut at the call's deadline."""
    timeout = request.extensions.get("timeout") or {}
    try:
        return clip(timeout.get("read"), _NoTimeLeft)
    except _NoTimeLeft:
        return 0.0


def _timed_out(request: httpx.Request, allowed: float) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"the sandbox did not answer within {allowed:.3g} s", request=request)


def _to_sandbox(request: httpx.Request, body: bytes) -> SandboxRequest:
    return SandboxRequest(
        method=request.method,
        target=request.url.raw_path.decode("latin-1"),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw),
        body=body,
    )


def _wait(app: SandboxApp, seconds: float, request: httpx.Request) -> None:
    allowed = _wait_allowed(request)
    if allowed is not None and seconds > allowed:
        app.sleep(allowed)
        raise _timed_out(request, allowed)
    app.sleep(seconds)


async def _async_wait(app: SandboxApp, seconds: float, request: httpx.Request) -> None:
    allowed = _wait_allowed(request)
    if allowed is not None and seconds > allowed:
        await app.async_sleep(allowed)
        raise _timed_out(request, allowed)
    await app.async_sleep(seconds)


class _Trickle(httpx.SyncByteStream):
    def __init__(self, app: SandboxApp, response: SandboxResponse, request: httpx.Request) -> None:
        self._app = app
        self._response = response
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        for i, chunk in enumerate(self._response.chunks()):
            if i:
                _wait(self._app, self._response.chunk_delay, self._request)
            yield chunk


class _AsyncTrickle(httpx.AsyncByteStream):
    def __init__(self, app: SandboxApp, response: SandboxResponse, request: httpx.Request) -> None:
        self._app = app
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, chunk in enumerate(self._response.chunks()):
            if i:
                await _async_wait(self._app, self._response.chunk_delay, self._request)
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
            _wait(self.sandbox, response.delay, request)
        stream = (
            _Trickle(self.sandbox, response, request)
            if response.chunk_size
            else httpx.ByteStream(response.body)
        )
        return _to_httpx(response, request, stream)


class AsyncSandboxTransport(httpx.AsyncBaseTransport):
    """Answers `httpx.AsyncClient` requests from a sandbox; latency uses ``sandbox.async_sleep``."""

    def __init__(self, sandbox: SandboxApp) -> None:
        self.sandbox = sandbox

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = self.sandbox.handle(_to_sandbox(request, await request.aread()))
        if response.delay:
            await _async_wait(self.sandbox, response.delay, request)
        stream = (
            _AsyncTrickle(self.sandbox, response, request)
            if response.chunk_size
            else httpx.ByteStream(response.body)
        )
        return _to_httpx(response, request, stream)
