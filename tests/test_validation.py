"""The compiled schema validators (jsonschema-rs): the OpenAPI conversion, today's wording for their
errors, first use from many threads, `$ref` cycles."""

from __future__ import annotations

import datetime as dt
import re
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xcover_offers import RequestValidationError
from xcover_offers._constants import MAX_BODY_DEPTH
from xcover_offers._json_data import Invalid, explain
from xcover_offers._retry import parse_http_date
from xcover_offers._schema_check import _COMMON_DATE_TIME, Compiled, compiled, forget_compiled, json_schema
from xcover_offers._spec import document, request_schema, resolve
from xcover_offers._validation import build_body, response_problem

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


def check(schema: dict[str, Any], value: Any, *, request: bool = True, root: Any = None) -> str | None:
    """`path: reason` for a value against a throwaway schema, or None."""
    try:
        compiled(schema, request=request, root=root).check(value)
    except Invalid as exc:
        path, reason = explain(exc, list)
        return f"{path}: {reason}" if path else reason
    return None


# -- the OpenAPI 3.0 schema as JSON Schema Draft 4 ---------------------------------------------------


def _operation_schemas() -> list[dict[str, Any]]:
    """Every request and response schema of every operation in the shipped spec."""
    schemas = []
    for path_item in document()["paths"].values():
        for op in path_item.values():
            if not isinstance(op, dict):
                continue
            for part in [op.get("requestBody", {}), *op.get("responses", {}).values()]:
                schemas.extend(media["schema"] for media in resolve(part).get("content", {}).values())
    assert request_schema() in schemas
    return schemas


@pytest.mark.parametrize("request_side", [True, False], ids=["as-request", "as-response"])
def test_every_schema_of_the_shipped_spec_compiles(request_side: bool) -> None:
    for schema in _operation_schemas():
        assert isinstance(compiled(schema, request=request_side), Compiled)


def test_the_openapi_conversion() -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "nullable": {"type": "string", "nullable": True, "enum": ["a"], "example": {"nullable": True}},
            "format": {"type": "string", "format": "email", "x-note": {"type": "integer", "nullable": True}},
            "when": {"type": "string", "format": "date"},
            "ref": {"$ref": "#/components/schemas/Thing"},
        },
    }
    assert json_schema(schema, request=True) == {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "nullable": {"type": ["string", "null"], "enum": ["a", None], "example": {"nullable": True}},
            "format": {"type": "string", "x-note": {"type": "integer", "nullable": True}},
            "when": {"type": "string", "format": "date"},
            "ref": {"$ref": "urn:xcover-offers:openapi#/components/schemas/Thing"},
        },
    }, "property names are never read as keywords, examples and extensions are data"
    assert "additionalProperties" not in json_schema(schema, request=False), "responses allow new fields"
    assert json_schema({"type": "string", "format": "date-time"}, request=True) == {
        "type": "string", "anyOf": [{"pattern": _COMMON_DATE_TIME}, {"format": "date-time"}],
    }  # fmt: skip


def test_only_local_refs_are_followed_so_nothing_is_fetched() -> None:
    with pytest.raises(LookupError, match=re.escape("only local $refs are supported")):
        compiled({"$ref": "https://example.com/schema.json"}, request=True)


@given(st.from_regex(_COMMON_DATE_TIME, fullmatch=True))
def test_the_usual_date_time_form_is_one_the_generated_parser_reads_with_an_offset(text: str) -> None:
    assert dt.datetime.fromisoformat(text).utcoffset() is not None


@pytest.mark.parametrize(
    "text",
    ["2027-01-15T08:00:00Z\n", "2027-02-30T08:00:00Z", "0000-01-15T08:00:00Z", "2027-01-15T08:00:00+24:00"],
)
def test_what_the_usual_form_refuses_goes_to_the_generated_parser_s_own_rule(text: str) -> None:
    # jsonschema-rs's `$` is the end of the text (Python's also matches before a final newline).
    assert (
        check({"type": "string", "format": "date-time"}, text, request=False)
        == "expected an ISO 8601 date-time"
    )
    assert check({"type": "string", "format": "date-time"}, "2028-02-29T08:00:00", request=False) is None


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


