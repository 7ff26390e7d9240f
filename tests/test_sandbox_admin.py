"""The sandbox as a test double over HTTP: the admin endpoint, driven over real HTTP, and the
`xcover-offers sandbox` options that script the same faults at start-up."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _orders import KEY, ORDER, PATH, SECRET, SignOnly
from xcover_offers import XCoverAuth
from xcover_offers._cli import _parser, main
from xcover_offers._logging import mask_body
from xcover_offers.sandbox import Fault, Sandbox, SandboxServer


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def sandbox(slept: list[float]) -> Sandbox:
    return Sandbox(api_key=KEY, api_secret=SECRET, check_responses=True, sleep=slept.append)


@pytest.fixture
def server(sandbox: Sandbox) -> Iterator[SandboxServer]:
    with sandbox.serve() as running:
        yield running


@pytest.fixture
def admin(server: SandboxServer) -> Iterator[httpx.Client]:
    """An unsigned client on the admin endpoint."""
    assert server.admin_url == server.origin + "/_sandbox"
    with httpx.Client(base_url=server.admin_url) as client:
        yield client


@pytest.fixture
def api(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, auth=SignOnly(XCoverAuth(KEY, SECRET))) as client:
        yield client


def test_faults_set_over_http_act_on_the_api_in_order(
    admin: httpx.Client, api: httpx.Client, sandbox: Sandbox, slept: list[float]
) -> None:
    assert admin.get("/faults").json() == {"latency": 0.0, "clock_offset": 0.0, "queue": []}
    changed = admin.post(
        "/faults",
        json={
            "latency": 0.25,
            "queue": [
                {"fault": "rate_limited", "retry_after": 2, "times": 2},
                {"fault": "bad_gateway_html"},
                {"fault": "error", "status": 500, "message": "Boom."},
                {"fault": "drop"},
                {"fault": "locked"},
            ],
        },
    )
    assert changed.status_code == 200
    state = changed.json()
    assert state["latency"] == 0.25
    assert [f["fault"] for f in state["queue"]] == [
        "error",
        "error",
        "bad_gateway_html",
        "error",
        "drop",
        "error",
    ]
    assert [f.get("status") for f in state["queue"]] == [429, 429, None, 500, None, 423]
    answers = []
    for _ in range(4):
        answers.append(api.post(PATH, json=ORDER))
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(PATH, json=ORDER)
    answers.append(api.post(PATH, json=ORDER))
    answers.append(api.post(PATH, json=ORDER))
    assert [a.status_code for a in answers] == [429, 429, 502, 500, 423, 200]
    assert answers[0].headers["retry-after"] == "2"
    assert "retry-after" not in answers[4].headers
    assert answers[3].json() == {"type": "injected_fault", "message": "Boom."}
    assert slept == [0.25] * 7  # admin requests are never delayed
    assert admin.get("/faults").json()["queue"] == []


def test_a_query_is_listed_and_logged_by_the_clients_rule(
    admin: httpx.Client, api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the query parameters known to be safe are shown: a proxy may add a token to the URL."""
    with caplog.at_level(logging.INFO, logger="xcover_offers.sandbox"):
        api.post(PATH, json=ORDER, params={"access_token": "s3cr3t", "extra_fields": "tax"})
    (listed,) = admin.get("/requests").json()["requests"]
    assert listed["request"]["target"] == "/x" + PATH + "?access_token=REDACTED&extra_fields=tax"
    assert "s3cr3t" not in caplog.text
    assert "access_token=REDACTED" in caplog.text


def test_a_key_reused_with_another_query_is_not_given_the_stored_answer(api: httpx.Client) -> None:
    """The query is part of the request a key stands for (`extra_fields` changes the offer)."""
    headers = {"X-Idempotency-Key": "order-q"}
    assert api.post(PATH, json=ORDER, headers=headers).status_code == 200
    assert api.post(PATH, json=ORDER, headers=headers).status_code == 409  # the same request: replayed
    other = api.post(PATH, json=ORDER, headers=headers, params={"extra_fields": "tax"})
    assert other.status_code == 422


