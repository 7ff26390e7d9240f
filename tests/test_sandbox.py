"""The sandbox's behaviour through its in-process transports, with plain httpx and XCoverAuth.

Every sandbox here runs with ``check_responses=True`` (an answer that does not conform to the spec
becomes a 500, which the assertions would catch), and `assert_conforms` re-checks the answers with
openapi-core directly, independently of the sandbox's own code.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from email.utils import parsedate_to_datetime
from importlib import resources
from typing import Any

import anyio
import httpx
import pytest
from _orders import SignOnly
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from xcover_offers import XCoverAuth
from xcover_offers.sandbox import (
    DEFAULT_PRODUCTS,
    Exchange,
    Fault,
    Faults,
    ProductConfig,
    Sandbox,
    SandboxFixture,
    SandboxRequest,
)
from xcover_offers.sandbox._money import format_money, minor_unit_exponent, round_money
from xcover_offers.sandbox._offers import parse_datetime
from xcover_offers.sandbox.pytest_plugin import xcover_sandbox  # noqa: F401 - the fixture under test

T0 = dt.datetime(2030, 6, 1, 10, 0, tzinfo=dt.UTC).timestamp()
KEY, SECRET = "test-key", "test-secret"
PATH = "/partners/LLODT/offers/"

SPEC = OpenAPI.from_dict(
    json.loads(resources.files("xcover_offers_api").joinpath("openapi.json").read_text(encoding="utf-8"))
)


def assert_conforms(exchange: Exchange) -> None:
    """The answer validates against the patched spec (undocumented statuses: the 403 error shape)."""
    response = exchange.response
    if not (response.header("content-type") or "").startswith("application/json"):
        return
    status = response.status if response.status in (200, 403, 422) else 403
    request = MockRequest(
        "https://api.xcover.com",
        "post",
        exchange.request.path if status == response.status else "/x/partners/X/offers/",
        args=dict(httpx.QueryParams(exchange.request.query)),
        headers=dict(exchange.request.headers),
        data=exchange.request.body,
    )
    SPEC.validate_response(request, MockResponse(response.body, status_code=status))


def order(**customer: str) -> dict[str, Any]:
    return {
        "customer": {"currency": "USD", "country": "US", "language": "en-us", **customer},
        "context": {
            "events": [
                {
                    "id": "e1",
                    "name": "Concert",
                    "start_date": "2030-06-01T19:00:00+02:00",
                    "country": "FR",
                    "tickets": [{"id": "t1", "price": 0.1}, {"id": "t2", "price": 1234.2}],
                },
                {
                    "id": "e2",
                    "name": "Festival",
                    "start_date": "2030-06-03T12:00:00+02:00",
                    "country": "US",
                    "duration_days": 3,
                    "total_amount": 50,
                },
            ]
        },
    }


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(api_key=KEY, api_secret=SECRET, clock=lambda: T0, seed="test", check_responses=True)


def client(
    sandbox: Sandbox, *, clock: Any = lambda: T0, key: str = KEY, secret: str = SECRET
) -> httpx.Client:
    auth = SignOnly(XCoverAuth(key, secret, clock=clock))
    return httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url, auth=auth)


def post(sandbox: Sandbox, body: Any = None, **params: str) -> httpx.Response:
    with client(sandbox) as http:
        response = http.post(PATH, json=order() if body is None else body, params=params)
    assert_conforms(sandbox.history[-1])
    return response


def products(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return {p["product_config_id"]: p for p in response.json()["data"]["products"]}


# -- pricing ----------------------------------------------------------------------------------------


def test_one_product_per_config_priced_as_documented(sandbox: Sandbox) -> None:
    by_id = products(post(sandbox))
    assert list(by_id) == ["etp-basic", "etp-premium", "etp-flex"]
    # Ticket totals: 0.1 + 1234.2 (tickets, summed exactly) and 50 (total_amount): 1284.3.
    expected = {  # rate -> (without tax, tax 10 %, total)
        "etp-basic": ("64.22", "6.42", "70.64"),  # 1284.3 x 5 % = 64.215, half-up
        "etp-premium": ("115.59", "11.56", "127.15"),  # x 9 % = 115.587
        "etp-flex": ("154.12", "15.41", "169.53"),  # x 12 % = 154.116
    }
    for config_id, (net, tax, total) in expected.items():
        price = by_id[config_id]["details"]["finance"]["price"]
        assert Decimal(str(price["total_amount_without_tax"])) == Decimal(net)
        assert Decimal(str(price["total_amount"])) == Decimal(total) == Decimal(net) + Decimal(tax)
        assert price["total_amount_formatted"] == f"${total}"
        assert price["total_amount_without_tax_formatted"] == f"${net}"


def test_pricing_is_deterministic(sandbox: Sandbox) -> None:
    first, second = post(sandbox).json()["data"], post(sandbox).json()["data"]
    assert [p["details"]["finance"] for p in first["products"]] == [
        p["details"]["finance"] for p in second["products"]
    ]
    assert first["id"] != second["id"]  # a new offer each call without an idempotency key


@pytest.mark.parametrize("field", ["tax", "surcharge", "commission"])
def test_each_finance_extra_field_appears_only_when_asked(sandbox: Sandbox, field: str) -> None:
    plain = products(post(sandbox))["etp-basic"]["details"]["finance"]
    assert set(plain) == {"price"}
    asked = products(post(sandbox, extra_fields=field))["etp-basic"]["details"]["finance"]
    assert set(asked) == {"price", field}
    amounts = {"tax": "6.42", "surcharge": "1.28", "commission": "12.84"}  # 10 %, 2 %, 20 % of 64.22
    assert Decimal(str(asked[field]["total_amount"])) == Decimal(amounts[field])
    assert asked[field]["total_amount_formatted"] == f"${amounts[field]}"


def test_benefits_only_when_asked_and_all_extra_fields_at_once(sandbox: Sandbox) -> None:
    assert "benefits" not in products(post(sandbox))["etp-basic"]["details"]
    by_id = products(post(sandbox, extra_fields="TAX, commission,benefits,surcharge,unknown"))
    details = by_id["etp-premium"]["details"]
    assert set(details["finance"]) == {"price", "tax", "surcharge", "commission"}
    assert [b["name"] for b in details["benefits"]] == [b["name"] for b in DEFAULT_PRODUCTS[1].benefits]


@pytest.mark.parametrize(
    ("currency", "language", "country", "expected"),
    [
        ("EUR", "de-de", "DE", "70,64\u00a0€"),
        ("EUR", "fr-FR", "FR", "70,64\u00a0€"),
        ("AUD", "en-au", "AU", "$70.64"),
        ("AUD", "en-us", "US", "A$70.64"),
        ("JPY", "ja-jp", "JP", "￥71"),  # 0 decimals: 1284.3 x 5 % = 64.215 -> 64, tax 6, total 70
        ("GBP", "en-gb", "GB", "£70.64"),
        ("XYZ", "tlh", "US", "XYZ 70.64"),
    ],
)
def test_formatted_amounts_follow_currency_and_language(
    sandbox: Sandbox, currency: str, language: str, country: str, expected: str
) -> None:
    body = order(currency=currency, language=language, country=country)
    data = post(sandbox, body).json()["data"]
    assert data["currency"] == currency
    price = data["products"][0]["details"]["finance"]["price"]
    if currency == "JPY":
        assert (price["total_amount_without_tax"], price["total_amount"]) == (64, 70)
        assert price["total_amount_formatted"] == "￥70"
    else:
        assert price["total_amount_formatted"] == expected


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        ("1234.5", "EUR", "de", "1.234,50\u00a0€"),
        ("1234.5", "EUR", "fr-fr", "1\u202f234,50\u00a0€"),
        ("1234.5", "EUR", "nl-nl", "€\u00a01.234,50"),
        ("1234567.891", "USD", "en-US", "$1,234,567.89"),
        ("1234.5", "USD", "en-gb", "US$1,234.50"),
        ("1234.5", "CHF", "en", "CHF\u00a01,234.50"),
        ("1234.5", "SEK", "sv-se", "1\u00a0234,50\u00a0kr"),
        ("1234.5", "XYZ", "de", "1.234,50\u00a0XYZ"),
        ("1234.5", "USD", "", "USD 1234.50"),
        ("1234.5", "KWD", "en", "KWD\u00a01,234.500"),
        ("2.5", "JPY", "ja-jp", "￥3"),
        ("2.5", "JPY", "en", "¥3"),
        ("0.125", "USD", "en-us", "$0.13"),
    ],
)
def test_money_formatting_table(amount: str, currency: str, language: str, expected: str) -> None:
    assert format_money(Decimal(amount), currency, language) == expected


def test_rounding_is_half_up_to_the_minor_unit() -> None:
    assert round_money(Decimal("0.125"), "USD") == Decimal("0.13")
    assert round_money(Decimal("0.124999"), "USD") == Decimal("0.12")
    assert round_money(Decimal("2.5"), "JPY") == Decimal(3)
    assert round_money(Decimal("1.0005"), "KWD") == Decimal("1.001")
    assert [minor_unit_exponent(c) for c in ("USD", "jpy", "BHD", "???")] == [2, 0, 3, 2]


def test_exclude_offer_ids_active_only_and_include_content(sandbox: Sandbox) -> None:
    assert list(products(post(sandbox, exclude_offer_ids="etp-basic,nope"))) == ["etp-premium", "etp-flex"]
    assert list(products(post(sandbox, active_only="true"))) == ["etp-basic", "etp-premium"]
    assert list(products(post(sandbox, active_only="false"))) == ["etp-basic", "etp-premium", "etp-flex"]
    assert post(sandbox).json()["data"]["content"] == {"schema_version": "1.0", "locale": "en-US"}
    assert "content" not in post(sandbox, include_content="false").json()["data"]


def test_event_extra_fields(sandbox: Sandbox) -> None:
    body = order()
    body["partner"] = {"customer_id": "cust-9"}
    details = products(post(sandbox, body))["etp-basic"]["details"]
    extra = details["extra_fields"]
    # The concert starts first: 19:00 +02:00 on 1 June; the sandbox's clock is 10:00Z that day.
    assert extra["event_id"] == "e1"
    assert extra["event_datetime"] == "2030-06-01T19:00:00+02:00"
    assert extra["same_day"] is True
    assert extra["esim_eligible"] is True  # a US customer travelling to an event in FR
    assert extra["customer_id"] == "cust-9"
    assert extra["policy_start_date"] == "2030-06-01T10:00:00+00:00"
    assert details["start_date"] == "2030-06-01T10:00:00+00:00"
    assert details["end_date"] == "2030-06-05T12:00:00+02:00"  # the festival: 3 days from 3 June


def test_same_day_is_judged_in_the_events_own_offset(sandbox: Sandbox) -> None:
    body = order()
    # 01:00 +02:00 on 2 June is 23:00Z on 1 June: another calendar day where the event is.
    body["context"]["events"] = [{**body["context"]["events"][0], "start_date": "2030-06-02T01:00:00+02:00"}]
    assert products(post(sandbox, body))["etp-basic"]["details"]["extra_fields"]["same_day"] is False


def test_no_events_means_no_products(sandbox: Sandbox) -> None:
    body = order()
    body["context"] = {}
    assert post(sandbox, body).json()["data"]["products"] == []


def test_idempotency_key_replays_the_same_offer(sandbox: Sandbox) -> None:
    """XCover's contract (see test_sandbox_idempotency.py): a repeat is a 409 with the stored offer."""
    with client(sandbox) as http:
        answers = [
            http.post(PATH, json=order(), headers={"X-Idempotency-Key": key}) for key in ("k1", "k1", "k2")
        ]
    assert [a.status_code for a in answers] == [200, 409, 200]
    ids = [a.json()["data"]["id"] for a in answers]
    assert ids[0] == ids[1] != ids[2]