def test_annotations_and_extensions_are_ignored_on_purpose() -> None:
    schema = {
        "type": "string", "description": "d", "title": "t", "example": "e", "examples": ["e"],
        "default": "x", "deprecated": False, "readOnly": True, "writeOnly": False, "externalDocs": {},
        "xml": {}, "x-vendor": 1, "format": "email", "discriminator": {"propertyName": "type"},
    }  # fmt: skip
    assert check(schema, "not an email") is None, "email is XCover's to check (it answers 422)"
    assert check({"type": "string", "format": "uuid"}, "not a uuid") is None, "so are formats not parsed"


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
        ({"type": "string", "nullable": True}, None),
        ({"type": "string", "enum": ["a", "b"]}, "b"),
        ({"type": "integer", "minimum": 1, "maximum": 3}, 3),
        ({"type": "object", "additionalProperties": False, "properties": {"a": {}}}, {"a": [1, {"b": None}]}),
        ({}, {"anything": [1, 2.5, "x", None, True]}),
    ],
)
def test_valid_values_pass(schema: dict[str, Any], value: Any) -> None:
    assert check(schema, value) is None


def test_responses_allow_unknown_fields_whatever_additional_properties_says() -> None:
    schema = {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}}
    assert check(schema, {"a": "x", "new": 1}, request=False) is None
    assert check(schema, {"a": "x", "new": 1}, request=True) == "new: is not a field here; the spec allows a"


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

TREE_DOC: dict[str, Any] = {
    "components": {
        "schemas": {
            "Node": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                    "next": {"$ref": "#/components/schemas/Alias"},
                },
            },
            "Alias": {"$ref": "#/components/schemas/Node"},
        }
    }
}
NODE = TREE_DOC["components"]["schemas"]["Node"]


def chain(depth: int, leaf: Any = "leaf") -> dict[str, Any]:
    node: dict[str, Any] = {"name": leaf}
    for _ in range(depth - 1):
        node = {"name": "n", "next": node}
    return node


def test_a_ref_cycle_compiles_and_checks_at_any_depth() -> None:
    assert (
        check(NODE, {"name": "a", "children": [chain(3), {"name": "b", "children": []}]}, root=TREE_DOC)
        is None
    )
    assert (
        check(NODE, chain(5, leaf=7), root=TREE_DOC) == "next.next.next.next.name: expected a string, got int"
    )
    assert check(NODE, {"name": "a", "children": [{"next": {}}]}, root=TREE_DOC) == (
        "children[0].name: required field is missing"
    )


@pytest.mark.parametrize("request_side", [True, False], ids=["as-request", "as-response"])
def test_a_ref_cycle_is_still_bounded_by_the_depth_limit(request_side: bool) -> None:
    # jsonschema-rs recurses natively: a response this deep would overflow its stack, not raise.
    assert check(NODE, chain(MAX_BODY_DEPTH), root=TREE_DOC, request=request_side) is None
    for depth in (MAX_BODY_DEPTH + 1, 100_000):
        problem = check(NODE, chain(depth), root=TREE_DOC, request=request_side)
        assert problem is not None
        assert problem.startswith("next.next.next.next.next.next.next.next...: nested more")


def test_a_ref_without_a_cycle_leaves_free_form_parts_of_a_response_unwalked() -> None:
    doc = {
        "components": {"schemas": {"Leaf": {"type": "object", "properties": {"meta": {"type": "object"}}}}}
    }
    deep: dict[str, Any] = {}
    for _ in range(5000):
        deep = {"a": deep}
    assert check({"$ref": "#/components/schemas/Leaf"}, {"meta": deep}, request=False, root=doc) is None


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
    assert resolve({"type": "integer"}) == {"type": "integer"}, "no $ref: the schema itself"
    assert resolve(request_schema()) is request_schema()
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
        assert response_problem(RESPONSE) is None
        missing_price = [{**EVENT, "tickets": [{"id": "t"}]}]
        with pytest.raises(RequestValidationError, match=r"^events\[0\]\.tickets\[0\]\.price: required"):
            build_body(customer=CUSTOMER, events=missing_price, partner=None, schema=None)

    assert _first_use_from_threads(work) == []


def test_first_use_of_a_ref_cycle_from_many_threads_is_safe() -> None:
    def work() -> None:
        assert check(NODE, {"name": "a", "children": [chain(4)]}, root=TREE_DOC) is None
        assert check(NODE, chain(3, leaf=None), root=TREE_DOC) == "next.next.name: must not be null"

    assert _first_use_from_threads(work) == []


def test_a_schema_is_compiled_once() -> None:
    forget_compiled()
    first = compiled(request_schema(), request=True)
    assert compiled(request_schema(), request=True) is first
    assert compiled(request_schema(), request=False) is not first, "responses compile separately"


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
