"""The sandbox as a real HTTP/1.1 server, on the standard library only.

A thread per connection (`http.server.ThreadingHTTPServer`) is plenty for a local test double and
keeps every request's work on the same `Sandbox.handle` as the in-process transports. What the
stock handler does not do, this one adds:

- every answer, including the errors of HTTP parsing itself (400, 414, 431 ...), is JSON in the
  spec's ``{"type", "message"}`` shape with ``Date`` and ``X-Request-Id``; never an HTML error page,
  never a stack trace;
- the body cap is enforced from ``Content-Length`` before reading (413, also for
  ``Expect: 100-continue``); a chunked body gets 411, and conflicting lengths 400, since a stand-in
  has no reason to accept ambiguous framing;
- keep-alive with an idle timeout, and a `close` that also ends idle keep-alive connections, so
  tests and Ctrl-C shut down promptly.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from .._version import __version__
from ._app import Sandbox, SandboxRequest, SandboxResponse

logger = logging.getLogger("xcover_offers.sandbox")

DEFAULT_IDLE_TIMEOUT = 30.0
"""Seconds a connection may sit idle (or stall mid-request) before the server closes it."""


def _is_length(value: str) -> bool:
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    return value.isascii() and value.isdigit()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = f"xcover-offers-sandbox/{__version__}"
    sys_version = ""
    server: _HTTPServer

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the sandbox, which answers 405 (or 404) for what the spec does not
        # define, instead of the stock handler's 501 for a method without a do_ method.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        if self.headers.get("Transfer-Encoding"):
            self._reply(
                sandbox.reject(411, "length_required", "Send the body with a Content-Length."), close=True
            )
            return
        lengths = {v.strip() for v in self.headers.get_all("Content-Length") or ()}
        if len(lengths) > 1 or not all(_is_length(v) for v in lengths):
            self._reply(
                sandbox.reject(400, "bad_request", "The Content-Length header is invalid."), close=True
            )
            return
        length = int(lengths.pop()) if lengths else 0
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
        response = sandbox.handle(SandboxRequest(self.command, target, tuple(self.headers.items()), body))
        if response.delay:
            sandbox.sleep(response.delay)
        if response.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._reply(response)

    def _too_large(self) -> SandboxResponse:
        limit = self.server.sandbox.max_body
        return self.server.sandbox.reject(413, "payload_too_large", f"The body is larger than {limit} bytes.")

    def handle_expect_100(self) -> bool:
        length = self.headers.get("Content-Length", "").strip()
        if _is_length(length) and int(length) > self.server.sandbox.max_body:
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
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = "Unknown"
        lines = [f"HTTP/1.1 {response.status} {phrase}", f"Server: {self.server_version}"]
        lines += [f"{name}: {value}" for name, value in response.headers]
        lines.append(f"Content-Length: {len(response.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        elif getattr(self, "request_version", "") == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if getattr(self, "command", None) == "HEAD" else head + response.body)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - " + format, self.address_string(), *args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a burst of 50 connects would see SYNs dropped and
    # retried a second later by the kernel, which looks like a slow server.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: Sandbox, idle_timeout: float, ipv6: bool) -> None:
        self.address_family = socket.AF_INET6 if ipv6 else socket.AF_INET
        self.sandbox = sandbox
        self.idle_timeout = idle_timeout
        self._open: set[socket.socket] = set()
        self._open_changed = threading.Condition()
        # StreamRequestHandler reads its socket timeout from the class: one subclass per server.
        handler = type("_Handler", (_Handler,), {"timeout": idle_timeout})
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_changed:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        with self._open_changed:
            self._open.discard(request)
            self._open_changed.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is routine for a server; nothing reaches the client.
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self, timeout: float) -> None:
        """End every open connection (idle keep-alive ones included) and wait for their threads."""
        with self._open_changed:
            for sock in list(self._open):
                with contextlib.suppress(OSError):  # already closed by its client
                    sock.shutdown(socket.SHUT_RDWR)
            self._open_changed.wait_for(lambda: not self._open, timeout=timeout)


class SandboxServer:
    """A `Sandbox` served over HTTP/1.1 on ``host:port`` (port 0 picks a free port).

    The socket is bound when the object is built, so `base_url` is known at once. Use `start` to
    serve from a background thread (tests, the pytest fixture) or `serve_forever` to serve from the
    calling thread until Ctrl-C (the command line). Only `host` is bound: 127.0.0.1 by default.

    Args:
        sandbox: the sandbox that answers.
        host: the address to bind; IPv6 addresses work too.
        port: the port; 0 for any free one.
        idle_timeout: seconds before an idle or stalled connection is closed.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        self.sandbox = sandbox
        self._httpd = _HTTPServer((host, port), sandbox, idle_timeout, ipv6=":" in host)
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
