"""A minimal, fast HTTP/1.1 keep-alive server on 127.0.0.1 answering every request with one canned offer.

The benchmarks must measure the client, not the server, so this does the least an HTTP/1.1 server
can: an asyncio Protocol that finds the end of each request (Content-Length or chunked), and writes
one prebuilt 200 response per request, pipelined requests included. It runs in its own process (so
it never competes with the client for the GIL) and prints ``port <n>`` on its first line of stdout.
With ``--certfile`` and ``--keyfile`` it speaks HTTPS (TLS by the standard library's ssl module).

    python benchmarks/server.py [--products N] [--certfile PEM --keyfile PEM]

`running()` starts it from Python and stops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def canned_response(body: bytes) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Request-Id: bench-req-1\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


class _Connection(asyncio.Protocol):
    __slots__ = ("buffer", "response", "transport")

    def __init__(self, response: bytes) -> None:
        self.response = response
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        answered = 0
        while True:
            end = _request_end(buffer)
            if end < 0:
                break
            buffer = buffer[end:]
            answered += 1
        self.buffer = buffer
        if answered and self.transport is not None:
            self.transport.write(self.response * answered)


def _request_end(buffer: bytes) -> int:
    """Offset just past the first complete request in `buffer`, or -1 if it is not all here yet."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return -1
    head = buffer[:head_end].lower()
    body_start = head_end + 4
    at = head.find(b"\r\ncontent-length:")
    if at >= 0:
        line_end = head.find(b"\r\n", at + 2)
        length = int(head[at + 17 : line_end if line_end >= 0 else len(head)])
        return body_start + length if len(buffer) >= body_start + length else -1
    if b"\r\ntransfer-encoding:" in head and b"chunked" in head:
        at = body_start
        while True:
            size_end = buffer.find(b"\r\n", at)
            if size_end < 0:
                return -1
            size = int(buffer[at:size_end].split(b";")[0], 16)
            at = size_end + 2 + size + 2
            if len(buffer) < at:
                return -1
            if size == 0:
                return at
    return body_start


async def _serve(products: int, tls: ssl.SSLContext | None) -> None:
    # Imported here so that importing this module (for `running`) stays cheap.
    sys.path.insert(0, str(_HERE))
    from _payloads import response_bytes

    response = canned_response(response_bytes(products))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(response), "127.0.0.1", 0, backlog=2048, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    print(f"port {port}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


@contextlib.contextmanager
def running(products: int = 2, *, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Start the server in a child process; yields its base URL, ``http://127.0.0.1:<port>``.

    With `tls` (a certificate chain and its key, PEM files), it serves HTTPS: ``https://127.0.0.1:<port>``.
    """
    cmd = [sys.executable, str(_HERE / "server.py"), "--products", str(products)]
    if tls is not None:
        cmd += ["--certfile", str(tls[0]), "--keyfile", str(tls[1])]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            raise RuntimeError(f"the benchmark server did not start (it said {line!r})")
        yield f"{'https' if tls else 'http'}://127.0.0.1:{line[1]}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2, help="products in the canned offer")
    parser.add_argument("--certfile", type=Path, help="PEM certificate chain: serve HTTPS")
    parser.add_argument("--keyfile", type=Path, help="PEM private key of --certfile")
    args = parser.parse_args()
    tls = None
    if args.certfile is not None:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.certfile, args.keyfile)
    asyncio.run(_serve(args.products, tls))


if __name__ == "__main__":
    main()
