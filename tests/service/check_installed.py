"""Run by `nox -s installed_wheel` in a new environment, from a folder outside the tree: the installed
wheel imports, says its version, and says which spec it was generated from.

    python check_installed.py TREE     (TREE: the checkout the wheel was built from, never imported)

Checks raise SystemExit rather than assert, so they hold under `python -O` too.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import sys
from importlib import resources
from pathlib import Path


def require(ok: bool, why: str) -> None:
    if not ok:
        raise SystemExit(f"check_installed: {why}")


tree = Path(sys.argv[1]).resolve()
require(not Path(sys.prefix).resolve().is_relative_to(tree), f"the environment {sys.prefix} is in the tree")
on_path = [p for p in sys.path if p and Path(p).resolve().is_relative_to(tree)]
require(not on_path, f"the tree is on sys.path: {on_path}")

import xcover_offers  # noqa: E402  (imported only once the tree is known to be off the path)
import xcover_offers_api  # noqa: E402

for module in (xcover_offers, xcover_offers_api):
    where = Path(module.__file__ or "").resolve()
    require(where.is_relative_to(Path(sys.prefix).resolve()), f"{module.__name__} imported from {where}")

installed = importlib.metadata.version("xcover-offers")
require(installed == xcover_offers.__version__, f"metadata {installed} != {xcover_offers.__version__}")
bundled = json.loads(resources.files("xcover_offers_api").joinpath("openapi.json").read_text("utf-8"))
spec_version = bundled["info"]["version"]
require(spec_version == xcover_offers.SPEC_VERSION, f"bundled spec is {spec_version}")
upstream = hashlib.sha256((tree / "openapi.json").read_bytes()).hexdigest()
require(upstream == xcover_offers.SPEC_SHA256, "generated from another openapi.json than the tree's")
print(
    f"xcover-offers {installed} from {Path(xcover_offers.__file__ or '').parent.parent}: "
    f"spec {xcover_offers.SPEC_VERSION} (sha256 {xcover_offers.SPEC_SHA256[:12]}…)"
)
