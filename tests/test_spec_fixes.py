"""The reviewed spec fixes: they make the document valid, and fail loudly once upstream repairs it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import codegen
import pytest
import specdiff

# The generation tools run on one Python (the nox sessions that use them): once (pyproject's `once` marker).
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parent.parent
OP = "/partners/{partner_code}/offers/"
RESPONSE = "/paths/~1partners~1{partner_code}~1offers~1/post/responses/200/content/application~1json/schema"
RESPONSE_FIXES = [
    "response-data-required",
    "offer-id-currency-products-required",
    "product-id-details-required",
    "product-details-finance-required",
    "finance-price-required",
    "price-total-amount-required",
]
# What XCover's documentation shows a Create Offer 200 always has (each fix's reason quotes where);
# everything else stays optional.
DOCUMENTED_REQUIRED = {
    "": ["data"],
    "data": ["id", "currency", "products"],
    "data.products[]": ["id", "details"],
    "data.products[].details": ["finance"],
    "data.products[].details.finance": ["price"],
    "data.products[].details.finance.price": ["total_amount", "total_amount_formatted"],
}


@pytest.fixture
def upstream() -> dict[str, Any]:
    return json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))


def test_stored_spec_is_upstream_normalised() -> None:
    upstream_copy = ROOT.parent / "shared" / "upstream" / "openapi.json"
    stored = (ROOT / "openapi.json").read_text(encoding="utf-8")
    assert stored == codegen.normalise(json.loads(stored)), "openapi.json must be stored 2-space indented"
    if upstream_copy.exists():  # beside a checkout; absent when the sdist is tested alone
        assert json.loads(stored) == json.loads(upstream_copy.read_text(encoding="utf-8"))


def test_upstream_document_is_invalid(upstream: dict[str, Any]) -> None:
    """Upstream leaves Create Offer's partner_code undeclared; the rule declares it (see below)."""
    with pytest.raises(codegen.PipelineError, match="partner_code"):
        codegen.validate(upstream)


def test_patched_document_validates(upstream: dict[str, Any]) -> None:
    patched = codegen.patched_document(codegen.normalise(upstream))
    assert patched["info"]["x-spec-fixes"] == [fix["id"] for fix in codegen.load_fixes()]
    assert patched["info"]["x-declared-path-parameters"] == [f"POST {OP}: partner_code"]
    params = patched["paths"][OP]["post"]["parameters"]
    assert params[0] == {
        "name": "partner_code",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
    }
    assert patched["paths"][OP]["post"]["operationId"] == "create_offer"
    codegen.apply_fixes(upstream, codegen.load_fixes())
    assert upstream["paths"][OP]["post"].get("operationId") is None, "fixes must not mutate their input"


def test_every_fix_has_a_reason() -> None:
    for fix in codegen.load_fixes():
        assert len(fix["reason"]) > 40, fix["id"]


# --------------------------------------------------------------------------------------------------
# The rule: a path parameter the template uses and nothing declares is declared, on its operation


def no_body() -> dict[str, Any]:
    return {"responses": {"204": {"description": "done"}}}


UNDECLARED = {
    "paths": {
        "/p/{partner_code}/offers/{offer_id}/opt_out/": {"post": no_body(), "get": no_body()},
        "/p/{partner_code}/bookings/{booking_id}/": {
            "parameters": [{"$ref": "#/components/parameters/Partner"}],
            "get": {**no_body(), "parameters": [{"name": "booking_id", "in": "path", "required": True}]},
        },
        "/p/{partner_code}/quotes/{quote_id}/": {
            "parameters": [{"name": "quote_id", "in": "query"}],  # a query parameter of that name
            "put": no_body(),
        },
        "/health": {"get": no_body()},
    },
    "components": {"parameters": {"Partner": {"name": "partner_code", "in": "path", "required": True}}},
}


