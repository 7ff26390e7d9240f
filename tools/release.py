"""The release artifact: what `nox -s build` checks in dist/ and what `nox -s release -- X.Y.Z` writes.

    python tools/release.py check-dist DIST [--release]   the archives hold what a service may pin;
                                                          --release: and they may be uploaded now
    python tools/release.py same DIR_A DIR_B              two builds are byte-identical (or: what differs)
    python tools/release.py source-date-epoch             the last commit's time, for SOURCE_DATE_EPOCH
    python tools/release.py cut X.Y.Z [--date D]          version and CHANGELOG for a release

Services install `xcover-offers==X.Y.Z` and never see this tree, so every check here reads the
built files themselves. This script runs inside nox sessions; it is not shipped.
"""

from __future__ import annotations

import argparse
import ast
import configparser
import datetime as dt
import email.parser
import hashlib
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION_FILE = Path("wrapper") / "xcover_offers" / "_version.py"
_PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DIST_NAME: str = _PYPROJECT["project"]["name"].replace("-", "_")
_WHEEL_FOLDERS: list[str] = _PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
# Import package -> the folder of the tree it is built from.
PACKAGES: dict[str, str] = {folder.rsplit("/", 1)[1]: folder for folder in _WHEEL_FOLDERS}
BUNDLED_SPEC = "xcover_offers_api/openapi.json"
# The CLI and the pytest fixture are part of what services use: both groups must be declared and shipped.
REQUIRED_ENTRY_POINT_GROUPS = ("console_scripts", "pytest11")
# What the sdist needs to rebuild the wheel with no generator (the build itself proves the rest).
SDIST_NEEDS = (
    "pyproject.toml",
    "README.md",
    "build-constraints.txt",
    f"generated/{BUNDLED_SPEC}",
    "generated/xcover_offers_api/_spec_facts.py",
    VERSION_FILE.as_posix(),
)


class ReleaseError(Exception):
    """A check failed; the message says what and what to do."""


# --------------------------------------------------------------------------------------------------
# Versions and the CHANGELOG

VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)", re.ASCII)


def version_key(version: str) -> tuple[int, int, int]:
    """MAJOR.MINOR.PATCH in ASCII digits without leading zeros: the form a wheel's name keeps as is."""
    match = VERSION.fullmatch(version)
    if not match:
        raise ReleaseError(f"version {version!r} is not MAJOR.MINOR.PATCH (ASCII digits, no leading zeros)")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def read_version(root: Path = ROOT) -> str:
    """The package version, from its one place."""
    import specdiff  # tools/ is on sys.path: this file's folder when run, pytest's pythonpath in tests

    return specdiff.read_version(root / VERSION_FILE)


_HEADING = re.compile(r"^## (.*)$", re.MULTILINE)
_UNRELEASED = re.compile(rf"\[Unreleased\](?: — ({VERSION.pattern}))?", re.ASCII)
_RELEASED = re.compile(rf"\[({VERSION.pattern})\] — (\d{{4}}-\d{{2}}-\d{{2}})", re.ASCII)
SPEC_LINE = re.compile(r"^Generated from upstream spec `([^`]+)`, sha256 `([0-9a-f]{64})`\.$", re.MULTILINE)


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


# --------------------------------------------------------------------------------------------------
# The tree, as git sees it


def _git(root: Path, *args: str) -> str | None:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    return proc.stdout.decode("utf-8") if proc.returncode == 0 else None


def tracked_files(root: Path = ROOT, *paths: str) -> list[str] | None:
    """Tracked files (under `paths`, if given), or None outside a git checkout (an unpacked sdist)."""
    out = _git(root, "ls-files", "-z", "--", *paths)
    return None if out is None else [name for name in out.split("\0") if name]


def uncommitted(root: Path = ROOT) -> str:
    """`git status --porcelain`: modified, staged and untracked (not ignored) files; empty when clean."""
    out = _git(root, "status", "--porcelain")
    if out is None:
        raise ReleaseError(f"{root} is not a git checkout: releases are cut and built from one")
    return out


