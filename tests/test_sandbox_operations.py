"""The sandbox serves every operation of its document, from the contract (issue 21, item 5).

The document here is the shipped patched spec's Create Offer plus two operations the sandbox has no
model for, shaped like Opt-out (a POST with path parameters and an idempotency key, answering 204)
and Get Booking (a GET answering a small booking) under operationIds of their own: the real ones
are modelled (see test_sandbox_purchase.py). Each behaviour is tested once, at the layer that owns
it: the pipeline in-process, what the wire changes over real HTTP, fault specs through the admin
endpoint and the command line's parser.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import time
from collections.abc import Iterator
from importlib import resources
from typing import Any

import httpx
import pytest
from _orders import KEY, ORDER, SECRET
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from xcover_offers import XCoverAuth
from xcover_offers._cli import _parser, main
from xcover_offers.sandbox import Call, Exchange, Fault, Faults, Sandbox, SandboxServer
from xcover_offers.sandbox._contract import instance
from xcover_offers.sandbox._faults import faults_from_spec

T0 = dt.datetime(2030, 6, 1, 10, 0, tzinfo=dt.UTC).timestamp()
OFFER_ID = "7d0b6f3e-3f7c-4a52-9a57-0c6bd0a9f5a1"
OFFERS = "/partners/LLODT/offers/"
OPT_OUT = f"/partners/LLODT/offers/{OFFER_ID}/opt_out/"
BOOKING = "/partners/LLODT/bookings/B-1/"

_PARTNER = {
    "name": "partner_code",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1},
}
_ERROR = {
    "description": "Forbidden",
    "content": {
        "application/json": {"schema": {"type": "object", "properties": {"type": {"type": "string"}}}}
    },
}
BOOKING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "status", "created_at", "customer"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "status": {"type": "string", "enum": ["CONFIRMED", "CANCELLED"]},
        "created_at": {"type": "string", "format": "date-time"},
        "customer": {
            "type": "object",
            "required": ["email", "country", "tickets"],
            "properties": {
                "email": {"type": "string", "format": "email"},
                "country": {"type": "string", "minLength": 2, "maxLength": 2},
                "tickets": {"type": "integer", "minimum": 1},
                "name": {"type": "string"},
            },
        },
        "note": {"type": "string"},
    },
}


def shipped() -> dict[str, Any]:
    text = resources.files("xcover_offers_api").joinpath("openapi.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def with_operations() -> dict[str, Any]:
    """The shipped document's Create Offer plus the two unmodelled operations."""
    doc = copy.deepcopy(shipped())
    create_offer = "/partners/{partner_code}/offers/"
    doc["paths"] = {create_offer: doc["paths"][create_offer]}
    doc["paths"]["/partners/{partner_code}/offers/{offer_id}/opt_out/"] = {
        "post": {
            "operationId": "decline_offer",
            "parameters": [
                _PARTNER,
                {
                    "name": "offer_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "format": "uuid"},
                },
                {"name": "X-Idempotency-Key", "in": "header", "schema": {"type": "string"}},
            ],
            "responses": {"204": {"description": "Opted out"}, "403": _ERROR},
        }
    }
    doc["paths"]["/partners/{partner_code}/bookings/{booking_id}/"] = {
        "get": {
            "operationId": "read_booking",
            "parameters": [
                _PARTNER,
                {"name": "booking_id", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "include_policies", "in": "query", "schema": {"type": "boolean"}},
            ],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Booking"}}},
                },
                "403": _ERROR,
            },
        }
    }
    doc["components"]["schemas"]["Booking"] = BOOKING_SCHEMA  # the shipped one's paths are left out
    return doc


DOCUMENT = with_operations()
SPEC = OpenAPI.from_dict(copy.deepcopy(DOCUMENT))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def make(document: dict[str, Any] = DOCUMENT, **kwargs: Any) -> Sandbox:
    kwargs.setdefault("clock", lambda: T0)
    return Sandbox(
        api_key=KEY, api_secret=SECRET, seed="ops", check_responses=True, document=document, **kwargs
    )


@pytest.fixture
def sandbox() -> Sandbox:
    return make(sleep=lambda seconds: None)


def client(sandbox: Sandbox, *, clock: Any = lambda: T0, sign: bool = True) -> httpx.Client:
    return httpx.Client(
        transport=sandbox.transport(),
        base_url=sandbox.base_url,
        auth=XCoverAuth(KEY, SECRET, clock=clock) if sign else None,
    )


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with client(sandbox) as signed:
        yield signed


