"""Contract: schemathesis generates requests from the patched spec, valid and invalid, signs them
correctly, and sends them to the sandbox. No answer may be a 5xx, and every answer must conform to the
spec (status, content type, body schema), checked by schemathesis's own response checks.

Bounded for CI: a fixed number of generated cases per mode, deterministic generation, no example
database, the in-process transport (the server's own HTTP handling has its tests elsewhere).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import status_code_conformance
from xcover_offers import XCoverAuth
from xcover_offers.sandbox import Sandbox

# The slowest sweep, and it checks the sandbox's answers against the document: run on the first
# supported Python only (pyproject's `once` marker); the sandbox's own tests run on every one.
pytestmark = pytest.mark.once

KEY, SECRET = "contract-key", "contract-secret"
MAX_EXAMPLES = 60
# The 422s the sandbox may give a request that schemathesis generates as valid: its documented
# business rules, and empty query values, which OpenAPI 3.0 forbids (allowEmptyValue defaults to false)
# but schemathesis produces in positive mode.
BUSINESS_RULES = ("must be greater than or equal to 0", "must be less than or equal to 1000000000")
QUERY_PARAMETERS = ("active_only", "include_content", "extra_fields", "exclude_offer_ids")
# Answers the spec does not document: 400 for a body that is not JSON, 415 for a non-JSON content type.
HTTP_LEVEL_REJECTIONS = (400, 415)
# Operations on offers and bookings the sandbox keeps: a generated id names none it made.
PURCHASE_FLOW = ("confirm_offer", "opt_out_offer", "get_booking")
# Operations that take only non-empty strings in the path (and a free-form header): no request to them
# can be made invalid, so schemathesis would skip them in negative mode; their valid cases run.
NOTHING_TO_MUTATE = ("get_booking", "opt_out_offer")


def _schema(mode: GenerationMode) -> Any:
    raw = json.loads(
        resources.files("xcover_offers_api").joinpath("openapi.json").read_text(encoding="utf-8")
    )
    schema = schemathesis.openapi.from_dict(raw)
    schema.config.generation.update(
        modes=[mode],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
        database="none",
        # The signature is computed per request below; a generated Authorization would replace it.
        with_security_parameters=False,
    )
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    return schema


positive = _schema(GenerationMode.POSITIVE)
negative = _schema(GenerationMode.NEGATIVE).exclude(operation_id=list(NOTHING_TO_MUTATE))
# Positive data may meet a business rule the spec cannot express (a negative price); the acceptance
# rule is asserted by hand below, with those rules as the only allowed exception.
positive.config.checks.update(excluded_check_names=["positive_data_acceptance", "ignored_auth"])
# ignored_auth expects a rejection when it alters the generated credentials, but the signature here is
# computed per request outside schemathesis; signature failures have their own tests.
negative.config.checks.update(excluded_check_names=["ignored_auth"])


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    # Generated cases may share an x-idempotency-key (the spec declares the header) with different
    # bodies; replays are off so each case is judged alone. The contract has its own tests.
    return Sandbox(api_key=KEY, api_secret=SECRET, check_responses=True, idempotency_retention=0)


@pytest.fixture(scope="module")
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sandbox.transport(), auth=XCoverAuth(KEY, SECRET)) as client:
        yield client


def send(case: Any, http: httpx.Client, sandbox: Sandbox) -> httpx.Response:
    """Send a generated case, signed: the transport kwargs schemathesis serialises, in httpx terms."""
    kwargs = case.as_transport_kwargs(base_url=sandbox.base_url)
    cookies = kwargs.pop("cookies", None)
    if cookies:
        kwargs.setdefault("headers", {})["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if isinstance(kwargs.get("data"), bytes | str):
        kwargs["content"] = kwargs.pop("data")
    response = http.request(**kwargs)
    assert response.status_code < 500, response.text
    return response


@positive.parametrize()
def test_valid_requests_are_priced_and_conform(case: Any, http: httpx.Client, sandbox: Sandbox) -> None:
    response = send(case, http, sandbox)
    case.validate_response(response)
    if case.operation.definition.raw.get("operationId") in PURCHASE_FLOW and response.status_code == 404:
        assert response.json()["type"] == "not_found"
    elif not 200 <= response.status_code < 300:
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert errors
        for key, messages in errors.items():
            allowed = ["Must not be empty."] if key in QUERY_PARAMETERS else BUSINESS_RULES
            assert all(m in allowed for m in messages), response.text


@negative.parametrize()
def test_invalid_requests_are_rejected_and_conform(case: Any, http: httpx.Client, sandbox: Sandbox) -> None:
    response = send(case, http, sandbox)
    if response.status_code in HTTP_LEVEL_REJECTIONS:
        # A body that is not JSON at all never reaches the spec's 422; the answer still has its shape.
        case.validate_response(response, excluded_checks=[status_code_conformance])
        body = response.json()
        assert set(body) == {"type", "message"}
        assert all(isinstance(v, str) for v in body.values())
    else:
        case.validate_response(response)
    assert 400 <= response.status_code < 500 or 200 <= response.status_code < 300


def test_the_operations_left_out_of_the_negative_run_still_have_nothing_to_mutate() -> None:
    # One that gains a body, a query parameter or a constrained value belongs in the negative run again.
    document = json.loads(
        resources.files("xcover_offers_api").joinpath("openapi.json").read_text(encoding="utf-8")
    )
    left_out = [
        (operation, [*item.get("parameters", []), *operation.get("parameters", [])])
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and operation.get("operationId") in NOTHING_TO_MUTATE
    ]
    assert len(left_out) == len(NOTHING_TO_MUTATE)
    for operation, parameters in left_out:
        assert "requestBody" not in operation
        for parameter in parameters:
            free = {"type": "string"} if parameter["in"] == "header" else {"type": "string", "minLength": 1}
            assert parameter["in"] in ("path", "header")
            assert parameter["schema"] == free