def test_rule_declares_each_undeclared_path_parameter_once() -> None:
    patched, declared = specdiff.declare_path_parameters(UNDECLARED)
    assert declared == [
        "GET /p/{partner_code}/offers/{offer_id}/opt_out/: partner_code",
        "GET /p/{partner_code}/offers/{offer_id}/opt_out/: offer_id",
        "POST /p/{partner_code}/offers/{offer_id}/opt_out/: partner_code",
        "POST /p/{partner_code}/offers/{offer_id}/opt_out/: offer_id",
        "PUT /p/{partner_code}/quotes/{quote_id}/: partner_code",
        "PUT /p/{partner_code}/quotes/{quote_id}/: quote_id",
    ]
    opt_out = patched["paths"]["/p/{partner_code}/offers/{offer_id}/opt_out/"]["post"]["parameters"]
    assert [p["name"] for p in opt_out] == ["partner_code", "offer_id"]  # template order
    assert opt_out[1] == {"name": "offer_id", "in": "path", "required": True,
                          "schema": {"type": "string", "minLength": 1}}  # fmt: skip
    booking = patched["paths"]["/p/{partner_code}/bookings/{booking_id}/"]
    assert booking == UNDECLARED["paths"]["/p/{partner_code}/bookings/{booking_id}/"]  # declared ($ref too)
    assert "parameters" not in patched["paths"]["/health"]["get"]
    assert "parameters" not in UNDECLARED["paths"]["/health"]["get"], "the rule must not mutate its input"
    assert specdiff.declare_path_parameters(patched) == (patched, [])


def test_upstream_declaring_the_parameter_leaves_the_rule_nothing_to_do(upstream: dict[str, Any]) -> None:
    repaired = copy.deepcopy(upstream)
    repaired["paths"][OP]["post"]["parameters"].append(
        {"name": "partner_code", "in": "path", "required": True, "schema": {"type": "string"}}
    )
    patched = codegen.patched_document(json.dumps(repaired))
    assert patched["info"]["x-declared-path-parameters"] == []
    params = patched["paths"][OP]["post"]["parameters"]
    assert [p for p in params if p["in"] == "path"] == [repaired["paths"][OP]["post"]["parameters"][-1]]


# --------------------------------------------------------------------------------------------------
# Fixes that do not match: obsolete or conflicting, with messages that show the member, not the document


def test_fix_reported_obsolete_when_upstream_adds_operation_id(upstream: dict[str, Any]) -> None:
    repaired = copy.deepcopy(upstream)
    repaired["paths"][OP]["post"]["operationId"] = "createOffer"
    with pytest.raises(specdiff.FixObsolete, match="create-offer-operation-id"):
        codegen.apply_fixes(repaired, codegen.load_fixes())


def _conflict(doc: Any, op: dict[str, Any]) -> str:
    fix = {"id": "f", "reason": "R.", "patch": [op]}
    with pytest.raises(specdiff.FixConflict) as info:
        specdiff.apply_fixes(doc, [fix])
    message = str(info.value)
    assert message.startswith("fix 'f' no longer applies: ")
    assert message.endswith("Reason it exists: R.")
    assert len(message) < 600, message  # never the document
    return message.removeprefix("fix 'f' no longer applies: ").split(". Upstream moved", 1)[0]


POST = "/paths/~1partners~1{partner_code}~1offers~1/post"
OPT_OUT = "/paths/~1partners~1{partner_code}~1offers~1{offer_id}~1opt_out~1/post"


def test_fix_conflict_names_the_member_it_cannot_reach(upstream: dict[str, Any]) -> None:
    moved = copy.deepcopy(upstream)
    moved["paths"]["/partners/{partner_code}/quotes/"] = moved["paths"].pop(OP)
    with pytest.raises(specdiff.FixConflict, match=r"create-offer-operation-id.*no longer applies"):
        codegen.apply_fixes(moved, codegen.load_fixes())

    assert _conflict(upstream, {"op": "add", "path": f"{OPT_OUT}/operationId", "value": "x"}) == (
        f"add {OPT_OUT}/operationId: /paths has no "
        "'/partners/{partner_code}/offers/{offer_id}/opt_out/'; "
        'it holds an object with members "/partners/{partner_code}/offers/"'
    )
    assert _conflict(upstream, {"op": "remove", "path": f"{POST}/responses/201/content"}) == (
        f"remove {POST}/responses/201/content: {POST}/responses has no '201'; it holds an object with "
        'members "200", "403", "422"'
    )
    assert _conflict(upstream, {"op": "test", "path": f"{POST}/summary", "value": "Create an Offer"}) == (
        f'test {POST}/summary: expects "Create an Offer", the document has "Create Offer"'
    )
    whole = _conflict(upstream, {"op": "test", "path": POST, "value": {}})  # a large value: capped
    assert whole.startswith(f'test {POST}: expects {{}}, the document has an object with members "summary"')
    assert "requestBody" in whole
    assert "application/json" not in whole


