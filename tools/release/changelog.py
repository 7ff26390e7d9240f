"""Versions, and CHANGELOG.md read section by section: what the dist checks and `cut` agree on."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .tree import ReleaseError

VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)", re.ASCII)


def version_key(version: str) -> tuple[int, int, int]:
    """MAJOR.MINOR.PATCH in ASCII digits without leading zeros: the form a wheel's name keeps as is."""
    match = VERSION.fullmatch(version)
    if not match:
        raise ReleaseError(f"version {version!r} is not MAJOR.MINOR.PATCH (ASCII digits, no leading zeros)")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


_HEADING = re.compile(r"^## (.*)$", re.MULTILINE)
_UNRELEASED = re.compile(rf"\[Unreleased\](?: — ({VERSION.pattern}))?", re.ASCII)
_RELEASED = re.compile(rf"\[({VERSION.pattern})\] — (\d{{4}}-\d{{2}}-\d{{2}})", re.ASCII)
SPEC_LINE = re.compile(r"^Generated from upstream spec `([^`]+)`, sha256 `([0-9a-f]{64})`\.$", re.MULTILINE)


def spec_line(spec_version: str, spec_sha256: str) -> str:
    """The line each released section opens with: the spec its generated code was made from."""
    return f"Generated from upstream spec `{spec_version}`, sha256 `{spec_sha256}`."


@dataclass(frozen=True)
class Section:
    """One `## ...` section of CHANGELOG.md: Unreleased (`version` is the drafted one, if named) or a
    release (`date` set)."""

    version: str | None
    date: dt.date | None
    start: int  # where its heading starts
    end: int  # where the next heading starts
    body: str

    @property
    def entries(self) -> list[str]:
        return [line for line in self.body.splitlines() if line.startswith("- ")]


def sections(changelog: str) -> list[Section]:
    """Every `## ` section; a heading that is neither `[Unreleased]` (optionally `— X.Y.Z`) nor
    `[X.Y.Z] — YYYY-MM-DD` is refused, so no release can hide from the version checks."""
    headings = list(_HEADING.finditer(changelog))
    found = []
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(changelog)
        body = changelog[heading.end() : end].strip("\n")
        if unreleased := _UNRELEASED.fullmatch(heading.group(1)):
            found.append(Section(unreleased.group(1), None, heading.start(), end, body))
        elif released := _RELEASED.fullmatch(heading.group(1)):
            try:
                date = dt.date.fromisoformat(released.group(5))
            except ValueError:
                raise ReleaseError(f"CHANGELOG.md: {heading.group(0)!r} has no valid date") from None
            found.append(Section(released.group(1), date, heading.start(), end, body))
        else:
            raise ReleaseError(
                f"CHANGELOG.md: {heading.group(0)!r} is neither `## [Unreleased]` (optionally "
                "`— X.Y.Z`) nor `## [X.Y.Z] — YYYY-MM-DD`"
            )
    if [s.date for s in found].count(None) > 1:
        raise ReleaseError("CHANGELOG.md has more than one Unreleased section")
    return found


def released(changelog: str) -> dict[str, Section]:
    return {s.version: s for s in sections(changelog) if s.date is not None and s.version is not None}


def unreleased(changelog: str) -> Section | None:
    return next((s for s in sections(changelog) if s.date is None), None)


def changelog_mentions(changelog: str, version: str) -> bool:
    """A heading names the version: `## [X.Y.Z] — DATE`, or the draft's `## [Unreleased] — X.Y.Z`."""
    draft = unreleased(changelog)
    return version in released(changelog) or (draft is not None and draft.version == version)
