"""The project as the release checks see it: its facts from pyproject.toml, the version's one place,
and the tree as git sees it (tracked files, uncommitted changes, the last commit's time)."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION_FILE = Path("wrapper") / "xcover_offers" / "_version.py"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DIST_NAME: str = PYPROJECT["project"]["name"].replace("-", "_")
_WHEEL_FOLDERS: list[str] = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
# Import package -> the folder of the tree it is built from.
PACKAGES: dict[str, str] = {folder.rsplit("/", 1)[1]: folder for folder in _WHEEL_FOLDERS}
BUNDLED_SPEC = "xcover_offers_api/openapi.json"


class ReleaseError(Exception):
    """A check failed; the message says what and what to do."""


def read_version(root: Path = ROOT) -> str:
    """The package version, from its one place."""
    import specdiff  # tools/ is on sys.path: put there by __main__ when run, pytest's pythonpath in tests

    return specdiff.read_version(root / VERSION_FILE)


def git(root: Path, *args: str) -> str | None:
    """`git ARGS` in `root`: its output, or None when git fails (not a checkout, no commit yet)."""
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    return proc.stdout.decode("utf-8") if proc.returncode == 0 else None


def tracked_files(root: Path = ROOT, *paths: str) -> list[str] | None:
    """Tracked files (under `paths`, if given), or None outside a git checkout (an unpacked sdist)."""
    out = git(root, "ls-files", "-z", "--", *paths)
    return None if out is None else [name for name in out.split("\0") if name]


def uncommitted(root: Path = ROOT) -> str:
    """`git status --porcelain`: modified, staged and untracked (not ignored) files; empty when clean."""
    out = git(root, "status", "--porcelain")
    if out is None:
        raise ReleaseError(f"{root} is not a git checkout: releases are cut and built from one")
    return out


def source_date_epoch(root: Path = ROOT) -> str:
    """The last commit's time: the one timestamp every file in the archives gets."""
    out = (git(root, "log", "-1", "--format=%ct") or "").strip()
    if not out.isdigit():
        raise ReleaseError(
            "not a git checkout with a commit: set SOURCE_DATE_EPOCH to the release commit's time"
        )
    return out
