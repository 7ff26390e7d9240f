"""One distribution ships both import packages, typed, with the spec facts exposed."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import xcover_offers

ROOT = Path(__file__).resolve().parent.parent


def test_version_facts() -> None:
    assert xcover_offers.__version__.count(".") == 2
    spec = (ROOT / "openapi.json").read_bytes()
    assert json.loads(spec)["info"]["version"] == xcover_offers.SPEC_VERSION
    assert hashlib.sha256(spec).hexdigest() == xcover_offers.SPEC_SHA256
    fixes = json.loads((ROOT / "spec-fixes.json").read_text(encoding="utf-8"))["fixes"]
    assert tuple(fix["id"] for fix in fixes) == xcover_offers.SPEC_FIXES


def test_wheel_contains_both_packages_typed(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob(f"xcover_offers-{xcover_offers.__version__}-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "xcover_offers/__init__.py",
        "xcover_offers/py.typed",
        "xcover_offers_api/__init__.py",
        "xcover_offers_api/py.typed",
        "xcover_offers_api/openapi.json",
        "xcover_offers_api/api/create_offer/create_offer.py",
    ):
        assert required in names, required
    assert not [n for n in names if n.startswith(("generated/", "wrapper/", "tests/"))]
