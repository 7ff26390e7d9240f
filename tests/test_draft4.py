"""Generation converts the spec's body schemas to JSON Schema Draft 4 (tools/draft4.py), and every
keyword a spec uses is either enforced by the wrapper's validators or refused, by generation and so by
`update_spec`. The validators themselves are tested in tests/test_validation.py."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import codegen
import draft4
import pytest
import update_spec
from hypothesis import given
from hypothesis import strategies as st
from test_spec_evolution import BASE, base_repo, repo  # noqa: F401 - the fixtures
from xcover_offers._json_data import Invalid, explain
from xcover_offers._schema_check import DRAFT, FORMATS, Compiled
from xcover_offers._spec import fragment

# The generation tools run on one Python (the nox sessions that use them): once (pyproject's `once` marker).
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parent.parent
CREATE = ("paths", "/partners/{partner_code}/offers/", "post")
BODY = (*CREATE, "requestBody", "content", "application/json", "schema")
CURRENCY = (*BODY, "properties", "customer", "properties", "currency")


def converted(schemas: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The documents of both directions for a spec holding `schemas` (OpenAPI 3.0) as components."""
    return draft4.json_schemas({"components": {"schemas": schemas}})


def check(schema: dict[str, Any], value: Any, *, request: bool = True) -> str | None:
    """`path: reason` for a value against an OpenAPI 3.0 schema as generation converts it, or None."""
    try:
        document = converted({"T": schema})["request" if request else "response"]
        Compiled("#/components/schemas/T", request=request, document=document).check(value)
    except Invalid as exc:
        path, reason = explain(exc, list)
        return f"{path}: {reason}" if path else reason
    return None


def at(doc: Any, steps: tuple[str, ...]) -> Any:
    for step in steps:
        doc = doc[step]
    return doc


# -- the conversion ----------------------------------------------------------------------------------


def test_the_openapi_conversion() -> None:
    schema = {
        "type": "object",
        "description": "annotations are dropped, extensions too",
        "x-vendor": {"type": "integer"},
        "additionalProperties": False,
        "properties": {
            "nullable": {"type": "string", "nullable": True, "enum": ["a"], "example": {"nullable": True}},
            "format": {"type": "string", "format": "email", "title": "t"},
            "when": {"type": "string", "format": "date", "default": "2027-01-01"},
            "ref": {"$ref": "#/components/schemas/Thing", "description": "beside a $ref: ignored"},
            "not_null": {"type": "integer", "nullable": False},
        },
    }
    request = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "nullable": {"type": ["string", "null"], "enum": ["a", None]},
            "format": {"type": "string"},
            "when": {"type": "string", "format": "date"},
            "ref": {"$ref": "urn:xcover-offers:request#/components/schemas/Thing"},
            "not_null": {"type": "integer"},
        },
    }
    out = converted({"T": schema, "Thing": {"type": "string"}})
    assert out["request"]["$schema"] == out["response"]["$schema"] == DRAFT
    assert out["request"]["id"] == "urn:xcover-offers:request", "what each document's `$ref`s name"
    assert out["request"]["components"]["schemas"]["T"] == request, "property names are never keywords"
    del request["additionalProperties"]
    request["properties"]["ref"] = {"$ref": "urn:xcover-offers:response#/components/schemas/Thing"}
    assert out["response"]["components"]["schemas"]["T"] == request, "responses allow new fields"
    assert draft4.convert({"type": "string", "format": "date-time"}, request=True, at=(), problems=[]) == {
        "type": "string", "anyOf": [{"pattern": draft4.USUAL_DATE_TIME}, {"format": "date-time"}],
    }  # fmt: skip


