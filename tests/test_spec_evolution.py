"""Spec evolution: `update-spec` says what a new upstream document changes and proposes the version bump.

The fixtures in tests/fixtures/specs/ are realistic next versions of upstream spec 1.0.0, pinned in
tests/fixtures/specs/base/openapi.json so these tests mean the same after the stored openapi.json
moves on; they take the repository's own spec fixes and generator config (the wrapper they copy
relies on what those declare), and the repository's spec-additions/, merged into every document as
generation merges them. Classification is checked on the documents directly, and the generated names a
change lands in are read from code generated from them; the end-to-end tests run `update_spec` on a
temporary repository (base spec, its generated code, a copy of the wrapper), never on the real tree.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import codegen
import httpx
import pytest
import specdiff
import update_spec
from specdiff import Level

# The generation tools run on one Python (the nox sessions that use them): once (pyproject's `once` marker).
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "specs"
BASE = FIXTURES / "base"
CREATE = "POST /partners/{partner_code}/offers/"
OPT_OUT = "POST /partners/{partner_code}/offers/{offer_id}/opt_out/"
GET_BOOKING = "GET /partners/{partner_code}/bookings/{booking_id}/"
MODIFY = "PATCH /partners/{partner_code}/bookings/{booking_id}/"
CANCEL = "POST /partners/{partner_code}/bookings/{booking_id}/cancel/"
FILE_TYPE = "data.products[].details.files[].type"

_spec = importlib.util.spec_from_file_location("spec_fixtures", FIXTURES / "materialise.py")
assert _spec
assert _spec.loader
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)


def fixed(doc: Any) -> Any:
    """As update-spec compares documents: our additions merged, then the spec fixes and the path-parameter
    rule."""
    merged, replaced = specdiff.merge_additions(doc, specdiff.load_additions(codegen.ADDITIONS))
    assert not replaced, replaced
    patched, _, _ = specdiff.apply_fixes_reporting_obsolete(
        merged, codegen.load_fixes(ROOT / "spec-fixes.json")
    )
    return specdiff.declare_path_parameters(patched)[0]


def base_document() -> Any:
    return fixed(json.loads((BASE / "openapi.json").read_text(encoding="utf-8")))


GenerateFor = Callable[..., Path]


@pytest.fixture(scope="module")
def generated_for(tmp_path_factory: pytest.TempPathFactory) -> GenerateFor:
    """`generated_for(doc)`: the package generated from an upstream document with the repository's
    additions, spec fixes and config (`already_fixed=True`: with neither additions nor fixes), once per
    document. Generated names are read from it, as update-spec reads them from its fresh generation."""
    cache: dict[str, Path] = {}
    no_fixes = tmp_path_factory.mktemp("no-fixes") / "spec-fixes.json"
    no_fixes.write_text('{"fixes": []}', encoding="utf-8")
    no_additions = tmp_path_factory.mktemp("no-additions")

    def generate(doc: Any, *, already_fixed: bool = False) -> Path:
        text = json.dumps(doc, sort_keys=True)
        key = f"{already_fixed}:{hashlib.sha256(text.encode()).hexdigest()}"
        if key not in cache:
            folder = tmp_path_factory.mktemp("generated")
            (folder / "openapi.json").write_text(text, encoding="utf-8")
            fixes = no_fixes if already_fixed else ROOT / "spec-fixes.json"
            additions = no_additions if already_fixed else codegen.ADDITIONS
            package = folder / codegen.PACKAGE
            codegen.generate(
                package,
                spec=folder / "openapi.json",
                fixes=fixes,
                config=ROOT / "generator.yaml",
                additions=additions,
            )
            cache[key] = package
        return cache[key]

    return generate


def diff_fixture(name: str, generated_for: GenerateFor | None = None) -> list[specdiff.Change]:
    """The fixture's changes; named from the code generated for both versions, as update-spec does."""
    before: Any = fixtures.materialise(name, base_only=True)
    after: Any = fixtures.materialise(name)
    changes = specdiff.semantic_diff(fixed(before), fixed(after))
    if generated_for is None:
        return changes
    return specdiff.with_generated_names(changes, generated_for(after), generated_for(before))


# --------------------------------------------------------------------------------------------------
# Classification and bump, one fixture each