def test_malformed_fix_is_refused_by_name(upstream: dict[str, Any]) -> None:
    bad = {"id": "bad", "reason": "R.", "patch": [{"op": "add", "path": f"{POST}/x"}]}  # no value
    with pytest.raises(specdiff.PipelineError, match=r"fix 'bad': .* is not a JSON Patch operation"):
        specdiff.apply_fixes(upstream, [bad])


def test_fixes_on_the_stored_document_skip_what_it_lacks(upstream: dict[str, Any]) -> None:
    """update-spec's baseline: a fix written for the new document is skipped where it does not apply."""
    new = copy.deepcopy(upstream)
    new["paths"]["/partners/{partner_code}/offers/{offer_id}/opt_out/"] = {"post": no_body()}
    new["paths"][OP]["post"]["summary"] = "Create an Offer"
    fixes = [
        {"id": "opt-out-operation-id", "reason": "R.",
         "patch": [{"op": "add", "path": f"{OPT_OUT}/operationId", "value": "opt_out_offer"}]},
        {"id": "reworded", "reason": "R.",
         "patch": [{"op": "test", "path": f"{POST}/summary", "value": "Create an Offer"},
                   {"op": "add", "path": f"{POST}/deprecated", "value": False}]},
        *codegen.load_fixes(),
    ]  # fmt: skip
    old_doc, skipped = specdiff.apply_fixes_where_they_apply(upstream, fixes)
    assert skipped == ["opt-out-operation-id", "reworded"]
    assert old_doc["paths"][OP]["post"]["operationId"] == "create_offer"
    assert "deprecated" not in old_doc["paths"][OP]["post"], "a fix is applied whole or not at all"
    _, applied, obsolete = specdiff.apply_fixes_reporting_obsolete(new, fixes)
    assert (applied[:2], obsolete) == (["opt-out-operation-id", "reworded"], [])
    new["paths"]["/partners/{partner_code}/offers/{offer_id}/opt_out/"]["post"]["operationId"] = "opt_out"
    _, applied, obsolete = specdiff.apply_fixes_reporting_obsolete(new, fixes)
    assert "opt-out-operation-id" not in applied
    assert [(fix["id"], why) for fix, why in obsolete] == [
        ("opt-out-operation-id", 'upstream now defines operationId "opt_out" on POST '
         "/partners/{partner_code}/offers/{offer_id}/opt_out/")
    ]  # fmt: skip
    new["paths"].pop("/partners/{partner_code}/offers/{offer_id}/opt_out/")
    with pytest.raises(specdiff.FixConflict, match="opt-out-operation-id"):  # held to the new document
        specdiff.apply_fixes_reporting_obsolete(new, fixes)


def test_a_fix_that_breaks_the_document_fails_generation_loudly(tmp_path: Path) -> None:
    fixes_path = tmp_path / "fixes.json"
    drop = {"id": "drop-title", "reason": "R.", "patch": [{"op": "remove", "path": "/info/title"}]}
    fixes_path.write_text(json.dumps({"fixes": [drop]}), encoding="utf-8")
    with pytest.raises(codegen.PipelineError, match=r"not valid OpenAPI.*title"):
        codegen.generate(tmp_path / "out", fixes=fixes_path)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------------
# The response fixes: required what XCover documents as always returned, and nothing else


def _required_lists(schema: dict[str, Any], where: str = "") -> dict[str, list[str]]:
    """Every `required` list in a schema, by dotted location (`[]` for array items)."""
    found = {where: schema["required"]} if "required" in schema else {}
    for name, sub in (schema.get("properties") or {}).items():
        found |= _required_lists(sub, f"{where}.{name}".lstrip("."))
    if isinstance(schema.get("items"), dict):
        found |= _required_lists(schema["items"], f"{where}[]")
    return found


def _response_schema(doc: dict[str, Any]) -> dict[str, Any]:
    content = doc["paths"][OP]["post"]["responses"]["200"]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


def test_upstream_response_declares_nothing_required(upstream: dict[str, Any]) -> None:
    """If this starts failing, upstream says what it always returns: the fixes report themselves obsolete."""
    assert _required_lists(_response_schema(upstream)) == {}