def test_requests_lists_what_the_api_was_sent_not_the_admin_calls(
    admin: httpx.Client, api: httpx.Client
) -> None:
    api.post(PATH, json=ORDER, headers={"X-Idempotency-Key": "order-1"})
    api.post(PATH, json=ORDER, headers={"X-Idempotency-Key": "order-1"})
    admin.get("/faults")
    listed = admin.get("/requests").json()["requests"]
    assert [r["response"]["status"] for r in listed] == [200, 409]
    first = listed[0]
    assert first["request"]["method"] == "POST"
    assert first["request"]["target"] == "/x" + PATH
    assert first["request"]["body"] == mask_body(ORDER)  # personal data masked: see test_sandbox_purchase
    assert first["request"]["body"]["customer"]["currency"] == "USD"
    assert first["request"]["headers"]["x-idempotency-key"] == "order-1"
    assert first["request"]["headers"]["x-api-key"] == "<redacted>"  # one policy: a credential
    assert "signature=<redacted>" in first["request"]["headers"]["authorization"]
    assert first["response"]["body"]["data"]["id"] == listed[1]["response"]["body"]["data"]["id"]
    assert first["at"].endswith("+00:00")
    last = admin.get("/requests", params={"limit": 1}).json()["requests"]
    assert [r["request_id"] for r in last] == [listed[1]["request_id"]]
    assert admin.get("/requests", params={"limit": "x"}).status_code == 400


def test_requests_lists_a_thousand_at_most_whatever_the_history_keeps() -> None:
    sandbox = Sandbox(api_key=KEY, api_secret=SECRET, history_size=1500)
    with sandbox.serve() as running, httpx.Client(base_url=running.admin_url) as admin:
        with httpx.Client(base_url=running.base_url, auth=XCoverAuth(KEY, SECRET)) as api:
            api.post(PATH, json=ORDER)
        (exchange,) = sandbox.history
        for _ in range(1499):  # as if 1,500 requests had come
            sandbox._history.record(exchange)
        assert len(admin.get("/requests", params={"limit": 5000}).json()["requests"]) == 1000
        assert len(admin.get("/requests", params={"limit": 1200}).json()["requests"]) == 1000
        assert admin.get("/requests", params={"limit": "9" * 5000}).status_code == 400


def test_replays_locks_lost_answers_and_trickles_over_http(
    admin: httpx.Client, api: httpx.Client, slept: list[float]
) -> None:
    admin.post(
        "/faults",
        json={"queue": [
            {"fault": "replay"},
            {"fault": "drop", "after_processing": True},
            {"fault": "trickle", "chunk_size": 100, "interval": 0.01},
        ]},
    )  # fmt: skip
    replayed = api.post(PATH, json=ORDER)
    assert replayed.status_code == 409
    assert replayed.json()["data"]["products"]
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(PATH, json=ORDER, headers={"X-Idempotency-Key": "lost"})
    trickled = api.post(PATH, json=ORDER, headers={"X-Idempotency-Key": "lost"})
    assert trickled.status_code == 409  # the retry of the lost answer is a replay ...
    assert slept == [0.01] * (-(-len(trickled.content) // 100) - 1)  # ... sent 100 bytes at a time
    lost = admin.get("/requests").json()["requests"][1]["response"]
    assert (lost["status"], lost["dropped"]) == (0, True)
    assert lost["body"] == trickled.json()


def test_reset_clears_faults_history_and_keys(admin: httpx.Client, api: httpx.Client) -> None:
    api.post(PATH, json=ORDER, headers={"X-Idempotency-Key": "k"})
    admin.post("/faults", json={"latency": 1, "clock_offset": -600, "queue": [{"fault": "drop"}]})
    reset = admin.post("/reset", json={})
    assert reset.json() == {"reset": True, "latency": 0.0, "clock_offset": 0.0, "queue": []}
    assert admin.get("/requests").json() == {"requests": []}
    assert api.post(PATH, json=ORDER, headers={"X-Idempotency-Key": "k"}).status_code == 200


def test_clear_queue_and_clock_offset(admin: httpx.Client, api: httpx.Client) -> None:
    admin.post("/faults", json={"queue": [{"fault": "drop", "times": 3}]})
    state = admin.post("/faults", json={"clear_queue": True, "clock_offset": 3600}).json()
    assert (state["queue"], state["clock_offset"]) == ([], 3600.0)
    assert api.post(PATH, json=ORDER).status_code == 403  # our Date is an hour behind its clock


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"queue": [{"fault": "nope"}]}, "queue[0].fault must be one of rate_limited"),
        ({"queue": [{"fault": "error"}]}, "queue[0].status is required"),
        ({"queue": [{"fault": "error", "status": 200}]}, "4xx or 5xx"),
        ({"queue": [{"fault": "drop", "colour": 1}]}, "drop takes after_processing, times; not colour"),
        (
            {"queue": [{"fault": "rate_limited", "retry_after": "1\r\nX-Evil: 1"}]},
            "queue[0].retry_after must",
        ),
        ({"queue": [{"fault": "trickle", "chunk_size": 0}]}, "chunk_size"),
        ({"queue": [{"fault": "drop", "times": 0}]}, "queue[0].times must be a whole number"),
        ({"latency": -1}, "latency must be"),
        ({"latency": "1"}, "latency must be"),
        ({"clock_offset": None}, "clock_offset must be"),
        ({"queue": {}}, "queue must be a list"),
        ({"speed": 1}, "unknown settings ['speed']"),
        ([], "must be a JSON object"),
    ],
)
def test_bad_fault_settings_are_400_naming_the_field_and_change_nothing(
    admin: httpx.Client, body: Any, message: str
) -> None:
    admin.post("/faults", json={"latency": 0.5})
    # A valid change sent along with the bad one is not applied either: all or nothing.
    payload = {**body, "latency": 0.1} if isinstance(body, dict) and "latency" not in body else body
    answer = admin.post("/faults", json=payload)
    assert answer.status_code == 400
    assert answer.json()["type"] == "bad_request"
    assert message in answer.json()["message"]
    assert admin.get("/faults").json() == {"latency": 0.5, "clock_offset": 0.0, "queue": []}


