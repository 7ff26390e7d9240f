"""`update-spec`: what a new upstream document changes, the version bump it needs, and the regeneration.

Run as `python tools/codegen.py update-spec PATH [--apply-bump | --dry-run]` (`nox -s update_spec`).
Both documents go through the pipeline generation uses (tools/codegen.py): our additions merged, the
spec fixes, the path-parameter rule; tools/specdiff/ classifies what differs. Two findings stop an
update before anything is stored: a spec fix upstream made obsolete, and an operation of one of our
additions (spec-additions/) that XCover's document now covers. Each is for a person to act on.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import specdiff
from codegen import PACKAGE, ROOT, generate, load_fixes, normalise, sha256_text, tree_files
from specdiff.additions import FOLDER as ADDITIONS_FOLDER
from specdiff.additions import load_additions, merge_additions, shipped_additions
from specdiff.fixes import (
    PipelineError,
    apply_fixes_reporting_obsolete,
    apply_fixes_where_they_apply,
    declare_path_parameters,
)


@dataclass(frozen=True)
class Repo:
    """The files update-spec reads and writes, under one root (tests point it at a temporary copy)."""

    root: Path

    @property
    def spec(self) -> Path:
        return self.root / "openapi.json"

    @property
    def fixes(self) -> Path:
        return self.root / "spec-fixes.json"

    @property
    def additions(self) -> Path:
        return self.root / ADDITIONS_FOLDER

    @property
    def config(self) -> Path:
        return self.root / "generator.yaml"

    @property
    def generated(self) -> Path:
        return self.root / "generated" / PACKAGE

    @property
    def wrapper(self) -> Path:
        return self.root / "wrapper" / "xcover_offers"

    @property
    def version_file(self) -> Path:
        return self.wrapper / "_version.py"

    @property
    def build(self) -> Path:
        return self.root / "build"


def update_spec(repo: Repo, new_spec: Path, *, apply_bump: bool = False, dry_run: bool = False) -> int:
    """Diff `new_spec` against the stored document (both after the fixes and the path-parameter rule),
    regenerate, report, propose the version bump, and store the document and generated code unless
    `dry_run`.

    Writes build/CHANGELOG.draft.md and build/spec-update.json (never CHANGELOG.md). Both documents are
    merged with our additions first. The fixes are held to the new document; the stored one is only the
    diff's baseline, so a fix that does not apply to it (it patches an operation only the new document
    has) is skipped there. The baseline also keeps the operations generated/ took from an addition that
    has since been deleted, so XCover's version of one is compared with ours, not reported as new.
    When a spec fix has become obsolete, or XCover's document now covers an operation of an addition,
    the report is still produced (with that fix skipped, with upstream's operation instead of ours) but
    nothing is stored and the result is 1: a person deletes the fix or the addition first.
    """
    new_text = normalise(json.loads(new_spec.read_text(encoding="utf-8")))
    old_text = repo.spec.read_text(encoding="utf-8")
    fixes = load_fixes(repo.fixes)
    additions = load_additions(repo.additions)
    shipped = repo.generated / "openapi.json"
    generated_from = json.loads(shipped.read_text(encoding="utf-8")) if shipped.exists() else {}
    deleted = shipped_additions(generated_from, additions, json.loads(old_text))
    fixes_before = (generated_from.get("info") or {}).get("x-spec-fixes") or ()  # in generated/
    old_doc, _ = merge_additions(json.loads(old_text), [*additions, *deleted])
    old_doc, not_in_baseline = apply_fixes_where_they_apply(old_doc, fixes)
    old_doc, declared_before = declare_path_parameters(old_doc)
    new_doc, replaced = merge_additions(json.loads(new_text), additions)
    new_doc, applied, obsolete = apply_fixes_reporting_obsolete(new_doc, fixes)
    new_doc, declared = declare_path_parameters(new_doc)
    changes = specdiff.semantic_diff(old_doc, new_doc)
    documents_differ = normalise(json.loads(old_text)) != new_text

    old_surface = specdiff.api_surface(repo.generated)
    with tempfile.TemporaryDirectory(prefix="xcover-update-") as tmp:
        staged_spec = Path(tmp) / "openapi.json"
        staged_spec.write_text(new_text, encoding="utf-8")
        staged_fixes = Path(tmp) / "spec-fixes.json"
        kept = [fix for fix in fixes if fix["id"] in applied]
        staged_fixes.write_text(json.dumps({"fixes": kept}, indent=2), encoding="utf-8")
        staged_additions = Path(tmp) / ADDITIONS_FOLDER
        staged_additions.mkdir()
        for addition in additions:  # without what upstream now covers, as in new_doc
            ours = addition.without((r.path, r.method) for r in replaced if r.file == addition.file)
            (staged_additions / addition.file).write_text(normalise(ours.document), encoding="utf-8")
        fresh = Path(tmp) / PACKAGE
        try:
            generate(
                fresh, spec=staged_spec, fixes=staged_fixes, config=repo.config, additions=staged_additions
            )
        except PipelineError:
            print("Semantic changes (generation failed, so nothing else is reported):", file=sys.stderr)
            print("\n".join(f"  - {c.describe()}" for c in changes) or "  none", file=sys.stderr)
            print("".join(f"  - {r.describe()}\n" for r in replaced), end="", file=sys.stderr)
            raise
        new_surface = specdiff.api_surface(fresh)
        changes = specdiff.with_generated_names(changes, fresh, repo.generated)
        reexports = {**specdiff.generated_reexports(repo.generated), **specdiff.generated_reexports(fresh)}
        changes = specdiff.with_surface_safety_net(
            changes, specdiff.surface_removals(old_surface.modules, new_surface.modules)
        )
        names = specdiff.changed_names(
            changes, old_surface.modules, new_surface.modules,
            reexports=reexports, documents_differ=documents_differ,
        )  # fmt: skip
        paths = {*(old_doc.get("paths") or {}), *(new_doc.get("paths") or {})}
        uses = specdiff.scan_wrapper(repo.wrapper, known_paths=paths)
        version = specdiff.read_version(repo.version_file)
        report = specdiff.Report(
            old_version=str(old_doc["info"].get("version")),
            new_version=str(new_doc["info"].get("version")),
            old_sha256=sha256_text(old_text),
            new_sha256=sha256_text(new_text),
            changes=changes,
            package_version=version,
            bump=specdiff.propose_bump(changes, documents_differ=documents_differ),
            obsolete_fixes=[specdiff.ObsoleteFix(fix["id"], why) for fix, why in obsolete],
            replaced_additions=replaced,
            fixes_applied=applied,
            fixes_only_new=[f for f in not_in_baseline if f in applied and f not in fixes_before],
            declared_path_parameters=declared,
            declared_before=declared_before,
            advice=specdiff.advice(new_doc, changes),
            surface=specdiff.surface_report(old_surface, new_surface),
            dependents=specdiff.wrapper_dependents(uses, names, reexports),
        )
        repo.build.mkdir(exist_ok=True)
        draft = repo.build / "CHANGELOG.draft.md"
        draft.write_text(report.changelog(), encoding="utf-8")
        (repo.build / "spec-update.json").write_text(
            json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8"
        )
        print(report.render())
        print(f"\nChangelog draft: {draft} (review it, then paste it into CHANGELOG.md)")
        if obsolete:
            ids = ", ".join(repr(fix["id"]) for fix, _ in obsolete)
            print(
                f"error: upstream repaired what spec fix(es) {ids} correct (see OBSOLETE SPEC FIXES above). "
                "Delete them from spec-fixes.json and run update_spec again; nothing was stored.",
                file=sys.stderr,
            )
        if replaced:
            files = ", ".join(sorted({f"{ADDITIONS_FOLDER}/{r.file}" for r in replaced}))
            print(
                f"error: XCover's document now covers what {files} describe (see ADDITIONS XCOVER NOW "
                "COVERS above). Review the differences, delete them and run update_spec again; nothing "
                "was stored.",
                file=sys.stderr,
            )
        if obsolete or replaced:
            return 1
        if dry_run:
            print("Dry run: openapi.json, generated/ and the package version are unchanged.")
            return 0
        repo.spec.write_text(new_text, encoding="utf-8")
        new_files = sorted(tree_files(fresh).keys() - tree_files(repo.generated).keys())
        if repo.generated.exists():
            shutil.rmtree(repo.generated)
        shutil.copytree(fresh, repo.generated)
    print(f"Stored {repo.spec.name} and regenerated {repo.generated.relative_to(repo.root)}.")
    if new_files:
        track_new_files(repo, [repo.generated / name for name in new_files])
    if apply_bump and report.bump != "none":
        specdiff.write_version(repo.version_file, report.proposed_version)
        print(f"Version {version} -> {report.proposed_version} written to {repo.version_file.name}.")
    elif report.bump != "none":
        report_path = f"{repo.build.name}/spec-update.json"
        print(f"To apply the proposed version: python tools/specdiff apply-bump {report_path}")
    return 0


def _git_top(root: Path) -> Path | None:
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True, check=False
        )
    except OSError:  # no git
        return None
    return Path(proc.stdout.strip()).resolve() if proc.returncode == 0 else None


def track_new_files(repo: Repo, files: list[Path]) -> None:
    """Print the `git add` for the generated files an update created and, when `repo.root` is the top
    of a git work tree, mark them intent-to-add (`git add -N`).

    Why -N: the release check builds from tracked files only (tools/release/), so an untracked module
    fails it, or would be left out of a release. Intent-to-add makes them tracked without staging their
    content: they show in `git status` and `git diff` beside the regenerated files, and what is committed
    stays with whoever reviews that diff. A temporary copy or an unpacked sdist is left alone.
    """
    names = [f.relative_to(repo.root).as_posix() for f in files]
    print(f"New generated files; commit them with the rest:\n  {shlex.join(['git', 'add', '--', *names])}")
    if _git_top(repo.root) != repo.root.resolve():
        return
    add = ["git", "add", "--intent-to-add", "--", *names]
    proc = subprocess.run(add, cwd=repo.root, capture_output=True, text=True, check=False)
    if proc.returncode == 0:
        print("  (marked intent-to-add: tracked, so the release check sees them; content not staged)")
    else:
        print(f"  (could not mark them intent-to-add: {proc.stderr.strip()}; run the command above)")


def cmd_update_spec(args: argparse.Namespace) -> int:
    return update_spec(Repo(ROOT), Path(args.path), apply_bump=args.apply_bump, dry_run=args.dry_run)