def source_date_epoch(root: Path = ROOT) -> str:
    """The last commit's time: the one timestamp every file in the archives gets."""
    out = (_git(root, "log", "-1", "--format=%ct") or "").strip()
    if not out.isdigit():
        raise ReleaseError(
            "not a git checkout with a commit: set SOURCE_DATE_EPOCH to the release commit's time"
        )
    return out


# --------------------------------------------------------------------------------------------------
# The built files


def _metadata(text: str) -> Message:
    return email.parser.Parser().parsestr(text)


def wheel_problems(wheel: Path, *, version: str, tracked: Iterable[str] | None, spec: bytes) -> list[str]:
    """What is wrong with a wheel, or nothing.

    `tracked` is the tree's files (`git ls-files`) of the two package folders: the wheel must hold
    exactly those, so an untracked file in the tree cannot ride along into a release. `spec` is the
    patched document the tree's generated code was made from.
    """
    problems: list[str] = []
    expected_name = f"{DIST_NAME}-{version}-py3-none-any.whl"
    if wheel.name != expected_name:
        problems.append(f"{wheel.name}: expected {expected_name} (a pure-Python wheel of version {version})")
    info = f"{DIST_NAME}-{version}.dist-info"
    with zipfile.ZipFile(wheel) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    top = {name.split("/", 1)[0] for name in files}
    if top != {*PACKAGES, info}:
        problems.append(f"top-level entries {sorted(top)}; expected {sorted({*PACKAGES, info})}")
    for package in PACKAGES:
        if f"{package}/py.typed" not in files:
            problems.append(f"{package}/py.typed is missing: type checkers would ignore the package")
    if BUNDLED_SPEC not in files:
        problems.append(f"{BUNDLED_SPEC} is missing: the sandbox and SPEC_VERSION need it")
    elif files[BUNDLED_SPEC] != spec:
        problems.append(f"{BUNDLED_SPEC} is not the tree's generated/{BUNDLED_SPEC}")
    if tracked is not None:
        want = {_wheel_path(path) for path in tracked}
        packaged = {n for n in files if n.split("/", 1)[0] in PACKAGES}
        for extra in sorted(packaged - want):
            problems.append(
                f"{extra}: in the wheel but not a tracked file of the tree (git add it, or delete it)"
            )
        for missing in sorted(want - packaged):
            problems.append(f"{missing}: a tracked file of the tree, missing from the wheel")
    if f"{info}/METADATA" not in files:
        return [*problems, f"{info}/METADATA is missing"]
    metadata = _metadata(files[f"{info}/METADATA"].decode("utf-8"))
    if metadata["Version"] != version:
        problems.append(f"METADATA says version {metadata['Version']}, the package says {version}")
    return problems + entry_point_problems(files, files.get(f"{info}/entry_points.txt", b"").decode("utf-8"))


def _declared_entry_points() -> dict[str, dict[str, str]]:
    project = _PYPROJECT["project"]
    declared: dict[str, dict[str, str]] = {"console_scripts": dict(project.get("scripts", {}))}
    declared.update({group: dict(points) for group, points in project.get("entry-points", {}).items()})
    return declared


def entry_point_problems(files: dict[str, bytes], entry_points_txt: str) -> list[str]:
    """Each entry point pyproject declares is in the wheel's entry_points.txt, in its group, and
    names a module the wheel holds (and, with `:name`, something that module defines)."""
    shipped = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    shipped.optionxform = str  # type: ignore[assignment,method-assign]  # names are case-sensitive
    try:
        shipped.read_string(entry_points_txt)
    except configparser.Error as exc:
        return [f"entry_points.txt does not parse: {exc}"]
    declared = _declared_entry_points()
    problems = [
        f"pyproject declares no [{group}] entry point: services rely on it"
        for group in REQUIRED_ENTRY_POINT_GROUPS
        if not declared.get(group)
    ]
    for group, points in declared.items():
        for name, target in points.items():
            got = shipped.get(group, name, fallback=None)
            if got is None or got.strip() != target:
                problems.append(
                    f"entry point [{group}] {name} = {target} is not in the wheel (found {got!r})"
                )
            elif problem := _target_problem(files, target):
                problems.append(f"entry point [{group}] {name}: {problem}")
    return problems


