"""`python tools/specdiff {explain,apply-bump} build/spec-update.json`: the steps after `update-spec`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from .bump import apply_bump
from .report import explain

ROOT = Path(__file__).resolve().parents[2]
VERSION_FILE = ROOT / "wrapper" / "xcover_offers" / "_version.py"


def main(argv: Sequence[str]) -> int:
    usage = "usage: python tools/specdiff {explain,apply-bump} build/spec-update.json"
    if len(argv) != 2 or argv[0] not in ("explain", "apply-bump"):
        print(usage, file=sys.stderr)
        return 2
    if argv[0] == "explain":
        print(explain(Path(argv[1])))
        return 0
    try:
        print(apply_bump(Path(argv[1]), VERSION_FILE))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