def test_admin_routing_errors(admin: httpx.Client) -> None:
    assert admin.post("/faults", content=b"{}").status_code == 415  # no JSON content type: no CSRF
    assert admin.post("/faults", content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 415
    assert (
        admin.post("/faults", content=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    )
    missing = admin.get("/nothing")
    assert missing.status_code == 404
    assert "/_sandbox/faults" in missing.json()["message"]
    assert admin.get("/reset").status_code == 405
    assert admin.delete("/faults").status_code == 405
    assert admin.get("/faults/").status_code == 200


def test_admin_can_be_turned_off(sandbox: Sandbox) -> None:
    with sandbox.serve(admin=False) as server, httpx.Client(base_url=server.origin) as http:
        assert server.admin_url is None
        assert http.get("/_sandbox/faults").status_code == 404  # the API's own 404, recorded
    assert [e.request.path for e in sandbox.history] == ["/_sandbox/faults"]


# -- the command line ------------------------------------------------------------------------------


def sandbox_parser() -> argparse.ArgumentParser:
    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub: argparse.ArgumentParser = commands.choices["sandbox"]
    return sub


def test_help_shows_every_option_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    options = [
        a for a in sandbox_parser()._actions
        if a.option_strings and a.dest != "help" and a.help != argparse.SUPPRESS
    ]  # fmt: skip
    assert {a.dest for a in options} >= {
        "host", "port", "api_key", "api_secret_file", "latency", "clock_offset", "fault",
        "idempotency_retention", "max_body", "max_connections", "idle_timeout", "read_timeout", "no_admin",
        "quiet",
    }  # fmt: skip
    with pytest.raises(SystemExit) as done:
        main(["sandbox", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for action in options:
        assert action.option_strings[0] in text
        assert "e.g." in (action.help or ""), action.dest
    for word in ("rate_limited", "trickle", "after_processing", "/_sandbox/faults", "/_sandbox/requests"):
        assert word in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "99999"], "'99999' is not a port: use 0 to 65535"),
        (["--port", "http"], "is not a port"),
        (["--latency", "-1"], "'-1' is not a number of seconds"),
        (["--clock-offset", "nan"], "is not a number of seconds"),
        (["--read-timeout", "0"], "must be more than 0 seconds"),
        (["--max-connections", "0"], "is not a whole number of 1 or more"),
        (["--fault", "nope"], "'nope' is not a fault: fault.fault must be one of rate_limited"),
        (["--fault", "error:status=200"], "4xx or 5xx"),
        (["--fault", "drop:after_processing"], "expected OPTION=VALUE"),
        (["--fault", "{bad json"], "'{bad json' is not a fault: not a JSON object"),
        (["--fault", '{"fault": ' + "[" * 100_000], "is not a fault: not a JSON object"),
    ],
)
def test_bad_options_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["sandbox", *argv])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_fault_options_build_the_queue() -> None:
    args = sandbox_parser().parse_args(
        [
            "--fault", "rate_limited:retry_after=2,times=2",
            "--fault", "drop:after_processing=true",
            "--fault", '{"fault": "unavailable", "retry_after": "Wed, 21 Oct 2037 07:28:00 GMT"}',
            "--fault", "trickle:chunk_size=10,interval=0.5",
            "--fault", "locked", "--fault", "replay",
        ]
    )  # fmt: skip
    assert [f for group in args.fault for f in group] == [
        Fault.rate_limited(retry_after="2"),
        Fault.rate_limited(retry_after="2"),
        Fault.drop(after_processing=True),
        Fault.unavailable(retry_after="Wed, 21 Oct 2037 07:28:00 GMT"),
        Fault.trickle(chunk_size=10, interval=0.5),
        Fault.locked(),
        Fault.replay(),
    ]


