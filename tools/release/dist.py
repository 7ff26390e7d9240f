"""`check-dist`: the wheel and sdist in dist/ hold what a service may pin (and, with `--release`, may
be uploaded now). Every check reads the built files themselves: services never see this tree."""

from __future__ import annotations

import ast
import configparser
import email.parser
import hashlib
import tarfile
import zipfile
from collections.abc import Iterable
from email.message import Message
from pathlib import Path

from .changelog import changelog_mentions, released, unreleased
from .tree import (
    BUNDLED_SPEC,
    DIST_NAME,
    PACKAGES,
    PYPROJECT,
    ROOT,
    VERSION_FILE,
    ReleaseError,
    git,
    read_version,
    tracked_files,
    uncommitted,
)

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
        problems += release_problems(root, version, changelog)
    return problems


def release_problems(root: Path, version: str, changelog: str) -> list[str]:
    """What uploading asks beyond a good build: a clean tree whose HEAD is tagged `vX.Y.Z`, a dated
    CHANGELOG section for the version and no entry left under Unreleased."""
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
    tags = (git(root, "tag", "--points-at", "HEAD") or "").split()
    if f"v{version}" not in tags:
        problems.append(f"HEAD is not tagged v{version} (tags here: {tags or 'none'})")
    return problems


def sha256sums(dist: Path) -> str:
    """dist/SHA256SUMS: one `HASH  NAME` line per archive."""
    return "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in sorted(dist.iterdir())
        if p.name.endswith((".whl", ".tar.gz"))
    )


def _metadata(text: str) -> Message:
    return email.parser.Parser().parsestr(text)


def _in_packages(path: str) -> bool:
    return any(path.startswith(f"{folder}/") for folder in PACKAGES.values())


def _wheel_path(tree_path: str) -> str:
    for package, folder in PACKAGES.items():
        if tree_path.startswith(f"{folder}/"):
            return package + tree_path[len(folder) :]
    raise ReleaseError(f"{tree_path} is in neither package folder")


# --------------------------------------------------------------------------------------------------
# The wheel


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
    project = PYPROJECT["project"]
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


# --------------------------------------------------------------------------------------------------
# The sdist


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