def test_response_requires_only_what_xcover_documents(upstream: dict[str, Any]) -> None:
    patched, _ = codegen.apply_fixes(upstream, codegen.load_fixes())
    schema = _response_schema(patched)
    assert _required_lists(schema) == DOCUMENTED_REQUIRED
    price = schema["properties"]["data"]["properties"]["products"]["items"]["properties"]["details"]
    price = price["properties"]["finance"]["properties"]["price"]["properties"]
    # required is not "never null": nullability stays upstream's
    assert price["total_amount"]["nullable"] is True
    assert price["total_amount_formatted"]["nullable"] is True


def test_every_response_fix_cites_its_evidence() -> None:
    fixes = {fix["id"]: fix for fix in codegen.load_fixes()}
    for fix_id in RESPONSE_FIXES:
        reason = fixes[fix_id]["reason"]
        assert "https://partner-docs.covergenius.com/" in reason or "(openapi.json" in reason, fix_id
        assert "'" in reason, f"{fix_id}: quote the documentation"


def test_response_fix_reported_obsolete_when_upstream_marks_fields_required(upstream: dict[str, Any]) -> None:
    repaired = copy.deepcopy(upstream)
    _response_schema(repaired)["properties"]["data"]["required"] = ["id"]
    with pytest.raises(specdiff.FixObsolete, match=r"offer-id-currency-products-required.*obsolete"):
        codegen.apply_fixes(repaired, codegen.load_fixes())


def test_response_fix_conflicts_when_upstream_drops_the_field(upstream: dict[str, Any]) -> None:
    changed = copy.deepcopy(upstream)
    del _response_schema(changed)["properties"]["data"]["properties"]["currency"]
    with pytest.raises(specdiff.FixConflict, match=r"offer-id-currency-products-required.*no longer applies"):
        codegen.apply_fixes(changed, codegen.load_fixes())


def test_generated_models_follow_the_response_fixes() -> None:
    """Required fields are plain attributes (no `Unset`); the rest keep their default of UNSET."""
    import attrs
    from xcover_offers_api.models import Finance, Offer, OfferResponse, Price, Product, ProductDetails
    from xcover_offers_api.types import UNSET

    models = [OfferResponse, Offer, Product, ProductDetails, Finance, Price]
    required = {m.__name__: [f.name for f in attrs.fields(m) if f.default is attrs.NOTHING] for m in models}
    assert required == {
        "OfferResponse": ["data"],
        "Offer": ["id", "currency", "products"],
        "Product": ["id", "details"],
        "ProductDetails": ["finance"],
        "Finance": ["price"],
        "Price": ["total_amount", "total_amount_formatted"],
    }
    optional = [f for m in models for f in attrs.fields(m) if f.default is not attrs.NOTHING]
    assert all(f.default is UNSET for f in optional if f.name != "additional_properties")


NULL_PRICE = {"total_amount": None, "total_amount_formatted": None}
SMALLEST_OFFER = {
    "data": {
        "id": "OFR-1",
        "currency": "USD",
        "products": [{"id": "q-1", "details": {"finance": {"price": NULL_PRICE}}}],
    }
}


def test_smallest_documented_answer_parses() -> None:
    """Only the documented fields present, the nullable ones null: accepted, the rest reads as UNSET."""
    from xcover_offers._validation import response_problem
    from xcover_offers_api.models import OfferResponse
    from xcover_offers_api.types import UNSET

    assert response_problem(SMALLEST_OFFER) is None
    offer = OfferResponse.from_dict(SMALLEST_OFFER).data
    product = offer.products[0]
    assert (offer.id, product.id, product.details.finance.price.total_amount) == ("OFR-1", "q-1", None)
    assert product.product_config_id is UNSET
    assert offer.content is UNSET
    assert product.details.finance.tax is UNSET


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (["data", "currency"], "data.currency"),
        (["data", "products", 0, "details", "finance", "price"], "data.products[0].details.finance.price"),
        (
            ["data", "products", 0, "details", "finance", "price", "total_amount_formatted"],
            "data.products[0].details.finance.price.total_amount_formatted",
        ),
    ],
)
def test_answer_without_a_documented_field_is_refused_by_name(path: list[Any], named: str) -> None:
    from xcover_offers._validation import response_problem

    body = copy.deepcopy(SMALLEST_OFFER)
    parent: Any = body
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    assert response_problem(body) == f"{named}: required field is missing"
