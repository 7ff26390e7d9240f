"""tools/release: what `nox -s build` asks of the archives, and what `nox -s release` writes.

The archives themselves are built and compared in `nox -s build`; here the checks are shown to catch
what they are for, on a wheel built from this tree and on copies of it with one thing wrong.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import xcover_offers
from release import changelog as changelog_md
from release import cut, dist, reproducible, tree

pytestmark = pytest.mark.once  # the release tools run on one Python

ROOT = Path(__file__).resolve().parent.parent
VERSION = xcover_offers.__version__
SPEC = (ROOT / "generated" / "xcover_offers_api" / "openapi.json").read_bytes()
DAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*pip_wheel, "-w", str(out), str(ROOT)], check=True)
    (built,) = out.glob("*.whl")
    return built


def _rewrite(wheel: Path, dest: Path, change: Callable[[str, bytes], tuple[str, bytes] | None]) -> Path:
    """A copy of `wheel` with each entry passed through `change` (None drops it)."""
    target = dest / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            changed = change(info.filename, src.read(info))
            if changed is not None:
                out.writestr(changed[0], changed[1])
    return target


def _tracked_packages() -> list[str] | None:
    return tree.tracked_files(ROOT, *tree.PACKAGES.values())


def _problems(wheel: Path) -> list[str]:
    return dist.wheel_problems(wheel, version=VERSION, tracked=_tracked_packages(), spec=SPEC)


def _entry_points(text: str) -> Callable[[str, bytes], tuple[str, bytes]]:
    return lambda n, b: (n, text.encode()) if n.endswith("entry_points.txt") else (n, b)


def test_the_wheel_of_this_tree_passes(wheel: Path) -> None:
    assert _tracked_packages(), "the tests run in a git checkout"
    assert _problems(wheel) == []


PLUGIN = "xcover_offers = xcover_offers.sandbox.pytest_plugin"
CLI = "xcover-offers = xcover_offers._cli:main"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda n, b: None if n == "xcover_offers/py.typed" else (n, b), "xcover_offers/py.typed is missing"),
        (lambda n, b: None if n == tree.BUNDLED_SPEC else (n, b), "openapi.json is missing"),
        (lambda n, b: (n, b"{}") if n == tree.BUNDLED_SPEC else (n, b), "is not the tree's"),
        (
            lambda n, b: ("tests/test_x.py", b) if n == "xcover_offers/_cli.py" else (n, b),
            "top-level entries",
        ),
        (lambda n, b: None if n == "xcover_offers/_cli.py" else (n, b), "xcover_offers/_cli.py: a tracked"),
        (lambda n, b: (n + ".orig", b) if n == "xcover_offers/_cli.py" else (n, b), "not a tracked file"),
        (
            lambda n, b: (n, b.replace(b"Version: ", b"Version: 9")) if n.endswith("METADATA") else (n, b),
            "METADATA says",
        ),
        (_entry_points(f"[console_scripts]\n{CLI}\n"), "[pytest11] xcover_offers = "),
        (_entry_points(f"[console_scripts]\n{CLI}\n[gui_scripts]\n{PLUGIN}\n"), "[pytest11]"),
        (
            _entry_points(f"[console_scripts]\n{CLI.replace(':main', ':mian')}\n[pytest11]\n{PLUGIN}\n"),
            "is not in the wheel (found 'xcover_offers._cli:mian')",
        ),
        (
            lambda n, b: None if n == "xcover_offers/sandbox/pytest_plugin.py" else (n, b),
            "module xcover_offers",
        ),
        (
            lambda n, b: (
                (n, b.replace(b"def main(", b"def _main(")) if n == "xcover_offers/_cli.py" else (n, b)
            ),
            "xcover_offers._cli defines no main",
        ),
        (_entry_points("not an ini file"), "entry_points.txt does not parse"),
    ],
    ids=[
        "no-py.typed",
        "no-spec",
        "other-spec",
        "tests-shipped",
        "file-missing",
        "untracked-file",
        "version",
        "no-plugin",
        "plugin-in-another-group",
        "cli-typo",
        "plugin-module-missing",
        "cli-function-missing",
        "entry-points-garbled",
    ],
)
def test_each_wrong_wheel_is_refused_saying_why(
    wheel: Path, tmp_path: Path, change: Callable[[str, bytes], tuple[str, bytes] | None], expected: str
) -> None:
    problems = _problems(_rewrite(wheel, tmp_path, change))
    assert any(expected in p for p in problems), problems


def test_a_wheel_named_for_another_version_is_refused(wheel: Path) -> None:
    problems = dist.wheel_problems(wheel, version="9.9.9", tracked=None, spec=SPEC)
    assert any("expected xcover_offers-9.9.9-py3-none-any.whl" in p for p in problems)
    assert any("top-level entries" in p for p in problems)


def _sdist(tmp_path: Path, files: dict[str, str], *, version: str = VERSION) -> Path:
    path = tmp_path / f"xcover_offers-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(
                f"xcover_offers-{version}/{name}" if not name.startswith("/") else name[1:]
            )
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


SDIST = {name: "x" for name in dist.SDIST_NEEDS} | {
    "PKG-INFO": f"Metadata-Version: 2.4\nVersion: {VERSION}\n"
}


def test_an_sdist_with_what_a_rebuild_needs_and_only_tracked_files_passes(tmp_path: Path) -> None:
    assert dist.sdist_problems(_sdist(tmp_path, SDIST), version=VERSION, tracked=dist.SDIST_NEEDS) == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            SDIST | {"tests/local.env": "API_SECRET=hunter2"},
            "tests/local.env: in the sdist but not a tracked",
        ),
        (
            {k: v for k, v in SDIST.items() if k != "build-constraints.txt"},
            "build-constraints.txt is missing",
        ),
        ({k: v for k, v in SDIST.items() if k != "PKG-INFO"}, "PKG-INFO is missing"),
        (SDIST | {"PKG-INFO": "Version: 0.0.1\n"}, "PKG-INFO says version 0.0.1"),
        (SDIST | {"/elsewhere.txt": "x"}, "elsewhere.txt: outside the sdist's"),
    ],
    ids=["untracked-file", "no-constraints", "no-pkg-info", "version", "outside-folder"],
)
def test_each_wrong_sdist_is_refused_saying_why(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    problems = dist.sdist_problems(_sdist(tmp_path, files), version=VERSION, tracked=dist.SDIST_NEEDS)
    assert any(expected in p for p in problems), problems


def test_two_builds_compare_byte_for_byte_and_name_what_differs(wheel: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(wheel, first)
    shutil.copy(wheel, second)
    assert reproducible.same_builds(first, second) == []
    (second / wheel.name).unlink()
    _rewrite(wheel, second, lambda n, b: (n, b + b"\n") if n == "xcover_offers/_version.py" else (n, b))
    (problem,) = reproducible.same_builds(first, second)
    assert "xcover_offers/_version.py" in problem
    assert "RECORD" in problem  # its hash of the changed file
    sdists = tmp_path / "c", tmp_path / "d"
    for folder, text in zip(sdists, ("one", "two"), strict=True):
        folder.mkdir()
        _sdist(folder, SDIST | {"README.md": text})
    (problem,) = reproducible.same_builds(*sdists)
    assert f"xcover_offers-{VERSION}/README.md" in problem


def test_the_build_backend_pin_and_the_constraints_agree() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (backend,) = pyproject["build-system"]["requires"]
    constraints = (ROOT / "build-constraints.txt").read_text(encoding="utf-8").splitlines()
    assert backend in constraints
    assert all("==" in line for line in constraints if line and not line.startswith("#"))


# -- the CHANGELOG -----------------------------------------------------------------------------------

CHANGELOG = """# Changelog

