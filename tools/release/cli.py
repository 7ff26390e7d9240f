"""`python tools/release {check-dist,same,source-date-epoch,cut} ...`: the commands the nox sessions run."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from .cut import cut
from .dist import check_dist, sha256sums
from .reproducible import same_builds
from .tree import ReleaseError, source_date_epoch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/release", description=__doc__)
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