def test_custom_product_configs() -> None:
    configs = [ProductConfig("only", "Only", Decimal("0.5"))]
    sandbox = Sandbox(
        api_key=KEY, api_secret=SECRET, products=configs, clock=lambda: T0, check_responses=True
    )
    price = products(post(sandbox))["only"]["details"]["finance"]["price"]
    assert price["total_amount_without_tax"] == 642.15
    with pytest.raises(ValueError, match="unique"):
        Sandbox(products=[configs[0], configs[0]])


# -- validation -------------------------------------------------------------------------------------


def test_invalid_request_gets_422_with_field_paths(sandbox: Sandbox) -> None:
    body = {
        "customer": {"currency": "USD", "country": "US", "email": "not-an-email"},
        "context": {"events": [{"id": "e1", "name": 5, "start_date": "yesterday", "country": "US",
                                "tickets": [{"id": "t", "price": "12"}]}]},
    }  # fmt: skip
    response = post(sandbox, body, active_only="maybe")
    assert response.status_code == 422
    payload = response.json()
    assert payload["type"] == "validation_error"
    assert payload["errors"] == {
        "active_only": ["Must be a boolean."],
        "customer.language": ["This field is required."],
        "customer.email": ["Must be a valid email."],
        "context.events[0].name": ["Must be a string."],
        "context.events[0].start_date": ["Must be a valid date-time."],
        "context.events[0].tickets[0].price": ["Must be a number."],
    }


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ([1, 2], {"body": ["Must be an object."]}),
        ({}, {"customer": ["This field is required."], "context": ["This field is required."]}),
    ],
)
def test_422_for_wrong_top_level_shapes(sandbox: Sandbox, body: Any, errors: dict[str, list[str]]) -> None:
    response = post(sandbox, body)
    assert (response.status_code, response.json()["errors"]) == (422, errors)