@pytest.mark.parametrize(
    ("name", "expected", "bump", "version"),
    [
        ("new-endpoint", [(Level.ADDITION, "operation-added", CANCEL, "", None)], "minor", "0.2.0"),
        (
            "new-required-request-field",
            [(Level.BREAKING, "field-added-required", "request body", "customer.first_name", "Customer")],
            "major",
            "1.0.0",
        ),
        (
            "removed-response-field",
            [(Level.BREAKING, "field-removed", "response 200", "data.provider_reference", "Offer")],
            "major",
            "1.0.0",
        ),
        (
            "new-optional-response-field",
            [(Level.ADDITION, "field-added", "response 200", "data.expires_at", "Offer")],
            "minor",
            "0.2.0",
        ),
        (
            "request-parameter-enum-value-added",
            [
                (
                    Level.ADDITION,
                    "enum-value-added",
                    "query parameter",
                    "extra_fields[]",
                    "CreateOfferExtraFieldsItem",
                )
            ],
            "minor",
            "0.2.0",
        ),
        (
            "response-enum-value-added",
            [(Level.WARNING, "enum-value-added", "response 200", FILE_TYPE, "ProductFileType")],
            "minor",
            "0.2.0",
        ),
    ],
)
def test_fixture_classification_and_bump(
    name: str,
    expected: list[tuple[Level, str, str, str, str | None]],
    bump: specdiff.Bump,
    version: str,
    generated_for: GenerateFor,
) -> None:
    changes = diff_fixture(name, generated_for)
    got = [
        (c.level, c.kind, c.operation if c.operation == CANCEL else c.where, c.path, c.model) for c in changes
    ]
    assert got == expected, "\n".join(c.describe() for c in changes)
    assert specdiff.propose_bump(changes, documents_differ=True) == bump
    assert specdiff.bumped("0.1.0", bump) == version


def test_response_enum_warning_tells_readers_to_upgrade() -> None:
    (change,) = diff_fixture("response-enum-value-added")
    assert change.message.startswith('new enum value(s) "key_facts": breaks readers that handle every value')
    assert "upgrade before XCover sends it" in change.message


def test_new_endpoint_without_operation_id_gets_advice(generated_for: GenerateFor) -> None:
    changes = diff_fixture("new-endpoint", generated_for)
    (note,) = specdiff.advice(fixtures.materialise("new-endpoint"), changes)
    assert "no operationId" in note
    assert (
        "xcover_offers_api.api.cancel_booking.post_partners_partner_code_bookings_booking_id_cancel" in note
    )


# --------------------------------------------------------------------------------------------------
# The rules beyond the fixtures, on small edits of the fixed current document


def _body(doc: Any) -> Any:
    return doc["paths"]["/partners/{partner_code}/offers/"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]


def _data(doc: Any) -> Any:
    op = doc["paths"]["/partners/{partner_code}/offers/"]["post"]
    return op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]


def _ticket(doc: Any) -> Any:
    return _body(doc)["properties"]["context"]["properties"]["events"]["items"]["properties"]["tickets"][
        "items"
    ]


def _drop_parameter(doc: Any, name: str) -> None:
    operation = doc["paths"]["/partners/{partner_code}/offers/"]["post"]
    operation["parameters"] = [p for p in operation["parameters"] if p["name"] != name]


def _set(target: Callable[[Any], Any], key: str, value: Any) -> Callable[[Any], None]:
    return lambda doc: target(doc).__setitem__(key, value)


