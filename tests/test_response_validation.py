"""A 200 is checked against the spec's response schema, by the validator that checks requests."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from xcover_offers import OffersClient, event, ticket
from xcover_offers._params import ALLOWED_EXTRA_FIELDS
from xcover_offers._spec import response_schema
from xcover_offers._validation import schema_problem
from xcover_offers.sandbox import Sandbox
from xcover_offers_api.api.create_offer.create_offer import OPERATION as CREATE_OFFER

START = dt.datetime(2031, 6, 1, 19, tzinfo=dt.UTC)


def response_problem(payload: Any) -> str | None:
    """Why a Create Offer 200 body does not fit the spec, as the client checks it; None if it fits."""
    schema = response_schema(CREATE_OFFER, "200")
    assert schema is not None
    return schema_problem(payload, schema)


def offer_body() -> dict[str, Any]:
    """A Create Offer 200 body with every part the spec describes (as `extra_fields=...` all asks)."""
    url = "https://xcover.example/pds/etp.pdf"
    return {
        "data": {
            "id": "OFR-1",
            "currency": "USD",
            "products": [
                {
                    "id": "QUOTE-1",
                    "product_config_id": "etp-basic",
                    "type": "event_ticket_protection",
                    "schema_url": "https://xcover.example/schemas/etp_v1.json",
                    "details": {
                        "policy_version_id": "etp-basic-v1",
                        "start_date": "2027-01-15T08:00:00+00:00",
                        "end_date": "2027-06-01T23:59:59+00:00",
                        "finance": {
                            "price": {
                                "total_amount": 10.45, "total_amount_formatted": "$10.45",
                                "total_amount_without_tax": 9.5,
                                "total_amount_without_tax_formatted": "$9.50",
                            },
                            "tax": {"total_amount": 0.95, "total_amount_formatted": "$0.95"},
                            "commission": {"total_amount": 1.9, "total_amount_formatted": "$1.90"},
                        },
                        "pds_url": url,
                        "files": [{"name": "Product disclosure statement", "url": url, "type": "pds"}],
                        "extra_fields": {"event_datetime": "2027-06-01T19:30:00+00:00", "customer_id": None},
                        "experiment": [],
                        "benefits": [{"name": "Illness", "description": "Refund if you cannot attend."}],
                    },
                }
            ],
        }
    }  # fmt: skip


def with_value(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `body` with `value` at a dotted path (`data.products.0.details.start_date`)."""
    result = copy.deepcopy(body)
    node: Any = result
    *parents, last = path.split(".")
    for step in parents:
        node = node[int(step)] if isinstance(node, list) else node[step]
    node[int(last) if isinstance(node, list) else last] = value
    return result


def test_a_complete_offer_fits() -> None:
    assert response_problem(offer_body()) is None
    assert response_problem({"data": {"id": "OFR-1", "currency": "USD", "products": []}}) is None


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        # The four seen in issue 11, each of which became a wrongly typed attribute of an `Offer`.
        (
            "data.products.0.details.finance.price.total_amount", "abc",
            "data.products[0].details.finance.price.total_amount: expected a number, got str",
        ),
        ("data.products.0.details.start_date", "not-a-date",
         "data.products[0].details.start_date: expected an ISO 8601 date-time"),
        ("data.id", 5, "data.id: expected a string, got int"),
        ("data.currency", ["USD"], "data.currency: expected a string, got list"),
        # More of the same kind.
        ("data.products", {"0": {}}, "data.products: expected an array, got dict"),
        ("data.products.0.details.finance.tax.total_amount", True,
         "data.products[0].details.finance.tax.total_amount: expected a number, got bool"),
        ("data.products.0.details.finance.price.total_amount", float("nan"),
         "data.products[0].details.finance.price.total_amount: must be a finite number"),
        ("data.products.0.details.files.0.url", None,
         "data.products[0].details.files[0].url: must not be null"),
        ("data", "OFR-1", "data: expected an object, got str"),
    ],
)  # fmt: skip
def test_a_wrong_type_is_named_by_its_path(path: str, value: Any, problem: str) -> None:
    assert response_problem(with_value(offer_body(), path, value)) == problem


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ([], "expected an object, got list"),
        ("offer", "expected an object, got str"),
        (None, "must not be null"),
    ],
)
def test_a_body_that_is_not_an_object(payload: Any, problem: str) -> None:
    assert response_problem(payload) == problem


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("data.unannounced", {"kept": True}),
        ("data.products.0.new_field", [1, "two"]),
        ("data.products.0.details.finance.discount", {"total_amount": "not checked: unknown"}),
        ("data.products.0.details.extra_fields.brand_new", object()),
    ],
)
def test_unknown_fields_are_allowed(path: str, value: Any) -> None:
    assert response_problem(with_value(offer_body(), path, value)) is None


