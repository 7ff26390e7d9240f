"""The update report: printed by `update-spec`, drafted as a CHANGELOG entry, stored as JSON for
`explain` and `apply-bump`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .additions import Replaced
from .bump import bumped
from .rules import LEVEL_HEADINGS, Bump, Change, Level
from .wrapper_usage import Dependency, render_dependents


@dataclass(frozen=True)
class ObsoleteFix:
    fix_id: str
    explanation: str  # "upstream now declares path parameter 'partner_code' on POST /partners/..."

    def describe(self) -> str:
        return f"{self.explanation}; delete fix {self.fix_id!r} from spec-fixes.json"


@dataclass
class Report:
    old_version: str  # the spec's info.version
    new_version: str
    old_sha256: str
    new_sha256: str
    changes: list[Change]
    package_version: str
    bump: Bump
    obsolete_fixes: list[ObsoleteFix] = field(default_factory=list)
    replaced_additions: list[Replaced] = field(default_factory=list)  # our operations XCover's now has
    fixes_applied: list[str] = field(default_factory=list)
    fixes_only_new: list[str] = field(default_factory=list)  # skipped on the stored document: not there
    declared_path_parameters: list[str] = field(default_factory=list)  # "POST /x/{id}/: id", by the rule
    declared_before: list[str] = field(default_factory=list)  # the same, for the stored document
    advice: list[str] = field(default_factory=list)
    surface: str = ""
    dependents: dict[str, list[Dependency]] = field(default_factory=dict)

    @property
    def proposed_version(self) -> str:
        return bumped(self.package_version, self.bump)

    @property
    def new_operations(self) -> list[Change]:
        return [c for c in self.changes if c.kind == "operation-added"]

    @property
    def newly_declared(self) -> list[str]:
        return [d for d in self.declared_path_parameters if d not in self.declared_before]

    def render(self) -> str:
        lines = [
            f"Spec update: {self.old_version} -> {self.new_version}",
            f"  upstream sha256 {self.old_sha256[:12]} -> {self.new_sha256[:12]}",
            f"  spec fixes applied to the new document: {', '.join(self.fixes_applied) or 'none'}",
        ]
        if self.fixes_only_new:
            lines.append(
                f"  of which not applied to the stored document, which lacks what they patch: "
                f"{', '.join(self.fixes_only_new)}"
            )
        if self.declared_path_parameters:
            lines.append(
                "  path parameters upstream uses but does not declare, declared as required strings:"
            )
            new = _by_operation(self.newly_declared)
            lines += [
                f"    - {op}: {names}{' (new)' if op in new else ''}"
                for op, names in _by_operation(self.declared_path_parameters).items()
            ]
        if self.obsolete_fixes:
            lines += ["", "OBSOLETE SPEC FIXES: upstream repaired what they correct"]
            lines += [f"  - {fix.describe()}" for fix in self.obsolete_fixes]
            lines.append("  The diff below was computed with these fixes skipped.")
        if self.replaced_additions:
            lines += ["", "ADDITIONS XCOVER NOW COVERS: its document replaces ours"]
            lines += [f"  - {replaced.describe()}" for replaced in self.replaced_additions]
            lines.append("  The diff below compares our addition's operation with XCover's.")
        lines.append("")
        if not self.changes:
            lines.append("No change to operations, parameters or schemas; the documents are identical.")
        for level in sorted(Level, reverse=True):
            group = [c for c in self.changes if c.level == level]
            if group:
                lines.append(f"{LEVEL_HEADINGS[level]}: {len(group)}")
                lines += [f"  - {c.describe()}" for c in group]
        if self.advice:
            lines += ["", "Advice:"] + [f"  - {note}" for note in self.advice]
        if self.surface:
            lines += ["", "Generated API surface:", self.surface]
        lines += ["", "Wrapper code that uses what changed:", render_dependents(self.dependents)]
        counts = ", ".join(
            f"{sum(c.level == level for c in self.changes)} {level.name.lower()}"
            for level in sorted(Level, reverse=True)
            if any(c.level == level for c in self.changes)
        )
        lines += [
            "",
            f"Proposed version: {self.package_version} -> {self.proposed_version} "
            f"({self.bump}{': ' + counts if counts else ''})",
        ]
        lines += [f"  new operation: {c.operation} ({_operation_id(c)})" for c in self.new_operations]
        return "\n".join(lines)

    def changelog(self) -> str:
        """A draft entry in the CHANGELOG's Keep a Changelog format, to review and paste."""
        sections: dict[str, list[str]] = {"Added": [], "Changed": [], "Removed": []}
        for c in self.changes:
            prefix = {Level.BREAKING: "**Breaking:** ", Level.WARNING: "**Warning:** "}.get(c.level, "")
            section = "Added" if c.kind.endswith("-added") and c.level <= Level.ADDITION else (
                "Removed" if c.kind.endswith("-removed") else "Changed"
            )  # fmt: skip
            sections[section].append(f"- {prefix}{c.describe()}")
        for fix in self.obsolete_fixes:
            sections["Removed"].append(f"- Spec fix `{fix.fix_id}`: upstream repaired the defect.")
        for replaced in self.replaced_additions:
            sections["Removed"].append(
                f"- Spec addition `{replaced.file}`: XCover's document now covers {replaced.operation}."
            )
        lines = [
            f"## [Unreleased] — {self.proposed_version}",  # what `nox -s release` dates
            "",
            f"Regenerated from spec {self.new_version} (was {self.old_version}; upstream sha256 "
            f"{self.new_sha256[:12]}). Proposed bump: {self.bump}.",
        ]
        if self.newly_declared:
            lines += [
                "",
                "Path parameters the new document uses but does not declare, declared as required strings:",
            ]
            lines += [f"- {op}: {names}" for op, names in _by_operation(self.newly_declared).items()]
        for title, items in sections.items():
            if items:
                lines += ["", f"### {title}", *items]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "package_version": self.package_version,
            "bump": self.bump,
            "proposed_version": self.proposed_version,
            "changes": [c.to_json() for c in self.changes],
            "obsolete_fixes": [asdict(f) for f in self.obsolete_fixes],
            "replaced_additions": [asdict(r) for r in self.replaced_additions],
            "new_operations": [
                {"operation": c.operation, "operation_id": c.operation_id, "module": c.module}
                for c in self.new_operations
            ],
            "declared_path_parameters": self.declared_path_parameters,
            "dependents": {f: [asdict(d) for d in deps] for f, deps in self.dependents.items()},
        }