def test_business_rules_beyond_the_spec(sandbox: Sandbox) -> None:
    body = order()
    events = body["context"]["events"]
    events[0]["tickets"][0]["price"] = -1
    events[1]["total_amount"] = 10**12
    response = post(sandbox, body)
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "context.events[0].tickets[0].price": ["must be greater than or equal to 0"],
        "context.events[1].total_amount": ["must be less than or equal to 1000000000"],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-06-01T19:00:00+02:00", dt.datetime(2030, 6, 1, 17, tzinfo=dt.UTC)),
        ("2030-06-01t19:00:00.1234567z", dt.datetime(2030, 6, 1, 19, 0, 0, 123456, tzinfo=dt.UTC)),
        ("2016-12-31T23:59:60Z", dt.datetime(2016, 12, 31, 23, 59, 59, tzinfo=dt.UTC)),
        ("2030-06-01T19:00:00", dt.datetime(2030, 6, 1, 19, tzinfo=dt.UTC)),
        ("0000-01-01T00:00:00Z", None),
        ("2030-02-30T00:00:00Z", None),
        ("tomorrow", None),
    ],
)
def test_parse_datetime(text: str, expected: dt.datetime | None) -> None:
    assert parse_datetime(text) == expected


def test_empty_partner_code_is_a_validation_error(sandbox: Sandbox) -> None:
    with client(sandbox) as http:
        response = http.post("/partners//offers/", json=order())
    assert response.status_code == 422
    assert "partner_code" in response.json()["errors"]


