"""One distribution ships both import packages, typed, with the spec facts exposed; the package under
test is this tree (nox installs the wheel `build` made: a stale one would fail here)."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from pathlib import Path

import pytest
import xcover_offers

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"xcover_offers": ROOT / "wrapper", "xcover_offers_api": ROOT / "generated"}


@pytest.mark.once
def test_version_facts() -> None:
    assert xcover_offers.__version__.count(".") == 2
    spec = (ROOT / "openapi.json").read_bytes()
    assert json.loads(spec)["info"]["version"] == xcover_offers.SPEC_VERSION
    assert hashlib.sha256(spec).hexdigest() == xcover_offers.SPEC_SHA256
    fixes = json.loads((ROOT / "spec-fixes.json").read_text(encoding="utf-8"))["fixes"]
    assert tuple(fix["id"] for fix in fixes) == xcover_offers.SPEC_FIXES


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@pytest.mark.parametrize("package", list(PACKAGES))
def test_the_installed_package_is_this_tree(package: str) -> None:
    installed = Path(importlib.import_module(package).__file__ or "").parent
    if os.environ.get("NOX_CURRENT_SESSION"):  # nox installs the wheel; an editable install proves nothing
        assert not installed.is_relative_to(PACKAGES[package]), f"{package} imported from {installed}"
    want, got = _files(PACKAGES[package] / package), _files(installed)
    assert sorted(got) == sorted(want), "installed files differ from the tree's: rebuild (`nox -s build`)"
    stale = [name for name in want if got[name] != want[name]]
    assert not stale, f"installed files differ from the tree's (a stale wheel? run `nox -s build`): {stale}"
    assert "py.typed" in got