def _target_problem(files: dict[str, bytes], target: str) -> str | None:
    module, _, attr = target.partition(":")
    path = module.replace(".", "/")
    source = files.get(f"{path}.py", files.get(f"{path}/__init__.py"))
    if source is None:
        return f"module {module} is not in the wheel"
    if not attr:
        return None
    tree = ast.parse(source)
    defined = (
        {
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        | {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        | {
            (alias.asname or alias.name).split(".")[0]
            for node in tree.body
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
    )
    return None if attr.split(".")[0] in defined else f"{module} defines no {attr}"


def _wheel_path(tree_path: str) -> str:
    for package, folder in PACKAGES.items():
        if tree_path.startswith(f"{folder}/"):
            return package + tree_path[len(folder) :]
    raise ReleaseError(f"{tree_path} is in neither package folder")


def sdist_problems(sdist: Path, *, version: str, tracked: Iterable[str] | None) -> list[str]:
    """The sdist must rebuild the same wheel with no generator, and hold nothing but tracked files
    (and the PKG-INFO the backend writes): a stray local file would be uploaded with it."""
    prefix = f"{DIST_NAME}-{version}"
    if sdist.name != f"{prefix}.tar.gz":
        return [f"{sdist.name}: expected {prefix}.tar.gz"]
    with tarfile.open(sdist) as tf:
        members = {m.name: m for m in tf.getmembers() if m.isfile()}
        outside = sorted(n for n in tf.getnames() if n != prefix and not n.startswith(f"{prefix}/"))
        pkg_info = tf.extractfile(members[f"{prefix}/PKG-INFO"]) if f"{prefix}/PKG-INFO" in members else None
        metadata = _metadata(pkg_info.read().decode("utf-8")) if pkg_info else None
    files = {name.removeprefix(f"{prefix}/") for name in members}
    problems = [f"{name}: outside the sdist's {prefix}/ folder" for name in outside]
    problems += [
        f"{prefix}/{needed} is missing from the sdist" for needed in SDIST_NEEDS if needed not in files
    ]
    if tracked is not None:
        problems += [
            f"{prefix}/{name}: in the sdist but not a tracked file of the tree (git add it, or delete it)"
            for name in sorted(files - set(tracked) - {"PKG-INFO"})
        ]
    if metadata is None:
        problems.append("PKG-INFO is missing from the sdist")
    elif metadata["Version"] != version:
        problems.append(
            f"the sdist's PKG-INFO says version {metadata['Version']}, the package says {version}"
        )
    return problems


def check_dist(dist: Path, root: Path = ROOT, *, release: bool = False) -> list[str]:
    """Everything `nox -s build` asks of dist/: one wheel and one sdist of the package's version.

    With `release`, also what uploading asks: a clean tree whose HEAD is tagged `vX.Y.Z`, a dated
    CHANGELOG section for the version and nothing left under Unreleased. A build between releases
    carries the last release's version; it is fine to test, never to upload.
    """
    version = read_version(root)
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        return [f"{dist}: expected one wheel and one sdist, found {[p.name for p in (*wheels, *sdists)]}"]
    tracked = tracked_files(root)
    if release and tracked is None:
        return [f"{root} is not a git checkout: a release is built from one"]
    in_packages = None if tracked is None else [f for f in tracked if _in_packages(f)]
    spec = (root / "generated" / BUNDLED_SPEC).read_bytes()
    problems = wheel_problems(wheels[0], version=version, tracked=in_packages, spec=spec)
    problems += sdist_problems(sdists[0], version=version, tracked=tracked)
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    if not changelog_mentions(changelog, version):
        problems.append(f"CHANGELOG.md has no heading for {version}: say what this version changes")
    if release:
        problems += _release_problems(root, version, changelog)
    return problems


def _in_packages(path: str) -> bool:
    return any(path.startswith(f"{folder}/") for folder in PACKAGES.values())


def _release_problems(root: Path, version: str, changelog: str) -> list[str]:
    problems = []
    if status := uncommitted(root):
        problems.append(f"the tree has uncommitted changes; a release is built from a commit:\n{status}")
    if version not in released(changelog):
        problems.append(f"CHANGELOG.md has no dated section for {version}: run `nox -s release -- {version}`")
    draft = unreleased(changelog)
    if draft is not None and draft.entries:
        problems.append(
            f"CHANGELOG.md lists unreleased changes: they are not in {version}; cut a new version"
        )
    tags = (_git(root, "tag", "--points-at", "HEAD") or "").split()
    if f"v{version}" not in tags:
        problems.append(f"HEAD is not tagged v{version} (tags here: {tags or 'none'})")
    return problems


def differing_entries(a: Path, b: Path) -> list[str]:
    """Why two archives are not byte-identical: the entries whose content or metadata differ."""
    ea, eb = _entries(a), _entries(b)
    names = sorted(set(ea) | set(eb))
    return [name for name in names if ea.get(name) != eb.get(name)] or ["(archive headers or order)"]


def _entries(path: Path) -> dict[str, tuple[object, ...]]:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            return {i.filename: (i.date_time, i.external_attr, zf.read(i)) for i in zf.infolist()}
    with tarfile.open(path) as tf:
        found: dict[str, tuple[object, ...]] = {}
        for m in tf.getmembers():
            content = tf.extractfile(m) if m.isfile() else None
            found[m.name] = (m.mtime, m.mode, m.uid, m.gid, m.uname, m.gname, content and content.read())
        return found


def same_builds(first: Path, second: Path) -> list[str]:
    """The files of two dist folders, compared byte for byte."""
    a = {p.name: p for p in first.iterdir()}
    b = {p.name: p for p in second.iterdir()}
    if set(a) != set(b):
        return [f"different files: {sorted(a)} and {sorted(b)}"]
    return [
        f"{name} differs between builds: {', '.join(differing_entries(a[name], b[name]))}"
        for name in sorted(a)
        if a[name].read_bytes() != b[name].read_bytes()
    ]


def sha256sums(dist: Path) -> str:
    return "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in sorted(dist.iterdir())
        if p.name.endswith((".whl", ".tar.gz"))
    )


# --------------------------------------------------------------------------------------------------
# Cutting a release


def spec_line(spec_version: str, spec_sha256: str) -> str:
    return f"Generated from upstream spec `{spec_version}`, sha256 `{spec_sha256}`."


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


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check-dist", help="check the wheel and sdist in DIST (and write DIST/SHA256SUMS)")
    p.add_argument("dist", type=Path)
    p.add_argument("--release", action="store_true", help="also: clean tree, tagged HEAD, dated CHANGELOG")
    p = sub.add_parser("same", help="fail unless two dist folders hold byte-identical files")
    p.add_argument("first", type=Path)
    p.add_argument("second", type=Path)
    sub.add_parser("source-date-epoch", help="print the last commit's time")
    p = sub.add_parser("cut", help="set the version and date the CHANGELOG's Unreleased section")
    p.add_argument("version")
    p.add_argument("--date", type=dt.date.fromisoformat, default=None, help="default: today (UTC)")
    args = parser.parse_args(argv)
    try:
        if args.command == "check-dist":
            problems = check_dist(args.dist, release=args.release)
            if not problems:
                (args.dist / "SHA256SUMS").write_text(sha256sums(args.dist), encoding="utf-8")
                print((args.dist / "SHA256SUMS").read_text(encoding="utf-8"), end="")
        elif args.command == "same":
            problems = same_builds(args.first, args.second)
            if not problems:
                print(f"byte-identical: {', '.join(sorted(p.name for p in args.first.iterdir()))}")
        elif args.command == "source-date-epoch":
            print(source_date_epoch())
            return 0
        else:
            print(cut(args.version, date=args.date or dt.datetime.now(dt.UTC).date()))
            return 0
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
