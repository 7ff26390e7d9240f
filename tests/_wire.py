"""A raw HTTP/1.1 server on 127.0.0.1 that streams a body piece by piece, for the tests where what
crosses the wire matters (bodies too large to hold, a server that trickles)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Served:
    url: str
    requests: int = 0
    body_sent: int = 0
    hung_up: threading.Event = field(default_factory=threading.Event)


@contextmanager
def streaming_server(
    status: int,
    headers: dict[str, str],
    body: Callable[[], Iterator[bytes]],
    *,
    drip_head: float | None = None,
) -> Iterator[Served]:
    """A raw HTTP/1.1 server on 127.0.0.1 that streams `body()` chunked, piece by piece as produced,
    until the client hangs up. With `drip_head`, the status line and headers go out one byte every
    `drip_head` seconds first (each byte in time for any read timeout)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    served = Served(url=f"http://127.0.0.1:{listener.getsockname()[1]}/x")
    stop = threading.Event()
    head = f"HTTP/1.1 {status} Whatever\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                _read_request(conn)
                served.requests += 1
                if drip_head is None:
                    conn.sendall(head.encode())
                else:
                    for byte in head.encode():
                        if stop.wait(drip_head):
                            return
                        conn.sendall(bytes([byte]))
                for piece in body():
                    if stop.is_set():
                        return
                    conn.sendall(b"%x\r\n" % len(piece))
                    conn.sendall(piece)
                    conn.sendall(b"\r\n")
                    served.body_sent += len(piece)
                conn.sendall(b"0\r\n\r\n")
            except OSError:
                served.hung_up.set()

    with _accepting(listener, serve, stop):
        yield served


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError("closed before a request")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        body += conn.recv(65536)


@contextmanager
def raw_server(answer: bytes | Callable[[int], bytes]) -> Iterator[Served]:
    """A server on 127.0.0.1 that answers each request with exactly `answer` (or `answer(n)` for the
    n-th request, from 1), byte for byte, then closes the connection: for what no well-behaved
    server library would write (a malformed status line, a NUL or a non-ASCII byte in a header)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    served = Served(url=f"http://127.0.0.1:{listener.getsockname()[1]}/x")
    stop = threading.Event()
    lock = threading.Lock()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                _read_request(conn)
                with lock:
                    served.requests += 1
                    n = served.requests
                conn.sendall(answer(n) if callable(answer) else answer)
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                served.hung_up.set()

    with _accepting(listener, serve, stop):
        yield served


@contextmanager
def _accepting(
    listener: socket.socket, serve: Callable[[socket.socket], None], stop: threading.Event
) -> Iterator[None]:
    """Serve each connection `listener` accepts on its own thread until the block ends; then stop
    (`stop` is set for the serving threads too) and wait for them."""
    workers: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            worker = threading.Thread(target=serve, args=(conn,), daemon=True)
            workers.append(worker)
            worker.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield
    finally:
        stop.set()
        acceptor.join()
        for worker in workers:
            worker.join(10)
        listener.close()