def test_each_direction_has_its_bodies_and_every_component_each_at_its_pointer() -> None:
    doc = codegen.patched_document((ROOT / "openapi.json").read_text(encoding="utf-8"))
    out = draft4.json_schemas(doc)
    request, response = out["request"], out["response"]
    assert at(request, CURRENCY) == {"type": "string"}
    assert "responses" not in at(request, CREATE)
    forbidden = (*CREATE, "responses", "403", "content", "application/json", "schema")
    assert at(response, forbidden) == {"$ref": "urn:xcover-offers:response#/components/schemas/ErrorResponse"}
    assert "requestBody" not in at(response, CREATE)
    assert request["components"]["schemas"].keys() == response["components"]["schemas"].keys()
    opt_out = ("paths", "/partners/{partner_code}/offers/{offer_id}/opt_out/", "post", "responses", "204")
    assert "content" not in at(doc, opt_out)
    assert at(response, opt_out) == {}, "a body without content is there, with no schema"
    for direction in ("request", "response"):
        shipped = ROOT / "generated" / "xcover_offers_api" / f"{direction}.schema.json"
        assert json.loads(shipped.read_text(encoding="utf-8")) == out[direction]


def test_a_body_given_by_ref_is_found_where_the_operation_has_it() -> None:
    doc = {
        "paths": {"/a": {"post": {"responses": {"200": {"$ref": "#/components/responses/Ok"}}}}},
        "components": {
            "responses": {"Ok": {"content": {"application/json": {"schema": {"type": "integer"}}}}}
        },
    }
    tree = draft4.json_schemas(doc)["response"]
    assert tree["paths"]["/a"]["post"]["responses"]["200"] == {
        "$ref": "urn:xcover-offers:response#/components/responses/Ok"
    }
    assert tree["components"]["responses"]["Ok"]["content"]["application/json"]["schema"] == {
        "type": "integer"
    }


def test_the_schemas_whose_data_can_nest_without_end_are_listed() -> None:
    out = converted({
        "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Alias"}}},
        "Alias": {"$ref": "#/components/schemas/Node"},
        "Holder": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
        "Leaf": {"type": "object", "properties": {"meta": {"type": "object"}}},
        "Twice": {"allOf": [{"$ref": "#/components/schemas/Leaf"}, {"$ref": "#/components/schemas/Leaf"}]},
    })  # fmt: skip
    for direction in ("request", "response"):
        assert out[direction]["unbounded"] == [
            "/components/schemas/Node",
            "/components/schemas/Alias",
            "/components/schemas/Holder",
        ]


def test_the_wrapper_compiles_the_draft_and_checks_the_formats_generation_keeps() -> None:
    assert draft4.DRAFT == DRAFT
    assert set(draft4.CHECKED_FORMATS) == set(FORMATS)
    assert not draft4.LEFT_TO_XCOVER & set(FORMATS)


@given(st.from_regex(draft4.USUAL_DATE_TIME, fullmatch=True))
def test_the_usual_date_time_form_is_one_the_generated_parser_reads_with_an_offset(text: str) -> None:
    assert dt.datetime.fromisoformat(text).utcoffset() is not None


@pytest.mark.parametrize(
    "text",
    ["2027-01-15T08:00:00Z\n", "2027-02-30T08:00:00Z", "0000-01-15T08:00:00Z", "2027-01-15T08:00:00+24:00"],
)
def test_what_the_usual_form_refuses_goes_to_the_generated_parser_s_own_rule(text: str) -> None:
    # jsonschema-rs's `$` is the end of the text (Python's also matches before a final newline).
    schema = {"type": "string", "format": "date-time"}
    assert check(schema, text, request=False) == "expected an ISO 8601 date-time"
    assert check(schema, "2028-02-29T08:00:00", request=False) is None


# -- every keyword: enforced, converted, an annotation, or refused -----------------------------------

