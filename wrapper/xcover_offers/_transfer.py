"""Reading a response within bounds, and what of an exchange an exception may keep.

httpx reads a whole body into memory, however large, and decodes gzip as it goes, so a server can
take a process's memory with one response (a 1 MB gzip body inflates to 1 GiB). Here the body is read
in small raw pieces, each decoded before the next is read, and the *decoded* size is counted: the
read stops, and the connection is closed, as soon as the limit is passed. Between pieces the call's
time budget is checked, which is what stops a server that trickles a byte a second.

Only one layer of gzip or deflate is asked for and accepted: brotli inflates a few KiB to a GiB in
one step, and stacked encodings multiply, so neither could be bounded by reading in pieces. A body
in any other encoding is refused before it is read.

Bytes are not the only cost. Parsing each piece costs the same, whatever its size (about 15 µs in
h11, per chunk of a chunked body), so a body sent in 1-byte chunks costs a million times that for a
MiB: a body may come in at most one piece per MIN_AVERAGE_PIECE bytes of the limit.

A plain body is counted as it streams through `_Pieces` and read by httpx's own `read()`, so the
response is the one httpx gave. A compressed body's decoded pieces go to one buffer and a new
response holds them (httpx has no public way to give a response its decoded content otherwise).
Either is parsed by `parse_json`, which refuses an object with a key twice.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from typing import Any, Final

import httpx

from ._redaction import redact_headers, redact_url

RAW_PIECE: Final = 1024
"""Raw bytes of a compressed body decoded at a time: gzip and deflate inflate at most ~1,032×, so one
piece decodes to at most ~1 MiB, the most such a body can overshoot the limit by before it is
stopped. A plain body is read in the chunks the connection gives (its decoded size is its size)."""

MIN_AVERAGE_PIECE: Final = 16
"""A body may arrive in at most `max(limit // MIN_AVERAGE_PIECE, MIN_PIECES)` pieces (65,536 at the
default 1 MiB limit, about a second of h11's parsing); an honest server writes KiBs at a time."""
MIN_PIECES: Final = 4096

JOINED: Final = 64 * 1024
"""A plain body is handed to httpx in pieces of at least this many bytes (the last may be shorter)."""

ERROR_BODY_KEPT: Final = 64 * 1024
"""Bytes of an error body an exception keeps (the size it had is noted beside it)."""

ACCEPT_ENCODING: Final = "gzip, deflate"
"""What the client asks for (httpx would add br and zstd when their packages are installed)."""
_DECODABLE: Final = frozenset({"gzip", "x-gzip", "deflate"})

_WIRE_HEADERS: Final = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})


def content_length(values: Iterable[str]) -> int | None:
    """The one Content-Length reader, the client's and the sandbox's: None when there is none.

    ValueError when the values disagree or one is not 1 to 18 ASCII digits: `int()` alone would take
    "²" or "1_000", and refuses over 4,300 digits with an error of its own. 18 digits are an exabyte.
    """
    lengths = {value.strip() for value in values}
    if not lengths:
        return None
    if len(lengths) > 1:
        raise ValueError(f"conflicting Content-Length values {sorted(lengths)}")
    (text,) = lengths
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise ValueError("Content-Length is not a whole number of bytes")
    return int(text)


class BodyRefused(Exception):
    """The body was not read to its end, for `reason`; the connection is closed."""

    def __init__(self, response: httpx.Response, reason: str) -> None:
        super().__init__(reason)
        self.response = response


class BodyTooLarge(BodyRefused):
    """The decoded body passed `limit` bytes; the read was stopped at `size`."""

    def __init__(self, response: httpx.Response, limit: int, size: int) -> None:
        super().__init__(response, f"the response body is larger than max_response_bytes={limit:,}")
        self.limit = limit
        self.size = size


class _Pieces(httpx.SyncByteStream):
    """The response's raw stream, each chunk accounted for by `_Reader.arrived` as it comes."""

    def __init__(self, stream: httpx.SyncByteStream, reader: _Reader) -> None:
        self._stream = stream
        self._reader = reader

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            yield from self._reader.arrived(chunk)
        yield from self._reader.rest()

    def close(self) -> None:
        self._stream.close()


class _AsyncPieces(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, reader: _Reader) -> None:
        self._stream = stream
        self._reader = reader

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            for piece in self._reader.arrived(chunk):
                yield piece
        for piece in self._reader.rest():
            yield piece

    async def aclose(self) -> None:
        await self._stream.aclose()


