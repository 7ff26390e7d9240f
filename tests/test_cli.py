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


def test_demo_shows_request_signed_headers_and_priced_products() -> None:
    code, out = run(["demo"], environ={})
    assert code == 0
    assert "POST https://xcover-sandbox.invalid/x/partners/DEMO/offers/?extra_fields=" in out
    assert '"name": "Lakeside Folk Festival"' in out
    assert 'Authorization: Signature keyId="demo-key",algorithm="hmac-sha512"' in out
    assert "signature=<redacted>" in out
    assert "X-Api-Key: demo-key" in out
    assert "demo-secret" not in out
    for config in ("etp-basic", "etp-premium", "etp-flex"):
        assert config in out
    # 2 x 89.50 + 245.00 = 424.00 of tickets; basic: 5 % = 21.20, + 10 % tax = 23.32.
    assert "$23.32" in out
    assert "$21.20" in out


def test_python_dash_m_runs_the_demo() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "xcover_offers", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Priced products" in done.stdout


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
        (["create-offer", "--partner-code", "P"], None, '{"customer": {}, "context": {"events": []}, "x": 1}',
         "unexpected top-level keys ['x']"),
        (["create-offer", "--partner-code", "P"], None, '{"customer": {}}', "needs 'context'"),
        (["create-offer", "--partner-code", "P", "--extra-fields", "tax,vat"], None, json.dumps(REQUEST),
         "allowed values: tax, commission, benefits, surcharge"),
        (["create-offer"], None, json.dumps(REQUEST), "XCOVER_PARTNER_CODE"),
        (["create-offer", "--partner-code", "P"], {"XCOVER_API_SECRET": "wrong"}, json.dumps(REQUEST),
         "403 Forbidden: Signature verification failed"),
    ],
    ids=["no-credentials", "missing-file", "bad-json", "unknown-key", "no-context", "bad-extra-field",
         "no-partner-code", "wrong-secret"],
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


# -- sandbox --------------------------------------------------------------------------------------


def _start(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    """Start `xcover-offers sandbox` on a free port; returns the process, base URL and banner."""
    process = subprocess.Popen(
        [sys.executable, "-m", "xcover_offers", "sandbox", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    banner = [process.stdout.readline() for _ in range(4)]
    assert banner[0].startswith("XCover sandbox listening on http://127.0.0.1:"), banner
    assert banner[-1] == "Press Ctrl-C to stop.\n"
    return process, banner[0].split()[-1], "".join(banner)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_sandbox_command_serves_and_stops_cleanly(stop: signal.Signals) -> None:
    process, base_url, banner = _start("--api-key", KEY, "--api-secret", SECRET)
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
