"""The reviewed pipeline's input: upstream's document merged with our additions (spec-additions/), and
the spec fixes that make it valid and fail loudly once upstream repairs it."""

from __future__ import annotations

import copy
import hashlib
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
CONFIRM = "/partners/{partner_code}/offers/{offer_id}/confirm/"
OPT_OUT_PATH = "/partners/{partner_code}/offers/{offer_id}/opt_out/"
BOOKING = "/partners/{partner_code}/bookings/{booking_id}/"
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


def response_problem(payload: Any) -> str | None:
    """Why a Create Offer 200 body does not fit the spec, as the client checks it; None if it fits."""
    from xcover_offers._spec import response_schema
    from xcover_offers._validation import schema_problem
    from xcover_offers_api.api.create_offer.create_offer import OPERATION as CREATE_OFFER

    schema = response_schema(CREATE_OFFER, "200")
    assert schema is not None
    return schema_problem(payload, schema)


@pytest.fixture
def upstream() -> dict[str, Any]:
    return json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))


def with_additions(doc: Any) -> Any:
    """`doc` merged with the repository's additions, as generation merges them before the fixes."""
    merged, replaced = specdiff.merge_additions(doc, specdiff.load_additions(codegen.ADDITIONS))
    assert not replaced
    return merged


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
    assert patched["info"]["x-declared-path-parameters"] == [
        f"POST {OP}: partner_code",
        f"POST {CONFIRM}: partner_code",
        f"POST {CONFIRM}: offer_id",
        f"GET {BOOKING}: partner_code",
        f"GET {BOOKING}: booking_id",
        f"POST {OPT_OUT_PATH}: partner_code",
        f"POST {OPT_OUT_PATH}: offer_id",
    ]
    params = patched["paths"][OP]["post"]["parameters"]
    assert params[0] == {
        "name": "partner_code",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
    }
    assert patched["paths"][OP]["post"]["operationId"] == "create_offer"
    merged = with_additions(upstream)
    assert OPT_OUT_PATH not in upstream["paths"], "the merge must not mutate its input"
    codegen.apply_fixes(merged, codegen.load_fixes())
    assert merged["paths"][OP]["post"].get("operationId") is None, "fixes must not mutate their input"


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
    assert not [d for d in patched["info"]["x-declared-path-parameters"] if d.startswith(f"POST {OP}:")]
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
    old_doc, skipped = specdiff.apply_fixes_where_they_apply(upstream, fixes)  # no additions: no opt-out
    assert skipped == ["opt-out-operation-id", "reworded", "opt-out-idempotency-key"]
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
    patched, _ = codegen.apply_fixes(with_additions(upstream), codegen.load_fixes())
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

    body = copy.deepcopy(SMALLEST_OFFER)
    parent: Any = body
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    assert response_problem(body) == f"{named}: required field is missing"


# --------------------------------------------------------------------------------------------------
# Our additions (spec-additions/): merged into upstream's document before the fixes


def _addition(file: str, paths: dict[str, Any], **more: Any) -> specdiff.Addition:
    return specdiff.Addition(file, {"openapi": "3.0.3", "paths": paths, **more}, "0" * 64)


def test_each_addition_cites_its_pages_and_stands_alone() -> None:
    """Valid OpenAPI on its own once the rule declares the path parameters (XCover's pages leave them
    undeclared, and so do ours)."""
    additions = specdiff.load_additions(codegen.ADDITIONS)
    assert [a.file for a in additions] == ["confirm-offer.json", "get-booking.json", "opt-out-offer.json"]
    for addition in additions:
        sources = addition.document["info"]["x-source"]
        assert sources, addition.file
        assert all(url.startswith("https://") for url in sources), addition.file
        with pytest.raises(codegen.PipelineError, match="Path parameter"):
            codegen.validate(addition.document)
        codegen.validate(specdiff.declare_path_parameters(addition.document)[0])


