"""The sandbox as a real HTTP/1.1 server, on the standard library only.

A thread per connection (`http.server.ThreadingHTTPServer`) is plenty for a local test double and
keeps every request's work on the same `SandboxApp.handle` as the in-process transports. What the
stock handler does not do, this one adds:

- every answer, including the errors of HTTP parsing itself (400, 414, 431 ...), is JSON in the
  spec's ``{"type", "message"}`` shape with ``Date`` and ``X-Request-Id``; never an HTML error page,
  never a stack trace;
- the body cap is enforced from ``Content-Length`` before reading (413, also for
  ``Expect: 100-continue``); a chunked body gets 411, and conflicting lengths 400, since a stand-in
  has no reason to accept ambiguous framing;
- a request must arrive whole (request line, headers, body) within ``read_timeout`` of its first
  byte, however slowly it drips; between requests a connection may idle for ``idle_timeout``;
- at most ``max_connections`` connections at once: one more is answered 503 (Retry-After: 1) and
  closed, and when the process runs out of descriptors the accept loop waits for a connection to
  close instead of spinning;
- the admin endpoint under ``/_sandbox`` (see `_admin`), unless ``admin=False``;
- keep-alive, and a `close` that also ends idle keep-alive connections, so tests and Ctrl-C shut
  down promptly.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final, Self, TypedDict
from urllib.parse import urlsplit

from .._transfer import content_length
from .._version import __version__
from ._admin import admin_answer, is_admin, is_loopback
from ._app import SandboxApp
from ._defaults import (
    ACCEPT_BACKOFF,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_READ_TIMEOUT,
    MAX_TIMEOUT,
)
from ._exchange import SandboxRequest, SandboxResponse
from ._log import logger

_OUT_OF_RESOURCES: Final = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
SERVER_VERSION: Final = f"xcover-offers-sandbox/{__version__}"


def _head(response: SandboxResponse, *, close: bool, http_1_0: bool = False) -> bytes:
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = "Unknown"
    lines = [f"HTTP/1.1 {response.status} {phrase}", f"Server: {SERVER_VERSION}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    if response.status != 204:  # a 204 carries no Content-Length (RFC 9110, 8.6)
        lines.append(f"Content-Length: {len(response.body)}")
    if close:
        lines.append("Connection: close")
    elif http_1_0:
        lines.append("Connection: keep-alive")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _DeadlineReader:
    """The reading side of a connection, with a deadline for each request as a whole.

    The stock handler reads through a socket timeout that every received byte renews, so a client
    dripping a header line now and then holds its connection (and a thread) for ever. Here each
    receive waits only for what is left of the request's budget, which starts at its first byte.
    """

    def __init__(self, sock: socket.socket, *, idle_timeout: float, read_timeout: float) -> None:
        self._sock = sock
        self._idle = idle_timeout
        self._total = read_timeout
        self._buffer = bytearray()
        self._deadline: float | None = None
        self.closed = False

    def start_request(self) -> None:
        """The next request starts: its budget runs from its first byte (already here, or to come)."""
        self._deadline = time.monotonic() + self._total if self._buffer else None

    def _fill(self) -> bool:
        if self._deadline is None:
            timeout = self._idle
        else:
            timeout = self._deadline - time.monotonic()
            if timeout <= 0:
                raise TimeoutError(f"the request did not arrive whole within {self._total:g} s")
        self._sock.settimeout(timeout)
        chunk = self._sock.recv(65536)
        if chunk and self._deadline is None:
            self._deadline = time.monotonic() + self._total
        self._buffer += chunk
        return bool(chunk)

    def _take(self, size: int) -> bytes:
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def readline(self, limit: int = -1) -> bytes:
        while True:
            end = self._buffer.find(b"\n", 0, limit if limit >= 0 else len(self._buffer))
            if end >= 0:
                return self._take(end + 1)
            if 0 <= limit <= len(self._buffer) or not self._fill():
                return self._take(limit if limit >= 0 else len(self._buffer))

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self._buffer) < size) and self._fill():
            pass
        return self._take(size if size >= 0 else len(self._buffer))

    def close(self) -> None:
        self.closed = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = SERVER_VERSION
    sys_version = ""
    server: _HTTPServer
    rfile: Any

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the sandbox, which answers 405 (or 404) for what the spec does not
        # define, instead of the stock handler's 501 for a method without a do_ method.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = _DeadlineReader(
            self.connection, idle_timeout=self.server.idle_timeout, read_timeout=self.server.read_timeout
        )

    def handle_one_request(self) -> None:
        self.rfile.start_request()
        super().handle_one_request()

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        if self.headers.get("Transfer-Encoding"):
            self._reply(
                sandbox.reject(411, "length_required", "Send the body with a Content-Length."), close=True
            )
            return
        try:
            length = content_length(self.headers.get_all("Content-Length") or ()) or 0
        except ValueError:
            self._reply(self._bad_length(), close=True)
            return
        if length > sandbox.max_body:
            self._reply(self._too_large(), close=True)
            return
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True  # the client hung up mid-body: nobody to answer
            return
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute-form, as sent to a proxy
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = SandboxRequest(self.command, target, tuple(self.headers.items()), body)
        if self.server.admin and is_admin(request.path):
            self._reply(admin_answer(sandbox, request, bound=self.server.host))
            return
        response = sandbox.handle(request)
        if response.delay:
            self.server.pause(response.delay)
        if response.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._reply(response)

    def _too_large(self) -> SandboxResponse:
        limit = self.server.sandbox.max_body
        return self.server.sandbox.reject(413, "payload_too_large", f"The body is larger than {limit} bytes.")

    def _bad_length(self) -> SandboxResponse:
        return self.server.sandbox.reject(400, "bad_request", "The Content-Length header is invalid.")

    def handle_expect_100(self) -> bool:
        """A body that would be refused is not asked for: the answer comes instead of 100 Continue."""
        try:
            length = content_length(self.headers.get_all("Content-Length") or ())
        except ValueError:
            self._reply(self._bad_length(), close=True)
            return False
        if length is not None and length > self.server.sandbox.max_body:
            self._reply(self._too_large(), close=True)
            return False
        return super().handle_expect_100()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """HTTP-level errors found by the stock parser, answered in the sandbox's JSON shape."""
        try:
            kind = HTTPStatus(code).name.lower()
        except ValueError:
            kind = "error"
        self._reply(
            self.server.sandbox.reject(code, kind, message or "The request could not be read."), close=True
        )

    def _reply(self, response: SandboxResponse, *, close: bool = False) -> None:
        if close:
            self.close_connection = True
        self.connection.settimeout(self.server.idle_timeout)  # a client that never reads is let go
        head = _head(
            response,
            close=self.close_connection,
            http_1_0=getattr(self, "request_version", "") == "HTTP/1.0",
        )
        if getattr(self, "command", None) == "HEAD":
            self.wfile.write(head)
            return
        chunks = response.chunks()
        self.wfile.write(head + chunks[0])
        for chunk in chunks[1:]:
            self.server.pause(response.chunk_delay)
            self.wfile.write(chunk)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - " + format, self.address_string(), *args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a burst of 50 connects would see SYNs dropped and
    # retried a second later by the kernel, which looks like a slow server.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        sandbox: SandboxApp,
        *,
        idle_timeout: float,
        read_timeout: float,
        max_connections: int,
        admin: bool,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.host = address[0]
        self.sandbox = sandbox
        self.idle_timeout = idle_timeout
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        self.admin = admin
        self.accept_backoff = ACCEPT_BACKOFF
        self.closing = False
        self._stopped = threading.Event()
        self._starved = False
        self._open: set[socket.socket] = set()
        self._open_changed = threading.Condition()
        super().__init__(address, _Handler)

    def _accept(self) -> tuple[socket.socket, Any]:
        return self.socket.accept()

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            accepted = self._accept()
        except OSError as exc:
            if exc.errno in _OUT_OF_RESOURCES:
                self._wait_for_descriptors(exc)
            raise
        self._starved = False
        return accepted

    def _wait_for_descriptors(self, exc: OSError) -> None:
        # The listening socket stays readable, so retrying at once would spin a core; wait for a
        # connection to close (which frees a descriptor), or a little while.
        if not self._starved:
            logger.warning("cannot accept connections (%s); waiting for one to close", exc.strerror or exc)
        self._starved = True
        with self._open_changed:
            if not self.closing:
                self._open_changed.wait(self.accept_backoff)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self._open_changed:
            if len(self._open) < self.max_connections:
                self._open.add(request)
                return True
        self._refuse(request)
        return False  # socketserver closes it

    def _refuse(self, request: socket.socket) -> None:
        """Best effort, without blocking the accept loop: a 503 if the socket takes it at once."""
        response = self.sandbox.reject(
            503,
            "too_many_connections",
            f"The sandbox is serving its maximum of {self.max_connections} connections; retry shortly.",
            {"Retry-After": "1"},
        )
        with contextlib.suppress(OSError):
            request.setblocking(False)
            request.send(_head(response, close=True) + response.body)

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        with self._open_changed:
            self._open.discard(request)
            self._open_changed.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is routine for a server; nothing reaches the client.
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def open_connections(self) -> int:
        with self._open_changed:
            return len(self._open)

    def pause(self, seconds: float) -> None:
        """An injected wait (latency, a trickle) that closing the server cuts short; a sleep given to
        the sandbox (a test's recording one) is used as it is."""
        if self.sandbox.sleep is time.sleep:
            self._stopped.wait(seconds)
        else:
            self.sandbox.sleep(seconds)

    def close_connections(self, timeout: float) -> None:
        """End every open connection (idle keep-alive ones included) and wait for their threads."""
        self.stop_waiting()
        with self._open_changed:
            for sock in list(self._open):
                with contextlib.suppress(OSError):  # already closed by its client
                    sock.shutdown(socket.SHUT_RDWR)
            self._open_changed.wait_for(lambda: not self._open, timeout=timeout)

    def stop_waiting(self) -> None:
        self._stopped.set()
        with self._open_changed:
            self.closing = True
            self._open_changed.notify_all()


