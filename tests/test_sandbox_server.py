"""The sandbox's real HTTP/1.1 server on 127.0.0.1: keep-alive, concurrency, bad input, shutdown."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _orders import KEY, ORDER, PATH, SECRET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xcover_offers import XCoverAuth
from xcover_offers.sandbox import Fault, Sandbox, SandboxServer


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(api_key=KEY, api_secret=SECRET, check_responses=True, max_body=64 * 1024)


@pytest.fixture
def server(sandbox: Sandbox) -> Iterator[SandboxServer]:
    with sandbox.serve() as running:
        yield running


def signed(server: SandboxServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, auth=XCoverAuth(KEY, SECRET))


def raw(server: SandboxServer, data: bytes, *, timeout: float = 5.0) -> bytes:
    """Send bytes on a fresh connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def parse(answer: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, json.loads(body)


def assert_error_shape(status: int, headers: dict[str, str], body: Any, expected: int) -> None:
    assert status == expected
    assert set(body) == {"type", "message"}
    assert headers["content-type"] == "application/json"
    assert "date" in headers
    assert "x-request-id" in headers
    assert "Traceback" not in body["message"]


def test_serves_offers_on_a_free_port_of_127_0_0_1(server: SandboxServer) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}/x"
    assert server.port != 0
    with signed(server) as http:
        response = http.post(PATH, json=ORDER)
    assert response.status_code == 200
    assert response.http_version == "HTTP/1.1"
    assert len(response.json()["data"]["products"]) == 3
    assert response.headers["server"].startswith("xcover-offers-sandbox/")


def test_binds_only_the_given_host(sandbox: Sandbox) -> None:
    with SandboxServer(sandbox, host="127.0.0.1", port=0) as server:
        assert server._httpd.socket.getsockname()[0] == "127.0.0.1"


def test_keep_alive_reuses_one_connection(server: SandboxServer) -> None:
    auth = XCoverAuth(KEY, SECRET)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        sockets = []
        for _ in range(3):
            request = httpx.Request("POST", server.base_url + PATH, json=ORDER)
            next(auth.auth_flow(request))
            conn.request(
                "POST", request.url.raw_path.decode(), body=request.content, headers=dict(request.headers)
            )
            response = conn.getresponse()
            assert response.status == 200
            assert response.getheader("connection") is None  # HTTP/1.1: persistent unless told otherwise
            response.read()
            sockets.append(conn.sock)
        assert sockets[0] is sockets[1] is sockets[2]
    finally:
        conn.close()


def test_concurrent_clients(server: SandboxServer, sandbox: Sandbox) -> None:
    results: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        with signed(server) as http:
            for _ in range(5):
                status = http.post(PATH, json=ORDER).status_code
                with lock:
                    results.append(status)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [200] * 50
    assert len({e.request_id for e in sandbox.history}) == 50


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "headers", "expected"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400),
        (json.dumps(ORDER).encode(), {"Content-Type": "text/plain"}, 415),
        (json.dumps(ORDER).encode(), {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        (b"x" * (64 * 1024 + 1), {"Content-Type": "application/json"}, 413),
        (b"x" * (8 * 1024 * 1024), {"Content-Type": "application/json"}, 413),
    ],
    ids=["malformed-json", "text-plain", "form", "just-over-cap", "8-mib"],
)
def test_bad_bodies_get_4xx_in_the_error_shape(
    server: SandboxServer, content: bytes, headers: dict[str, str], expected: int
) -> None:
    with signed(server) as http:
        response = http.post(PATH, content=content, headers=headers)
    assert_error_shape(response.status_code, dict(response.headers), response.json(), expected)