def _by_operation(declared: list[str]) -> dict[str, str]:
    """["POST /x/{a}/{b}/: a", "POST /x/{a}/{b}/: b"] -> {"POST /x/{a}/{b}/": "a, b"}"""
    grouped: dict[str, list[str]] = {}
    for entry in declared:
        operation, _, name = entry.rpartition(": ")
        grouped.setdefault(operation, []).append(name)
    return {operation: ", ".join(names) for operation, names in grouped.items()}


def _operation_id(change: Change) -> str:
    return f"operationId {change.operation_id}" if change.operation_id else "no operationId"


def explain(report_json: Path) -> str:
    """The dependency section of a stored report, re-printed after the wrapper's tests failed."""
    data = json.loads(report_json.read_text(encoding="utf-8"))
    deps = {
        file: [Dependency(d["line"], d["used"], d["changed"], tuple(d["reasons"])) for d in found]
        for file, found in data["dependents"].items()
    }
    breaking = [c["text"] for c in data["changes"] if c["level"] == "BREAKING"]
    lines = [
        f"The wrapper's tests fail against the code regenerated from spec {data['new_version']}.",
        "Wrapper code that uses what changed:",
        render_dependents(deps),
    ]
    if breaking:
        lines += ["Breaking changes in this update:"]
        lines += [f"  - {text}" for text in breaking]
    return "\n".join(lines)
