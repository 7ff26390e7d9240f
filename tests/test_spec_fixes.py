"""The reviewed spec fixes: they make the document valid, and fail loudly once upstream repairs it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import codegen
import pytest

ROOT = Path(__file__).resolve().parent.parent
OP = "/partners/{partner_code}/offers/"


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
    assert applied == ["partner-code-path-parameter", "create-offer-operation-id"]
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