EDITS: list[tuple[str, Callable[[Any], None], Level, str, str]] = [
    (
        "response field becomes nullable",
        lambda d: _data(d)["properties"]["currency"].__setitem__("nullable", True),
        Level.BREAKING, "nullable-added", "data.currency",
    ),
    (
        "request field accepts null",
        lambda d: _body(d)["properties"]["customer"]["properties"]["region"].__setitem__("nullable", True),
        Level.ADDITION, "nullable-added", "customer.region",
    ),
    (
        "request field optional -> required",
        lambda d: _body(d)["properties"]["customer"]["required"].append("email"),
        Level.BREAKING, "now-required", "customer.email",
    ),
    (
        "request field required -> optional",
        lambda d: _body(d)["properties"]["customer"]["required"].remove("language"),
        Level.ADDITION, "now-optional", "customer.language",
    ),
    (
        "nested request type narrowed",
        lambda d: _ticket(d)["properties"]["price"].__setitem__("type", "integer"),
        Level.BREAKING, "type-narrowed", "context.events[].tickets[].price",
    ),
    (
        "request type widened",
        lambda d: _body(d)["properties"]["context"]["properties"]["events"]["items"]["properties"][
            "duration_days"
        ].__setitem__("type", "number"),
        Level.ADDITION, "type-widened", "context.events[].duration_days",
    ),
    (
        "response type changed",
        lambda d: _data(d)["properties"]["currency"].__setitem__("type", "object"),
        Level.BREAKING, "type-changed", "data.currency",
    ),
    (
        "new optional request field",
        lambda d: _ticket(d)["properties"].__setitem__("seat", {"type": "string"}),
        Level.ADDITION, "field-added", "context.events[].tickets[].seat",
    ),
    (
        "removed request field",
        lambda d: _ticket(d)["properties"].pop("total_paid"),
        Level.BREAKING, "field-removed", "context.events[].tickets[].total_paid",
    ),
    (
        "new required query parameter",
        lambda d: d["paths"]["/partners/{partner_code}/offers/"]["post"]["parameters"].append(
            {"name": "channel", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        Level.BREAKING, "parameter-added-required", "channel",
    ),
    (
        "removed query parameter",
        lambda d: _drop_parameter(d, "exclude_offer_ids"),
        Level.BREAKING, "parameter-removed", "exclude_offer_ids",
    ),
    (
        "removed operation",
        lambda d: d["paths"].pop("/partners/{partner_code}/offers/"),
        Level.BREAKING, "operation-removed", "",
    ),
    (
        "only a description changed",
        lambda d: _data(d)["properties"]["id"].__setitem__("description", "The offer's id."),
        Level.PATCH, "document-changed", "",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("title", "edit", "level", "kind", "path"), EDITS, ids=[e[0] for e in EDITS])
def test_rules(title: str, edit: Callable[[Any], None], level: Level, kind: str, path: str) -> None:
    old = base_document()
    new = json.loads(json.dumps(old))
    edit(new)
    changes = specdiff.semantic_diff(old, new)
    assert [(c.level, c.kind, c.path) for c in changes] == [(level, kind, path)], title


def test_inline_and_referenced_schemas_compare_the_same(generated_for: GenerateFor) -> None:
    old = base_document()
    new = json.loads(json.dumps(old))
    customer = _body(new)["properties"]["customer"]
    new.setdefault("components", {}).setdefault("schemas", {})["Customer"] = customer
    _body(new)["properties"]["customer"] = {"$ref": "#/components/schemas/Customer"}
    assert [c.kind for c in specdiff.semantic_diff(old, new)] == ["document-changed"]
    customer["properties"]["phone"] = {"type": "string"}
    (change,) = specdiff.semantic_diff(old, new)
    assert (change.kind, change.path) == ("field-added", "customer.phone")
    (named,) = specdiff.with_generated_names([change], generated_for(new, already_fixed=True))
    assert (named.model, named.module) == ("Customer", "xcover_offers_api.api.create_offer.create_offer")


def test_generated_names_fail_loudly_when_the_generated_shape_changes(
    generated_for: GenerateFor, tmp_path: Path
) -> None:
    package = tmp_path / codegen.PACKAGE
    shutil.copytree(generated_for(fixtures.materialise("new-endpoint", base_only=True)), package)
    customer = package / "models" / "customer.py"
    customer.write_text(customer.read_text().replace("d.pop(", "d.get("))
    with pytest.raises(specdiff.GeneratedShapeError, match=r"Customer\.from_dict parses no JSON key into"):
        specdiff.GeneratedNames.read(package)


def test_no_change_proposes_no_bump() -> None:
    doc = base_document()
    assert specdiff.semantic_diff(doc, doc) == []
    assert specdiff.propose_bump([], documents_differ=False) == "none"
    assert specdiff.propose_bump([], documents_differ=True) == "patch"


@pytest.mark.parametrize(
    ("version", "bump", "expected"),
    [
        ("0.1.0", "major", "1.0.0"),
        ("1.4.2", "minor", "1.5.0"),
        ("1.4.2", "patch", "1.4.3"),
        ("1.4.2", "none", "1.4.2"),
    ],
)
def test_bumped(version: str, bump: specdiff.Bump, expected: str) -> None:
    assert specdiff.bumped(version, bump) == expected


def test_bumped_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="set it by hand"):
        specdiff.bumped("1.0.0rc1", "minor")


# --------------------------------------------------------------------------------------------------
# Which wrapper code uses what changed (pure)


def test_uses_in_source_follows_imports_aliases_and_attributes() -> None:
    source = """
from xcover_offers_api.models import Customer, Offer as O
from xcover_offers_api.api.create_offer import create_offer as endpoint
import xcover_offers_api.models as m
from xcover_offers_api.types import UNSET  # imported, never used: still a use
from . import _errors
from importlib import resources

PATH = "/partners/{partner_code}/offers/"

def f():
    Customer(currency="USD")
    O.from_dict({})
    endpoint.sync_detailed(client=None)
    m.Event.from_dict({}).name
    return resources.files("xcover_offers_api")
"""
    uses = {
        u.name: u.line
        for u in specdiff.uses_in_source(source, known_paths=["/partners/{partner_code}/offers/"])
    }
    assert uses == {
        "xcover_offers_api.models.Customer": 12,
        "xcover_offers_api.models.Offer.from_dict": 13,
        "xcover_offers_api.api.create_offer.create_offer.sync_detailed": 14,
        "xcover_offers_api.models.Event.from_dict": 15,
        "xcover_offers_api.types.UNSET": 5,
        "spec-path:/partners/{partner_code}/offers/": 9,
        "xcover_offers_api/openapi.json": 16,
    }


def test_wrapper_dependents_maps_changed_names_to_files() -> None:
    uses = {
        "wrapper/xcover_offers/_builders.py": [specdiff.Use("xcover_offers_api.models.Customer", 3)],
        "wrapper/xcover_offers/_client.py": [
            specdiff.Use("xcover_offers_api.api.create_offer.create_offer.sync_detailed", 40),
            specdiff.Use("xcover_offers_api.models.Offer.from_dict", 41),
        ],
        "wrapper/xcover_offers/_params.py": [specdiff.Use("xcover_offers_api.types.UNSET", 5)],
    }
    reexports = {
        "xcover_offers_api.models.Customer": "xcover_offers_api.models.customer.Customer",
        "xcover_offers_api.models.Offer": "xcover_offers_api.models.offer.Offer",
    }
    changed = {
        "xcover_offers_api.models.customer.Customer": ["signature changed"],
        "xcover_offers_api.models.Customer": ["request body `customer.first_name`: new required field"],
        "xcover_offers_api.api.create_offer.create_offer": [
            "query parameter `channel`: new required parameter"
        ],
        "xcover_offers_api.models.offer.Offer": ["response 200 `data.provider_reference`: field removed"],
        "xcover_offers_api.models.ticket.Ticket": ["unused by the wrapper"],
    }
    deps = specdiff.wrapper_dependents(uses, changed, reexports)
    assert sorted(deps) == ["wrapper/xcover_offers/_builders.py", "wrapper/xcover_offers/_client.py"]
    (customer,) = deps["wrapper/xcover_offers/_builders.py"]
    assert customer.used == customer.changed == "xcover_offers_api.models.Customer"
    assert customer.reasons == ("signature changed", "request body `customer.first_name`: new required field")
    endpoint, offer = deps["wrapper/xcover_offers/_client.py"]
    assert (endpoint.line, endpoint.changed) == (40, "xcover_offers_api.api.create_offer.create_offer")
    assert (offer.line, offer.changed) == (41, "xcover_offers_api.models.offer.Offer")
    text = specdiff.render_dependents(deps)
    assert "wrapper/xcover_offers/_client.py\n    line 40:" in text
    assert specdiff.render_dependents({}) == "No wrapper module uses anything that changed."


def test_removed_module_reaches_names_imported_from_it() -> None:
    uses = {"w.py": [specdiff.Use("xcover_offers_api.api.create_offer.create_offer.sync", 1)]}
    deps = specdiff.wrapper_dependents(
        uses, {"xcover_offers_api.api.create_offer.create_offer": ["module removed"]}, {}
    )
    assert deps["w.py"][0].reasons == ("module removed",)


# --------------------------------------------------------------------------------------------------
# End to end, against a temporary copy of the repository files


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for name, data in codegen.tree_files(root).items():
        digest.update(name.encode() + b"\0" + data)
    return digest.hexdigest()


@pytest.fixture(autouse=True, scope="module")
def real_tree_untouched() -> Iterator[None]:
    watched = [
        ROOT / "openapi.json",
        ROOT / "spec-fixes.json",
        ROOT / "wrapper" / "xcover_offers" / "_version.py",
    ]
    before = [p.read_bytes() for p in watched], _tree_digest(ROOT / "generated" / "xcover_offers_api")
    yield
    after = [p.read_bytes() for p in watched], _tree_digest(ROOT / "generated" / "xcover_offers_api")
    assert after == before, "update-spec tests must only ever write to their temporary copy"


USES_OF_CUSTOMER_AND_OFFER = '''"""Stands in for wrapper code that reads fields the fixtures change."""
from xcover_offers_api.models import Customer, Offer


def reference(offer: Offer) -> object:
    return offer.provider_reference, Customer
'''


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository at spec 1.0.0 and version 0.1.0: the pinned base, the code generated from it, and a
    copy of the wrapper with one more module that uses fields the fixtures change."""
    root = tmp_path_factory.mktemp("base-repo")
    shutil.copy2(BASE / "openapi.json", root / "openapi.json")
    # The repository's own additions, fixes and config: the wrapper copied below relies on what they declare.
    for name in ("spec-fixes.json", "generator.yaml"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(codegen.ADDITIONS, root / codegen.ADDITIONS.name)
    shutil.copy2(ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    repo = update_spec.Repo(root)
    shutil.copytree(
        ROOT / "wrapper" / "xcover_offers", repo.wrapper, ignore=shutil.ignore_patterns("__pycache__")
    )
    (repo.wrapper / "_uses_fixture_fields.py").write_text(USES_OF_CUSTOMER_AND_OFFER)
    specdiff.write_version(repo.version_file, "0.1.0")
    codegen.generate(
        repo.generated, spec=repo.spec, fixes=repo.fixes, config=repo.config, additions=repo.additions
    )
    return root


@pytest.fixture
def repo(base_repo: Path, tmp_path: Path) -> update_spec.Repo:
    shutil.copytree(base_repo, tmp_path, dirs_exist_ok=True)
    return update_spec.Repo(tmp_path)


def next_version(name: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{name}.upstream.json"
    path.write_text(json.dumps(fixtures.materialise(name)), encoding="utf-8")
    return path


@pytest.fixture
def regenerated() -> Iterator[Callable[[Path, str], ModuleType]]:
    """Import a module of a regenerated `xcover_offers_api` from a temporary folder, and afterwards put
    the installed package back so no later test sees the temporary one."""
    import xcover_offers  # bound to the installed package before the swap  # noqa: F401

    def ours(name: str) -> bool:
        return name == codegen.PACKAGE or name.startswith(codegen.PACKAGE + ".")

    saved = {name: module for name, module in sys.modules.items() if ours(name)}
    added: list[str] = []

    def load(generated_parent: Path, module: str) -> ModuleType:
        for name in [n for n in sys.modules if ours(n)]:
            del sys.modules[name]
        sys.path.insert(0, str(generated_parent))
        added.append(str(generated_parent))
        importlib.invalidate_caches()
        return importlib.import_module(module)

    yield load
    for path in added:
        sys.path.remove(path)
    for name in [n for n in sys.modules if ours(n)]:
        del sys.modules[name]
    sys.modules.update(saved)


def test_new_endpoint_regenerated_and_signed_with_no_wrapper_change(
    repo: update_spec.Repo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    regenerated: Callable[[Path, str], ModuleType],
) -> None:
    from xcover_offers import XCoverAuth, verify_signature

    assert update_spec.update_spec(repo, next_version("new-endpoint", tmp_path)) == 0
    out = capsys.readouterr().out
    assert f"  - {CANCEL}: new operation" in out
    assert "Proposed version: 0.1.0 -> 0.2.0 (minor: 1 addition)" in out
    assert json.loads(repo.spec.read_text())["info"]["version"] == "1.1.0"

    report = json.loads((repo.build / "spec-update.json").read_text())
    (added,) = report["changes"]
    endpoint = regenerated(repo.generated.parent, added["module"])  # the module the report named

    seen: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        seen.append(verify_signature(request.method, path, request.headers, secrets={"key-1": "s3cret"}))
        return httpx.Response(200, json={"data": {"id": "INS-1", "cancelled": True, "cancelled_at": None}})

    client_module = importlib.import_module("xcover_offers_api")
    auth = XCoverAuth("key-1", "s3cret")
    with client_module.Client(
        base_url="https://api.xcover.com/x",
        httpx_args={"transport": httpx.MockTransport(server), "auth": auth},
    ) as client:
        response = endpoint.sync_detailed("LLODT", "INS 1", client=client)
    assert seen == ["key-1"]
    assert response.status_code == 200
    assert response.parsed.data.cancelled is True
    assert response.parsed.data.id == "INS-1"


def test_breaking_update_reports_dependents_drafts_changelog_and_applies_bump(
    repo: update_spec.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changelog = (repo.root / "CHANGELOG.md").read_text()
    assert (
        update_spec.update_spec(repo, next_version("new-required-request-field", tmp_path), apply_bump=True)
        == 0
    )
    out = capsys.readouterr().out
    assert "BREAKING: existing callers can fail (major): 1" in out
    assert f"  - {CREATE} request body `customer.first_name`: new required field" in out
    assert "Proposed version: 0.1.0 -> 1.0.0 (major: 1 breaking)" in out
    assert "~ changed: xcover_offers_api.models.customer.Customer" in out
    assert (
        "  wrapper/xcover_offers/_uses_fixture_fields.py\n    line 6: xcover_offers_api.models.Customer"
        in out
    )

    assert specdiff.read_version(repo.version_file) == "1.0.0"
    assert "first_name: str" in (repo.generated / "models" / "customer.py").read_text()
    draft = (repo.build / "CHANGELOG.draft.md").read_text()
    assert draft.startswith("## [Unreleased] — 1.0.0\n")
    assert "- **Breaking:** POST /partners/{partner_code}/offers/ request body `customer.first_name`" in draft
    assert (repo.root / "CHANGELOG.md").read_text() == changelog


def test_dry_run_stores_nothing_and_explain_names_the_wrapper_modules(
    repo: update_spec.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec_before, generated_before = repo.spec.read_bytes(), _tree_digest(repo.generated)
    assert update_spec.update_spec(repo, next_version("removed-response-field", tmp_path), dry_run=True) == 0
    out = capsys.readouterr().out
    assert "Dry run: openapi.json, generated/ and the package version are unchanged." in out
    assert (repo.spec.read_bytes(), _tree_digest(repo.generated)) == (spec_before, generated_before)
    assert specdiff.read_version(repo.version_file) == "0.1.0"

    explained = specdiff.explain(repo.build / "spec-update.json")
    assert (
        "wrapper/xcover_offers/_uses_fixture_fields.py\n    line 5: xcover_offers_api.models.Offer"
        in explained
    )
    assert "`data.provider_reference`: field removed: readers of it break [Offer]" in explained
    # the command line `nox -s update_spec` runs when the suite fails on the regenerated code
    command = [
        sys.executable,
        str(ROOT / "tools" / "specdiff"),
        "explain",
        str(repo.build / "spec-update.json"),
    ]
    assert subprocess.run(command, capture_output=True, text=True, check=True).stdout == explained + "\n"

    assert specdiff.apply_bump(repo.build / "spec-update.json", repo.version_file).startswith(
        "0.1.0 -> 1.0.0"
    )
    assert specdiff.read_version(repo.version_file) == "1.0.0"
    with pytest.raises(ValueError, match="already applied"):
        specdiff.apply_bump(repo.build / "spec-update.json", repo.version_file)


def with_fix(repo: update_spec.Repo, fix: dict[str, Any]) -> None:
    data = json.loads(repo.fixes.read_text(encoding="utf-8"))
    data["fixes"].append({"reason": "Stands in for a reviewed correction of a new page.", **fix})
    repo.fixes.write_text(json.dumps(data), encoding="utf-8")


def test_new_operations_with_undeclared_path_parameters_are_named_and_declared(
    repo: update_spec.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """New XCover pages beside our additions (one on Get Booking's path): `--dry-run` is green."""
    spec_before, generated_before = repo.spec.read_bytes(), _tree_digest(repo.generated)
    assert (
        update_spec.update_spec(repo, next_version("modify-and-cancel-booking", tmp_path), dry_run=True) == 0
    )
    out = capsys.readouterr().out
    modify = "xcover_offers_api.api.modify_booking.modify_booking"
    cancel = "xcover_offers_api.api.cancel_booking.cancel_booking"
    assert "ADDED: new things existing callers can ignore (minor): 2" in out
    assert f"  - {MODIFY}: new operation (operationId `modify_booking`) [{modify}]" in out
    assert f"  - {CANCEL}: new operation (operationId `cancel_booking`) [{cancel}]" in out
    assert (
        "  path parameters upstream uses but does not declare, declared as required strings:\n"
        f"    - {CREATE}: partner_code\n"
        f"    - {GET_BOOKING}: partner_code, booking_id\n"
        f"    - {MODIFY}: partner_code, booking_id (new)\n"
        f"    - {CANCEL}: partner_code, booking_id (new)\n"
    ) in out
    assert (
        "Proposed version: 0.1.0 -> 0.2.0 (minor: 2 addition)\n"
        f"  new operation: {MODIFY} (operationId modify_booking)\n"
        f"  new operation: {CANCEL} (operationId cancel_booking)"
    ) in out
    assert (repo.spec.read_bytes(), _tree_digest(repo.generated)) == (spec_before, generated_before)

    draft = (repo.build / "CHANGELOG.draft.md").read_text()
    assert f"- {MODIFY}: partner_code, booking_id\n- {CANCEL}: partner_code, booking_id\n" in draft
    assert f"### Added\n- {MODIFY}: new operation (operationId `modify_booking`) [{modify}]\n" in draft
    report = json.loads((repo.build / "spec-update.json").read_text())
    assert report["new_operations"] == [
        {"operation": MODIFY, "operation_id": "modify_booking", "module": modify},
        {"operation": CANCEL, "operation_id": "cancel_booking", "module": cancel},
    ]


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


CANCEL_POINTER = "/paths/~1partners~1{partner_code}~1bookings~1{booking_id}~1cancel~1/post"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_fix_for_a_new_operation_applies_and_its_files_are_tracked(
    repo: update_spec.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fix may patch what only the new document has; the stored document is diffed without it. The
    stored update's new generated files are tracked (intent-to-add), so the release check sees them."""
    with_fix(repo, {
        "id": "cancel-id-status-required",
        "patch": [{
            "op": "add",
            "path": f"{CANCEL_POINTER}/responses/200/content/application~1json/schema/required",
            "value": ["id", "status"],
        }],
    })  # fmt: skip
    _git(repo.root, "init", "-q")
    assert update_spec.update_spec(repo, next_version("modify-and-cancel-booking", tmp_path)) == 0
    out = capsys.readouterr().out
    assert (
        "  of which not applied to the stored document, which lacks what they patch: "
        "cancel-id-status-required\n"
    ) in out
    model = (repo.generated / "models" / "cancel_booking_response_200.py").read_text()
    assert "    id: str\n    status: str\n" in model  # required: no Unset

    new_files = [
        "generated/xcover_offers_api/api/cancel_booking/__init__.py",
        "generated/xcover_offers_api/api/cancel_booking/cancel_booking.py",
        "generated/xcover_offers_api/api/modify_booking/__init__.py",
        "generated/xcover_offers_api/api/modify_booking/modify_booking.py",
        "generated/xcover_offers_api/models/cancel_booking_response_200.py",
        "generated/xcover_offers_api/models/modify_booking_body.py",
        "generated/xcover_offers_api/models/modify_booking_response_200.py",
    ]
    assert f"New generated files; commit them with the rest:\n  git add -- {' '.join(new_files)}\n" in out
    assert _git(repo.root, "ls-files").split() == new_files  # intent-to-add: tracked, nothing staged
    assert _git(repo.root, "diff", "--cached", "--name-only") == ""


def test_obsolete_fix_for_a_new_operation_is_detected_and_nothing_is_stored(
    repo: update_spec.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec_before, generated_before = repo.spec.read_bytes(), _tree_digest(repo.generated)
    path = f"{CANCEL_POINTER}/operationId"
    with_fix(repo, {"id": "cancel-operation-id", "patch": [{"op": "add", "path": path, "value": "cancel"}]})
    assert update_spec.update_spec(repo, next_version("modify-and-cancel-booking", tmp_path)) == 1
    captured = capsys.readouterr()
    assert (
        f'  - upstream now defines operationId "cancel_booking" on {CANCEL}; '
        "delete fix 'cancel-operation-id' from spec-fixes.json"
    ) in captured.out
    assert "The diff below was computed with these fixes skipped." in captured.out
    assert f"  - {CANCEL}: new operation (operationId `cancel_booking`)" in captured.out
    assert "Delete them from spec-fixes.json and run update_spec again; nothing was stored." in captured.err
    assert (repo.spec.read_bytes(), _tree_digest(repo.generated)) == (spec_before, generated_before)
    report = json.loads((repo.build / "spec-update.json").read_text())
    assert [f["fix_id"] for f in report["obsolete_fixes"]] == ["cancel-operation-id"]


def test_xcover_covering_an_addition_is_reported_and_nothing_is_stored(
    repo: update_spec.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like an obsolete fix: the report names the addition each operation replaces and compares ours
    with XCover's; nothing is stored until a person deletes the addition."""
    spec_before, generated_before = repo.spec.read_bytes(), _tree_digest(repo.generated)
    assert update_spec.update_spec(repo, next_version("opt-out-and-get-booking", tmp_path)) == 1
    captured = capsys.readouterr()
    assert (
        "ADDITIONS XCOVER NOW COVERS: its document replaces ours\n"
        f"  - XCover's document now covers {GET_BOOKING} (get_booking): delete "
        "spec-additions/get-booking.json after reviewing the differences\n"
        f"  - XCover's document now covers {OPT_OUT} (opt_out_offer): delete "
        "spec-additions/opt-out-offer.json after reviewing the differences\n"
        "  The diff below compares our addition's operation with XCover's.\n"
    ) in captured.out
    # ours declares a booking with required id and status, and 403/404 bodies; XCover's page does not
    assert f"  - {GET_BOOKING} response 200 `status`: required -> optional" in captured.out
    assert f"  - {OPT_OUT} response 404: response removed" in captured.out
    assert "new operation" not in captured.out
    assert (
        "error: XCover's document now covers what spec-additions/get-booking.json, "
        "spec-additions/opt-out-offer.json describe"
    ) in captured.err
    assert "nothing was stored" in captured.err
    assert (repo.spec.read_bytes(), _tree_digest(repo.generated)) == (spec_before, generated_before)
    report = json.loads((repo.build / "spec-update.json").read_text())
    assert [(r["file"], r["operation"]) for r in report["replaced_additions"]] == [
        ("get-booking.json", GET_BOOKING),
        ("opt-out-offer.json", OPT_OUT),
    ]
    draft = (repo.build / "CHANGELOG.draft.md").read_text()
    assert f"- Spec addition `opt-out-offer.json`: XCover's document now covers {OPT_OUT}.\n" in draft


def test_after_the_addition_is_deleted_xcovers_operation_is_compared_with_ours(
    repo: update_spec.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second run, once the replaced additions are deleted: the baseline keeps the operations
    generated/ took from them, so the bump reflects how XCover's differ from ours (not 'new operation')."""
    for name in ("get-booking.json", "opt-out-offer.json"):  # Booking stays: confirm-offer.json has it
        (repo.additions / name).unlink()
    assert update_spec.update_spec(repo, next_version("opt-out-and-get-booking", tmp_path), dry_run=True) == 0
    out = capsys.readouterr().out
    assert "ADDITIONS XCOVER NOW COVERS" not in out
    assert "new operation" not in out
    assert "(new)" not in out  # the rule declared these parameters before too
    assert "of which not applied" not in out  # opt-out-idempotency-key applied to ours too
    assert f"  - {GET_BOOKING} response 200 `status`: required -> optional" in out
    assert "Proposed version: 0.1.0 -> 1.0.0 (major: 16 breaking)" in out


def test_upstream_declaring_a_path_parameter_is_a_small_compatible_change() -> None:
    """When upstream declares what the rule declared, the rule steps back; the diff shows only what the
    two declarations differ in (upstream's has no minLength)."""
    before, after = (
        fixtures.materialise("upstream-declares-partner-code", base_only=b) for b in (True, False)
    )
    assert specdiff.declare_path_parameters(after)[1] == []
    (change,) = specdiff.semantic_diff(fixed(before), fixed(after))
    assert change.describe() == f"{CREATE} path parameter `partner_code`: minLength 1 -> none"
    assert change.level == Level.ADDITION


# What `nox -s update_spec` runs the suite on after storing: the regenerated code, importable first.
# The checks an additive change once broke there (the session lacked the aiohttp extra), plus the
# client's mock-transport tests, which parse full responses with the regenerated models.
SUITE_ON_REGENERATED = ["tests/test_config.py", "tests/test_client.py", "-k", "aiohttp or mock"]


def test_additive_update_goes_through_update_spec_green(
    repo: update_spec.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert update_spec.update_spec(repo, next_version("new-optional-response-field", tmp_path)) == 0
    out = capsys.readouterr().out
    assert "ADDED: new things existing callers can ignore (minor): 1" in out
    assert f"  - {CREATE} response 200 `data.expires_at`: new field [Offer]" in out
    assert "BREAKING" not in out
    assert "Proposed version: 0.1.0 -> 0.2.0 (minor: 1 addition)" in out

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(repo.generated.parent), str(repo.wrapper.parent)]),
    }
    probe = (
        "import xcover_offers, xcover_offers_api.models as m; "
        "print('expires_at' in m.Offer.__annotations__, xcover_offers.__file__)"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    # the regenerated models (the real tree has no expires_at) and the repository copy's wrapper
    assert imported.stdout.split() == ["True", str(repo.wrapper / "__init__.py")], imported.stdout
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITE_ON_REGENERATED],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]
    assert " passed" in suite.stdout.splitlines()[-1]


def test_cli_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def fake(repo: update_spec.Repo, path: Path, **flags: Any) -> int:
        assert (repo.root, path) == (codegen.ROOT, Path("x.json"))
        calls.append(flags)
        return 0

    monkeypatch.setattr(update_spec, "update_spec", fake)
    assert codegen.main(["update-spec", "x.json", "--dry-run"]) == 0
    assert codegen.main(["update-spec", "x.json", "--apply-bump"]) == 0
    assert calls == [{"apply_bump": False, "dry_run": True}, {"apply_bump": True, "dry_run": False}]
    with pytest.raises(SystemExit):
        codegen.main(["update-spec", "x.json", "--dry-run", "--apply-bump"])