@pytest.mark.parametrize(
    ("content_type", "content", "status", "kind"),
    [
        ("text/plain", b"{}", 415, "unsupported_media_type"),
        ("application/json; charset=latin-1", b"{}", 415, "unsupported_media_type"),
        ("application/json", b"{bad", 400, "bad_request"),
        ("application/json", b'{"a": NaN}', 400, "bad_request"),
        ("application/json", b"\xff\xfe", 400, "bad_request"),
        ("application/json", b"[" * 100_000, 400, "bad_request"),
        ("application/json", b"", 422, "validation_error"),
        ("", b"", 422, "validation_error"),
    ],
)
def test_unreadable_bodies(
    sandbox: Sandbox, content_type: str, content: bytes, status: int, kind: str
) -> None:
    with client(sandbox) as http:
        response = http.post(PATH, content=content, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert response.json()["type"] == kind
    assert_conforms(sandbox.history[-1])


def test_routing_and_body_cap(sandbox: Sandbox) -> None:
    with client(sandbox) as http:
        assert http.get(PATH).status_code == 405
        assert http.get(PATH).headers["allow"] == "POST"
        assert http.post("/partners/LLODT/offers").status_code == 404
        assert http.post("/elsewhere").json()["type"] == "not_found"
    small = Sandbox(api_key=KEY, api_secret=SECRET, clock=lambda: T0, max_body=100)
    with client(small) as http:
        response = http.post(PATH, json=order())
    assert (response.status_code, response.json()["type"]) == (413, "payload_too_large")


# -- signatures ------------------------------------------------------------------------------------


def _forbidden(response: httpx.Response, rule: str) -> None:
    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"type", "message"}
    assert rule in body["message"]


