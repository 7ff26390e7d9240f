"""The version bump a set of changes needs, and the one place the package version is written."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .rules import Bump, Change, Level


def surface_removals(
    old_surface: Mapping[str, Mapping[str, str]], new_surface: Mapping[str, Mapping[str, str]]
) -> list[str]:
    removed = [m for m in old_surface if m not in new_surface]
    removed += [
        f"{m}.{n}"
        for m, names in old_surface.items()
        if m in new_surface
        for n in names
        if n not in new_surface[m]
    ]
    return sorted(removed)


def with_surface_safety_net(changes: list[Change], removed_names: Sequence[str]) -> list[Change]:
    """Generated names that disappear break code importing them even when the spec diff saw nothing
    breaking (a schema renamed upstream, an enum dropped): count them, unless a breaking change already
    explains the release."""
    if any(c.level == Level.BREAKING for c in changes):
        return changes
    extra = [
        Change(Level.BREAKING, "generated-name-removed", f"`{name}` removed from the generated code")
        for name in removed_names
    ]
    return extra + changes


def propose_bump(changes: Sequence[Change], *, documents_differ: bool) -> Bump:
    top = max((c.level for c in changes), default=None)
    if top == Level.BREAKING:
        return "major"
    if top in (Level.WARNING, Level.ADDITION):
        return "minor"
    return "patch" if top == Level.PATCH or documents_differ else "none"


def bumped(version: str, bump: Bump) -> str:
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if not match:
        raise ValueError(f"version {version!r} is not MAJOR.MINOR.PATCH; set it by hand")
    major, minor, patch = (int(g) for g in match.groups())
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return version


_VERSION_LINE = re.compile(r'^__version__ = "([^"]*)"$', re.MULTILINE)


def read_version(version_file: Path) -> str:
    matches = _VERSION_LINE.findall(version_file.read_text(encoding="utf-8"))
    if len(matches) != 1:
        raise ValueError(f'{version_file}: expected exactly one line `__version__ = "X.Y.Z"`')
    return str(matches[0])


def write_version(version_file: Path, version: str) -> None:
    read_version(version_file)  # exactly one line to rewrite
    text = version_file.read_text(encoding="utf-8")
    version_file.write_text(_VERSION_LINE.sub(f'__version__ = "{version}"', text), encoding="utf-8")


def apply_bump(report_json: Path, version_file: Path) -> str:
    """Write the version a report proposed, once: only while the package still has the version the
    report was made against."""
    data = json.loads(report_json.read_text(encoding="utf-8"))
    current = read_version(version_file)
    if current != data["package_version"]:
        raise ValueError(
            f"{version_file.name} says {current}, but the report was made against {data['package_version']}: "
            "already applied, or the version was changed by hand"
        )
    write_version(version_file, data["proposed_version"])
    return f"{current} -> {data['proposed_version']} written to {version_file}"
