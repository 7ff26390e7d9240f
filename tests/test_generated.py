"""The generated low-level client: reproducible, and correct on the wire and in parsing."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import codegen
import httpx
import pytest
from xcover_offers_api import Client, _spec_facts
from xcover_offers_api.api.confirm_offer import confirm_offer
from xcover_offers_api.api.create_offer import create_offer
from xcover_offers_api.api.get_booking import get_booking
from xcover_offers_api.api.opt_out_offer import opt_out_offer
from xcover_offers_api.models import (
    Booking,
    ConfirmOfferRequest,
    Customer,
    ErrorResponse,
    Event,
    Insured,
    OfferRequest,
    OfferResponse,
    Policyholder,
    QuoteSelection,
    RequestContext,
    Ticket,
    ValidationErrorResponse,
)

ROOT = Path(__file__).resolve().parent.parent


# generated/ against a fresh generation (the golden-record check) runs once, in `nox -s check_generated`.


@pytest.mark.once  # the generation tools
def test_drift_check_shows_a_readable_diff(tmp_path: Path) -> None:
    committed = tmp_path / "committed"
    fresh = tmp_path / "fresh"
    for root in (committed, fresh):
        (root / "models").mkdir(parents=True)
        (root / "models" / "a.py").write_text("x = 1\ny = 2\n")
    (committed / "models" / "a.py").write_text("x = 1\n")
    diff = codegen.diff_trees(fresh, committed)
    assert "--- committed/models/a.py" in diff
    assert "+++ fresh/models/a.py" in diff
    assert "+y = 2" in diff


def _patched() -> dict[str, Any]:
    return codegen.patched_document((ROOT / "openapi.json").read_text(encoding="utf-8"))


def _extra_fields_param(doc: dict[str, Any]) -> dict[str, Any]:
    params = doc["paths"][codegen.CREATE_OFFER_PATH]["post"]["parameters"]
    param: dict[str, Any] = next(p for p in params if p["name"] == "extra_fields")
    return param


@pytest.mark.once  # the generation tools
def test_spec_facts_are_those_of_the_shipped_document() -> None:
    shipped = json.loads((ROOT / "generated" / "xcover_offers_api" / "openapi.json").read_text("utf-8"))
    facts = codegen.spec_facts(shipped)
    assert facts == {name: getattr(_spec_facts, name) for name in facts}
    assert _spec_facts.EXTRA_FIELDS == ("tax", "commission", "benefits", "surcharge")
    assert shipped["servers"][0]["url"] == _spec_facts.DEFAULT_SERVER
    assert tuple(shipped["info"]["x-spec-fixes"]) == _spec_facts.SPEC_FIXES


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("Comma-separated extra fields: tax, commission.", "no longer ends with 'Available fields: a, b, c'"),
        ("Available fields: tax, commission. More will be added", "cannot read the extra_fields values"),
        ("Available fields: tax, Tax Amount", "cannot read the extra_fields values"),
        ("Available fields: tax, tax", "cannot read the extra_fields values"),
    ],
)
@pytest.mark.once  # the generation tools
def test_reworded_extra_fields_fail_generation_not_import(
    tmp_path: Path, description: str, message: str
) -> None:
    upstream = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    _extra_fields_param(upstream)["description"] = description
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(upstream), encoding="utf-8")
    with pytest.raises(codegen.PipelineError, match=message) as info:
        codegen.generate(tmp_path / "out", spec=spec)
    assert "EXTRA_FIELDS_PROSE in tools/codegen.py" in str(info.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.once  # the generation tools
def test_extra_fields_enum_declared_upstream_wins_over_the_prose() -> None:
    doc = _patched()
    items = {"type": "string", "enum": ["tax", "files"]}
    _extra_fields_param(doc)["schema"] = {"type": "array", "items": items}
    assert codegen.spec_facts(doc)["EXTRA_FIELDS"] == ("tax", "files")


@pytest.mark.once  # the generation tools
def test_missing_operation_or_parameter_fails_generation() -> None:
    doc = _patched()
    operation = doc["paths"][codegen.CREATE_OFFER_PATH]["post"]
    operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "extra_fields"]
    with pytest.raises(codegen.PipelineError, match="no longer declares the query parameter 'extra_fields'"):
        codegen.spec_facts(doc)
    moved = _patched()
    moved["paths"]["/quotes/"] = moved["paths"].pop(codegen.CREATE_OFFER_PATH)
    with pytest.raises(codegen.PipelineError, match="has no POST /partners/"):
        codegen.spec_facts(moved)


def test_importing_the_wrapper_reads_no_spec_document() -> None:
    script = (
        "import xcover_offers, xcover_offers._spec as s; "
        "assert s.document.cache_info().currsize == 0, 'openapi.json was parsed at import'"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_readable_model_names() -> None:
    import xcover_offers_api.models as models

    for name in (
        "OfferRequest", "Customer", "Partner", "PartnerMetadata", "RequestContext", "Event", "Ticket",
        "OfferResponse", "Offer", "OfferContent", "Product", "ProductDetails", "ProductExtraFields",
        "ProductFile", "Finance", "Price", "Tax", "Surcharge", "Commission", "Benefit", "Experiment",
        "ErrorResponse", "ValidationErrorResponse", "ValidationErrors",
        "ConfirmOfferRequest", "QuoteSelection", "Insured", "Policyholder", "PaymentDetails",
        "Booking", "BookingQuote", "BookingPolicy",
    ):  # fmt: skip
        assert hasattr(models, name), name
    path_derived = ("CreateOffer", "ConfirmOfferBody", "ConfirmOfferResponse", "GetBooking", "OptOut")
    assert not [n for n in models.__all__ if n.startswith(path_derived)]


def _sample_body() -> OfferRequest:
    event = Event(
        id="ev-1",
        name="Concert",
        start_date=dt.datetime(2027, 1, 2, 20, 0, tzinfo=dt.UTC),
        country="US",
        tickets=[Ticket(id="t1", price=50.5)],
    )
    return OfferRequest(
        customer=Customer(currency="USD", country="US", language="en-us"),
        context=RequestContext(events=[event]),
    )


def test_endpoint_sends_method_path_query_and_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"id": "offer-1", "currency": "USD", "products": []}})

    client = Client(
        base_url="https://api.xcover.com/x", httpx_args={"transport": httpx.MockTransport(handler)}
    )
    result = create_offer.sync(
        "AB C/1",
        client=client,
        body=_sample_body(),
        extra_fields="tax,commission",
        exclude_offer_ids="cfg_1,cfg_2",
        active_only=True,
        include_content=False,
    )
    (request,) = seen
    assert request.method == "POST"
    assert request.url.raw_path.split(b"?")[0] == b"/x/partners/AB%20C%2F1/offers/"
    assert dict(request.url.params) == {
        "active_only": "true",
        "include_content": "false",
        "extra_fields": "tax,commission",
        "exclude_offer_ids": "cfg_1,cfg_2",
    }
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "customer": {"currency": "USD", "country": "US", "language": "en-us"},
        "context": {
            "events": [
                {
                    "id": "ev-1",
                    "name": "Concert",
                    "start_date": "2027-01-02T20:00:00+00:00",
                    "country": "US",
                    "tickets": [{"id": "t1", "price": 50.5}],
                }
            ]
        },
    }
    assert isinstance(result, OfferResponse)


FULL_RESPONSE: dict[str, Any] = {
    "data": {
        "id": "OFR-1",
        "currency": "USD",
        "products": [
            {
                "id": "QTE-1",
                "product_config_id": "cfg_basic",
                "type": None,
                "schema_url": "https://example.test/schema.json",
                "details": {
                    "policy_version_id": "pv-1",
                    "start_date": "2027-01-02T20:00:00+00:00",
                    "end_date": None,
                    "finance": {
                        "price": {
                            "total_amount": 7.5,
                            "total_amount_without_tax": None,
                            "total_amount_formatted": "$7.50",
                            "total_amount_without_tax_formatted": None,
                        },
                        "tax": {"total_amount": 0.5, "total_amount_formatted": "$0.50"},
                        "surcharge": {"total_amount": None, "total_amount_formatted": None},
                        "commission": {"total_amount": 1.5, "total_amount_formatted": "$1.50", "rate": 0.2},
                        "unknown_finance": {"x": 1},
                    },
                    "pds_url": "https://example.test/pds.pdf",
                    "files": [
                        {"name": "PDS", "url": "https://example.test/pds.pdf", "type": "pds", "size": 3}
                    ],
                    "extra_fields": {
                        "seller_entity": "XCover Ltd",
                        "event_datetime": "2027-01-02T20:00:00+00:00",
                        "policy_start_date": None,
                        "policy_start_calculated": "2027-01-01T00:00:00+00:00",
                        "event_id": None,
                        "customer_id": None,
                        "esim_eligible": False,
                        "esimid": None,
                        "same_day": False,
                        "not_in_spec": ["kept"],
                    },
                    "experiment": [{"arm": "b"}],
                    "benefits": [{"name": "Refund", "limit": 100}],
                    "new_detail": True,
                },
                "future_field": {"nested": [1, 2]},
            }
        ],
        "content": {"schema_version": "2", "locale": "en-us", "title": "Ticket protection"},
        "provider_reference": "PR-1",
        "unannounced": "kept",
    },
    "meta": {"request_id": "r-1"},
}


def test_models_round_trip_a_full_response() -> None:
    parsed = OfferResponse.from_dict(FULL_RESPONSE)
    assert parsed.to_dict() == FULL_RESPONSE
    product = parsed.data.products[0]  # type: ignore[union-attr,index]
    assert product.details.finance.price.total_amount == 7.5  # type: ignore[union-attr]
    assert product.details.finance.price.total_amount_without_tax is None  # type: ignore[union-attr]
    assert product.details.extra_fields["not_in_spec"] == ["kept"]  # type: ignore[union-attr,index]
    assert product["future_field"] == {"nested": [1, 2]}


@pytest.mark.parametrize("status", [403, 422])
def test_error_bodies_parse(status: int) -> None:
    body = {"type": "x", "message": "m", "errors": {"customer.currency": ["required"]}}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    client = Client(base_url="https://h/x", httpx_args={"transport": httpx.MockTransport(handler)})
    response = create_offer.sync_detailed("P", client=client, body=_sample_body())
    assert response.status_code == status
    assert response.parsed is not None
    assert response.parsed.to_dict() == body


def test_create_offers_query_parameters_are_the_ones_redaction_shows() -> None:
    """`redact_url` shows a reviewed list of query parameters and hides any other: Create Offer's are
    on it, as its generated OPERATION lists them."""
    from xcover_offers._constants import LOGGED_QUERY_PARAMETERS
    from xcover_offers_api.api.create_offer.create_offer import OPERATION

    assert set(OPERATION.query_parameters) == LOGGED_QUERY_PARAMETERS


# --------------------------------------------------------------------------------------------------
# The operations from spec-additions/: Confirm Offer, Opt-out Offer, Get Booking

BOOKING: dict[str, Any] = {
    "id": "8WD8Y-LTEKE-INS",
    "status": "CONFIRMED",
    "currency": "USD",
    "total_price": 4.27,
    "total_price_formatted": "US$4.27",
    "partner_transaction_id": None,
    "created_at": "2026-03-02T10:15:20.529799+00:00",
    "quotes": [
        {
            "id": "201eb11b-4494-40e8-97fa-e107c76501bf",
            "status": "CONFIRMED",
            "price": 4.27,
            "policy": {"policy_type": "event_ticket_protection", "policy_name": "Missed Event Cover"},
            "duration": "30 18:58:19.248773",
        }
    ],
}


def _client(status: int, body: Any, seen: list[httpx.Request]) -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status) if body is None else httpx.Response(status, json=body)

    return Client(base_url="https://h/x", httpx_args={"transport": httpx.MockTransport(handler)})


@pytest.mark.parametrize("status", [200, 201, 409])
def test_confirm_sends_the_quotes_and_policyholder_and_reads_a_booking(status: int) -> None:
    """200 and 201 are both documented success (the statuses the confirm page shows were not readable);
    409 is a repeat under the same idempotency key, answered with the stored booking."""
    seen: list[httpx.Request] = []
    body = ConfirmOfferRequest(
        quotes=[
            QuoteSelection(id="201eb11b-4494-40e8-97fa-e107c76501bf", insured=[Insured.from_dict({"a": 1})])
        ],
        policyholder=Policyholder(
            first_name="Jo", last_name="Doe", email="jo@example.com", phone="+61400000000", country="AU"
        ),
        partner_transaction_id="order-1",
    )
    key = "a1b2c3d4-0000-4000-8000-000000000000"
    response = confirm_offer.sync_detailed(
        "LLODT",
        "OFR 1",
        client=_client(status, BOOKING, seen),
        body=body,
        x_idempotency_key=key,  # type: ignore[arg-type]
    )
    (request,) = seen
    assert (request.method, request.url.raw_path) == ("POST", b"/x/partners/LLODT/offers/OFR%201/confirm/")
    assert request.headers["x-idempotency-key"] == key
    assert json.loads(request.content) == {
        "quotes": [{"id": "201eb11b-4494-40e8-97fa-e107c76501bf", "insured": [{"a": 1}]}],
        "policyholder": {
            "first_name": "Jo", "last_name": "Doe", "email": "jo@example.com", "phone": "+61400000000",
            "country": "AU",
        },
        "partner_transaction_id": "order-1",
    }  # fmt: skip
    booking = response.parsed
    assert isinstance(booking, Booking)
    assert booking.to_dict() == BOOKING
    assert booking.quotes[0].policy.policy_name == "Missed Event Cover"  # type: ignore[index,union-attr]
    assert booking.partner_transaction_id is None


def test_opt_out_and_get_booking_on_the_wire() -> None:
    seen: list[httpx.Request] = []
    opted = opt_out_offer.sync_detailed(
        "LLODT", "OFR-1", client=_client(204, None, seen), x_idempotency_key="k"
    )
    assert opted.status_code == 204
    assert opted.parsed is None
    fetched = get_booking.sync("LLODT", "8WD8Y-LTEKE-INS", client=_client(200, BOOKING, seen))
    assert isinstance(fetched, Booking)
    assert fetched.id == "8WD8Y-LTEKE-INS"
    opt_out_request, get_request = seen
    assert (opt_out_request.method, opt_out_request.url.raw_path, opt_out_request.content) == (
        "POST", b"/x/partners/LLODT/offers/OFR-1/opt_out/", b""
    )  # fmt: skip
    assert opt_out_request.headers["x-idempotency-key"] == "k"
    assert (get_request.method, get_request.url.raw_path) == (
        "GET",
        b"/x/partners/LLODT/bookings/8WD8Y-LTEKE-INS/",
    )


def test_operations_describe_what_the_pipeline_needs() -> None:
    """The generated OPERATION of each: every POST takes an idempotency key; one reader per status."""
    confirm, opt_out, get, create = (
        m.OPERATION for m in (confirm_offer, opt_out_offer, get_booking, create_offer)
    )
    key = ("x-idempotency-key", "x_idempotency_key")  # as the spec and the builder name it
    assert [op.header_parameters for op in (confirm, opt_out, get, create)] == [
        (key,), (key,), (), (key,)
    ]  # fmt: skip
    assert (confirm.path_parameters, get.path_parameters) == (
        ("partner_code", "offer_id"),
        ("partner_code", "booking_id"),
    )
    assert (confirm.has_body, opt_out.has_body, get.has_body) == (True, False, False)
    assert confirm.readers == {
        "200": Booking.from_dict, "201": Booking.from_dict, "403": ErrorResponse.from_dict,
        "404": ErrorResponse.from_dict, "409": Booking.from_dict, "422": ValidationErrorResponse.from_dict,
        "423": ErrorResponse.from_dict,
    }  # fmt: skip
    assert confirm.success_keys == ("200", "201")
    assert opt_out.readers == {"204": None, "403": ErrorResponse.from_dict, "404": ErrorResponse.from_dict}
    assert get.readers == {
        "200": Booking.from_dict,
        "403": ErrorResponse.from_dict,
        "404": ErrorResponse.from_dict,
    }
    assert create.readers["403"] == ErrorResponse.from_dict  # one error model for every operation