class _Reader:
    """The accounting of one bounded read; the sync and async loops only feed it chunks."""

    def __init__(
        self, response: httpx.Response, limit: int, deadline: float | None, timer: Callable[[], float]
    ) -> None:
        self.response, self.limit, self.deadline, self.timer = response, limit, deadline, timer
        self.buffer = bytearray()  # a compressed body, decoded
        self.held = bytearray()  # a plain body's raw chunks, not yet handed on
        self.size = 0
        self.pieces = 0
        self.max_pieces = max(limit // MIN_AVERAGE_PIECE, MIN_PIECES)
        headers = response.headers
        layers = [e.strip().lower() for e in headers.get("content-encoding", "").split(",")]
        layers = [e for e in layers if e not in ("", "identity")]
        if len(layers) > 1 or (layers and layers[0] not in _DECODABLE):
            raise BodyRefused(
                response,
                f"Content-Encoding {headers['content-encoding']!r} was not asked for "
                f"(the client accepts one layer of {ACCEPT_ENCODING})",
            )
        self.compressed = bool(layers)
        try:
            declared = content_length(headers.get_list("content-length"))
        except ValueError:
            declared = None  # not believed: the body is counted as it streams all the same
        self.expected = None if self.compressed else declared
        # A plain body whose Content-Length is already over the limit is refused without reading it.
        if self.expected is not None and self.expected > limit:
            raise BodyTooLarge(response, limit, self.expected)

    def arrived(self, chunk: bytes) -> Sequence[bytes]:
        """A raw chunk from the wire. A plain body is counted here (its size is its decoded size) and
        read by httpx's own `read()`; a compressed one is handed on in RAW_PIECE slices, each decoded
        (and counted by `take`) before the next is read. Out of time only with more to wait for: a
        body complete at the deadline is kept."""
        if self.compressed:
            self.tick()  # also when the piece decodes to nothing (a gzip header dripping in)
            return [chunk[start : start + RAW_PIECE] for start in range(0, len(chunk), RAW_PIECE)]
        self.size += len(chunk)
        if self.size > self.limit:
            raise BodyTooLarge(self.response, self.limit, self.size)
        if self.expected is None or self.size < self.expected:
            self.tick()
        # Handed on in pieces of at least JOINED bytes: httpx joins a list of what it is given, and a
        # million 1-byte pieces would cost 40 bytes a byte.
        self.held += chunk
        if len(self.held) < JOINED:
            return ()
        joined = bytes(self.held)
        self.held.clear()
        return (joined,)

    def rest(self) -> Sequence[bytes]:
        """What a plain body still holds back when its stream ends."""
        joined = bytes(self.held)
        self.held.clear()
        return (joined,) if joined else ()

    def take(self, chunk: bytes) -> None:
        """A decoded piece of a compressed body."""
        self.size += len(chunk)
        if self.size > self.limit:
            raise BodyTooLarge(self.response, self.limit, self.size)
        self.buffer += chunk

    def tick(self) -> None:
        """A raw piece arrived, before decoding."""
        self.pieces += 1
        if self.pieces > self.max_pieces:
            raise BodyRefused(
                self.response,
                f"the body came in more than {self.max_pieces:,} pieces (under {MIN_AVERAGE_PIECE} bytes "
                "each on average): each costs as much to parse whatever its size",
            )
        if self.deadline is not None and self.timer() >= self.deadline:
            raise httpx.ReadTimeout(
                "the call's total_timeout ran out while reading the body", request=self.response.request
            )

    def keep(self) -> httpx.Response:
        """A compressed response as read: a new one holding the decoded body (httpx's public way to
        give a response content), without the wire's Content-Encoding (the body is decoded) and with
        the Content-Length of what it holds."""
        response = self.response
        headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _WIRE_HEADERS]
        kept = httpx.Response(
            response.status_code,
            headers=headers,
            content=bytes(self.buffer),
            request=response.request,
            extensions=response.extensions,
            history=response.history,
        )
        with contextlib.suppress(RuntimeError):  # httpx's client sets it as the stream closes; not all do
            kept.elapsed = response.elapsed
        return kept


def read_body(
    response: httpx.Response, *, limit: int, deadline: float | None, timer: Callable[[], float]
) -> httpx.Response:
    """Read a streamed response's body (and close it): the response with its body, or BodyRefused /
    httpx.ReadTimeout."""
    body = b""
    try:
        reader = _Reader(response, limit, deadline, timer)
        response.stream = _Pieces(response.stream, reader)  # type: ignore[arg-type]
        if not reader.compressed:
            body = response.read()
            return response
        for chunk in response.iter_bytes():
            reader.take(chunk)
    except httpx.DecodingError as exc:
        raise BodyRefused(response, f"the body does not decode as its Content-Encoding ({exc})") from None
    finally:
        response.close()
        response.stream = httpx.ByteStream(body)  # no cycle: both streams refer back to the response
    return reader.keep()


