"""The sandbox cannot be knocked over: deep bodies, descriptor exhaustion, dripping clients, log
injection. Each test is the regression test of one defect that was seen (issue "Sandbox: robustness").
Timeouts are configured tiny, so nothing here waits long.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import errno
import inspect
import json
import logging
import pydoc
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import xcover_offers.sandbox as sandbox_package
from _orders import ORDER
from xcover_offers import XCoverAuth
from xcover_offers._constants import MAX_BODY_DEPTH
from xcover_offers.sandbox import Sandbox, SandboxApp, SandboxRequest, SandboxServer
from xcover_offers.sandbox._log import EscapeControls, escape_controls
from xcover_offers.sandbox._openapi import too_deep_at

KEY, SECRET = "test-key", "test-secret"
PATH = "/partners/LLODT/offers/"


def order(metadata: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(ORDER)
    if metadata is not None:
        body["partner"] = {"metadata": metadata}
    return body


def nested(levels: int) -> dict[str, Any]:
    """An object holding `levels` objects in all (itself included)."""
    node: dict[str, Any] = {}
    for _ in range(levels - 1):
        node = {"a": node}
    return node


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(api_key=KEY, api_secret=SECRET, check_responses=True)


def post(sandbox: Sandbox, body: Any, base_url: str | None = None) -> httpx.Response:
    transport = None if base_url else sandbox.transport()
    with httpx.Client(
        transport=transport, base_url=base_url or sandbox.base_url, auth=XCoverAuth(KEY, SECRET), timeout=10
    ) as http:
        return http.post(PATH, content=json.dumps(body), headers={"Content-Type": "application/json"})


# -- the core knows nothing of how it is served ----------------------------------------------------


def _sandbox_imports(module: str) -> set[str]:
    source = Path(sandbox_package.__file__).with_name(f"{module}.py").read_text(encoding="utf-8")
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module)
    return found


def test_the_core_imports_no_shell_and_the_shells_do_not_import_each_other() -> None:
    shells = {"_server", "_transport", "_sandbox", "_admin", "_fixture"}
    assert not _sandbox_imports("_app") & shells
    assert not _sandbox_imports("_transport") & shells
    assert not _sandbox_imports("_server") & {"_transport", "_sandbox", "_fixture"}
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys, xcover_offers.sandbox._app; print(sorted(m for m in sys.modules if 'sandbox._' in m))"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for shell in shells:
        assert f"sandbox.{shell}'" not in loaded


def test_help_shows_a_readable_signature() -> None:
    """The core declares the options; `Sandbox` adds the webhook ones and passes the rest on, typed."""
    core = str(inspect.signature(SandboxApp))
    assert "products: 'Sequence[ProductConfig] | None' = None" in core
    assert len(core) < 900
    shell = str(inspect.signature(Sandbox))
    assert "webhook_url: 'str | None' = None" in shell
    assert "**options: 'Unpack[AppOptions]'" in shell
    assert "ProductConfig(" not in pydoc.render_doc(Sandbox)


# -- depth -----------------------------------------------------------------------------------------


def test_the_depth_limit_is_the_clients_and_accepts_bodies_up_to_it(sandbox: Sandbox) -> None:
    # body (1) > partner (2) > metadata (3 ...): metadata may hold MAX_BODY_DEPTH - 2 objects.
    assert post(sandbox, order(nested(MAX_BODY_DEPTH - 2))).status_code == 200
    refused = post(sandbox, order(nested(MAX_BODY_DEPTH - 1)))
    assert refused.status_code == 422
    ((field, messages),) = refused.json()["errors"].items()
    assert field == "partner.metadata" + ".a" * (MAX_BODY_DEPTH - 2)  # the 65th object
    assert messages == [f"Must not nest objects and arrays more than {MAX_BODY_DEPTH} levels deep."]


@pytest.mark.parametrize("levels", [200, 900])
def test_bodies_deep_enough_to_break_openapi_core_get_422_not_500(sandbox: Sandbox, levels: int) -> None:
    with sandbox.serve() as server:  # in a server thread, where the stack is what it is in production
        response = post(sandbox, order(nested(levels)), server.base_url)
    assert response.status_code == 422
    assert str(MAX_BODY_DEPTH) in json.dumps(response.json()["errors"])


def test_deeper_than_the_json_parser_reads_is_a_400_naming_the_limit(sandbox: Sandbox) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.base_url, auth=XCoverAuth(KEY, SECRET)
    ) as http:
        response = http.post(PATH, content=deep, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert str(MAX_BODY_DEPTH) in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "limit", "expected"),
    [
        ({}, 1, None),
        ({"a": {}}, 1, "a"),
        ({"a": [1, [2]]}, 2, "a[1]"),
        ({"a": [1, [2]]}, 3, None),
        ([[{"k": {}}]], 3, "[0][0].k"),
        ({"x": 1, "y": "s"}, 1, None),
    ],
)
def test_too_deep_at(body: Any, limit: int, expected: str | None) -> None:
    assert too_deep_at(body, limit) == expected


# -- connections -----------------------------------------------------------------------------------


def test_connections_over_the_cap_get_503_and_the_rest_are_served(sandbox: Sandbox) -> None:
    with sandbox.serve(max_connections=2) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(2)]
        try:
            wait_until(lambda: server._httpd.open_connections() == 2)
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
                answer = b"".join(iter(lambda: extra.recv(65536), b""))
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 503 ")
            assert b"\r\nRetry-After: 1\r\n" in head
            assert b"\r\nConnection: close" in head
            assert json.loads(body)["type"] == "too_many_connections"
            idle.pop().close()
            wait_until(lambda: server._httpd.open_connections() == 1)
            assert post(sandbox, order(), server.base_url).status_code == 200
        finally:
            for sock in idle:
                sock.close()


def test_running_out_of_descriptors_waits_instead_of_spinning(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with sandbox.serve() as server:
        httpd = server._httpd
        httpd.accept_backoff = 30.0  # only a closing connection may wake the loop in this test
        held = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        wait_until(lambda: httpd.open_connections() == 1)
        real_accept = httpd._accept
        calls: list[float] = []
        starved = threading.Event()
        starved.set()

        def accept() -> Any:
            calls.append(time.monotonic())
            if starved.is_set():
                raise OSError(errno.EMFILE, "Too many open files")
            return real_accept()

        httpd._accept = accept  # type: ignore[method-assign]
        with caplog.at_level(logging.WARNING, logger="xcover_offers.sandbox"):
            waiting = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            try:
                wait_until(lambda: len(calls) >= 1)
                time.sleep(0.3)  # a spinning loop would call accept thousands of times meanwhile
                assert len(calls) == 1
                starved.clear()
                held.close()  # a descriptor comes free: the loop wakes and accepts the waiting one
                wait_until(lambda: httpd.open_connections() == 1 and len(calls) >= 2)
                waiting.sendall(b"GET /x/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert b"".join(iter(lambda: waiting.recv(65536), b"")).startswith(b"HTTP/1.1 404 ")
            finally:
                waiting.close()
        warnings = [r for r in caplog.records if "cannot accept connections" in r.getMessage()]
        assert len(warnings) == 1


def test_a_dripping_request_is_cut_off_at_the_read_deadline_not_kept_alive_per_line(sandbox: Sandbox) -> None:
    with sandbox.serve(read_timeout=0.3, idle_timeout=10) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"POST /x/partners/P/offers/ HTTP/1.1\r\nHost: x\r\n")
            closed = False
            for _ in range(60):  # up to 6 s of dripping, a line every 0.1 s
                try:
                    sock.sendall(b"X-Drip: 1\r\n")
                    sock.settimeout(0.1)
                    closed = sock.recv(1024) == b""
                except TimeoutError:
                    continue
                except OSError:
                    closed = True
                if closed:
                    break
        assert closed
        assert sandbox.history == []


def test_a_dripping_body_is_cut_off_too(sandbox: Sandbox) -> None:
    with sandbox.serve(read_timeout=0.3, idle_timeout=10) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"POST /x/partners/P/offers/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
            closed = False
            for _ in range(60):
                try:
                    sock.sendall(b"{")
                    sock.settimeout(0.1)
                    closed = sock.recv(1024) == b""
                except TimeoutError:
                    continue
                except OSError:
                    closed = True
                if closed:
                    break
        assert closed


def test_the_read_deadline_does_not_cut_idle_keep_alive(sandbox: Sandbox) -> None:
    with sandbox.serve(read_timeout=0.1, idle_timeout=10) as server:
        with httpx.Client(base_url=server.base_url, auth=XCoverAuth(KEY, SECRET)) as http:
            first = post_from(http)
            time.sleep(0.3)  # idle between requests for longer than the read deadline
            second = post_from(http)
        assert server._httpd.open_connections() <= 1
        # The same connection both times: httpx would quietly reconnect had the server cut it.
        assert first == second


def post_from(http: httpx.Client) -> int:
    """POST the order; the local port it went out from (which names the connection)."""
    with http.stream("POST", PATH, json=order()) as answer:
        port: int = answer.extensions["network_stream"].get_extra_info("client_addr")[1]
        answer.read()
    assert answer.status_code == 200
    return port


# -- logs ------------------------------------------------------------------------------------------


def test_control_characters_in_requests_are_escaped_in_every_log_line(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="xcover_offers.sandbox"), sandbox.serve() as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(
                b"GET /x/\x1b[2J\x1b]0;owned\x07\x9b31m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            assert b"".join(iter(lambda: sock.recv(65536), b"")).startswith(b"HTTP/1.1 404 ")
        sandbox.handle(SandboxRequest("POST", "/x/\u202e\r\nforged line", ()))
    lines = [r.getMessage() for r in caplog.records]
    assert any("\\x1b[2J\\x1b]0;owned\\x07\\x9b31m" in line for line in lines)
    assert any("\\u202e\\x0d\\x0aforged line" in line for line in lines)
    for line in lines:
        assert escape_controls(line) == line


def test_tracebacks_keep_their_lines_but_escape_what_they_hold() -> None:
    try:
        raise ValueError("bad \x1b[31m value\x00")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed on %s", ("\x1b[0m",), sys.exc_info()
        )
    EscapeControls().filter(record)
    text = logging.Formatter().format(record)
    assert "\x1b" not in text
    assert "\x00" not in text
    assert text.startswith("failed on \\x1b[0m\nTraceback")
    assert "ValueError: bad \\x1b[31m value\\x00" in text


# -- the server's options ----------------------------------------------------------------------------


def test_server_options_are_checked() -> None:
    app = Sandbox()
    for bad in ({"max_connections": 0}, {"read_timeout": 0}, {"idle_timeout": -1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            SandboxServer(app, **bad)


# -- limits on what a test script can set -------------------------------------------------------------


def test_a_clock_offset_beyond_ten_years_is_refused_not_left_to_break_every_answer() -> None:
    from xcover_offers.sandbox import Faults

    with pytest.raises(ValueError, match="clock_offset must be a number of seconds from"):
        Faults(clock_offset=1e12)
    faults = Faults()
    with pytest.raises(ValueError, match="clock_offset"):
        faults.update({"clock_offset": -1e12})
    assert faults.clock_offset == 0.0  # nothing applied
    faults.update({"clock_offset": 9 * 365 * 86400.0})  # a large skew is still possible


def test_the_fault_queue_is_bounded() -> None:
    from xcover_offers.sandbox import Fault, Faults
    from xcover_offers.sandbox._faults import MAX_QUEUED

    faults = Faults()
    faults.queue(*[Fault.unavailable()] * MAX_QUEUED)
    with pytest.raises(ValueError, match=f"at most {MAX_QUEUED} faults"):
        faults.queue(Fault.unavailable())
    with pytest.raises(ValueError, match="at most"):
        faults.update({"queue": [{"fault": "unavailable"}]})
    faults.update({"clear_queue": True, "queue": [{"fault": "unavailable"}]})
    assert len(faults.pending()) == 1


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("example.com", False)],
)  # fmt: skip
def test_the_admin_endpoint_is_only_served_on_loopback(host: str, loopback: bool) -> None:
    from xcover_offers.sandbox import Sandbox, SandboxServer
    from xcover_offers.sandbox._server import admin_served, is_loopback

    assert is_loopback(host) is loopback
    assert admin_served(None, host) is loopback  # the default: on loopback only
    assert admin_served(False, host) is False
    if loopback:
        assert admin_served(True, host) is True
    else:  # refused before anything is bound
        with pytest.raises(ValueError, match="loopback hosts only"):
            SandboxServer(Sandbox(), host=host, port=0, admin=True)


def test_a_whole_number_retry_after_becomes_a_header_value() -> None:
    from xcover_offers.sandbox import Fault, Sandbox

    fault = Fault.rate_limited(retry_after=2)  # type: ignore[arg-type]  # what a script may well pass
    assert fault.retry_after == "2"
    sandbox = Sandbox()
    sandbox.queue(fault)
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        answer = http.post("/partners/LLODT/offers/", json={})
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "2"


def test_a_queue_too_long_is_refused_however_it_is_given() -> None:
    from xcover_offers.sandbox import Fault, Faults
    from xcover_offers.sandbox._faults import MAX_QUEUED

    with pytest.raises(ValueError, match="at most"):
        Faults(queue=(Fault.unavailable(),) * (MAX_QUEUED + 1))
    faults = Faults()
    with pytest.raises(ValueError, match="at most"):  # refused while it is built, not after
        faults.update({"queue": [{"fault": "replay", "times": 1000}] * 1000})
    assert faults.pending() == ()


def test_closing_the_server_cuts_an_injected_latency_short() -> None:
    from xcover_offers.sandbox import Sandbox

    sandbox = Sandbox()
    sandbox.faults.latency = 600.0  # far longer than close() waits for its connections
    server = sandbox.serve(port=0)
    entered = threading.Event()

    def call() -> None:
        with contextlib.suppress(httpx.HTTPError), httpx.Client(timeout=30) as http:
            entered.set()
            http.post(server.base_url + "/partners/LLODT/offers/", json={})

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    entered.wait(5)
    for _ in range(500):  # until the request is inside its latency
        if server._httpd.open_connections():
            break
        time.sleep(0.01)
    server.close(timeout=5)
    assert server._httpd.open_connections() == 0
    caller.join(5)