def test_signature_failures_get_403_in_the_spec_shape(sandbox: Sandbox) -> None:
    transport = sandbox.transport()
    with httpx.Client(transport=transport, base_url=sandbox.base_url) as unsigned:
        _forbidden(unsigned.post(PATH, json=order()), "no Authorization header")
        _forbidden(
            unsigned.post(PATH, json=order(), headers={"Authorization": "garbage \x01"}), "Signature scheme"
        )
        _forbidden(
            unsigned.post(PATH, json=order(), headers={"Authorization": 'Signature keyId="x",,,'}),
            "malformed",
        )
    with client(sandbox, key="other-key") as http:
        _forbidden(http.post(PATH, json=order()), "unknown key id")
    with client(sandbox, secret="wrong") as http:
        _forbidden(http.post(PATH, json=order()), "does not match")
    with client(sandbox, clock=lambda: T0 - 301) as http:
        _forbidden(http.post(PATH, json=order()), "301 s old")
    with client(sandbox, clock=lambda: T0 + 400) as http:
        _forbidden(http.post(PATH, json=order()), "in the future")
    with client(sandbox, clock=lambda: T0 - 299) as http:
        assert http.post(PATH, json=order()).status_code == 200
    for exchange in sandbox.history:
        assert_conforms(exchange)
    assert SECRET not in "".join(e.response.body.decode() for e in sandbox.history)


def test_signature_is_checked_before_the_body(sandbox: Sandbox) -> None:
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as unsigned:
        assert unsigned.post(PATH, content=b"{bad", headers={"Content-Type": "text/plain"}).status_code == 403


# -- faults and headers -------------------------------------------------------------------------------


def test_every_answer_has_date_and_request_id(sandbox: Sandbox) -> None:
    sandbox.queue(Fault.rate_limited(), Fault.bad_gateway_html(), Fault.error(500))
    with client(sandbox) as http:
        answers = [http.post(PATH, json=order()) for _ in range(4)]
        answers.append(http.get("/nowhere"))
    assert [r.status_code for r in answers] == [429, 502, 500, 200, 404]
    ids = [r.headers["x-request-id"] for r in answers]
    assert len(set(ids)) == len(ids)
    for r in answers:
        assert parsedate_to_datetime(r.headers["date"]).timestamp() == T0


def test_fault_answers(sandbox: Sandbox) -> None:
    sandbox.queue(
        Fault.rate_limited(retry_after="7"),
        Fault.unavailable(retry_after="Sat, 01 Jun 2030 10:00:05 GMT"),
        Fault.bad_gateway_html(),
        Fault.error(401, message="Unknown API key."),
        Fault.drop(),
    )
    assert len(sandbox.faults.pending()) == 5
    with client(sandbox) as http:
        r429 = http.post(PATH, json=order())
        r503 = http.post(PATH, json=order())
        r502 = http.post(PATH, json=order())
        r401 = http.post(PATH, json=order())
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(PATH, json=order())
        healthy = http.post(PATH, json=order())
    assert (r429.status_code, r429.headers["retry-after"], r429.json()["type"]) == (429, "7", "rate_limited")
    assert (r503.status_code, r503.headers["retry-after"]) == (503, "Sat, 01 Jun 2030 10:00:05 GMT")
    assert r502.status_code == 502
    assert r502.headers["content-type"].startswith("text/html")
    assert "<html>" in r502.text
    assert r401.json() == {"type": "injected_fault", "message": "Unknown API key."}
    assert healthy.status_code == 200
    assert sandbox.faults.pending() == ()
    with pytest.raises(ValueError, match="4xx or 5xx"):
        Fault.error(200)


def test_latency_uses_the_injected_sleep() -> None:
    slept: list[float] = []
    sandbox = Sandbox(api_key=KEY, api_secret=SECRET, clock=lambda: T0, sleep=slept.append)
    sandbox.faults.latency = 0.25
    post(sandbox)
    assert slept == [0.25]
    sandbox.faults.clear()
    post(sandbox)
    assert slept == [0.25]


