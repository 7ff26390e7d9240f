"""The reviewed spec fixes: they make the document valid, and fail loudly once upstream repairs it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import codegen
import pytest

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
    """If this starts failing, upstream fixed its document: the fix will report itself obsolete."""
    with pytest.raises(codegen.PipelineError, match="partner_code"):
        codegen.validate(upstream)


def test_patched_document_validates(upstream: dict[str, Any]) -> None:
    patched, applied = codegen.apply_fixes(upstream, codegen.load_fixes())
    codegen.validate(patched)
    assert applied == ["partner-code-path-parameter", "create-offer-operation-id", *RESPONSE_FIXES]
    params = patched["paths"][OP]["post"]["parameters"]
    assert params[0] == {
        "name": "partner_code",
        "in": "path",
        "required": True,
        "description": "Partner code issued by Cover Genius (e.g. LLODT).",
        "schema": {"type": "string", "minLength": 1},
    }
    assert patched["paths"][OP]["post"]["operationId"] == "create_offer"
    assert upstream["paths"][OP]["post"].get("operationId") is None, "fixes must not mutate their input"


def test_every_fix_has_a_reason() -> None:
    for fix in codegen.load_fixes():
        assert len(fix["reason"]) > 40, fix["id"]


def test_fix_reported_obsolete_when_upstream_adds_the_parameter(upstream: dict[str, Any]) -> None:
    repaired = copy.deepcopy(upstream)
    repaired["paths"][OP]["post"]["parameters"].append(
        {"name": "partner_code", "in": "path", "required": True, "schema": {"type": "string"}}
    )
    with pytest.raises(codegen.FixObsolete, match=r"partner-code-path-parameter.*obsolete"):
        codegen.apply_fixes(repaired, codegen.load_fixes())


def test_fix_reported_obsolete_when_upstream_adds_operation_id(upstream: dict[str, Any]) -> None:
    repaired = copy.deepcopy(upstream)
    repaired["paths"][OP]["post"]["operationId"] = "createOffer"
    with pytest.raises(codegen.FixObsolete, match="create-offer-operation-id"):
        codegen.apply_fixes(repaired, codegen.load_fixes())


def test_fix_conflict_when_upstream_moves_the_operation(upstream: dict[str, Any]) -> None:
    moved = copy.deepcopy(upstream)
    moved["paths"]["/partners/{partner_code}/quotes/"] = moved["paths"].pop(OP)
    with pytest.raises(codegen.FixConflict, match=r"partner-code-path-parameter.*no longer applies"):
        codegen.apply_fixes(moved, codegen.load_fixes())


def test_without_the_fix_generation_fails_loudly(tmp_path: Path) -> None:
    fixes = json.loads((ROOT / "spec-fixes.json").read_text(encoding="utf-8"))
    fixes["fixes"] = [f for f in fixes["fixes"] if f["id"] != "partner-code-path-parameter"]
    fixes_path = tmp_path / "fixes.json"
    fixes_path.write_text(json.dumps(fixes), encoding="utf-8")
    with pytest.raises(codegen.PipelineError, match=r"not valid OpenAPI.*partner_code"):
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
    with pytest.raises(codegen.FixObsolete, match=r"offer-id-currency-products-required.*obsolete"):
        codegen.apply_fixes(repaired, codegen.load_fixes())


def test_response_fix_conflicts_when_upstream_drops_the_field(upstream: dict[str, Any]) -> None:
    changed = copy.deepcopy(upstream)
    del _response_schema(changed)["properties"]["data"]["properties"]["currency"]
    with pytest.raises(codegen.FixConflict, match=r"offer-id-currency-products-required.*no longer applies"):
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
