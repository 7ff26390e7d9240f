"""The compiled schema validators (jsonschema-rs) on Draft 4 documents shaped like the shipped ones:
today's wording for their errors, first use from many threads, `$ref` cycles. What generation converts
(tools/draft4.py) is tested in tests/test_draft4.py."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import xcover_offers_api.api
from xcover_offers import RequestValidationError
from xcover_offers._constants import MAX_BODY_DEPTH
from xcover_offers._json_data import Invalid, explain
from xcover_offers._retry import parse_http_date
from xcover_offers._schema_check import DRAFT, Compiled, compiled, forget_compiled
from xcover_offers._spec import body_schema, document, json_schema, request_schema, resolve, response_schema
from xcover_offers._validation import build_body, schema_problem
from xcover_offers_api.api.create_offer.create_offer import OPERATION as CREATE_OFFER
from xcover_offers_api.operation import Operation

CUSTOMER = {"currency": "USD", "country": "US", "language": "en-us"}
EVENT = {
    "id": "e", "name": "n", "start_date": "2027-06-01T19:30:00+00:00", "country": "US",
    "tickets": [{"id": "t", "price": 5}],
}  # fmt: skip
PRICE = {"total_amount": 5.5, "total_amount_formatted": "$5.50"}
RESPONSE = {
    "data": {
        "id": "OFR-1",
        "currency": "USD",
        "products": [{"id": "q", "details": {"finance": {"price": PRICE}}}],
    }
}


ID = "urn:test"
"""The `id` of the trees made here: their `$ref`s name it, as generation writes them."""


def schemas(components: dict[str, Any], *, unbounded: Iterable[str] = ()) -> dict[str, Any]:
    """A schema document, for either direction, holding `components` (Draft 4 schemas)."""
    return {"$schema": DRAFT, "id": ID, "unbounded": list(unbounded), "components": {"schemas": components}}


def check_in(doc: dict[str, Any], name: str, value: Any, *, request: bool = True) -> str | None:
    """`path: reason` for a value against the component schema `name` of `doc`, or None."""
    try:
        Compiled(f"#/components/schemas/{name}", request=request, document=doc).check(value)
    except Invalid as exc:
        path, reason = explain(exc, list)
        return f"{path}: {reason}" if path else reason
    return None


def check(schema: dict[str, Any], value: Any, *, request: bool = True) -> str | None:
    """`path: reason` for a value against a throwaway Draft 4 schema, or None."""
    return check_in(schemas({"T": schema}), "T", value, request=request)


def offer_problem(payload: Any) -> str | None:
    return schema_problem(payload, response_schema(CREATE_OFFER, "200") or {})


# -- the shipped schemas -----------------------------------------------------------------------------


def _operations() -> list[Operation[Any]]:
    """The OPERATION of every generated endpoint module."""
    api = xcover_offers_api.api
    modules = [
        importlib.import_module(m.name) for m in pkgutil.walk_packages(api.__path__, f"{api.__name__}.")
    ]
    return [m.OPERATION for m in modules if hasattr(m, "OPERATION")]


def test_every_body_schema_of_the_shipped_spec_compiles() -> None:
    operations = _operations()
    assert len(operations) >= 4
    requests = [body_schema(op) for op in operations if op.has_body]
    responses = [
        response_schema(op, key) for op in operations for key, reader in op.readers.items() if reader
    ]
    assert None not in requests + responses, "every body the generated code reads has a schema"
    assert request_schema() in requests
    for found, request in ((requests, True), (responses, False)):
        for schema in found:
            assert schema is not None
            assert isinstance(compiled(schema, request=request), Compiled)


def test_a_body_schema_is_named_by_its_place_in_the_spec() -> None:
    ref = request_schema()["$ref"]
    assert ref == "#/paths/~1partners~1%7Bpartner_code%7D~1offers~1/post/requestBody/content/" + (
        "application~1json/schema"
    )
    spec_node = document()["paths"]["/partners/{partner_code}/offers/"]["post"]["requestBody"]["content"]
    assert resolve(request_schema()) is spec_node["application/json"]["schema"], (
        "the same pointer in the spec"
    )
    assert resolve(request_schema(), json_schema("request"))["type"] == "object", "and in the converted one"


def test_importing_the_wrapper_reads_no_schema_document() -> None:
    script = (
        "import xcover_offers, xcover_offers._spec as s; "
        "assert s.json_schema.cache_info().currsize == 0, 'a schema document was read at import'"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_the_validators_compile_the_draft_the_schemas_are_written_in() -> None:
    assert json_schema("request")["$schema"] == json_schema("response")["$schema"] == DRAFT
    later = {**schemas({"T": {}}), "$schema": "https://json-schema.org/draft/2020-12/schema"}
    with pytest.raises(LookupError, match=r"written in 'https://json-schema\.org/draft/2020-12/schema'"):
        Compiled("#/components/schemas/T", request=True, document=later)


def test_draft_4_integers_have_no_fraction_part() -> None:
    assert check({"type": "integer"}, 2) is None
    assert check({"type": "integer"}, 2.0) == "expected an integer, got float", "2.0 is a float to the models"


@pytest.mark.parametrize(
    ("schema", "value", "problem"),
    [
        ({"type": "string", "pattern": "^a"}, "b", "must match the pattern ^a"),
        ({"type": "integer", "multipleOf": 2}, 3, "does not fit the spec's 'multipleOf' rule"),
        ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, 1.5, "does not fit the spec's 'oneOf' rule"),
        ({"type": ["string", "integer"]}, 1.5, "expected an integer or a string, got float"),
    ],
)
def test_keywords_the_old_validator_lacked_work_and_never_show_the_value(
    schema: dict[str, Any], value: Any, problem: str
) -> None:
    assert check(schema, value) == problem


@pytest.mark.parametrize(
    ("schema", "value", "problem"),
    [
        ({"type": "string", "enum": ["a", "b"]}, "c", "must be one of a, b"),
        ({"type": "string", "minLength": 2}, "a", "must be at least 2 characters"),
        ({"type": "string", "maxLength": 2}, "abc", "must be at most 2 characters"),
        ({"type": "integer", "minimum": 1}, 0, "must be at least 1"),
        ({"type": "number", "maximum": 10}, "10.5", "must be at most 10"),
        ({"type": "integer"}, 2.0, "expected an integer, got float"),
        ({"type": "boolean"}, 1, "expected a boolean, got int"),
        ({"type": "string"}, None, "must not be null"),
        ({"type": "array", "items": {"type": "string"}}, ["a", 1], "[1]: expected a string, got int"),
        ({"type": "object", "required": ["a"]}, {}, "a: required field is missing"),
        (
            {"type": "object", "additionalProperties": False, "properties": {"a": {}}},
            {"b": 1},
            "b: is not a field",
        ),
        (
            {"type": "object", "additionalProperties": {"type": "integer"}},
            {"b": "x"},
            "b: expected an integer",
        ),
        ({"type": "string", "format": "date"}, "2027-13-01", "expected an ISO 8601 date"),
    ],
)
def test_keywords_mean_what_json_schema_says(schema: dict[str, Any], value: Any, problem: str) -> None:
    found = check(schema, value)
    assert found is not None
    assert problem in found


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": ["string", "null"]}, None),
        ({"type": "string", "enum": ["a", "b"]}, "b"),
        ({"type": "integer", "minimum": 1, "maximum": 3}, 3),
        ({"type": "object", "additionalProperties": False, "properties": {"a": {}}}, {"a": [1, {"b": None}]}),
        ({}, {"anything": [1, 2.5, "x", None, True]}),
    ],
)
def test_valid_values_pass(schema: dict[str, Any], value: Any) -> None:
    assert check(schema, value) is None


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        (
            {**EVENT, "start_date": 5},
            "events[0].start_date: expected an ISO 8601 date-time string or an aware",
        ),
        ({**EVENT, "start_date": "2027-06-01T19:30:00"}, "events[0].start_date: date-time has no timezone"),
        ({**EVENT, "start_date": dt.datetime(2027, 6, 1)}, "events[0].start_date: naive datetime"),
        ({**EVENT, "name": b"n"}, "events[0].name: expected a string, got bytes"),
        ({**EVENT, "name": None}, "events[0].name: must not be null"),
        (
            {**EVENT, "tickets": [{"id": "t", "price": b"5"}]},
            "events[0].tickets[0].price: expected a number (",
        ),
        (
            {**EVENT, "tickets": [{"id": "t", "price": "5", "seat": {1}}]},
            "events[0].tickets[0].seat: expected JSON",
        ),
        ({**EVENT, "ticket_count": 2.0}, "events[0].ticket_count: expected an integer, got float"),
    ],
)
def test_request_problems_are_worded_by_what_the_spec_expects_there(event: Any, problem: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        build_body(customer=CUSTOMER, events=[event], partner=None, schema=None)
    assert f"{info.value.path}: {info.value.reason}".startswith(problem)


# -- $ref: one resolver, cycles within one compilation -----------------------------------------------

TREE = schemas(
    {
        "Node": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": f"{ID}#/components/schemas/Node"}},
                "next": {"$ref": f"{ID}#/components/schemas/Alias"},
            },
        },
        "Alias": {"$ref": f"{ID}#/components/schemas/Node"},
    },
    unbounded=["/components/schemas/Node", "/components/schemas/Alias"],  # as generation finds them
)


def chain(depth: int, leaf: Any = "leaf") -> dict[str, Any]:
    node: dict[str, Any] = {"name": leaf}
    for _ in range(depth - 1):
        node = {"name": "n", "next": node}
    return node


def test_a_ref_cycle_compiles_and_checks_at_any_depth() -> None:
    assert (
        check_in(TREE, "Node", {"name": "a", "children": [chain(3), {"name": "b", "children": []}]}) is None
    )
    assert check_in(TREE, "Node", chain(5, leaf=7)) == "next.next.next.next.name: expected a string, got int"
    assert check_in(TREE, "Alias", {"name": "a", "children": [{"next": {}}]}) == (
        "children[0].name: required field is missing"
    )


@pytest.mark.parametrize("request_side", [True, False], ids=["as-request", "as-response"])
def test_a_ref_cycle_is_still_bounded_by_the_depth_limit(request_side: bool) -> None:
    # jsonschema-rs recurses natively: a response this deep would overflow its stack, not raise.
    assert check_in(TREE, "Node", chain(MAX_BODY_DEPTH), request=request_side) is None
    for depth in (MAX_BODY_DEPTH + 1, 100_000):
        problem = check_in(TREE, "Node", chain(depth), request=request_side)
        assert problem is not None
        assert problem.startswith("next.next.next.next.next.next.next.next...: nested more")


def test_a_schema_without_a_cycle_leaves_free_form_parts_of_a_response_unwalked() -> None:
    doc = schemas({"Leaf": {"type": "object", "properties": {"meta": {"type": "object"}}}})
    deep: dict[str, Any] = {}
    for _ in range(5000):
        deep = {"a": deep}
    assert check_in(doc, "Leaf", {"meta": deep}, request=False) is None


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"$ref": "#/components/schemas/Missing"}, "points to nothing"),
        ({"$ref": "#/components/schemas/Loop"}, "leads back to itself"),
        ({"$ref": "https://example.com/schema.json"}, "only local $refs"),
        ({"$ref": "#/components/schemas/List"}, "points to a list, not a schema"),
    ],
)
def test_resolve_refuses_refs_that_lead_nowhere(schema: dict[str, Any], message: str) -> None:
    doc = {"components": {"schemas": {"Loop": {"$ref": "#/components/schemas/Loop"}, "List": [1]}}}
    with pytest.raises(LookupError, match=re.escape(message)):
        resolve(schema, doc)


def test_resolve_follows_pointers_through_arrays_and_escapes() -> None:
    doc = {"paths": {"/a/b": {"params": [{"schema": {"type": "string"}}]}}}
    assert resolve({"$ref": "#/paths/~1a~1b/params/0/schema"}, doc) == {"type": "string"}
    assert resolve({"$ref": "#/paths/%7Ba%7D"}, {"paths": {"{a}": {"type": "string"}}}) == {"type": "string"}
    assert resolve({"type": "integer"}) == {"type": "integer"}, "no $ref: the schema itself"
    assert document()["openapi"].startswith("3.")


# -- first use from many threads ---------------------------------------------------------------------


def _first_use_from_threads(work: Callable[[], object], *, threads: int = 16, rounds: int = 8) -> list[str]:
    """Run `work` on `threads` threads at once, `rounds` times, each round from an empty cache."""
    failures: list[str] = []
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, inside compilation too
    try:
        for _ in range(rounds):
            forget_compiled()
            start = threading.Barrier(threads)

            def run(start: threading.Barrier = start) -> None:
                start.wait()
                try:
                    work()
                except BaseException as exc:  # any failure at all is the finding
                    failures.append(f"{type(exc).__name__}: {exc}"[:200])

            pool = [threading.Thread(target=run) for _ in range(threads)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
    finally:
        sys.setswitchinterval(old)
    return failures


def test_first_use_from_many_threads_is_safe() -> None:
    # Before the fix, concurrent first calls met another thread's half-built check and ended in
    # RecursionError (47 of 480 calls on this machine).
    def work() -> None:
        body = build_body(customer=CUSTOMER, events=[EVENT], partner={"id": "p", "metadata": {}}, schema=None)
        assert body["context"]["events"][0]["tickets"] == [{"id": "t", "price": 5}]
        assert offer_problem(RESPONSE) is None
        missing_price = [{**EVENT, "tickets": [{"id": "t"}]}]
        with pytest.raises(RequestValidationError, match=r"^events\[0\]\.tickets\[0\]\.price: required"):
            build_body(customer=CUSTOMER, events=missing_price, partner=None, schema=None)

    assert _first_use_from_threads(work) == []


def test_first_use_of_a_ref_cycle_from_many_threads_is_safe() -> None:
    def work() -> None:
        assert check_in(TREE, "Node", {"name": "a", "children": [chain(4)]}) is None
        assert check_in(TREE, "Node", chain(3, leaf=None)) == "next.next.name: must not be null"

    assert _first_use_from_threads(work) == []


def test_a_schema_is_compiled_once() -> None:
    forget_compiled()
    first = compiled(request_schema(), request=True)
    assert compiled(request_schema(), request=True) is first
    error = {"$ref": "#/components/schemas/ErrorResponse"}  # a component: in both directions
    assert compiled(error, request=False) is not compiled(error, request=True), "responses compile apart"


# -- the one HTTP-date parser (for the client's Date and Retry-After handling) ----------------------


@pytest.mark.parametrize(
    ("value", "lenient", "strict"),
    [
        ("Thu, 04 Nov 2021 18:07:11 GMT", 1636049231.0, 1636049231.0),
        ("Thu, 04 Nov 2021 20:07:11 +0200", 1636049231.0, 1636049231.0),
        ("Thu, 04 Nov 2021 18:07:11 -0000", 1636049231.0, None),  # "-0000" is RFC 5322's "zone unknown"
        ("Thu, 04 Nov 2021 18:07:11", 1636049231.0, None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 253402300799.0, 253402300799.0),
        ("Thu, 04 Nov 99999 18:07:11 GMT", None, None),
        ("not a date", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_parse_http_date(value: str | None, lenient: float | None, strict: float | None) -> None:
    assert parse_http_date(value) == lenient
    assert parse_http_date(value, require_zone=True) == strict