def admin_served(admin: bool | None, host: str) -> bool:
    """Whether to serve the (unauthenticated) admin endpoint: asked for, or by default, on a loopback
    host only; asking for it on another host is an error rather than an open door."""
    if admin and not is_loopback(host):
        raise ValueError(f"the admin endpoint is served on loopback hosts only, not {host!r}")
    return is_loopback(host) if admin is None else admin


class ServerOptions(TypedDict, total=False):
    """`SandboxServer`'s keyword options, as `Sandbox.serve` forwards them."""

    host: str
    port: int
    idle_timeout: float
    read_timeout: float
    max_connections: int
    admin: bool | None


class SandboxServer:
    """A sandbox served over HTTP/1.1 on ``host:port`` (port 0 picks a free port).

    The socket is bound when the object is built, so `base_url` is known at once. Use `start` to
    serve from a background thread (tests, the pytest fixture) or `serve_forever` to serve from the
    calling thread until Ctrl-C (the command line). Only `host` is bound: 127.0.0.1 by default.

    Args:
        sandbox: the sandbox that answers (a `Sandbox`, or its core `SandboxApp`).
        host: the address to bind; IPv6 addresses work too.
        port: the port; 0 for any free one.
        idle_timeout: seconds a connection may wait for its next request (at most a day).
        read_timeout: seconds a request may take to arrive whole, from its first byte (at most a day).
        max_connections: connections served at once; one more gets a 503 and is closed.
        admin: serve the admin endpoint under ``/_sandbox`` (faults, requests, reset). None (the
            default) serves it on a loopback host only; True on another host is refused, since the
            endpoint is unauthenticated and shows the recorded requests.
    """

    def __init__(
        self,
        sandbox: SandboxApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        admin: bool | None = None,
    ) -> None:
        for name, value in (("idle_timeout", idle_timeout), ("read_timeout", read_timeout)):
            # A socket cannot wait 1e308 s: every connection would end at once, logged at DEBUG only.
            if not 0 < value <= MAX_TIMEOUT:
                raise ValueError(f"{name} must be more than 0 and at most {MAX_TIMEOUT:g} seconds (a day)")
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.sandbox = sandbox
        self._httpd = _HTTPServer(
            (host, port),
            sandbox,
            idle_timeout=idle_timeout,
            read_timeout=read_timeout,
            max_connections=max_connections,
            admin=admin_served(admin, host),
        )
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None
        self._serving: threading.Thread | None = None
        self._closed = False
        self._close_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SandboxServer({self.base_url!r})"

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The base URL to give a client: the origin plus the spec's base path (``/x``)."""
        return self.origin + self.sandbox.base_path

    @property
    def admin_url(self) -> str | None:
        """``http://127.0.0.1:PORT/_sandbox``, or None when the admin endpoint is off."""
        return self.origin + "/_sandbox" if self._httpd.admin else None

    def start(self) -> Self:
        """Serve from a daemon thread; returns self."""
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self.serve_forever, name=repr(self), daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve from this thread until `close` is called from another or KeyboardInterrupt arrives."""
        self._serving = threading.current_thread()
        try:
            self._httpd.serve_forever(poll_interval=0.05)
        finally:
            self._serving = None
            if threading.current_thread() is not self._thread:
                self.close()

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting, end open connections (idle keep-alive ones too), release the port.

        Idempotent; safe from any thread but the one inside `serve_forever`.
        """
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._httpd.stop_waiting()
        serving = self._serving
        if serving is not None and serving is not threading.current_thread():
            self._httpd.shutdown()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._httpd.close_connections(timeout)
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