def _start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "xcover_offers", "sandbox", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    assert process.stdout is not None
    banner = [process.stdout.readline() for _ in range(4)]
    assert banner[-1] == "Press Ctrl-C to stop.\n", banner
    return process, "".join(banner)


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=10)
    finally:
        process.kill()


def test_the_command_scripts_faults_at_start_up_and_over_http() -> None:
    credentials = {"XCOVER_API_KEY": KEY, "XCOVER_API_SECRET": SECRET}
    process, banner = _start("--fault", "unavailable:retry_after=0", "--quiet", env=credentials)
    try:
        base_url = banner.split()[4]
        origin = base_url.removesuffix("/x")
        assert f"(admin: {origin}/_sandbox)" in banner
        with (
            httpx.Client(base_url=base_url, auth=XCoverAuth(KEY, SECRET)) as api,
            httpx.Client(base_url=origin) as admin,
        ):
            assert api.post(PATH, json=ORDER).status_code == 503
            admin.post("/_sandbox/faults", json={"queue": [{"fault": "locked", "retry_after": 1}]})
            assert api.post(PATH, json=ORDER).status_code == 423
            assert api.post(PATH, json=ORDER).status_code == 200
            statuses = [r["response"]["status"] for r in admin.get("/_sandbox/requests").json()["requests"]]
        assert statuses == [503, 423, 200]
    finally:
        out, err = _stop(process)
    assert process.returncode == 0, err
    assert err == ""
    assert SECRET not in banner + out


def test_requests_that_are_not_plain_json_are_described_not_shown(
    admin: httpx.Client, api: httpx.Client, sandbox: Sandbox
) -> None:
    # A body the sandbox cannot mask field by field could carry anyone's personal data.
    deep = "[" * 300 + "]" * 300
    for content in (b'{"a": NaN}', deep.encode(), b"\xff\xfe not json"):
        api.post(PATH, content=content, headers={"Content-Type": "application/json"})
    listed = admin.get("/requests")
    assert listed.status_code == 200
    bodies = [r["request"]["body"] for r in listed.json()["requests"]]
    assert [b.partition(",")[0] for b in bodies] == ["(10 bytes", "(600 bytes", "(11 bytes"]
    assert all("not shown" in b for b in bodies)
    answers = [r["response"]["body"] for r in listed.json()["requests"]]  # the sandbox's own: shown
    assert [a["type"] for a in answers] == ["bad_request", "validation_error", "bad_request"]


def test_every_fault_round_trips_through_its_plain_form_and_headers_stay_single_lines() -> None:
    from xcover_offers.sandbox._faults import faults_from_spec

    faults = [
        Fault.rate_limited(retry_after="Wed, 21 Oct 2037 07:28:00 GMT"),
        Fault.unavailable(retry_after=None),
        Fault.error(418, message="Teapot."),
        Fault.locked(retry_after="5"),
        Fault.bad_gateway_html(),
        Fault.drop(),
        Fault.drop(after_processing=True),
        Fault.trickle(chunk_size=3, interval=0.25),
        Fault.replay(),
    ]
    assert [faults_from_spec(f.describe())[0] for f in faults] == faults
    for bad in ("1\r\nSet-Cookie: x=1", "", "\x00", "9" * 101):
        with pytest.raises(ValueError, match="retry_after"):
            Fault.rate_limited(retry_after=bad)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--latency", "4000"], "from 0 to 3600"),  # the admin endpoint's own bounds, checked up front
        (["--clock-offset", "1e12"], "clock_offset must be a number of seconds from"),
    ],
)
def test_fault_settings_on_the_command_line_have_the_admin_endpoints_bounds(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sandbox", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