@pytest.mark.parametrize(
    ("headers", "rule"),
    [
        ({}, "no Authorization header"),
        ({"Authorization": "Bearer abc"}, "Signature scheme"),
        ({"Authorization": "Signature ¡garbage!".encode("latin-1") * 50}, "malformed"),
        ({"Authorization": 'Signature keyId="test-key",algorithm="hmac-sha512",headers="date",signature="x"'},
         "no Date header"),
    ],
    ids=["missing", "bearer", "garbage", "no-date"],
)  # fmt: skip
def test_missing_or_garbage_auth_headers_get_403(
    server: SandboxServer, headers: dict[str, str], rule: str
) -> None:
    with httpx.Client(base_url=server.base_url) as http:
        response = http.post(PATH, json=ORDER, headers=headers)
    assert_error_shape(response.status_code, dict(response.headers), response.json(), 403)
    assert rule in response.json()["message"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"POST /x/partners/A/offers/ HTTP/9.9\r\n\r\n", 505),
        (b"POST /x/partners/A/offers/ HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400),
        ("POST /x/partners/A/offers/ HTTP/1.1\r\nContent-Length: ²\r\n\r\n".encode("latin-1"), 400),
        (b"POST /x/partners/A/offers/ HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400),
        (b"POST /x/partners/A/offers/ HTTP/1.1\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n", 400),
        (b"POST /x/partners/A/offers/ HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: " + b"9" * 5000
         + b"\r\n\r\n", 400),
        (b"POST /x/partners/A/offers/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
        (b"POST /x/partners/A/offers/ HTTP/1.1\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n",
         413),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"POST /x HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        (b"BREW /x/partners/A/offers/ HTTP/1.1\r\nConnection: close\r\n\r\n", 405),
        (b"POST /x/partners/A/offers/ HTTP/1.1\r\nConnection: close\r\n\r\n", 403),
    ],
    ids=["garbage", "version", "negative-length", "superscript-length", "two-lengths", "huge-length",
         "huge-length-expecting-100", "chunked",
         "expect-too-big", "long-uri", "long-header", "unknown-method", "unsigned"],
)  # fmt: skip
def test_malformed_http_gets_a_json_error(server: SandboxServer, data: bytes, expected: int) -> None:
    status, headers, body = parse(raw(server, data))
    assert status == expected
    assert set(body) == {"type", "message"}
    assert "date" in headers
    assert "x-request-id" in headers
    assert headers["connection"] == "close"


_FRAGMENTS = st.sampled_from([
    b"POST /x/partners/A/offers/ HTTP/1.1\r\n", b"GET / HTTP/1.0\r\n", b"Content-Length: 5\r\n",
    b"Content-Length: 99999999999999999999\r\n", b"Transfer-Encoding: chunked\r\n",
    b"Expect: 100-continue\r\n",
    b"Authorization: Signature keyId=\"\r\n", b"Content-Type: application/json\r\n", b"\r\n", b"{}", b":",
    b"\x00", b"\xff\xfe", b" ", b"\n",
])  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=512), st.lists(_FRAGMENTS | st.binary(max_size=16), max_size=12).map(b"".join)
    )
)
def test_arbitrary_bytes_get_a_4xx_or_a_close_and_never_kill_the_server(
    server: SandboxServer, data: bytes
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # EOF: the server must not wait for more
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    # An interim "100 Continue" (the request said Expect: 100-continue) precedes the real answer.
    answer = answer.removeprefix(b"HTTP/1.1 100 Continue\r\n\r\n")
    if answer:
        status = int(answer.split(b" ", 2)[1])
        assert 400 <= status < 500 or status == 505, answer[:200]
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"Traceback" not in answer
        assert b"X-Request-Id: " in head
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        assert set(json.loads(body[:length])) == {"type", "message"}
    with signed(server) as http:
        assert http.post(PATH, json=ORDER).status_code == 200


def test_head_has_no_body_and_http_1_0_closes(server: SandboxServer) -> None:
    answer = raw(server, b"HEAD /x/partners/A/offers/ HTTP/1.1\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 405")
    assert body == b""
    status, headers, _ = parse(raw(server, b"POST /x/partners/A/offers/ HTTP/1.0\r\n\r\n"))
    assert (status, headers["connection"]) == (403, "close")


def test_survives_clients_that_hang_up(server: SandboxServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /x/partners/A/offers/ HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{")
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /x/part")
    with signed(server) as http:
        assert http.post(PATH, json=ORDER).status_code == 200


# -- faults ---------------------------------------------------------------------------------------


def test_dropped_connection_and_latency(sandbox: Sandbox, server: SandboxServer) -> None:
    slept: list[float] = []
    sandbox.sleep = slept.append
    sandbox.queue(Fault.drop(), Fault.rate_limited(retry_after="3"))
    with signed(server) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(PATH, json=ORDER)
        limited = http.post(PATH, json=ORDER)
        sandbox.faults.latency = 0.2
        slow = http.post(PATH, json=ORDER)
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "3")
    assert slow.status_code == 200
    assert slept == [0.2]


def test_html_502(sandbox: Sandbox, server: SandboxServer) -> None:
    sandbox.queue(Fault.bad_gateway_html())
    with signed(server) as http:
        response = http.post(PATH, json=ORDER)
    assert response.status_code == 502
    assert response.text.startswith("<!DOCTYPE html>")


# -- shutdown ---------------------------------------------------------------------------------------


def test_close_ends_idle_keep_alive_connections_promptly(sandbox: Sandbox) -> None:
    server = sandbox.serve()
    idle = socket.create_connection(("127.0.0.1", server.port))
    stalled = socket.create_connection(("127.0.0.1", server.port))
    stalled.sendall(b"POST /x/partners/A/offers/ HTTP/1.1\r\nContent-Length: 10\r\n\r\n{")
    with signed(server) as http:
        assert http.post(PATH, json=ORDER).status_code == 200
        time.sleep(0.05)  # let the server pick the idle connections up
        started = time.monotonic()
        server.close()
        elapsed = time.monotonic() - started
    assert elapsed < 1.0
    assert idle.recv(1) == b""
    idle.close()
    stalled.close()
    server.close()  # idempotent
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()


def test_serve_forever_stops_on_close_from_another_thread(sandbox: Sandbox) -> None:
    server = SandboxServer(sandbox)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    with signed(server) as http:
        assert http.post(PATH, json=ORDER).status_code == 200
    server.close()
    thread.join(2)
    assert not thread.is_alive()