def conforms(sandbox: Sandbox, exchange: Exchange) -> None:
    """The sandbox's own check, and openapi-core's, independent of the sandbox's code."""
    assert sandbox.spec.answer_problems(exchange.request, exchange.response) == []
    request = MockRequest(
        "https://api.xcover.com",
        exchange.request.method.lower(),
        exchange.request.path,
        args=dict(httpx.QueryParams(exchange.request.query)),
        headers=dict(exchange.request.headers),
    )
    response = exchange.response
    content_type = response.header("content-type") or "application/json"
    SPEC.validate_response(
        request, MockResponse(response.body, status_code=response.status, content_type=content_type)
    )


def opt_out(http: httpx.Client, key: str | None = None, path: str = OPT_OUT) -> httpx.Response:
    return http.post(path, headers={"X-Idempotency-Key": key} if key else {})


# -- routing, signature, request checks ---------------------------------------------------------------


def test_routing_by_the_documents_paths_and_methods(http: httpx.Client) -> None:
    wrong_method = http.get(OPT_OUT)
    assert (wrong_method.status_code, wrong_method.headers["allow"]) == (405, "POST")
    assert http.delete(BOOKING).headers["allow"] == "GET"
    for path in ("/partners/LLODT/bookings/", "/partners/LLODT/offers/X/opt_in/", "/bookings/B-1/"):
        missing = http.get(path)
        assert missing.status_code == 404
        assert set(missing.json()) == {"type", "message"}
        assert (
            "GET /x/partners/{partner_code}/bookings/{booking_id}/ (read_booking)"
            in missing.json()["message"]
        )


def test_every_operation_checks_the_signature(sandbox: Sandbox) -> None:
    with client(sandbox, sign=False) as unsigned:
        answers = [unsigned.get(BOOKING), unsigned.post(OPT_OUT)]
    assert [a.status_code for a in answers] == [403, 403]
    assert all(a.json()["type"] == "forbidden" for a in answers)


def test_path_and_query_are_validated_against_the_operation(http: httpx.Client) -> None:
    bad_path = http.post("/partners/LLODT/offers/not-an-id/opt_out/")
    bad_query = http.get(BOOKING, params={"include_policies": "maybe"})
    empty_partner = http.get("/partners//bookings/B-1/")
    assert [r.status_code for r in (bad_path, bad_query, empty_partner)] == [422, 422, 422]
    assert list(bad_path.json()["errors"]) == ["offer_id"]
    assert list(bad_query.json()["errors"]) == ["include_policies"]
    assert list(empty_partner.json()["errors"]) == ["partner_code"]


# -- the contract's answer --------------------------------------------------------------------------


def test_an_operation_without_a_model_answers_a_minimal_valid_instance(
    http: httpx.Client, sandbox: Sandbox
) -> None:
    booking = http.get(BOOKING, params={"include_policies": "true"})
    assert booking.status_code == 200
    assert booking.headers["content-type"] == "application/json"
    body = booking.json()
    assert set(body) == {"id", "status", "created_at", "customer"}  # required properties only
    assert body["status"] == "CONFIRMED"
    assert body["created_at"] == "2030-06-01T10:00:00Z"  # the sandbox's clock
    assert body["customer"] == {"email": "sandbox@example.com", "country": "st", "tickets": 1}
    opted_out = http.post(OPT_OUT)
    assert (opted_out.status_code, opted_out.content) == (204, b"")
    assert "content-type" not in opted_out.headers
    for exchange in sandbox.history:
        conforms(sandbox, exchange)


def test_a_valid_example_is_answered_and_an_invalid_one_is_not() -> None:
    good = {"id": OFFER_ID, "status": "CANCELLED", "created_at": "2031-01-01T00:00:00Z",
            "customer": {"email": "a@b.example", "country": "FR", "tickets": 2}}  # fmt: skip
    doc = copy.deepcopy(DOCUMENT)
    media = doc["paths"]["/partners/{partner_code}/bookings/{booking_id}/"]["get"]["responses"]["200"]
    media = media["content"]["application/json"]
    media["examples"] = {"bad": {"value": {"id": 1}}, "good": {"value": good}}
    with client(make(doc)) as http:
        assert http.get(BOOKING).json() == good
    media["examples"] = {"bad": {"value": {**good, "status": "LOST"}}}
    with client(make(doc)) as http:
        assert http.get(BOOKING).json()["status"] == "CONFIRMED"  # generated instead


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "integer", "minimum": 5, "exclusiveMinimum": True}, 6),
        ({"type": "integer", "maximum": -3, "multipleOf": 3}, -3),
        ({"type": "number", "minimum": 0.5}, 0.5),
        ({"type": "string", "minLength": 8, "maxLength": 9}, "stringxx"),
        ({"type": "string", "format": "date"}, "2030-06-01"),
        ({"type": "string", "nullable": True}, "string"),
        ({"nullable": True}, None),
        ({"type": "array", "items": {"type": "boolean"}, "minItems": 2}, [False, False]),
        ({"type": "object", "required": ["a"], "additionalProperties": {"type": "integer"}}, {"a": 0}),
        ({"type": "object", "minProperties": 1, "properties": {"b": {"enum": ["x", "y"]}}}, {"b": "x"}),
        ({"allOf": [{"$ref": "#/components/schemas/Booking"}, {"required": ["note"]}]}, "note"),
        ({"oneOf": [{"type": "string", "format": "email"}, {"type": "integer"}]}, "sandbox@example.com"),
        ({"anyOf": [{"type": "boolean"}, {"type": "string"}]}, False),
    ],
)
def test_instance_table(schema: dict[str, Any], expected: Any) -> None:
    now = dt.datetime.fromtimestamp(T0, dt.UTC)
    value = instance(schema, DOCUMENT, now=now, new_uuid=lambda: OFFER_ID)
    if expected == "note":  # allOf merged: the Booking's required fields and the added one
        assert set(value) == {"id", "status", "created_at", "customer", "note"}
    else:
        assert value == expected


