"""The code-generation pipeline behind `nox -s generate`, `check_generated` and `update_spec`.

openapi.json + spec-additions/*.json (merged: tools/specdiff/additions.py) --(spec-fixes.json, then the
path-parameter rule: tools/specdiff/fixes.py)--> patched document --(openapi-spec-validator)-->
openapi-python-client (+ templates/) --(pinned ruff, isolated)--> generated/xcover_offers_api/ (+ py.typed,
+ the patched document as openapi.json, + _spec_facts.py: what the wrapper needs from the document,
extracted and checked here, + request.schema.json and response.schema.json: the body schemas as JSON
Schema Draft 4 for the wrapper's validators, tools/draft4.py). `update-spec` lives in tools/update_spec.py.

Every step is deterministic, so a fresh run reproduces generated/ byte for byte and a drift check is a
plain tree comparison. This script runs inside the nox session that installed the pinned tools; it is
not shipped.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from draft4 import json_schemas
from specdiff.additions import Addition, load_additions, merge_additions
from specdiff.fixes import PipelineError, apply_fixes, declare_path_parameters

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.json"
FIXES = ROOT / "spec-fixes.json"
ADDITIONS = ROOT / "spec-additions"
CONFIG = ROOT / "generator.yaml"
TEMPLATES = ROOT / "templates"
PACKAGE = "xcover_offers_api"
GENERATED = ROOT / "generated" / PACKAGE
CREATE_OFFER_PATH = "/partners/{partner_code}/offers/"


# --------------------------------------------------------------------------------------------------
# Spec handling


def normalise(doc: Any) -> str:
    """The one on-disk form of a document: 2-space indented, key order kept, final newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_fixes(path: Path = FIXES) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    fixes = data["fixes"]
    seen: set[str] = set()
    for i, fix in enumerate(fixes):
        for key in ("id", "reason", "patch"):
            if not fix.get(key):
                raise PipelineError(
                    f"{path.name}: fix #{i} has no {key!r}; every fix needs an id, a reason and a patch"
                )
        if fix["id"] in seen:
            raise PipelineError(f"{path.name}: fix id {fix['id']!r} is used twice")
        seen.add(fix["id"])
    return fixes


def validate(doc: Any) -> None:
    """Raise PipelineError unless the document is valid OpenAPI."""
    from openapi_spec_validator import validate as _validate

    try:
        _validate(doc)
    except Exception as exc:  # the validator raises several unrelated types
        raise PipelineError(f"the patched document is not valid OpenAPI: {exc}") from exc


def patched_document(
    spec_text: str,
    fixes: list[dict[str, Any]] | None = None,
    additions: Sequence[Addition] | None = None,
) -> dict[str, Any]:
    """Upstream text + our additions -> the spec fixes -> the path-parameter rule -> validated document,
    stamped with its provenance in `info` (the additions merged, the fixes applied, the parameters the
    rule declared). Fails when upstream now has an operation an addition describes."""
    fixes = load_fixes() if fixes is None else fixes
    additions = load_additions(ADDITIONS) if additions is None else additions
    merged, replaced = merge_additions(json.loads(spec_text), additions)
    if replaced:
        raise PipelineError("; ".join(r.describe() for r in replaced))
    patched, applied = apply_fixes(merged, fixes)
    patched, declared = declare_path_parameters(patched)
    json_schemas(patched)  # a keyword the validators would not enforce, named before the OpenAPI validator
    validate(patched)
    patched["info"]["x-upstream-sha256"] = sha256_text(spec_text)
    patched["info"]["x-spec-fixes"] = applied
    patched["info"]["x-declared-path-parameters"] = declared
    return patched


# --------------------------------------------------------------------------------------------------
# Facts the wrapper reads from the document, extracted here so that importing it parses nothing

# The spec gives the allowed extra_fields values only in prose, at the end of the parameter's description.
EXTRA_FIELDS_PROSE = re.compile(r"Available fields:\s*(?P<values>.+?)\s*\.?\s*$", re.S)
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _extra_fields(operation: Mapping[str, Any]) -> tuple[str, ...]:
    """The allowed `extra_fields` values: the schema's enum when upstream declares one, else the prose."""
    params = [p for p in operation.get("parameters") or () if p.get("in") == "query"]
    param = next((p for p in params if p.get("name") == "extra_fields"), None)
    if param is None:
        raise PipelineError(
            f"POST {CREATE_OFFER_PATH} no longer declares the query parameter 'extra_fields'. The wrapper "
            "validates and encodes it (wrapper/xcover_offers/_params.py); update it with the spec."
        )
    schema = param.get("schema") or {}
    enum = schema.get("enum") or (schema.get("items") or {}).get("enum")
    if enum:
        values = [str(v) for v in enum]
        source = "the schema's enum"
    else:
        description = str(param.get("description") or "")
        match = EXTRA_FIELDS_PROSE.search(description)
        if not match:
            raise PipelineError(
                "the extra_fields description no longer ends with 'Available fields: a, b, c' (it reads: "
                f"{description!r}). The wrapper checks extra_fields against that list. Upstream reworded "
                "it: declare the values as an enum in a spec fix (spec-fixes.json), or update "
                "EXTRA_FIELDS_PROSE in tools/codegen.py."
            )
        values = [v.strip() for v in match.group("values").split(",")]
        source = f"the description ({match.group(0)!r})"
    bad = [v for v in values if not FIELD_NAME.fullmatch(v)]
    if bad or not values or len(set(values)) != len(values):
        raise PipelineError(
            f"cannot read the extra_fields values from {source}: got {values!r}, expected distinct "
            "lower-case names. Upstream reworded it: declare the values as an enum in a spec fix "
            "(spec-fixes.json), or update EXTRA_FIELDS_PROSE in tools/codegen.py."
        )
    return tuple(values)


