"""The ``xcover-offers`` command line: demo, create-offer, sandbox."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from xcover_offers import XCoverAuth
from xcover_offers._cli import main
from xcover_offers.sandbox import DEFAULT_API_KEY, DEFAULT_API_SECRET, Sandbox, SandboxServer

KEY, SECRET = "cli-key", "cli-secret"
REQUEST = {
    "customer": {"currency": "EUR", "country": "DE", "language": "de-de"},
    "context": {
        "events": [
            {"id": "e1", "name": "Konzert", "start_date": "2031-06-01T19:00:00+02:00", "country": "DE",
             "tickets": [{"id": "t1", "price": 1000}]},
        ]
    },
}  # fmt: skip


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with Sandbox(api_key=KEY, api_secret=SECRET, check_responses=True).serve() as running:
        yield running


def env(server: SandboxServer, **extra: str) -> dict[str, str]:
    return {"XCOVER_API_KEY": KEY, "XCOVER_API_SECRET": SECRET, "XCOVER_BASE_URL": server.base_url, **extra}


def run(argv: list[str], environ: dict[str, str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, environ=environ, stdout=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


@pytest.fixture
def request_file(tmp_path: Path) -> Path:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(REQUEST), encoding="utf-8")
    return path


# -- demo -----------------------------------------------------------------------------------------


def test_demo_shows_the_offer_first_and_ends_with_the_next_step() -> None:
    code, out = run(["demo"], environ={})
    assert code == 0
    lines = out.splitlines()
    assert len(lines) < 25, out
    # The priced products come right after the title line.
    assert lines[2].startswith("Offer ")
    assert lines[3].split()[:3] == ["PRODUCT", "CONFIG", "PRICE"]
    assert [line.split()[0] for line in lines[4:7]] == ["etp-basic", "etp-premium", "etp-flex"]
    # 2 x 89.50 + 245.00 = 424.00 of tickets; basic: 5 % = 21.20, + 10 % tax = 23.32.
    assert lines[4].split()[1:3] == ["$23.32", "$21.20"]
    assert "USD 424.00" in out
    # The request and its headers only with --verbose, which the output names.
    assert "Authorization" not in out
    assert 'Lakeside Folk Festival"' not in out
    assert "xcover-offers demo --verbose" in out
    # The next step: the environment variables, then create-offer, last.
    next_step = out[out.index("Next:") :]
    for name in ("XCOVER_API_KEY", "XCOVER_API_SECRET", "XCOVER_PARTNER_CODE"):
        assert name in next_step
    assert lines[-1].strip() == "xcover-offers create-offer order.json"
    assert "demo-secret" not in out


def test_demo_verbose_adds_the_request_and_signed_headers_after_the_offer() -> None:
    code, out = run(["demo", "--verbose"], environ={})
    assert code == 0
    assert "POST https://xcover-sandbox.invalid/x/partners/DEMO/offers/?extra_fields=" in out
    assert '"name": "Lakeside Folk Festival"' in out
    assert 'Authorization: Signature keyId=<redacted>,algorithm="hmac-sha512"' in out
    assert "signature=<redacted>" in out
    assert "X-Api-Key: <redacted>" in out
    assert "demo-secret" not in out
    assert "--verbose" not in out  # no hint to ask for what is already shown
    order = [out.index(marker) for marker in ("etp-basic", "\nRequest\n", "\nSigned headers", "\nNext:")]
    assert order == sorted(order)
    assert out.splitlines()[-1].strip() == "xcover-offers create-offer order.json"


def test_demo_save_order_writes_a_request_create_offer_sends(
    server: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "my order.json"
    code, out = run(["demo", "--save-order", str(path)], environ={})
    assert code == 0
    # The next step names the saved file (quoted for the shell) and no longer offers to save one.
    assert out.splitlines()[-1].strip() == f"xcover-offers create-offer '{path}'"
    assert "--save-order" not in out
    code, out = run(["create-offer", str(path), "--partner-code", "P"], env(server))
    assert code == 0, capsys.readouterr().err
    assert " in USD " in out.splitlines()[0]
    sent = json.loads(server.sandbox.history[-1].request.body)
    names = [e["name"] for e in sent["context"]["events"]]
    assert names == ["The Midnight Orchestra", "Lakeside Folk Festival"]
    # An existing file is never replaced.
    saved = path.read_text(encoding="utf-8")
    code, out = run(["demo", "--save-order", str(path)], environ={})
    assert (code, out) == (1, "")
    assert "exists" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == saved


def test_python_dash_m_runs_the_demo() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "xcover_offers", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "PRODUCT CONFIG" in done.stdout


# -- create-offer ---------------------------------------------------------------------------------


def test_create_offer_prints_a_table(server: SandboxServer, request_file: Path) -> None:
    code, out = run(
        ["create-offer", str(request_file), "--partner-code", "LLODT", "--extra-fields", "tax,commission"],
        env(server),
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Offer ")
    assert " in EUR " in lines[0]
    assert lines[1].split() == ["PRODUCT", "CONFIG", "PRICE", "WITHOUT", "TAX", "TAX", "COMMISSION"]
    assert lines[2].split() == ["etp-basic", "55,00", "€", "50,00", "€", "5,00", "€", "10,00", "€"]
    sent = server.sandbox.history[-1].request
    assert sent.path == "/x/partners/LLODT/offers/"
    assert dict(httpx.QueryParams(sent.query)) == {"extra_fields": "tax,commission"}


def test_create_offer_json_from_stdin_with_flags(server: SandboxServer) -> None:
    code, out = run(
        [
            "create-offer",
            "--json",
            "--exclude-offer-ids",
            "etp-basic,etp-flex",
            "--no-content",
            "--active-only",
        ],
        env(server, XC_PARTNER_CODE="FROMENV"),
        stdin=json.dumps(REQUEST),
    )
    assert code == 0
    offer = json.loads(out)
    assert [p["product_config_id"] for p in offer["products"]] == ["etp-premium"]
    assert "content" not in offer
    sent = server.sandbox.history[-1].request
    assert sent.path == "/x/partners/FROMENV/offers/"
    assert dict(httpx.QueryParams(sent.query)) == {
        "active_only": "true",
        "include_content": "false",
        "exclude_offer_ids": "etp-basic,etp-flex",
    }


def test_vendor_credential_names_are_read(server: SandboxServer, request_file: Path) -> None:
    environ = {"XC_AUTH_API_KEY": KEY, "XC_AUTH_API_SECRET": SECRET, "XC_BASE_URL": server.base_url}
    code, _ = run(["create-offer", str(request_file), "--partner-code", "P"], environ)
    assert code == 0


@pytest.mark.parametrize(
    ("argv", "environ", "stdin", "message"),
    [
        (["create-offer", "-", "--partner-code", "P"], {}, "{}", "set XCOVER_API_KEY (or XC_AUTH_API_KEY)"),
        (["create-offer", "/nonexistent/order.json", "--partner-code", "P"], None, "", "cannot read"),
        (["create-offer", "--partner-code", "P"], None, "{not json", "stdin is not valid JSON"),
        (["create-offer", "--partner-code", "P"], None, "[" * 100_000, "stdin is not valid JSON"),
        (["create-offer", "--partner-code", "P"], None, '{"customer": {}, "context": {"events": []}, "x": 1}',
         "unexpected top-level keys ['x']"),
        (["create-offer", "--partner-code", "P"], None, '{"customer": {}}', "needs 'context'"),
        (["create-offer", "--partner-code", "P", "--extra-fields", "tax,vat"], None, json.dumps(REQUEST),
         "allowed values: tax, commission, benefits, surcharge"),
        (["create-offer"], None, json.dumps(REQUEST),
         "no partner code: pass --partner-code CODE or set XCOVER_PARTNER_CODE (or XC_PARTNER_CODE)"),
        (["create-offer", "--partner-code", "P"], {"XCOVER_BASE_URL": "http://127.0.0.1:99999/x"},
         json.dumps(REQUEST), "XCOVER_BASE_URL: 'http://127.0.0.1:99999/x' has port 99999: use 1 to 65535"),
        (["create-offer", "--partner-code", "P"], {"XCOVER_API_SECRET": "wrong"}, json.dumps(REQUEST),
         "403 Forbidden: Signature verification failed"),
    ],
    ids=["no-credentials", "missing-file", "bad-json", "too-deep-json", "unknown-key", "no-context",
         "bad-extra-field", "no-partner-code", "base-url-port-out-of-range", "wrong-secret"],
)  # fmt: skip
def test_create_offer_errors_are_one_line_exit_1(
    server: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    environ: dict[str, str] | None,
    stdin: str,
    message: str,
) -> None:
    merged = env(server) if environ is None else ({**env(server), **environ} if environ else {})
    code, out = run(argv, merged, stdin)
    err = capsys.readouterr().err
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("xcover-offers: error: ")
    assert message in err
    assert "Traceback" not in err
    assert SECRET not in err


def test_errors_name_the_host_they_came_from_not_xcover(
    server: SandboxServer, request_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = env(server, XCOVER_API_SECRET="wrong")
    code, _ = run(["create-offer", str(request_file), "--partner-code", "P"], environ)
    err = capsys.readouterr().err
    assert code == 1
    host = server.base_url.split("//")[1].split("/")[0]
    assert err.startswith(f"xcover-offers: error: {host} answered 403 Forbidden: "), err
    assert "XCover" not in err
    # A port bound but not listening refuses the connection, without any network.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        environ = env(server, XCOVER_BASE_URL=f"http://127.0.0.1:{port}/x")
        code, _ = run(["create-offer", str(request_file), "--partner-code", "P"], environ)
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"xcover-offers: error: could not reach 127.0.0.1:{port}: "), err
    assert "XCover" not in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sandbox", "--port", "99999"], "argument --port: '99999' is not a port: use 0 to 65535"),
        (["sandbox", "--port", "http"], "argument --port: 'http' is not a port"),
        (["create-offer", "--base-url", "http://127.0.0.1:99999/x"], "has port 99999: use 1 to 65535"),
        (["create-offer", "--base-url", "http://[::1"], "argument --base-url: 'http://[::1' is not a URL"),
        (["create-offer", "--base-url", "api.xcover.com"], "is not an absolute http(s) URL"),
    ],
    ids=["sandbox-port", "sandbox-port-word", "base-url-port", "base-url-broken", "base-url-relative"],
)
def test_bad_ports_and_urls_are_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv, environ={})
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert message in err
    assert "Traceback" not in err
    assert "Error" not in err  # no OverflowError / InvalidURL class names


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    "argv",
    [["--debug", "create-offer"], ["create-offer", "--debug"]],
    ids=["before-the-command", "after-the-command"],
)
def test_debug_shows_the_traceback(
    server: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    from xcover_offers import OffersClient

    monkeypatch.setattr(OffersClient, "create_offer", _boom)
    code, _ = run([*argv, "--partner-code", "P"], env(server), json.dumps(REQUEST))
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("Traceback (most recent call last):\n"), err
    assert "in _boom" in err
    assert err.splitlines()[-1] == "xcover-offers: error: unexpected RuntimeError: boom"


def test_without_debug_an_unexpected_error_is_one_line_that_names_debug(
    server: SandboxServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from xcover_offers import OffersClient

    monkeypatch.setattr(OffersClient, "create_offer", _boom)
    code, _ = run(["create-offer", "--partner-code", "P"], env(server), json.dumps(REQUEST))
    err = capsys.readouterr().err
    assert code == 1
    assert err == "xcover-offers: error: unexpected RuntimeError: boom (--debug shows the traceback)\n"


def test_debug_shows_the_traceback_of_an_expected_error_too(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["demo", "--debug", "--save-order", "/nonexistent/dir/order.json"], environ={})
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback (most recent call last):" in err
    assert err.splitlines()[-1].startswith("xcover-offers: error: cannot write /nonexistent/dir/order.json")


def test_help_starts_a_newcomer_with_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "--debug" in out
    assert "xcover-offers demo" in out
    for name in ("XCOVER_API_KEY", "XCOVER_API_SECRET", "XCOVER_PARTNER_CODE"):
        assert name in out


# -- sandbox --------------------------------------------------------------------------------------


def _start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str, str]:
    """Start `xcover-offers sandbox` on a free port; returns the process, base URL and banner."""
    process = subprocess.Popen(
        [sys.executable, "-m", "xcover_offers", "sandbox", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    assert process.stdout is not None
    banner = [process.stdout.readline() for _ in range(4)]
    assert banner[0].startswith("XCover sandbox listening on http://127.0.0.1:"), banner
    assert banner[-1] == "Press Ctrl-C to stop.\n"
    return process, banner[0].split()[-1], "".join(banner)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_sandbox_command_serves_and_stops_cleanly(stop: signal.Signals) -> None:
    process, base_url, banner = _start("--api-key", KEY, env={"XCOVER_API_SECRET": SECRET})
    try:
        with httpx.Client(base_url=base_url, auth=XCoverAuth(KEY, SECRET)) as http:
            response = http.post("/partners/CLI/offers/", json=REQUEST)
            assert response.status_code == 200
            # A keep-alive connection stays open while the server is told to stop.
            process.send_signal(stop)
            out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "XCover sandbox stopped." in out
    assert "Traceback" not in err
    assert "POST /x/partners/CLI/offers/ -> 200" in err  # the access log
    assert f"api key {KEY}, secret (as given)" in banner
    assert SECRET not in banner + out + err


def test_sandbox_command_defaults_to_the_published_test_credentials() -> None:
    process, base_url, banner = _start("--quiet")
    try:
        with httpx.Client(base_url=base_url, auth=XCoverAuth(DEFAULT_API_KEY, DEFAULT_API_SECRET)) as http:
            assert http.post("/partners/CLI/offers/", json=REQUEST).status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert f"api key {DEFAULT_API_KEY}, secret {DEFAULT_API_SECRET}" in banner
    assert out == "XCover sandbox stopped.\n"
    assert err == ""


def test_sandbox_command_reports_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _ = run(["sandbox", "--port", str(port), "--quiet"], environ={})
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"xcover-offers: error: cannot listen on 127.0.0.1:{port}")
    assert err.count("\n") == 1


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("xcover-offers ")


@pytest.mark.parametrize("command", [["confirm-offer", "OFR-1"], ["verify-webhook", "--headers", "-"]])
def test_every_command_reads_at_most_a_mib_counted_in_bytes(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One bounded reader: 300,000 four-byte characters are 1.2 MB, whatever their count."""
    big = tmp_path / "big.json"
    big.write_text('{"quotes": ["' + "\U0001f600" * 300_000 + '"]}', encoding="utf-8")
    argv = (
        [*command, str(big)]
        if command[0] == "confirm-offer"
        else [*command[:-1], str(big), "--body", str(big)]
    )
    env = {"XCOVER_API_KEY": "k", "XCOVER_API_SECRET": "s", "XCOVER_PARTNER_CODE": "P",
           "XCOVER_WEBHOOK_KEY": "k", "XCOVER_WEBHOOK_SECRET": "s"}  # fmt: skip
    assert main(argv, environ=env, stdin=io.StringIO("")) == 1
    assert "is larger than 1 MiB" in capsys.readouterr().err
