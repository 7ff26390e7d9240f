"""The generator template override (templates/): still derived from the installed upstream file, minimal,
and doing what it is for (model imports run once per process, and models that refer to each other
still import)."""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import codegen
import pytest

# The generation tools run on one Python (the nox sessions that use them): once (pyproject's `once` marker).
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
RECORD = json.loads((TEMPLATES / "UPSTREAM.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(RECORD["templates"]))
def test_installed_upstream_template_is_the_one_the_override_was_derived_from(name: str) -> None:
    """Fails after a generator upgrade that changed the template: re-derive the override, record the hash."""
    upstream = codegen.installed_template(name)
    assert hashlib.sha256(upstream.read_bytes()).hexdigest() == RECORD["templates"][name], (
        f"openapi-python-client's {name} changed since templates/{name} was derived from it "
        f"({RECORD['generator']}); re-apply the override's change to the new upstream file and record "
        "its hash in templates/UPSTREAM.json"
    )
    codegen.check_template_overrides()


def test_every_override_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "UPSTREAM.json").write_text(json.dumps({"generator": "g", "templates": {}}))
    (tmp_path / "model.py.jinja").write_text("")
    with pytest.raises(codegen.PipelineError, match="record the upstream hash of every override"):
        codegen.check_template_overrides(tmp_path)


def test_a_changed_upstream_template_fails_generation(tmp_path: Path) -> None:
    record = {"generator": "openapi-python-client 0.0.0", "templates": {"model.py.jinja": "0" * 64}}
    (tmp_path / "UPSTREAM.json").write_text(json.dumps(record))
    (tmp_path / "model.py.jinja").write_text("")
    with pytest.raises(codegen.PipelineError, match=r"model\.py\.jinja overrides .* Re-derive the override"):
        codegen.check_template_overrides(tmp_path)


def test_model_override_only_moves_the_model_imports() -> None:
    upstream = codegen.installed_template("model.py.jinja").read_text(encoding="utf-8").splitlines()
    ours = (TEMPLATES / "model.py.jinja").read_text(encoding="utf-8").splitlines()
    diff = list(difflib.unified_diff(upstream, ours, lineterm="", n=0))
    removed = [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]
    # Upstream's lazy-import blocks and the control lines around them; nothing else.
    assert removed
    for line in removed:
        assert "lazy_import" in line or re.fullmatch(r"\s*(\{% .* %\}|if TYPE_CHECKING:)", line), line
    added = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    assert len(added) < 25, "the override is meant to stay a small change of upstream's file"


def _function_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        ast.unparse(node)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(func)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def test_generated_models_import_nothing_per_call() -> None:
    models = sorted((ROOT / "generated" / "xcover_offers_api" / "models").glob("*.py"))
    assert models
    found = {path.name: imports for path in models if (imports := _function_imports(path))}
    assert found == {}


def test_generated_casts_are_quoted() -> None:
    """TC006 in the post-hook: an unquoted `cast(float | None | Unset, x)` builds a union on every parse."""
    unquoted = []
    for path in sorted((ROOT / "generated" / "xcover_offers_api").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_cast = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "cast"
            if is_cast and not isinstance(node.args[0], ast.Constant):
                unquoted.append(f"{path.name}: {ast.unparse(node)}")
    assert unquoted == []


CYCLIC_SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "cycle", "version": "1"},
    "paths": {
        "/nodes": {
            "get": {
                "operationId": "get_node",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Parent"}}},
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Parent": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "child": {"$ref": "#/components/schemas/Child"},
                },
            },
            "Child": {
                "type": "object",
                "properties": {
                    "parents": {"type": "array", "items": {"$ref": "#/components/schemas/Parent"}},
                    "self_ref": {"$ref": "#/components/schemas/Child"},
                },
            },
        }
    },
}


def test_models_that_refer_to_each_other_still_import(tmp_path: Path) -> None:
    spec = tmp_path / "cycle.json"
    spec.write_text(json.dumps(CYCLIC_SPEC))
    config = tmp_path / "config.yaml"
    config.write_text('package_name_override: cycle_client\npost_hooks: ["ruff format . --isolated"]\n')
    out = tmp_path / "cycle_client"
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    cmd = [
        codegen._tool("openapi-python-client"), "generate", "--path", str(spec), "--config", str(config),
        "--meta", "none", "--fail-on-warning", "--custom-template-path", str(TEMPLATES),
        "--output-path", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _function_imports(out / "models" / "parent.py") == []
    # Both import orders, in a fresh interpreter each: a real cycle is the case lazy imports existed for.
    for first in ("parent", "child"):
        script = textwrap.dedent(f"""
            import cycle_client.models.{first}
            from cycle_client.models import Child, Parent
            data = {{"name": "a", "child": {{"parents": [{{"name": "b"}}], "self_ref": {{}}}}}}
            parsed = Parent.from_dict(data)
            assert isinstance(parsed.child, Child) and isinstance(parsed.child.parents[0], Parent)
            assert parsed.to_dict() == data, parsed.to_dict()
        """)
        run = subprocess.run(
            [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert run.returncode == 0, run.stderr