async def aread_body(
    response: httpx.Response, *, limit: int, deadline: float | None, timer: Callable[[], float]
) -> httpx.Response:
    """`read_body` for async responses."""
    body = b""
    try:
        reader = _Reader(response, limit, deadline, timer)
        response.stream = _AsyncPieces(response.stream, reader)  # type: ignore[arg-type]
        if not reader.compressed:
            body = await response.aread()
            return response
        async for chunk in response.aiter_bytes():
            reader.take(chunk)
    except httpx.DecodingError as exc:
        raise BodyRefused(response, f"the body does not decode as its Content-Encoding ({exc})") from None
    finally:
        await response.aclose()
        response.stream = httpx.ByteStream(body)  # no cycle: both streams refer back to the response
    return reader.keep()


def safe_request(request: httpx.Request) -> httpx.Request:
    """The request as an exception may keep it: headers as `redact_headers` shows them everywhere
    (signature redacted), body (personal data) dropped.

    A pickled or logged exception then holds nothing that could be replayed: the signature covers
    only the path and Date, so a live one would be good for any body until the Date goes stale.
    """
    headers = redact_headers(request.headers)
    # Encoded back as they were decoded: a header that is not ASCII cannot make the copy fail.
    kept = httpx.Headers(headers, encoding=request.headers.encoding)
    return httpx.Request(request.method, redact_url(request.url), headers=kept, extensions=request.extensions)


def safe_response(response: httpx.Response, *, read: bool = True) -> tuple[httpx.Response, int]:
    """A copy of an error response for an exception: at most ERROR_BODY_KEPT bytes of body (none when
    `read` is False: a body refused unread), the request made safe. Returns the copy and the body's
    size before truncation."""
    body = response.content if read else b""
    # The bytes as they came: decoded to text and encoded again, a non-ASCII byte (a proxy's
    # `Via: 1.1 café`) would make the copy, and so the error, fail.
    headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _WIRE_HEADERS]
    kept = httpx.Response(
        response.status_code,
        headers=headers,
        content=body[:ERROR_BODY_KEPT],
        request=safe_request(response.request),
        extensions={k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")},
    )
    return kept, len(body)


class DuplicateKey(ValueError):
    """A JSON object names a key twice; which value counts is up to each parser."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise DuplicateKey(f"the body has the key {twice!r} twice in one object")
    return found


_DECODER: Final = json.JSONDecoder(object_pairs_hook=_unique)


def parse_json(content: bytes) -> Any:
    """A response body as JSON data; ValueError naming the problem when it is not one JSON text in
    UTF-8 (a BOM is ignored), or when an object has a key twice: Python keeps the last value, other
    parsers the first, so such a body has no one meaning. The check costs what `object_pairs_hook`
    does: 80 µs instead of `json.loads`'s 44 µs for a 5-product offer."""
    try:
        text = content.decode("utf-8")
        return _DECODER.decode(text[1:] if text.startswith("\ufeff") else text)
    except DuplicateKey:
        raise
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ValueError("the body is not JSON") from None


def aiohttp_errors() -> tuple[type[Exception], ...]:
    """What httpx-aiohttp lets escape unmapped (a malformed status line or header, too many headers):
    aiohttp's own client errors. Imported only for a client on that backend."""
    import aiohttp

    return (aiohttp.ClientError,)


def from_aiohttp(exc: Exception, request: httpx.Request) -> httpx.TransportError:
    """An aiohttp client error as the httpx error the pipeline already handles: a malformed response
    is a RemoteProtocolError (as h11 reports it on the other backends), a lost connection a ReadError,
    anything else a TransportError. Never chained to `exc`: its `request_info` holds the live signed
    headers, and it cannot be pickled."""
    import aiohttp

    detail = getattr(exc, "message", None)  # a ClientResponseError's str() adds the URL, query and all
    flat = " ".join(str(detail if isinstance(detail, str) else exc).split())
    text = f"{type(exc).__name__}: {flat if len(flat) <= 200 else flat[:199] + '…'}"
    if isinstance(exc, aiohttp.ClientResponseError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(text, request=request)
    if isinstance(exc, aiohttp.ClientConnectionError):
        return httpx.ReadError(text, request=request)
    return httpx.TransportError(text, request=request)
