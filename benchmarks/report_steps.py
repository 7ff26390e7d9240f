"""The report's sections on single steps in process: §2 parse and build as they grow (targets 2 and
3), §4 signing (target 5) and §5 import time (target 6)."""

from __future__ import annotations

from typing import Any

from _markdown import Judge, count, f, row, spread, table, text, up
from report_targets import BUILD_TARGET, IMPORT_TARGET_MS, PARSE_TARGET, SIGNING_RATIO_TARGET, worst


def _growth(rows: dict[Any, dict[str, float]]) -> float:
    """µs per item at 1000 over µs per item at 10: 1.0 is linear."""
    return float(row(rows, 1000)["per_item_us"] / row(rows, 10)["per_item_us"])


def _size_rows(s: dict[str, Any], key: str) -> list[list[str]]:
    rows = []
    for n, r in s[key].items():
        cells = [str(n)]
        if key == "build":
            cells.append(f"{row(s['request_bytes'], int(n)):,}")
        cells += [
            f(r["candidate_us"]),
            f(r["baseline_us"]),
            up(r["ratio"]),
            spread(r["ratio_low"], r["ratio_high"]),
            f(r["per_item_us"], 2),
            f(r["no_gc_us"]),
        ]
        rows.append(cells)
    return rows


def scaling(s: dict[str, Any], judge: Judge) -> str:
    tail = ("ratio", "rounds", "µs per {}", "context: gc paused, µs")
    parse = table(
        ("products", "parse µs", "json.loads µs", *tail[:2], tail[2].format("product"), tail[3]),
        _size_rows(s, "parse"),
        "rrrrrrr",
    )
    build = table(
        ("events", "body bytes", "build µs", "json.dumps µs", *tail[:2], tail[2].format("event"), tail[3]),
        _size_rows(s, "build"),
        "rrrrrrrr",
    )

    def included(flag: bool) -> str:
        return (
            "includes the client's validation"
            if flag
            else "does not include the client's validation (no public entry yet)"
        )

    def verdict(key: str, target: float) -> str:
        n, r = worst(s[key])
        return f"worst {up(r['ratio'])}× at {n}, {judge(r['ratio'] <= target)}"

    return text(
        """
        ## 2. Parse and build, with validation, as they grow (targets 2 and 3)

        **Response parse** (target 2), against `json.loads` of the same bytes, for offers of 2 to 1000
        products. Measured: {parse_step}; it {parse_included}.

        {parse}

        Target ≤ {parse_target:g}× at every size: {parse_verdict}. Per product, 1000 against 10:
        {parse_growth:.2f}× (1.00 is linear).

        **Request build + serialise** (target 3), from plain dicts, against `json.dumps(body).encode()`
        of the same body; each event has {tickets} tickets. Measured: {build_step}; it {build_included}.

        {build}

        Target ≤ {build_target:g}× at every size: {build_verdict}. Per event, 1000 against 10:
        {build_growth:.2f}×.

        Each size is {rounds}, candidate and baseline alternating, each round a batch sized to a
        fixed time; the ratio is a ratio of medians, "rounds" the lowest and highest of one round. The
        last column, for context, times the same candidate with Python's cyclic garbage collector
        paused (`gc.disable()`), to show how much of the time is the collector's.
        """,
        parse=parse,
        build=build,
        parse_step=s["parse_step"],
        build_step=s["build_step"],
        parse_included=included(s["parse_includes_validation"]),
        build_included=included(s["build_includes_validation"]),
        parse_target=PARSE_TARGET,
        build_target=BUILD_TARGET,
        parse_growth=_growth(s["parse"]),
        build_growth=_growth(s["build"]),
        parse_verdict=verdict("parse", PARSE_TARGET),
        build_verdict=verdict("build", BUILD_TARGET),
        tickets=s["tickets"],
        rounds=count(s["rounds"], "round"),
    )


def signing(s: dict[str, Any], judge: Judge) -> str:
    figures = table(
        ("", "median µs per signing"),
        [
            ("`XCoverAuth`", f"{s['xcover_auth_us']:.2f}"),
            ("naive: a new HMAC and a formatted Date per request", f"{s['naive_us']:.2f}"),
            (
                f"`XCoverAuth` / naive (target ≤ {SIGNING_RATIO_TARGET})",
                f"{up(s['ratio'])} ({judge(s['ratio'] <= SIGNING_RATIO_TARGET)}); rounds "
                f"{spread(s['ratio_low'], s['ratio_high'])}",
            ),
        ],
        "lr",
    )
    return text(
        """
        ## 4. Signing alone (target 5)

        {figures}

        From `benchmarks/bench_signing.py`: {rounds} of {batch} signings, the two alternating; a
        POST with a query string, the default signed headers and hmac-sha512, through `sync_auth_flow`
        as httpx calls it. Both produce the same headers (checked before timing).
        """,
        figures=figures,
        rounds=count(s["rounds"], "round"),
        batch=s["batch"],
    )


def import_(i: dict[str, Any], judge: Judge) -> str:
    def runs(values: list[float]) -> str:
        return ", ".join(f(v) for v in values)

    ok = i["over_httpx_ms"] <= IMPORT_TARGET_MS
    figures = table(
        ("", "best ms", "every run, ms"),
        [
            ("`import httpx`, alone", f(i["httpx_ms"]), runs(i["httpx_all_ms"])),
            (
                "`from xcover_offers import OffersClient`, alone (it imports httpx)",
                f(i["xcover_offers_ms"]),
                runs(i["xcover_offers_all_ms"]),
            ),
            (
                f"**the difference** (target ≤ +{IMPORT_TARGET_MS:.0f})",
                f"**{i['over_httpx_ms']:+.1f}** ({judge(ok)})",
                f"pair by pair {i['over_httpx_low_ms']:+.1f} to {i['over_httpx_high_ms']:+.1f}",
            ),
            (
                "context: `from xcover_offers import OffersClient` after httpx, no compiled bytecode",
                f(i["no_pyc_over_httpx_ms"]),
                "",
            ),
        ],
        "lrl",
    )
    heaviest = table(("module", "own ms"), [(f"`{name}`", f(ms, 2)) for name, ms in i["heaviest"]], "lr")
    return text(
        """
        ## 5. Import time (target 6)

        {figures}

        {runs} of each kind, alternating, each timing one `import` statement (not
        the interpreter's start). The target compares the best of each, reading cached bytecode, as
        after `pip install` of a wheel; the context row gives every run an empty
        `PYTHONPYCACHEPREFIX`, so every module is compiled from source. The heaviest modules beyond
        httpx, by their own time (one `python -X importtime` run):

        {heaviest}
        """,
        figures=figures,
        heaviest=heaviest,
        runs=count(i["runs"], "fresh interpreter"),
    )