## [Unreleased] — 0.3.0

### Added
- Something.

## [0.2.0] — 2026-11-30

Generated from upstream spec `1.0.0`, sha256 `{sha}`.

- Older.
""".replace("{sha}", "a" * 64)


def _cut(changelog: str, version: str, *, current: str = "0.2.0") -> str:
    return cut.cut_changelog(
        changelog, version, DAY, current=current, spec_version="1.1.0", spec_sha256="b" * 64
    )


def test_cut_dates_the_draft_and_states_the_spec() -> None:
    text = _cut(CHANGELOG, "0.3.0")
    assert text.startswith("# Changelog\n\n## [Unreleased]\n\n## [0.3.0] — 2026-12-01\n\n")
    spec = f"Generated from upstream spec `1.1.0`, sha256 `{'b' * 64}`."
    assert f"{spec}\n\n### Added\n- Something.\n\n## [0.2.0]" in text
    assert list(changelog_md.released(text)) == ["0.3.0", "0.2.0"]
    assert changelog_md.unreleased(text) == changelog_md.Section(
        None, None, len("# Changelog\n\n"), text.index("## [0.3.0]"), ""
    )


@pytest.mark.parametrize(
    ("version", "current", "message"),
    [
        ("0.2.0", "0.2.0", "not greater than 0.2.0"),
        ("0.1.9", "0.2.0", "not greater than 0.2.0"),
        ("0.2.1", "0.2.0", "drafted as 0.3.0"),
        ("0.3.0", "0.4.0", "lower than 0.4.0, the version _version.py has"),
        ("1.0", "0.2.0", "not MAJOR.MINOR.PATCH"),
        ("v0.3.0", "0.2.0", "not MAJOR.MINOR.PATCH"),
        ("0.03.0", "0.2.0", "not MAJOR.MINOR.PATCH"),
        ("0.\u0663.0", "0.2.0", "not MAJOR.MINOR.PATCH"),  # ARABIC-INDIC DIGIT THREE
    ],
)
def test_cut_refuses_a_version_that_does_not_move_forward(version: str, current: str, message: str) -> None:
    with pytest.raises(tree.ReleaseError, match=message):
        _cut(CHANGELOG, version, current=current)


@pytest.mark.parametrize(
    ("changelog", "message"),
    [
        (CHANGELOG.replace("- Something.\n", ""), "lists no change"),
        (CHANGELOG.replace("### Added\n- Something.\n", ""), "lists no change"),
        (CHANGELOG.replace("## [Unreleased] — 0.3.0", "## [0.2.5] — 2026-11-30"), r"no `## \[Unreleased\]`"),
        (CHANGELOG.replace("] — 2026-11-30", "] - 2026-11-30"), "is neither"),
        (CHANGELOG.replace("] — 2026-11-30", "] — 2026-11-30 (yanked)"), "is neither"),
        (CHANGELOG.replace("] — 2026-11-30", "] — 2026-13-30"), "has no valid date"),
        (CHANGELOG + "\n## [Unreleased]\n\n- Again.\n", "more than one Unreleased"),
    ],
    ids=["no-entries", "only-subheadings", "no-unreleased", "hyphen", "suffix", "bad-date", "two-unreleased"],
)
def test_cut_refuses_a_changelog_it_cannot_read_for_certain(changelog: str, message: str) -> None:
    with pytest.raises(tree.ReleaseError, match=message):
        _cut(changelog, "0.3.0")


def _release_tree(tmp_path: Path) -> Path:
    for name in (
        "CHANGELOG.md",
        "wrapper/xcover_offers/_version.py",
        "generated/xcover_offers_api/openapi.json",
        "generated/xcover_offers_api/_spec_facts.py",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def _next_minor() -> str:
    major, minor, _ = changelog_md.version_key(VERSION)
    return f"{major}.{minor + 1}.0"


def test_cut_writes_the_version_in_its_one_place_and_the_changelog(tmp_path: Path) -> None:
    root = _release_tree(tmp_path)
    new = _next_minor()
    said = cut.cut(new, date=DAY, root=root, generated_diff=lambda: "", status=lambda: "")
    assert said == f"{VERSION} -> {new}; CHANGELOG.md section [{new}] — 2026-12-01"
    assert tree.read_version(root) == new
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    stated = changelog_md.spec_line(xcover_offers.SPEC_VERSION, xcover_offers.SPEC_SHA256)
    assert f"## [{new}] — 2026-12-01\n\n{stated}" in changelog


@pytest.mark.parametrize(
    ("generated_diff", "status", "message"),
    [
        (lambda: "--- committed/x.py", lambda: "", "not a fresh generation"),
        (lambda: "", lambda: " M CHANGELOG.md\n?? notes.txt\n", "cut from a clean tree"),
    ],
    ids=["stale-generated", "dirty-tree"],
)
def test_cut_refuses_and_writes_nothing(
    tmp_path: Path, generated_diff: Callable[[], str], status: Callable[[], str], message: str
) -> None:
    root = _release_tree(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    with pytest.raises(tree.ReleaseError, match=message):
        cut.cut(_next_minor(), date=DAY, root=root, generated_diff=generated_diff, status=status)
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_cut_refuses_while_update_specs_draft_is_not_in_the_unreleased_section(tmp_path: Path) -> None:
    root = _release_tree(tmp_path)
    changelog = root / "CHANGELOG.md"
    older = "- Earlier release's line that the draft repeats."
    entry = "- **Breaking:** POST /partners/{partner_code}/offers/ request body `customer.first_name` added"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(text.replace("## [0.1.0] — 2026-11-26\n", f"## [0.1.0] — 2026-11-26\n\n{older}\n"))
    draft = root / "build" / "CHANGELOG.draft.md"
    draft.parent.mkdir()
    draft.write_text(
        f"## [Unreleased] — 9.0.0\n\nRegenerated from spec 2.0.0.\n\n### Changed\n{entry}\n{older}\n"
    )
    with pytest.raises(tree.ReleaseError, match="the Unreleased section lacks") as info:
        cut.cut("9.0.0", date=DAY, root=root, generated_diff=lambda: "", status=lambda: "")
    assert entry in str(info.value)
    assert older in str(info.value)  # in the CHANGELOG, but under an older release: not merged
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(text.replace("### Added\n", f"### Added\n{entry}\n{older}\n", 1), encoding="utf-8")
    assert cut.cut("9.0.0", date=DAY, root=root, generated_diff=lambda: "", status=lambda: "")


def test_every_released_version_states_its_spec() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = changelog_md.released(changelog)  # reads every heading, or raises
    assert versions, "CHANGELOG.md has released versions"
    for version, section in versions.items():
        assert len(changelog_md.SPEC_LINE.findall(section.body)) == 1, f"[{version}] does not state its spec"
    assert changelog_md.changelog_mentions(changelog, VERSION), f"CHANGELOG.md has no heading for {VERSION}"
    assert not changelog_md.changelog_mentions(changelog, "99.0.0")


# -- what uploading asks -----------------------------------------------------------------------------


def _git(root: Path, *args: str) -> None:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, *args], cwd=root, check=True, capture_output=True)


RELEASED = CHANGELOG.replace("## [Unreleased] — 0.3.0\n\n### Added\n- Something.\n", "## [Unreleased]\n")


@pytest.mark.parametrize(
    ("changelog", "dirty", "tag", "expected"),
    [
        (RELEASED, False, "v0.2.0", None),
        (RELEASED, True, "v0.2.0", "uncommitted changes"),
        (RELEASED, False, None, "HEAD is not tagged v0.2.0"),
        (RELEASED, False, "v0.1.0", "HEAD is not tagged v0.2.0"),
        (CHANGELOG, False, "v0.2.0", "lists unreleased changes"),
        (
            RELEASED.replace("## [0.2.0] — 2026-11-30", "## [0.1.0] — 2026-11-30"),
            False,
            "v0.2.0",
            "no dated section",
        ),
    ],
    ids=["ready", "dirty", "untagged", "other-tag", "unreleased-entries", "not-dated"],
)
def test_a_release_upload_needs_a_clean_tagged_tree_and_a_dated_section(
    tmp_path: Path, changelog: str, dirty: bool, tag: str | None, expected: str | None
) -> None:
    (tmp_path / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "CHANGELOG.md")
    _git(tmp_path, "commit", "-q", "-m", "release")
    if tag:
        _git(tmp_path, "tag", tag)
    if dirty:
        (tmp_path / "stray.txt").write_text("x")
    problems = dist.release_problems(tmp_path, "0.2.0", changelog)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems
