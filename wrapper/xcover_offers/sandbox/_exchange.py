"""What passes between the sandbox's core and the shells that serve it: plain values, no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def first_header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    """The first value of a header, by case-insensitive name."""
    lowered = name.lower()
    return next((v for k, v in headers if k.lower() == lowered), None)


@dataclass(frozen=True, slots=True)
class SandboxRequest:
    """A request as it arrived: method, request target (path and query, raw), headers, body."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    def header(self, name: str) -> str | None:
        """The first value of a header, by case-insensitive name."""
        return first_header(self.headers, name)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class SandboxResponse:
    """The answer: status, headers, body, and how a shell delivers it.

    Attributes:
        delay: seconds to wait before answering (injected latency).
        drop: close the connection without answering.
        chunk_size: when above 0, send the body in pieces of this many bytes ...
        chunk_delay: ... waiting this many seconds before each piece after the first (a trickle).
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    delay: float = 0.0
    drop: bool = False
    chunk_size: int = 0
    chunk_delay: float = 0.0

    def header(self, name: str) -> str | None:
        return first_header(self.headers, name)

    def json(self) -> Any:
        return json.loads(self.body)

    def chunks(self) -> list[bytes]:
        """The body in the pieces a shell sends, with `chunk_delay` before each after the first."""
        if self.chunk_size <= 0 or not self.body:
            return [self.body]
        size = self.chunk_size
        return [self.body[i : i + size] for i in range(0, len(self.body), size)]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One handled request, kept in `Sandbox.history` so tests can see what went over the wire.

    A dropped connection (`Fault.drop`) is recorded with ``response.status == 0``; when the request
    was processed first (``after_processing=True``), the body is the answer that was lost. What the HTTP
    server rejects before a request is complete (malformed HTTP, an announced body over the cap) is
    not recorded: there is no request to show. Neither are the server's admin requests. A request
    refused before its signature was verified (unsigned, wrongly signed, no such operation, over the
    body cap, a fault that answers first) is kept without its body: `unkept_body` gives its size.
    """

    request: SandboxRequest
    response: SandboxResponse
    request_id: str
    at: float
    """The sandbox's clock (offset included) when it answered."""
    unkept_body: int = 0
    """The size in bytes of the request body that was not kept (``request.body`` is then empty)."""