def test_clock_offset_moves_the_date_header_and_the_signature_window(sandbox: Sandbox) -> None:
    sandbox.faults.clock_offset = 3600
    with client(sandbox) as http:
        skewed = http.post(PATH, json=order())
    _forbidden(skewed, "3600 s old")
    assert parsedate_to_datetime(skewed.headers["date"]).timestamp() == T0 + 3600
    with client(sandbox, clock=lambda: T0 + 3600) as http:
        assert http.post(PATH, json=order()).status_code == 200


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_transport_with_latency_and_drop() -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        await anyio.lowlevel.checkpoint()

    sandbox = Sandbox(
        api_key=KEY, api_secret=SECRET, clock=lambda: T0, async_sleep=fake_sleep, faults=Faults(latency=0.5)
    )
    sandbox.queue(Fault.drop())
    async with httpx.AsyncClient(
        transport=sandbox.async_transport(),
        base_url=sandbox.base_url,
        auth=XCoverAuth(KEY, SECRET, clock=lambda: T0),
    ) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(PATH, json=order())
        response = await http.post(PATH, json=order())
    assert response.status_code == 200
    assert slept == [0.5, 0.5]


def test_handle_never_raises_and_hides_internals(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom: internal detail")

    monkeypatch.setattr("xcover_offers.sandbox._handlers.build_offer", broken)
    with client(sandbox) as http:
        response = http.post(PATH, json=order())
    assert response.status_code == 500
    assert response.json()["type"] == "internal_error"
    assert response.headers["x-request-id"] in response.json()["message"]
    assert "boom" not in response.text
    assert "Traceback" not in response.text
    assert "boom: internal detail" in caplog.text  # logged on the sandbox's side


def test_history_and_request_helpers(sandbox: Sandbox) -> None:
    post(sandbox, extra_fields="tax")
    exchange = sandbox.history[-1]
    assert isinstance(exchange.request, SandboxRequest)
    assert exchange.request.path == "/x/partners/LLODT/offers/"
    assert exchange.request.query == "extra_fields=tax"
    assert exchange.request.header("X-API-KEY") == KEY
    assert exchange.request.json()["customer"]["currency"] == "USD"
    assert exchange.response.json()["data"]["currency"] == "USD"
    assert exchange.at == T0
    assert "test-secret" not in repr(sandbox)


# -- packaging ------------------------------------------------------------------------------------


def test_importing_the_package_and_the_plugin_needs_no_openapi_core() -> None:
    code = (
        "import sys, xcover_offers, xcover_offers.sandbox, xcover_offers.sandbox.pytest_plugin\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('openapi_core', 'werkzeug', 'jsonschema')]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_spec_document_is_not_mutated_by_the_sandbox() -> None:
    from xcover_offers._spec import document

    before = copy.deepcopy(document())
    post(Sandbox(api_key=KEY, api_secret=SECRET, clock=lambda: T0))
    assert document() == before


# -- the pytest fixture ----------------------------------------------------------------------------


def test_fixture_gives_a_sandbox_and_a_client(xcover_sandbox: SandboxFixture) -> None:  # noqa: F811
    offer = xcover_sandbox.client.create_offer(
        customer={"currency": "EUR", "country": "DE", "language": "de-de"},
        events=[{"id": "e", "name": "n", "start_date": "2031-01-01T20:00:00+01:00", "country": "DE",
                 "tickets": [{"id": "t", "price": 100}]}],
        extra_fields=["tax"],
    )  # fmt: skip
    assert offer.currency == "EUR"
    assert [p.product_config_id for p in offer.products] == ["etp-basic", "etp-premium", "etp-flex"]
    assert offer.products[0].details.finance.price.total_amount_formatted == "5,50\u00a0€"
    assert offer.products[0].details.finance.tax.total_amount == 0.5
    assert xcover_sandbox.history[-1].response.status == 200
    assert xcover_sandbox.base_url == "https://xcover-sandbox.invalid/x"
    with xcover_sandbox.http_client(sign=False) as raw:
        assert raw.post(xcover_sandbox.offers_path(), json={}).status_code == 403