@pytest.mark.parametrize(
    "path",
    [
        "data.products.0.type",
        "data.products.0.schema_url",
        "data.products.0.details.start_date",
        "data.products.0.details.finance.price.total_amount",
        "data.products.0.details.finance.price.total_amount_formatted",
    ],
)
def test_nullable_fields_may_be_null(path: str) -> None:
    assert response_problem(with_value(offer_body(), path, None)) is None


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        ("2027-01-15T08:00:00+00:00", True),
        ("2027-01-15T08:00:00Z", True),
        ("2027-01-15T08:00:00.123456+11:00", True),
        # What the generated parser (datetime.fromisoformat) turns into a datetime is accepted: the
        # spec does not pin XCover's form down further, and a response must not be refused for less.
        ("2027-01-15T08:00:00", True),
        ("2027-01-15", True),
        ("not-a-date", False),
        ("15/01/2027 08:00", False),
        ("", False),
    ],
)
def test_response_date_times_must_parse(value: str, fits: bool) -> None:
    problem = response_problem(with_value(offer_body(), "data.products.0.details.start_date", value))
    assert (problem is None) is fits, problem


def test_formats_the_generated_models_keep_as_text_are_not_checked() -> None:
    assert response_problem(with_value(offer_body(), "data.products.0.schema_url", "not a uri")) is None


def test_free_form_parts_are_not_walked() -> None:
    # A response's free-form parts are JSON already; walking them would only cost time (or, this
    # deep, the stack).
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    assert (
        response_problem(with_value(offer_body(), "data.products.0.details.extra_fields.deep", deep)) is None
    )
    assert response_problem(with_value(offer_body(), "data.deep", deep)) is None


def test_the_caller_payload_is_not_modified() -> None:
    body = with_value(offer_body(), "data.products.0.details.finance.price.total_amount", "12.50")
    before = copy.deepcopy(body)
    assert response_problem(body) is not None, "responses are checked, never converted"
    assert body == before


def _error_schema(status: str) -> Mapping[str, Any]:
    schema = response_schema(CREATE_OFFER, status)
    assert schema is not None
    return schema


@pytest.mark.parametrize(
    ("status", "payload", "problem"),
    [
        ("403", {"type": "forbidden", "message": "Signature string does not match!"}, None),
        ("403", {"message": 403}, "message: expected a string, got int"),
        (
            "422",
            {"type": "validation", "message": "bad", "errors": {"customer.email": ["Not a valid email."]}},
            None,
        ),
        ("422", {"errors": ["Not a valid email."]}, "errors: expected an object, got list"),
    ],
)
def test_error_bodies_are_checked_by_the_same_validator(
    status: str, payload: Any, problem: str | None
) -> None:
    assert schema_problem(payload, _error_schema(status)) == problem


@pytest.mark.parametrize("include_content", [True, False])
def test_what_the_sandbox_answers_fits(include_content: bool) -> None:
    sandbox = Sandbox()
    with OffersClient(
        api_key="sandbox-key",
        api_secret="sandbox-secret",
        partner_code="LLODT",
        http_client=sandbox.transport(),
    ) as client:
        result = client.create_offer_with_response(
            customer={"currency": "EUR", "country": "DE", "language": "de-de"},
            events=[
                event(id="e", name="Konzert", country="DE", start_date=START,
                      tickets=[ticket(id="t", price="80.00"), ticket(id="u", price=12.5)])
            ],
            extra_fields=list(ALLOWED_EXTRA_FIELDS),
            include_content=include_content,
        )  # fmt: skip
    assert result.status_code == 200
    assert response_problem(result.json()) is None