ENFORCED: dict[str, tuple[dict[str, Any], Any, Any]] = {
    # keyword: (a schema using it, a value it accepts, one it refuses)
    "$ref": ({"$ref": "#/components/schemas/S"}, "s", 1),
    "type": ({"type": "integer"}, 1, 1.5),
    "enum": ({"enum": ["a"]}, "a", "b"),
    "required": ({"required": ["a"]}, {"a": 1}, {}),
    "properties": ({"properties": {"a": {"type": "string"}}}, {"a": "x"}, {"a": 1}),
    "additionalProperties": ({"properties": {}, "additionalProperties": False}, {}, {"a": 1}),
    "items": ({"items": {"type": "string"}}, ["a"], [1]),
    "allOf": ({"allOf": [{"type": "string"}, {"minLength": 2}]}, "ab", "a"),
    "anyOf": ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1, 1.5),
    "oneOf": ({"oneOf": [{"type": "integer"}, {"minimum": 2}]}, 1, 3),
    "not": ({"not": {"type": "string"}}, 1, "a"),
    "minimum": ({"minimum": 2}, 2, 1),
    "maximum": ({"maximum": 2}, 2, 3),
    "exclusiveMinimum": ({"minimum": 2, "exclusiveMinimum": True}, 3, 2),
    "exclusiveMaximum": ({"maximum": 2, "exclusiveMaximum": True}, 1, 2),
    "multipleOf": ({"multipleOf": 2}, 4, 3),
    "minLength": ({"minLength": 2}, "ab", "a"),
    "maxLength": ({"maxLength": 2}, "ab", "abc"),
    "pattern": ({"pattern": "^a"}, "ab", "ba"),
    "minItems": ({"minItems": 1}, [1], []),
    "maxItems": ({"maxItems": 1}, [1], [1, 2]),
    "uniqueItems": ({"uniqueItems": True}, [1, 2], [1, 1]),
    "minProperties": ({"minProperties": 1}, {"a": 1}, {}),
    "maxProperties": ({"maxProperties": 1}, {"a": 1}, {"a": 1, "b": 2}),
}


def test_the_table_covers_every_keyword_draft_4_enforces() -> None:
    assert set(ENFORCED) == draft4.ENFORCED


@pytest.mark.parametrize("keyword", sorted(ENFORCED))
def test_every_draft_4_keyword_is_enforced_as_converted(keyword: str) -> None:
    schema, good, bad = ENFORCED[keyword]
    document = converted({"T": schema, "S": {"type": "string"}})["request"]
    validator = Compiled("#/components/schemas/T", request=True, document=document)
    assert validator.check(good) == good
    with pytest.raises(Invalid):
        validator.check(bad)


def test_the_converted_keywords_mean_what_openapi_says() -> None:
    assert check({"type": "string", "nullable": True}, None) is None
    assert check({"type": "string"}, None) == "must not be null"
    assert check({"type": "string", "nullable": True, "enum": ["a"]}, None) is None
    assert (
        check({"type": "string", "format": "date"}, "2027-13-01")
        == "expected an ISO 8601 date, e.g. 2027-06-01"
    )
    assert check({"type": "string", "format": "email"}, "not an email") is None, "XCover's to check (a 422)"


def test_annotations_change_no_answer() -> None:
    schema = {"type": "string", "x-vendor": 1, "externalDocs": {"url": "https://example.com"}, "xml": {}}
    schema |= {name: "x" for name in draft4.ANNOTATIONS - {"externalDocs", "xml"}}
    assert check(schema, "anything") is None
    assert check(schema, 1) == "expected a string, got int"


def test_responses_allow_unknown_fields_whatever_additional_properties_says() -> None:
    schema = {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}}
    assert check(schema, {"a": "x", "new": 1}, request=False) is None
    assert check(schema, {"a": "x", "new": 1}, request=True) == "new: is not a field here; the spec allows a"
    free = {"type": "object", "additionalProperties": {"type": "integer"}}
    assert check(free, {"b": "x"}, request=False) == "b: expected an integer, got str", (
        "a schema still applies"
    )


WHERE = "#/paths/~1partners~1{partner_code}~1offers~1/post/requestBody/content/application~1json/schema"
CURRENCY_WHERE = f"{WHERE}/properties/customer/properties/currency"
OFFER_200 = "#/paths/~1partners~1{partner_code}~1offers~1/post/responses/200/content/application~1json/schema"