def test_what_the_contract_cannot_answer_is_a_4xx_never_a_500(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    csv_doc, pattern_doc = copy.deepcopy(DOCUMENT), copy.deepcopy(DOCUMENT)
    get = csv_doc["paths"]["/partners/{partner_code}/bookings/{booking_id}/"]["get"]
    get["responses"]["200"]["content"] = {"text/csv": {"schema": {"type": "string"}}}
    pattern_doc["components"]["schemas"]["Booking"]["properties"]["id"]["pattern"] = "^BK-[0-9]+$"
    answers = []
    for doc in (csv_doc, pattern_doc, DOCUMENT):
        sandbox = make(doc)
        if doc is DOCUMENT:  # a failure in the builder itself
            monkeypatch.setattr("xcover_offers.sandbox._app.success_answer", _broken)
        with client(sandbox) as http:
            answers.append(http.get(BOOKING))
    for answer in answers:
        assert answer.status_code == 422
        assert answer.json()["type"] == "not_modelled"
        assert answer.json()["message"].startswith("The sandbox cannot answer read_booking: ")
    csv, unmatchable, broken = (a.json()["message"] for a in answers)
    assert "text/csv" in csv
    assert "BK-" in unmatchable  # a pattern the instance builder does not write
    assert "boom" not in broken
    assert "boom" in caplog.text  # logged on the sandbox's side


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom")


def test_a_handler_models_an_operation_over_the_contract() -> None:
    def booking(sandbox: Sandbox, call: Call) -> Any:
        assert call.path == {"partner_code": "LLODT", "booking_id": "B-1"}
        assert call.query == {"include_policies": True}
        return 200, {**BOOKING_EXAMPLE, "id": sandbox.new_id("booking")}, {}

    sandbox = make(handlers={"read_booking": booking})
    with client(sandbox) as http:
        answer = http.get(BOOKING, params={"include_policies": "true"})
        offer = http.post(OFFERS, json=ORDER)
    assert answer.json()["customer"]["country"] == "FR"
    assert offer.json()["data"]["products"]  # Create Offer keeps its own model
    with pytest.raises(ValueError, match="does not have: confirm_offer"):
        make(handlers={"confirm_offer": booking})


BOOKING_EXAMPLE = {
    "status": "CONFIRMED",
    "created_at": "2030-06-01T10:00:00Z",
    "customer": {"email": "a@b.example", "country": "FR", "tickets": 1},
}


# -- idempotency ------------------------------------------------------------------------------------


def test_idempotent_replay_409_and_key_reuse_422_for_a_post_without_a_body() -> None:
    clock = Clock()
    sandbox = make(clock=clock)
    with client(sandbox, clock=clock) as http:
        assert opt_out(http, "k1").status_code == 204
        again = opt_out(http, "k1")
        other_offer = opt_out(http, "k1", OPT_OUT.replace("7d0b", "8e1c"))
        same_key_elsewhere = http.post(OFFERS, json=ORDER, headers={"X-Idempotency-Key": "k1"})
        booking = [http.get(BOOKING, headers={"X-Idempotency-Key": "k1"}).status_code for _ in range(2)]
    assert (again.status_code, again.content) == (409, b"")  # the stored (empty) result
    assert other_offer.status_code == 422
    assert list(other_offer.json()["errors"]) == ["x-idempotency-key"]
    assert same_key_elsewhere.status_code == 200  # keys are scoped by operation
    assert booking == [200, 200]  # a GET keeps no idempotency contract


def test_a_duplicate_during_the_first_ones_latency_is_423() -> None:
    clock = Clock()
    sandbox = make(clock=clock, faults=Faults(latency=5.0), sleep=lambda seconds: None)
    with client(sandbox, clock=clock) as http:
        assert opt_out(http, "k1").status_code == 204
        clock.now += 4.9
        locked = opt_out(http, "k1")
        clock.now += 0.1
        replayed = opt_out(http, "k1")
    assert (locked.status_code, locked.json()["type"]) == (423, "locked")
    assert replayed.status_code == 409


# -- faults aimed at one operation ------------------------------------------------------------------


def test_faults_aimed_at_one_operation_leave_the_others_alone() -> None:
    slept: list[float] = []
    sandbox = make(sleep=slept.append)
    sandbox.queue(
        Fault.error(503, operation="decline_offer"),
        Fault.latency(2.5, operation="decline_offer"),
        Fault.locked(operation="decline_offer"),
        Fault.replay(operation="decline_offer"),
        Fault.drop(operation="decline_offer"),
        Fault.trickle(chunk_size=4, interval=0.5, operation="read_booking"),
        Fault.rate_limited(),  # not aimed: the next request, whatever it asks for
    )
    with client(sandbox) as http:
        first = [http.get(BOOKING), http.get("/nowhere"), http.get(BOOKING)]
        aimed = [opt_out(http).status_code for _ in range(4)]
        with pytest.raises(httpx.RemoteProtocolError):
            opt_out(http)
        healthy = [opt_out(http).status_code, http.get(BOOKING).status_code]
    assert [r.status_code for r in first] == [200, 429, 200]  # trickled, then the free fault, then clean
    assert slept == [0.5] * (-(-len(first[0].content) // 4) - 1) + [2.5]
    assert aimed == [503, 204, 423, 409]
    assert healthy == [204, 200]
    assert sandbox.faults.pending() == ()


def test_unknown_operation_ids_are_refused_wherever_a_fault_is_given(sandbox: Sandbox) -> None:
    with pytest.raises(
        ValueError,
        match=r"'confirm_offer' is not an operation of the spec \(create_offer, decline_offer, read_b",
    ):
        sandbox.queue(Fault.drop(operation="confirm_offer"))
    with pytest.raises(ValueError, match=r"queue\.operation 'decline_offer' is not an operation"):
        Sandbox(faults=Faults(queue=(Fault.replay(operation="decline_offer"),)))  # the shipped spec
    with pytest.raises(ValueError, match="operationId"):
        Fault.error(500, operation="")
    aimed = [Fault.latency(1.5, operation="read_booking"), Fault.error(418, operation="decline_offer")]
    assert [faults_from_spec(f.describe())[0] for f in aimed] == aimed


# -- over real HTTP: the wire, the admin endpoint, the command line ------------------------------------


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with make(clock=time.time).serve() as running:
        yield running


def test_a_204_has_no_body_and_keeps_the_connection(server: SandboxServer) -> None:
    with httpx.Client(base_url=server.base_url, auth=XCoverAuth(KEY, SECRET)) as http:
        opted_out = http.post(OPT_OUT)
        booking = http.get(BOOKING)  # on the same connection
        wrong = http.put(BOOKING)
    assert (opted_out.status_code, opted_out.content) == (204, b"")
    assert "content-length" not in opted_out.headers
    assert booking.status_code == 200
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "GET")


def test_faults_aimed_over_the_admin_endpoint(server: SandboxServer) -> None:
    assert server.admin_url is not None
    with httpx.Client(base_url=server.admin_url) as admin:
        unknown = admin.post("/faults", json={"queue": [{"fault": "drop", "operation": "nope"}]})
        queued = admin.post(
            "/faults", json={"queue": [{"fault": "unavailable", "operation": "decline_offer"}]}
        )
    assert unknown.status_code == 400
    assert "queue[0].operation 'nope' is not an operation of the spec" in unknown.json()["message"]
    assert queued.json()["queue"] == [
        {"fault": "error", "status": 503, "retry_after": "1",
         "message": "The service is temporarily unavailable.", "operation": "decline_offer"},
    ]  # fmt: skip
    with httpx.Client(base_url=server.base_url, auth=XCoverAuth(KEY, SECRET)) as http:
        assert [http.get(BOOKING).status_code, opt_out(http).status_code, opt_out(http).status_code] == [
            200,
            503,
            204,
        ]


def test_the_command_lines_fault_parser_takes_an_operation(capsys: pytest.CaptureFixture[str]) -> None:
    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    args = commands.choices["sandbox"].parse_args(
        ["--fault", "error:status=503,operation=create_offer,times=2"]
    )
    assert [f for group in args.fault for f in group] == [Fault.error(503, operation="create_offer")] * 2
    with pytest.raises(SystemExit) as done:
        main(["sandbox", "--fault", "drop:operation=decline_offer"])  # not in the shipped spec
    assert done.value.code == 2
    assert (
        "is not a fault: fault.operation 'decline_offer' is not an operation of the spec"
        in capsys.readouterr().err
    )
