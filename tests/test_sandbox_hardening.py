"""The sandbox left running on a laptop or in CI (issue 24, "Hostile answers, second pass"): each test
is the regression test of one item, over real sockets where the item is about the wire. Waits are
kept to a fraction of a second."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Unpack, get_type_hints

import httpx
import pytest
from _orders import KEY, ORDER, PATH, SECRET
from xcover_offers import APITimeoutError, XCoverAuth
from xcover_offers._cli import _parser, main
from xcover_offers._options import EnvOverrides
from xcover_offers.sandbox import Fault, Faults, Sandbox, SandboxRequest, SandboxServer
from xcover_offers.sandbox._admin import admin_answer
from xcover_offers.sandbox._fixture import SandboxFixture, SandboxServerFixture, ServerFixtureOptions

FORBIDDEN = {"type": "forbidden", "message": "Forbidden."}
CREDENTIALS = {"XCOVER_API_KEY": KEY, "XCOVER_API_SECRET": SECRET, "XCOVER_PARTNER_CODE": "P"}
CUSTOMER = {"currency": "EUR", "country": "DE", "language": "de-de"}
EVENTS = [{"id": "e", "name": "n", "start_date": "2031-01-01T20:00:00+01:00", "country": "DE",
           "tickets": [{"id": "t", "price": 100}]}]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def raw_status(server: SandboxServer, head: str) -> tuple[int, bytes]:
    """Send a request head as it is (any Host lines, or none) and read the status and body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head.encode("latin-1"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(api_key=KEY, api_secret=SECRET)


@pytest.fixture
def server(sandbox: Sandbox) -> Iterator[SandboxServer]:
    with sandbox.serve() as running:
        yield running


# -- 8. DNS rebinding: the admin endpoint answers only requests that name this machine ----------------


def test_the_admin_endpoint_answers_a_loopback_host_with_or_without_port(server: SandboxServer) -> None:
    port = server.port
    hosts = ["localhost", f"localhost:{port}", "LocalHost:1", "127.0.0.1", f"127.0.0.1:{port}", "127.9.8.7",
             "[::1]", f"[::1]:{port}"]  # fmt: skip
    with httpx.Client(base_url=server.origin) as http:
        for host in hosts:
            answer = http.get("/_sandbox/faults", headers={"Host": host})
            assert answer.status_code == 200, host


def test_a_rebound_page_can_neither_read_requests_nor_set_latency(
    sandbox: Sandbox, server: SandboxServer
) -> None:
    sandbox.handle(SandboxRequest("GET", "/x/whatever", (("Host", "127.0.0.1"),)))  # one to read
    hosts = ["attacker.example", f"attacker.example:{server.port}", "127.0.0.1.attacker.example",
             "localhost.attacker.example", "0.0.0.0", "[::1]x", "localhost:http", "[::2]", ""]  # fmt: skip
    with httpx.Client(base_url=server.origin) as http:
        for host in hosts:
            listed = http.get("/_sandbox/requests", headers={"Host": host})
            slowed = http.post("/_sandbox/faults", json={"latency": 3600}, headers={"Host": host})
            assert (listed.status_code, slowed.status_code) == (403, 403), host
            assert listed.json() == slowed.json() == FORBIDDEN  # XCover's shape, nothing that helps
    assert sandbox.faults.latency == 0.0
    # No Host at all, or two: refused as well (HTTP/1.1 requires exactly one).
    assert raw_status(server, "GET /_sandbox/faults HTTP/1.1\r\nConnection: close\r\n\r\n")[0] == 403
    two = (
        "GET /_sandbox/faults HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    )
    status, body = raw_status(server, two)
    assert (status, json.loads(body)) == (403, FORBIDDEN)


def test_the_address_the_server_is_bound_to_is_accepted_too() -> None:
    request = SandboxRequest("GET", "/_sandbox/faults", (("Host", "my-loopback-alias:8080"),))
    assert admin_answer(Sandbox(), request, bound="my-loopback-alias").status == 200
    assert admin_answer(Sandbox(), request, bound="127.0.0.1").status == 403


# -- 9. memory: the history is bounded by bytes and keeps no body it did not authenticate ------------


def test_refused_and_unsigned_requests_are_kept_without_their_bodies(sandbox: Sandbox) -> None:
    big = b"x" * (1024 * 1024)
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        http.post("/anything", content=big)  # 404
        http.post(
            PATH, content=json.dumps(ORDER), headers={"Content-Type": "application/json"}
        )  # unsigned: 403
        http.post(PATH, content=big + big, auth=XCoverAuth(KEY, SECRET))  # over the cap: 413
        signed = http.post(PATH, json=ORDER, auth=XCoverAuth(KEY, SECRET))
    assert signed.status_code == 200
    kept = sandbox.history
    assert [(e.request.method, e.request.path, e.response.status) for e in kept] == [
        ("POST", "/x/anything", 404), ("POST", "/x" + PATH, 403), ("POST", "/x" + PATH, 413),
        ("POST", "/x" + PATH, 200),
    ]  # fmt: skip
    assert [e.request.body for e in kept[:3]] == [b"", b"", b""]
    assert [e.unkept_body for e in kept] == [len(big), len(json.dumps(ORDER)), 2 * len(big), 0]
    assert json.loads(kept[3].request.body) == ORDER
    admin = SandboxRequest("GET", "/_sandbox/requests", (("Host", "localhost"),))
    listed = admin_answer(sandbox, admin).json()["requests"]
    assert listed[0]["request"]["body"].startswith(f"({len(big)} bytes, not kept: the request was refused")


def test_the_history_keeps_what_fits_its_byte_budget_oldest_dropped_first() -> None:
    sandbox = Sandbox(api_key=KEY, api_secret=SECRET, history_bytes=1_000_000, idempotency_retention=0)
    order = {**ORDER, "partner": {"metadata": {"note": "x" * 200_000}}}
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.base_url, auth=XCoverAuth(KEY, SECRET)
    ) as http:
        ids = [http.post(PATH, json=order).headers["x-request-id"] for _ in range(8)]
    kept = sandbox.history
    assert [e.request_id for e in kept] == ids[-len(kept) :]  # the newest, in order
    assert 3 <= len(kept) <= 4
    assert sandbox._history.bytes <= 1_000_000
    assert all(e.request.body for e in kept)
    with pytest.raises(ValueError, match="history_bytes"):
        Sandbox(history_bytes=-1)


# -- 10. settings: bounded, with a clear error ------------------------------------------------------


@pytest.mark.parametrize("option", ["idle_timeout", "read_timeout"])
@pytest.mark.parametrize("value", [1e308, float("inf"), float("nan"), 86400.5])
def test_server_timeouts_a_socket_cannot_take_are_refused(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"{option} must be more than 0 and at most 86400 seconds"):
        SandboxServer(Sandbox(), **{option: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("option", ["--idle-timeout", "--read-timeout"])
def test_timeouts_on_the_command_line_are_at_most_a_day(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        _parser().parse_args(["sandbox", option, "1e308"])  # parsed only: accepted, it would serve
    assert done.value.code == 2
    assert (
        f"argument {option}: '1e308' is more than a day: use at most 86400 seconds" in capsys.readouterr().err
    )


def test_a_request_file_over_1_mib_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as file:
        file.truncate(64 * 1024 * 1024)  # sparse: costs no disk
    tracemalloc.start()
    try:
        code = main(["create-offer", str(huge)], environ=CREDENTIALS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 1
    assert f"{huge} is larger than 1 MiB: a Create Offer request is far smaller" in capsys.readouterr().err
    assert peak < 8 * 1024 * 1024
    assert main(["create-offer"], environ=CREDENTIALS, stdin=io.StringIO(" " * (1024 * 1024 + 1))) == 1
    assert "stdin is larger than 1 MiB" in capsys.readouterr().err


# -- 6b. the API secret never on the command line ---------------------------------------------------


def test_api_secret_on_the_command_line_is_refused_without_echoing_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (["--api-secret", "flag-secret"], ["--api-secret=flag-secret"], ["--api-secret"]):
        with pytest.raises(SystemExit) as done:
            _parser().parse_args(["sandbox", *argv])  # parsed only: accepted, it would serve
        assert done.value.code == 2
        err = capsys.readouterr().err
        assert "--api-secret was removed: ps shows a secret given on the command line" in err
        assert "set XCOVER_API_SECRET or use --api-secret-file FILE" in err
        assert "flag-secret" not in err


def test_the_secret_comes_from_a_file_before_the_environment(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("file-secret\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "xcover_offers", "sandbox", "--port", "0", "--quiet", "--api-key", KEY,
         "--api-secret-file", str(secret_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "XCOVER_API_SECRET": "env-secret"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = "".join(process.stdout.readline() for _ in range(4))
        base_url = banner.split()[4]
        with httpx.Client(base_url=base_url) as http:
            assert http.post(PATH, json=ORDER, auth=XCoverAuth(KEY, "file-secret")).status_code == 200
            assert http.post(PATH, json=ORDER, auth=XCoverAuth(KEY, "env-secret")).status_code == 403
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert b"file-secret" not in cmdline
    assert "file-secret" not in banner + out + err
    assert "secret (as given)" in banner


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read the API secret file"), (b"", "holds no API secret"),
     (b"\n\n", "holds no API secret"), (b"s" * 5000, "is larger than 4096 bytes"),
     (b"\xff\n", "is not UTF-8 text")],
)  # fmt: skip
def test_a_bad_secret_file_is_a_one_line_error(
    tmp_path: Path, content: bytes | None, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "secret"
    if content is not None:
        path.write_bytes(content)
    # An address that cannot be bound: a secret accepted by mistake fails there, rather than serve.
    assert main(["sandbox", "--host", "256.0.0.1", "--api-secret-file", str(path)], environ={}) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


# -- 11. the in-process transports honour the call's deadline and read timeout ----------------------


def test_sync_in_process_latency_is_cut_at_total_timeout() -> None:
    with SandboxFixture() as kit:
        kit.faults.update({"latency": 1.0})
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            kit.new_client(total_timeout=0.2).create_offer(customer=CUSTOMER, events=EVENTS)
        assert time.monotonic() - started < 0.7
        with httpx.Client(transport=kit.sandbox.transport(), base_url=kit.base_url, timeout=0.1) as http:
            started = time.monotonic()
            with pytest.raises(httpx.ReadTimeout):  # a plain client: its read timeout, as over a socket
                http.post("/anything")
            assert time.monotonic() - started < 0.6


@pytest.mark.anyio
async def test_async_in_process_latency_is_cut_at_total_timeout() -> None:
    with SandboxFixture() as kit:
        kit.faults.update({"latency": 1.0})
        started = time.monotonic()
        async with kit.async_client(total_timeout=0.2) as client:
            with pytest.raises(APITimeoutError):
                await client.create_offer(customer=CUSTOMER, events=EVENTS)
        assert time.monotonic() - started < 0.7


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# -- 12. the server fixture: options to choose, a server that is always there, typed clients ---------


class TestServerFixtureOptions:
    @pytest.fixture
    def port(self) -> int:
        return free_port()

    @pytest.fixture
    def xcover_sandbox_server_options(self, port: int) -> ServerFixtureOptions:
        return {
            "host": "127.0.0.1",
            "port": port,
            "faults": Faults(queue=(Fault.unavailable(retry_after="0"),)),
        }

    def test_the_server_fixture_takes_host_port_and_faults(
        self, xcover_sandbox_server: SandboxServerFixture, port: int
    ) -> None:
        assert xcover_sandbox_server.server.port == port
        assert xcover_sandbox_server.base_url == f"http://127.0.0.1:{port}/x"
        with xcover_sandbox_server.http_client() as http:
            assert http.post(xcover_sandbox_server.offers_path(), json=ORDER).status_code == 503
            assert http.post(xcover_sandbox_server.offers_path(), json=ORDER).status_code == 200


@pytest.mark.parametrize("xcover_sandbox_server_options", [{"faults": Faults(latency=0.01)}])
def test_the_options_can_be_parametrized_per_test(xcover_sandbox_server: SandboxServerFixture) -> None:
    assert xcover_sandbox_server.faults.latency == 0.01
    assert xcover_sandbox_server.server.host == "127.0.0.1"


def test_the_fixtures_are_typed() -> None:
    # What mypy checks a test's calls against (`mypy --strict` of the package checks the declarations).
    assert (
        get_type_hints(SandboxServerFixture.__dict__["server"].fget)["return"] is SandboxServer
    )  # never None
    for method in (SandboxFixture.new_client, SandboxFixture.async_client):
        assert (
            get_type_hints(method)["options"] == Unpack[EnvOverrides]
        )  # each keyword typed, as OffersClient's