@pytest.mark.parametrize(
    ("member", "value", "message"),
    [
        ("discriminator", {"propertyName": "kind"}, f"{CURRENCY_WHERE}: keyword 'discriminator' is not one"),
        ("readOnly", True, f"{CURRENCY_WHERE}: keyword 'readOnly' is not one"),
        ("writeOnly", True, f"{CURRENCY_WHERE}: keyword 'writeOnly' is not one"),
        # Not OpenAPI 3.0 at all: named here before the OpenAPI validator's less specific refusal.
        ("const", "USD", f"{CURRENCY_WHERE}: keyword 'const' is not one"),
        ("if", {"type": "string"}, f"{CURRENCY_WHERE}: keyword 'if' is not one"),
        ("format", "int64", f"{CURRENCY_WHERE}: format 'int64' is neither checked"),
        ("$ref", "https://example.com/currency.json", f"{CURRENCY_WHERE}: only local $refs are supported"),
        ("$ref", "#/info", f"{CURRENCY_WHERE}: $ref '#/info' does not point to a component schema"),
        (
            "$ref",
            OFFER_200,
            f"{CURRENCY_WHERE}: $ref '{OFFER_200}' does not point to a component schema, or to",
        ),
    ],
)
def test_a_keyword_the_validators_would_not_enforce_fails_generation_by_name(
    member: str, value: Any, message: str
) -> None:
    upstream = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    at(upstream, CURRENCY)[member] = value
    with pytest.raises(codegen.PipelineError, match="would not enforce") as info:
        codegen.patched_document(json.dumps(upstream))
    assert message in str(info.value)


def test_every_problem_is_named_at_once() -> None:
    doc = {"components": {"schemas": {"A": {"discriminator": {}, "properties": {"b": {"readOnly": True}}}}}}
    with pytest.raises(codegen.PipelineError) as info:
        draft4.json_schemas(doc)
    assert str(info.value).splitlines()[1:] == [
        "  #/components/schemas/A: keyword 'discriminator' is not one the validators enforce",
        "  #/components/schemas/A/properties/b: keyword 'readOnly' is not one the validators enforce",
    ]


# -- a spec update: the new keyword is enforced, or update_spec refuses the update -------------------


def next_version(tmp_path: Path, change: tuple[tuple[str, ...], str, Any]) -> Path:
    """The pinned base document, version 1.1.0, with one member set on one schema."""
    doc = json.loads((BASE / "openapi.json").read_text(encoding="utf-8"))
    doc["info"]["version"] = "1.1.0"
    where, member, value = change
    at(doc, where)[member] = value
    path = tmp_path / "next.upstream.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_update_spec_refuses_a_keyword_the_validators_would_not_enforce(
    repo: update_spec.Repo,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    stored = repo.spec.read_bytes(), codegen.tree_files(repo.generated)
    new = next_version(tmp_path, (CURRENCY, "discriminator", {"propertyName": "kind"}))
    with pytest.raises(codegen.PipelineError, match=re.escape(f"{CURRENCY_WHERE}: keyword 'discriminator'")):
        update_spec.update_spec(repo, new)
    assert (repo.spec.read_bytes(), codegen.tree_files(repo.generated)) == stored, "nothing was stored"


def test_update_spec_stores_a_draft_4_keyword_and_the_validators_enforce_it(
    repo: update_spec.Repo,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    assert update_spec.update_spec(repo, next_version(tmp_path, (CURRENCY, "maxLength", 3))) == 0
    document = json.loads((repo.generated / "request.schema.json").read_text(encoding="utf-8"))
    validator = Compiled(fragment(BODY), request=True, document=document)
    customer = {"currency": "USD", "country": "US", "language": "en-us"}
    event = {
        "id": "e",
        "name": "n",
        "start_date": "2027-06-01T19:30:00+00:00",
        "country": "US",
        "tickets": [],
    }
    request = {"customer": customer, "context": {"events": [event]}}
    assert validator.check(request) == request
    with pytest.raises(Invalid) as info:
        validator.check(copy.deepcopy(request) | {"customer": customer | {"currency": "EURO"}})
    assert explain(info.value, list) == ("customer.currency", "must be at most 3 characters")
