"""`cut X.Y.Z`: set the version in its one place and date the CHANGELOG's Unreleased section, from a
clean tree whose generated/ is a fresh generation and whose draft has update_spec's entries in it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from .changelog import Section, released, spec_line, unreleased, version_key
from .tree import ROOT, VERSION_FILE, ReleaseError, read_version, uncommitted


def cut_changelog(
    changelog: str, version: str, date: dt.date, *, current: str, spec_version: str, spec_sha256: str
) -> str:
    """Move the Unreleased section under `## [version] — date`, stating the spec it was generated
    from, and open an empty Unreleased section above it. `current` is the version `_version.py` has
    now (update_spec --apply-bump may have set it already)."""
    key = version_key(version)
    last = max(released(changelog), key=version_key, default=None)
    if last is not None and key <= version_key(last):
        raise ReleaseError(f"{version} is not greater than {last}, the last version in CHANGELOG.md")
    if key < version_key(current):
        raise ReleaseError(f"{version} is lower than {current}, the version _version.py has")
    draft = unreleased(changelog)
    if draft is None:
        raise ReleaseError("CHANGELOG.md has no `## [Unreleased]` section to release")
    if draft.version is not None and key < version_key(draft.version):
        raise ReleaseError(
            f"the Unreleased section was drafted as {draft.version} (the bump its changes need); "
            f"{version} is lower"
        )
    if not draft.entries:
        raise ReleaseError(
            "the Unreleased section of CHANGELOG.md lists no change: say what this version changes"
        )
    heading = f"## [Unreleased]\n\n## [{version}] — {date.isoformat()}\n\n"
    section = f"{heading}{spec_line(spec_version, spec_sha256)}\n\n{draft.body}\n\n"
    return changelog[: draft.start] + section + changelog[draft.end :]


def unmerged_draft(draft_section: Section | None, draft: Path) -> list[str]:
    """The entries of update_spec's changelog draft that the Unreleased section does not have yet."""
    if not draft.exists():
        return []
    have = set(draft_section.entries) if draft_section else set()
    entries = [line for line in draft.read_text(encoding="utf-8").splitlines() if line.startswith("- ")]
    return [entry for entry in entries if entry not in have]


def cut(
    version: str,
    *,
    date: dt.date,
    root: Path = ROOT,
    generated_diff: Callable[[], str] | None = None,
    status: Callable[[], str] | None = None,
) -> str:
    """Set the version in its one place and date the CHANGELOG draft, from a clean tree whose
    generated/ is a fresh generation and whose Unreleased section has update_spec's draft in it."""
    version_key(version)
    if changes := (status or (lambda: uncommitted(root)))():
        raise ReleaseError(f"commit (or stash) first: a release is cut from a clean tree:\n{changes}")
    if diff := (generated_diff or _generated_diff)():
        raise ReleaseError(
            f"generated/ is not a fresh generation; run `nox -s generate` and commit first:\n{diff}"
        )
    changelog_path = root / "CHANGELOG.md"
    changelog = changelog_path.read_text(encoding="utf-8")
    if unmerged := unmerged_draft(unreleased(changelog), root / "build" / "CHANGELOG.draft.md"):
        raise ReleaseError(
            "build/CHANGELOG.draft.md (from update_spec) has entries the Unreleased section lacks; paste "
            "them there (or delete the draft if they are obsolete):\n" + "\n".join(unmerged)
        )
    facts = _spec_facts(root)
    old = read_version(root)
    text = cut_changelog(
        changelog,
        version,
        date,
        current=old,
        spec_version=facts["SPEC_VERSION"],
        spec_sha256=facts["SPEC_SHA256"],
    )
    import specdiff

    specdiff.write_version(root / VERSION_FILE, version)
    changelog_path.write_text(text, encoding="utf-8")
    return f"{old} -> {version}; CHANGELOG.md section [{version}] — {date.isoformat()}"


def _spec_facts(root: Path) -> dict[str, str]:
    """SPEC_VERSION and SPEC_SHA256 as generation recorded them (literals in a generated module)."""
    text = (root / "generated" / "xcover_offers_api" / "_spec_facts.py").read_text(encoding="utf-8")
    facts = {}
    for name in ("SPEC_VERSION", "SPEC_SHA256"):
        match = re.search(rf'^{name}(?:: [^=]+)? = "([^"]+)"$', text, re.MULTILINE)
        if not match:
            raise ReleaseError(f"{name} not found in generated/xcover_offers_api/_spec_facts.py")
        facts[name] = match.group(1)
    return facts


def _generated_diff() -> str:
    import codegen

    return codegen.generated_diff()