def test_merge_unions_operations_and_components_and_records_provenance(upstream: dict[str, Any]) -> None:
    merged = with_additions(upstream)
    assert list(merged["paths"]) == [OP, CONFIRM, BOOKING, OPT_OUT_PATH]
    assert sorted(merged["components"]["schemas"]) == [
        "Booking", "BookingQuote", "ErrorResponse", "ValidationErrorResponse"
    ]  # fmt: skip
    # servers, security, info and the security scheme (with its description) are upstream's
    assert (merged["servers"], merged["security"]) == (upstream["servers"], upstream["security"])
    assert merged["components"]["securitySchemes"] == upstream["components"]["securitySchemes"]
    assert merged["info"] == {**upstream["info"], "x-spec-additions": merged["info"]["x-spec-additions"]}
    provenance = merged["info"]["x-spec-additions"]
    assert [(p["file"], p["operations"]) for p in provenance] == [
        ("confirm-offer.json", [f"POST {CONFIRM}"]),
        ("get-booking.json", [f"GET {BOOKING}"]),
        ("opt-out-offer.json", [f"POST {OPT_OUT_PATH}"]),
    ]
    for entry in provenance:
        data = (codegen.ADDITIONS / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_one_booking_and_one_error_body_for_every_operation() -> None:
    """Confirm's successes and 409 and Get Booking's 200 are one Booking; every {type, message} body is
    ErrorResponse, Create Offer's too (fix create-offer-shared-error-bodies)."""
    patched = codegen.patched_document((ROOT / "openapi.json").read_text(encoding="utf-8"))

    def schema(path: str, method: str, status: str) -> Any:
        return patched["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]

    booking, error = {"$ref": "#/components/schemas/Booking"}, {"$ref": "#/components/schemas/ErrorResponse"}
    assert [schema(CONFIRM, "post", s) for s in ("200", "201", "409")] == [booking] * 3
    assert schema(BOOKING, "get", "200") == booking
    assert schema(OP, "post", "403") == schema(OPT_OUT_PATH, "post", "404") == error
    assert schema(CONFIRM, "post", "422") == schema(OP, "post", "422")
    assert patched["paths"][OPT_OUT_PATH]["post"]["responses"]["204"] == {
        "description": "Opt-out recorded; no body"
    }


def test_generation_fails_when_upstream_covers_an_addition(upstream: dict[str, Any], tmp_path: Path) -> None:
    covered = copy.deepcopy(upstream)
    covered["paths"][OPT_OUT_PATH] = {"post": {**no_body(), "operationId": "opt_out_offer"}}
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(covered), encoding="utf-8")
    with pytest.raises(codegen.PipelineError) as info:
        codegen.generate(tmp_path / "out", spec=spec)
    assert str(info.value) == (
        f"XCover's document now covers POST {OPT_OUT_PATH} (opt_out_offer): delete "
        "spec-additions/opt-out-offer.json after reviewing the differences"
    )
    assert not (tmp_path / "out").exists()


SCHEMA = {"type": "object", "properties": {"id": {"type": "string"}}}


@pytest.mark.parametrize(
    ("additions", "message"),
    [
        (
            [
                _addition("a.json", {}, components={"schemas": {"X": SCHEMA}}),
                _addition("b.json", {}, components={"schemas": {"X": {"type": "string"}}}),
            ],
            r"^spec-additions/b\.json: components/schemas/X differs from the one in spec-additions/a\.json",
        ),
        (
            [
                _addition("a.json", {"/x/": {"get": no_body()}}),
                _addition("b.json", {"/x/": {"get": no_body()}}),
            ],
            r"^spec-additions/b\.json and spec-additions/a\.json both define GET /x/$",
        ),
        (
            [_addition("a.json", {}, servers=[{"url": "https://elsewhere.example/x"}])],
            r"^spec-additions/a\.json: its servers differ from XCover's document's",
        ),
        (
            [_addition("a.json", {"/x/{id}/": {"parameters": [], "get": no_body()}})],
            r"^spec-additions/a\.json: path /x/\{id\}/ has \['parameters'\]; declare them on its operations",
        ),
        (
            [_addition("a.json", {}, components={"securitySchemes": {"Other": {"type": "http"}}})],
            r"^spec-additions/a\.json: components/securitySchemes/Other is not a security scheme of XCover's",
        ),
    ],
    ids=["component-differs", "operation-twice", "servers", "path-item-parameters", "security-scheme"],
)
def test_merge_refuses_what_it_cannot_decide(
    upstream: dict[str, Any], additions: list[specdiff.Addition], message: str
) -> None:
    with pytest.raises(codegen.PipelineError, match=message):
        specdiff.merge_additions(upstream, additions)


def test_an_operation_upstream_has_is_left_out_and_reported(upstream: dict[str, Any]) -> None:
    """What update-spec sees: upstream's operation wins, the addition's other operations stay."""
    both = _addition("both.json", {OP: {"post": no_body()}, "/x/": {"get": no_body()}})
    merged, replaced = specdiff.merge_additions(upstream, [both])
    assert merged["paths"][OP] == upstream["paths"][OP]
    assert [(r.file, r.operation, r.operation_id) for r in replaced] == [("both.json", f"POST {OP}", "")]
    assert replaced[0].describe().startswith(f"XCover's document now covers POST {OP} (no operationId): ")
    assert merged["info"]["x-spec-additions"] == [
        {"file": "both.json", "operations": ["GET /x/"], "sha256": "0" * 64}
    ]
    assert both.without([(OP, "post")]).operations() == [("/x/", "get")]


# --------------------------------------------------------------------------------------------------
# The fixes on our additions' operations


def test_opt_out_takes_an_idempotency_key() -> None:
    patched = codegen.patched_document((ROOT / "openapi.json").read_text(encoding="utf-8"))
    params = patched["paths"][OPT_OUT_PATH]["post"]["parameters"]
    assert [(p["in"], p["name"], p["required"]) for p in params] == [
        ("path", "partner_code", True), ("path", "offer_id", True), ("header", "x-idempotency-key", False)
    ]  # fmt: skip
    fixes = {fix["id"]: fix for fix in codegen.load_fixes()}
    reason = fixes["opt-out-idempotency-key"]["reason"]
    assert "https://docs.covergenius.com/xcover/idempotency-keys" in reason
    assert "'most of the non-idempotent endpoints'" in reason


def test_opt_out_fix_reported_obsolete_once_the_operation_declares_parameters(
    upstream: dict[str, Any],
) -> None:
    merged = with_additions(upstream)
    merged["paths"][OPT_OUT_PATH]["post"]["parameters"] = [
        {"name": "x-idempotency-key", "in": "header", "schema": {"type": "string"}}
    ]
    with pytest.raises(specdiff.FixObsolete, match="opt-out-idempotency-key"):
        codegen.apply_fixes(merged, codegen.load_fixes())


def test_shared_error_bodies_fix_conflicts_when_create_offers_body_changes(upstream: dict[str, Any]) -> None:
    changed = with_additions(upstream)
    body = changed["paths"][OP]["post"]["responses"]["403"]["content"]["application/json"]["schema"]
    body["properties"]["code"] = {"type": "integer"}
    with pytest.raises(specdiff.FixConflict, match=r"create-offer-shared-error-bodies.*no longer applies"):
        codegen.apply_fixes(changed, codegen.load_fixes())