def spec_facts(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What the wrapper needs from the patched document, checked: constants for `_spec_facts.py`."""
    try:
        operation = doc["paths"][CREATE_OFFER_PATH]["post"]
        server = str(doc["servers"][0]["url"])
    except (KeyError, IndexError, TypeError) as exc:
        raise PipelineError(
            f"the document has no POST {CREATE_OFFER_PATH} or no servers[0].url ({exc!r}); the wrapper "
            "is built on both: update CREATE_OFFER_PATH here and the wrapper with the spec"
        ) from exc
    info = doc["info"]
    return {
        "SPEC_VERSION": str(info["version"]),
        "SPEC_SHA256": str(info["x-upstream-sha256"]),
        "SPEC_FIXES": tuple(info.get("x-spec-fixes", ())),
        "DEFAULT_SERVER": server,
        "CREATE_OFFER_PATH": CREATE_OFFER_PATH,
        "EXTRA_FIELDS": _extra_fields(operation),
    }


FACT_DOCS = {
    "SPEC_VERSION": "`info.version` of the document the package was generated from.",
    "SPEC_SHA256": "sha256 of the upstream document (openapi.json) as stored, before the spec fixes.",
    "SPEC_FIXES": "Ids of the reviewed corrections (spec-fixes.json) applied before generation.",
    "DEFAULT_SERVER": "`servers[0].url`.",
    "CREATE_OFFER_PATH": "Create Offer's path: its convenience method and the sandbox's pricing use it.",
    "EXTRA_FIELDS": "Allowed `extra_fields` values: the parameter's enum, or the list in its description.",
}


def spec_facts_module(facts: Mapping[str, Any]) -> str:
    """The source of `_spec_facts.py` (unformatted; the pinned ruff formats it)."""
    lines = [
        '"""Facts about the OpenAPI document, extracted and checked by tools/codegen.py when generating.',
        "",
        "Generated: do not edit. The wrapper imports these rather than parsing openapi.json at import, so an",
        "upstream rewording fails generation, never `import xcover_offers`.",
        '"""',
        "",
        "from typing import Final",
        "",
    ]
    for name, value in facts.items():
        kind = "Final[tuple[str, ...]]" if isinstance(value, tuple) else "Final"
        lines += [f"{name}: {kind} = {value!r}", f'"""{FACT_DOCS[name]}"""', ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Template overrides (templates/): each is upstream's file with a small change, recorded in UPSTREAM.json


def installed_template(name: str) -> Path:
    """`name` as shipped by the openapi-python-client installed beside this Python."""
    spec = importlib.util.find_spec("openapi_python_client")
    if spec is None or not spec.submodule_search_locations:
        raise PipelineError("openapi-python-client is not installed; run this through `nox -s generate`")
    return Path(next(iter(spec.submodule_search_locations))) / "templates" / name


def check_template_overrides(templates: Path = TEMPLATES) -> None:
    """Fail when the generator's own copy of an overridden template is not the one the override was
    derived from: a generator upgrade must not leave a stale fork in use."""
    record = json.loads((templates / "UPSTREAM.json").read_text(encoding="utf-8"))
    overrides = sorted(p.name for p in templates.glob("*.jinja"))
    if sorted(record["templates"]) != overrides:
        raise PipelineError(
            f"templates/UPSTREAM.json records {sorted(record['templates'])} but templates/ holds "
            f"{overrides}: record the upstream hash of every override"
        )
    for name, wanted in record["templates"].items():
        path = installed_template(name)
        found = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "(no such file)"
        if found != wanted:
            raise PipelineError(
                f"templates/{name} overrides openapi-python-client {record['generator']}'s {name} "
                f"(sha256 {wanted}), but the installed generator's copy is {found} ({path}). Re-derive "
                f"the override from the new upstream file (diff the old and new upstream, apply the same "
                f"change), then record the new hash and version in templates/UPSTREAM.json."
            )


# --------------------------------------------------------------------------------------------------
# Generation


def _tool(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise PipelineError(f"{name} is not installed; run this through `nox -s generate`")
    return found


def _check_overrides(package: Path, config: Path) -> None:
    import yaml

    overrides = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("class_overrides") or {}
    wanted = [entry["class_name"] for entry in overrides.values() if entry and entry.get("class_name")]
    models_init = (package / "models" / "__init__.py").read_text(encoding="utf-8")
    missing = [name for name in wanted if f'"{name}"' not in models_init]
    if missing:
        raise PipelineError(
            f"{config.name}: class_overrides no longer match the document, these models were not "
            f"generated: {', '.join(missing)}. Upstream restructured a schema; update the override keys."
        )


def generate(
    out: Path, *, spec: Path = SPEC, fixes: Path = FIXES, config: Path = CONFIG, additions: Path = ADDITIONS
) -> None:
    """Generate the package into `out` (replaced), from `spec` and the documents in `additions` after
    the fixes in `fixes`."""
    doc = patched_document(spec.read_text(encoding="utf-8"), load_fixes(fixes), load_additions(additions))
    facts = spec_facts(doc)
    schemas = json_schemas(doc)
    check_template_overrides()
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    with tempfile.TemporaryDirectory(prefix="xcover-gen-") as tmp:
        patched_path = Path(tmp) / "openapi.patched.json"
        patched_path.write_text(normalise(doc), encoding="utf-8")
        target = Path(tmp) / PACKAGE
        cmd = [
            _tool("openapi-python-client"),
            "generate",
            "--path",
            str(patched_path),
            "--config",
            str(config),
            "--meta",
            "none",
            "--fail-on-warning",
            "--custom-template-path",
            str(TEMPLATES),
            "--output-path",
            str(target),
        ]
        proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not target.is_dir():
            raise PipelineError(
                "openapi-python-client failed (it is run with --fail-on-warning, so a skipped endpoint "
                f"is an error):\n{proc.stdout}\n{proc.stderr}"
            )
        shutil.rmtree(target / ".ruff_cache", ignore_errors=True)
        _check_overrides(target, config)
        (target / "py.typed").write_text("", encoding="utf-8")
        # The document the code was generated from ships with it: the wrapper reads its version and
        # provenance, and the sandbox validates against it.
        (target / "openapi.json").write_text(normalise(doc), encoding="utf-8")
        # What the wrapper's request and response validators compile, converted here, never at import.
        for direction, schema in schemas.items():
            (target / f"{direction}.schema.json").write_text(normalise(schema), encoding="utf-8")
        # The class every endpoint module's OPERATION is an instance of (templates/endpoint_module.py.jinja).
        shutil.copyfile(TEMPLATES / "operation.py", target / "operation.py")
        facts_path = target / "_spec_facts.py"
        facts_path.write_text(spec_facts_module(facts), encoding="utf-8")
        subprocess.run(
            [_tool("ruff"), "format", "--isolated", "--quiet", str(facts_path), str(target / "operation.py")],
            env=env,
            check=True,
        )
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(target, out)


def tree_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".ruff_cache" not in p.parts
    }


def diff_trees(expected: Path, actual: Path) -> str:
    """A unified diff from `actual` (committed) to `expected` (fresh); empty when identical."""
    a, b = tree_files(actual), tree_files(expected)
    out: list[str] = []
    for name in sorted(a.keys() | b.keys()):
        if a.get(name) == b.get(name):
            continue
        old = a.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = b.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
        out.extend(
            difflib.unified_diff(
                old,
                new,
                fromfile=f"committed/{name}" if name in a else "/dev/null",
                tofile=f"fresh/{name}" if name in b else "/dev/null",
            )
        )
    return "".join(out)


# --------------------------------------------------------------------------------------------------
# Commands


def cmd_generate(args: argparse.Namespace) -> int:
    generate(Path(args.out) if args.out else GENERATED)
    print(f"generated {Path(args.out) if args.out else GENERATED.relative_to(ROOT)}")
    return 0


def generated_diff() -> str:
    """How generated/ differs from a fresh generation (committed -> fresh); empty when it does not."""
    with tempfile.TemporaryDirectory(prefix="xcover-check-") as tmp:
        fresh = Path(tmp) / PACKAGE
        generate(fresh)
        return diff_trees(fresh, GENERATED)


def cmd_check(args: argparse.Namespace) -> int:
    diff = generated_diff()
    if diff:
        print(diff)
        print(
            "generated/ differs from a fresh generation (diff above: committed -> fresh). generated/ is "
            "output: never edit it by hand; run `nox -s generate` and commit the result."
        )
        return 1
    print("generated/ matches a fresh generation")
    return 0


def cmd_update_spec(args: argparse.Namespace) -> int:
    import update_spec  # tools/update_spec.py; it imports this module, so not at the top

    return update_spec.cmd_update_spec(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="codegen", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("generate", help="apply fixes, validate, generate, format")
    p.add_argument("--out", help="package folder to write (default: generated/xcover_offers_api)")
    p.set_defaults(func=cmd_generate)
    p = sub.add_parser("check", help="fail with a diff if generated/ differs from a fresh generation")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser(
        "update-spec", help="report what a new upstream document changes, store it and regenerate"
    )
    p.add_argument("path")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--apply-bump", action="store_true", help="write the proposed version to the wrapper's _version.py"
    )
    mode.add_argument(
        "--dry-run", action="store_true", help="report only: store nothing, regenerate nothing in place"
    )
    p.set_defaults(func=cmd_update_spec)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
