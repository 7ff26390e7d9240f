"""BENCHMARKS.md from the results of `run.py`: the numbers, the targets, and what each result means."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

SYNC_TARGET = 1.10
SIGNING_TARGET_US = 8.0
AIOHTTP_SPEEDUP_TARGET = 5.0
SCALING_TARGET = 2.5
LINEAR_TOLERANCE = 1.5
"""Linear growth: the time per event (or product) at 1000 is at most this multiple of that at 10."""
IMPORT_TARGET_MS = 50.0
MEMORY_FLAT_KIB = 64.0
MEMORY_FLAT_SHARE = 0.05
"""Flat memory: the highest window peak of the second half of the calls is within max(64 KiB, 5 %)
of the highest of the first half, and what a full collection leaves is under 64 KiB."""

Verdict = Callable[[bool], str]


def _f(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def _down(value: float) -> str:
    """Two decimals, rounded down: a ratio shown against a "≥" target never looks met when it is not."""
    return f"{math.floor(value * 100) / 100:.2f}"


def _up(value: float) -> str:
    """Two decimals, rounded up, for ratios against a "≤" target."""
    return f"{math.ceil(value * 100) / 100:.2f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A Markdown table; `align` has one letter per column, l or r."""
    rule = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
    lines = ["| " + " | ".join(header) + " |", rule]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _text(template: str, **values: Any) -> str:
    return textwrap.dedent(template).strip().format(**values)


def render_markdown(results: dict[str, Any], *, verdict: Verdict) -> str:
    parts = [
        "# Benchmarks",
        QUICK_INTRO if results["quick"] else FULL_INTRO,
        _summary(results, verdict),
        _machine(results["machine"], results.get("seconds", 0.0)),
        _sync(results["sync"], verdict),
        _signing(results["signing"], verdict),
        _async(results["async"], verdict),
        _scaling(results["scaling"], verdict),
        _import(results["import"], verdict),
        _memory(results["memory"], verdict),
        _findings(results),
    ]
    return "\n\n".join(part.strip() for part in parts) + "\n"


QUICK_INTRO = """\
**Quick smoke run** (`python benchmarks/run.py --quick`): a few iterations of everything, to prove
that it runs. These numbers are noise; the full run writes BENCHMARKS.md."""

FULL_INTRO = """\
Written by `python -m nox -s bench` (or `python benchmarks/run.py`); do not edit by hand, rerun it.
Every ratio compares two things measured in the same run, in alternation (A B, then B A, ...), on the
same machine at the same time; each figure is a median over rounds, and a ratio is a ratio of medians."""


# -- the summary -----------------------------------------------------------------------------------


def _targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(target, goal, measured, met?) for each target of the benchmarks issue."""
    sync, sign, asy, scale = results["sync"], results["signing"], results["async"], results["scaling"]
    imp, mem = results["import"], results["memory"]
    rows: list[tuple[str, str, str, bool | None]] = [
        (
            "1. sync create_offer / bare httpx.Client.post",
            f"≤ {SYNC_TARGET:.2f}×",
            f"{_up(sync['ratio'])}× ({_f(sync['create_offer_us'])} vs {_f(sync['httpx_post_us'])} µs)",
            sync["ratio"] <= SYNC_TARGET,
        )
    ]
    if "xcover_auth_us" in sign:
        measured = f"{sign['xcover_auth_us']:.2f} µs (naive {sign['naive_us']:.2f} µs)"
        rows.append(("2. signing one request", f"≤ {SIGNING_TARGET_US:.0f} µs", measured, _signing_ok(sign)))
    else:
        rows.append(("2. signing one request", f"≤ {SIGNING_TARGET_US:.0f} µs", "not measured", None))
    if asy["aiohttp"]:
        speedup, held = asy["aiohttp_vs_httpx_at_32"], asy["aiohttp_128_vs_8"]
        rows.append(
            (
                "3a. async req/s at 32: aiohttp / native httpx",
                f"≥ {AIOHTTP_SPEEDUP_TARGET:.0f}×",
                f"{_down(speedup)}×",
                speedup >= AIOHTTP_SPEEDUP_TARGET,
            )
        )
        rows.append(("3b. async req/s with aiohttp: 128 / 8", "≥ 1.00 (no drop)", _down(held), held >= 1.0))
    else:
        rows.append(("3. async with backend='aiohttp'", "", "httpx-aiohttp not installed", None))
    for key, name in (
        ("build", "4a. request build + serialise / json.dumps"),
        ("parse", "4b. response parse / json.loads"),
    ):
        worst = max(r["ratio"] for r in scale[key].values())
        measured = f"worst {_up(worst)}×; {_linearity(scale[key])}"
        rows.append((name, f"≤ {SCALING_TARGET}×, linear", measured, _scaling_ok(scale[key])))
    rows.append(
        (
            "5. import xcover_offers after httpx",
            f"≤ {IMPORT_TARGET_MS:.0f} ms",
            f"{imp['xcover_offers_ms']:.1f} ms",
            imp["xcover_offers_ms"] <= IMPORT_TARGET_MS,
        )
    )
    measured = (
        f"window peak {_f(mem['first_half_peak_kib'], 0)} → {_f(mem['second_half_peak_kib'], 0)} KiB;"
        f" {_f(mem['retained_kib_after_gc'], 0)} KiB left after gc; RSS +{_f(mem['rss_growth_mib'], 1)} MiB"
    )
    rows.append((f"6. memory over {mem['calls']:,} calls", "flat after warm-up", measured, _memory_flat(mem)))
    return rows


def _summary(results: dict[str, Any], verdict: Verdict) -> str:
    rows = [
        (name, goal, measured, "not measured" if ok is None else verdict(ok))
        for name, goal, measured, ok in _targets(results)
    ]
    return "## Targets\n\n" + _table(("target", "goal", "measured", "verdict"), rows, "llll")


def _machine(m: dict[str, str], seconds: float) -> str:
    libs = ", ".join(f"{k} {m[k]}" for k in ("httpx", "httpcore", "h11", "attrs", "aiohttp", "httpx-aiohttp"))
    return _text(
        """
        ## The machine

        - CPU: {cpu}; `nproc` = {nproc}
        - OS: {os}
        - Python {python}; xcover-offers {version}
        - {libs}
        - the whole run took {seconds:.0f} s

        A shared virtual machine: other work runs beside the benchmark, so absolute numbers move from
        run to run by 10-30 %; ratios measured in alternation move much less. The HTTP server
        (`benchmarks/server.py`, an asyncio protocol that answers every request with one canned offer)
        runs in its own process: of the two cores, it has one and the client the other.
        """,
        cpu=m["cpu"],
        nproc=m["nproc"],
        os=m["os"],
        python=m["python"],
        version=m["xcover-offers"],
        libs=libs,
        seconds=seconds,
    )


# -- 1. sync ---------------------------------------------------------------------------------------


def _sync(s: dict[str, Any], verdict: Verdict) -> str:
    table = _table(
        ("", "median µs per call"),
        [
            (
                "`OffersClient.create_offer`: constructors, validation, signing, send, parse",
                _f(s["create_offer_us"]),
            ),
            (
                f"bare `httpx.Client.post` of the same {s['request_bytes']} bytes, static headers",
                _f(s["httpx_post_us"]),
            ),
            (
                f"**ratio** (target ≤ {SYNC_TARGET:.2f})",
                f"**{_up(s['ratio'])}** ({verdict(s['ratio'] <= SYNC_TARGET)})",
            ),
            ("the wrapper's own cost per call (the difference)", _f(s["overhead_us"])),
        ],
        "lr",
    )
    stages = _table(
        ("stage, alone, in process", "median µs"), [(k, _f(v)) for k, v in s["breakdown"].items()], "lr"
    )
    return _text(
        """
        ## 1. Sync: create_offer against a bare httpx post

        {table}

        {rounds} rounds of {batch} calls each, the two alternating, each over its own keep-alive
        connection to the server on 127.0.0.1, which answers a 2-product offer. Where the wrapper's
        time goes, each stage measured alone in process (no network; MockTransport for the last two):

        {stages}

        **What it means.** On loopback a request costs a few hundred microseconds of httpx's own work
        (building the request, h11, the pool, cookies) and next to no network. The wrapper adds its
        constructors, validation against the spec, the generated model round trip and the JSON bytes,
        a signature, and the generated response parser, which is the largest single part. The 1.10
        target is about loopback, where that is the largest share it can ever be: against XCover
        over the internet, tens of milliseconds per call, the same microseconds are well under 1 %.
        """,
        table=table,
        stages=stages,
        rounds=s["rounds"],
        batch=s["batch"],
    )


# -- 2. signing ------------------------------------------------------------------------------------


def _signing_ok(s: dict[str, Any]) -> bool:
    return bool(s["xcover_auth_us"] <= SIGNING_TARGET_US)


def _signing(s: dict[str, Any], verdict: Verdict) -> str:
    if "xcover_auth_us" not in s:
        return "## 2. Signing alone\n\n" + str(s.get("missing", "not measured"))
    table = _table(
        ("", "median µs per signing"),
        [
            (
                "`XCoverAuth`",
                f"{s['xcover_auth_us']:.2f} ({verdict(_signing_ok(s))}, target ≤ {SIGNING_TARGET_US:.0f})",
            ),
            ("naive: a new HMAC and a formatted Date per request", f"{s['naive_us']:.2f}"),
            ("speed-up", f"{s['speedup']:.2f}×"),
        ],
        "lr",
    )
    return _text(
        """
        ## 2. Signing alone

        {table}

        From `benchmarks/bench_signing.py`: {rounds} rounds of {batch} signings, the two alternating; a
        POST with a query string, the default signed headers and hmac-sha512, through `sync_auth_flow`
        as httpx calls it. **What it means:** signing is a small fixed cost per attempt, a few percent
        of the wrapper's own time per call.
        """,
        table=table,
        rounds=s["rounds"],
        batch=s["batch"],
    )


# -- 3. async --------------------------------------------------------------------------------------

_ASYNC_NAMES = {
    "wrapper-httpx": "`AsyncOffersClient` (httpx's own pool)",
    "wrapper-aiohttp": '`AsyncOffersClient(backend="aiohttp")`',
    "bare-httpx": "context: bare `httpx.AsyncClient.post`",
    "bare-aiohttp": "context: bare httpx + `AiohttpTransport`",
}


def _async(a: dict[str, Any], verdict: Verdict) -> str:
    concurrencies = sorted({c for by_c in a["rps"].values() for c in by_c}, key=int)
    rows = [
        [_ASYNC_NAMES[kind]] + [_f(a["rps"][kind][c], 0) for c in concurrencies]
        for kind in _ASYNC_NAMES
        if kind in a["rps"]
    ]
    table = _table(["requests/s", *(f"c={c}" for c in concurrencies)], rows, "l" + "r" * len(concurrencies))
    if a["aiohttp"]:
        speedup, held = a["aiohttp_vs_httpx_at_32"], a["aiohttp_128_vs_8"]
        targets = (
            f"- aiohttp / native httpx at concurrency 32: **{_down(speedup)}×**"
            f" (target ≥ {AIOHTTP_SPEEDUP_TARGET:.0f}×: {verdict(speedup >= AIOHTTP_SPEEDUP_TARGET)})\n"
            f"- aiohttp, concurrency 128 / 8: **{_down(held)}** (target ≥ 1.00: {verdict(held >= 1.0)})"
        )
    else:
        targets = (
            "- httpx-aiohttp is not installed here (`pip install 'xcover-offers[aiohttp]'`): not measured."
        )
    return _text(
        """
        ## 3. Async: requests per second by concurrency

        {table}

        {targets}

        Median of {rounds} rounds, the four clients alternating within each. Each figure is a fresh
        event loop and client, warmed up (its connections open) before the clock starts, then that
        many tasks calling it in a loop for {seconds:g} s; the wrapper rows build their inputs with the
        constructors on every call, as in §1. All clients keep their default limit of 100
        connections, so at 128 some tasks wait for one (with a limit of 1000, measured while
        writing this benchmark, the figures were the same).

        **What it means.** httpx's own async pool (httpcore 1.0) re-runs its request-to-connection
        assignment over every connection and every queued request each time a request starts or
        ends, so its cost per request grows with concurrency, even against a trivial server
        (encode/httpx#3215, encode/httpcore#1035). aiohttp's connector does not; with it the client
        is limited by CPU alone:
        one core runs the event loop, so requests/s is about one over the CPU time per request,
        the wrapper's plus the transport's. That is why every microsecond taken out of validation,
        request building and parsing shows up here directly. The context rows are each transport's
        ceiling with no wrapper work at all.
        """,
        table=table,
        targets=targets,
        rounds=a["rounds"],
        seconds=a["seconds"],
    )


# -- 4. scaling ------------------------------------------------------------------------------------


def _is_linear(rows: dict[int, dict[str, float]]) -> bool:
    return bool(rows[1000]["per_item_us"] <= LINEAR_TOLERANCE * rows[10]["per_item_us"])


def _scaling_ok(rows: dict[int, dict[str, float]]) -> bool:
    return all(r["ratio"] <= SCALING_TARGET for r in rows.values()) and _is_linear(rows)


def _linearity(rows: dict[int, dict[str, float]]) -> str:
    growth = rows[1000]["per_item_us"] / rows[10]["per_item_us"]
    return f"per item, 1000 vs 10: {growth:.2f}×"


def _scaling(s: dict[str, Any], verdict: Verdict) -> str:
    build = _table(
        ("events", "body bytes", "build µs", "json.dumps µs", "ratio", "µs per event"),
        [
            (
                str(n),
                f"{s['request_bytes'][n]:,}",
                _f(r["candidate_us"]),
                _f(r["baseline_us"]),
                _up(r["ratio"]),
                _f(r["per_item_us"], 2),
            )
            for n, r in s["build"].items()
        ],
        "rrrrrr",
    )
    parse = _table(
        ("products", "parse µs", "json.loads µs", "ratio", "µs per product"),
        [
            (
                str(n),
                _f(r["candidate_us"]),
                _f(r["baseline_us"]),
                _up(r["ratio"]),
                _f(r["per_item_us"], 2),
            )
            for n, r in s["parse"].items()
        ],
        "rrrrr",
    )
    return _text(
        """
        ## 4. Scaling with the size of the request and of the answer

        **Request build + serialise**: what `create_offer` does before sending (validation against the
        spec's schema, the generated `OfferRequest` and request builder, the JSON bytes), from plain
        dicts, against `json.dumps(body).encode()` of the same body. Each event has 10 tickets.

        {build}

        Target ≤ {target}× and linear ({build_linear}): {build_verdict}.

        **Response parsing**: `OfferResponse.from_dict(json.loads(body))`, what the client does with a
        200, against `json.loads(body)`, for offers of 1 to 1000 products.

        {parse}

        Target ≤ {target}× and linear ({parse_linear}): {parse_verdict}.

        **What it means.** Both grow linearly: nothing is quadratic in the number of events, tickets
        or products (linear here: the time per item at 1000 is within {tolerance}× of that at 10). The
        constant factor is the design's price. `json.dumps` and `json.loads` are C; a request body
        passes through Python four times before `json.dumps` (conversion to JSON types, validation
        against the spec, the generated `OfferRequest.from_dict`, its `to_dict`), and an answer
        becomes attrs objects field by field, every date-time parsed, in generated code the wrapper
        does not edit. One pure-Python pass over a JSON tree costs about what `json.dumps` of it
        costs, so four passes cannot fit in 2.5×. Meeting the target needs the request to skip the
        generated model round trip (which the design rule forbids) or faster generated models; see
        *Findings*.
        """,
        build=build,
        parse=parse,
        target=SCALING_TARGET,
        tolerance=LINEAR_TOLERANCE,
        build_linear=_linearity(s["build"]),
        parse_linear=_linearity(s["parse"]),
        build_verdict=verdict(_scaling_ok(s["build"])),
        parse_verdict=verdict(_scaling_ok(s["parse"])),
    )


# -- 5. import time --------------------------------------------------------------------------------


def _import(i: dict[str, Any], verdict: Verdict) -> str:
    ok = i["xcover_offers_ms"] <= IMPORT_TARGET_MS
    table = _table(
        ("", "median ms"),
        [
            ("`import httpx`, for reference", _f(i["httpx_ms"])),
            (
                "`import xcover_offers`, after httpx",
                f"{_f(i['xcover_offers_ms'])} ({verdict(ok)}, target ≤ {IMPORT_TARGET_MS:.0f})",
            ),
            ("context: the same with no compiled bytecode", _f(i["xcover_offers_no_pyc_ms"])),
        ],
        "lr",
    )
    heaviest = _table(("module", "own ms"), [(f"`{name}`", _f(ms, 2)) for name, ms in i["heaviest"]], "lr")
    return _text(
        """
        ## 5. Import time

        {table}

        {runs} fresh interpreters of each kind, alternating, each timing `import xcover_offers` right
        after `import httpx`. The target row reads cached bytecode, as after `pip install` of a wheel.
        The context row gives every run an empty `PYTHONPYCACHEPREFIX`: every module compiled from
        source, the cost of a first import where bytecode cannot be written (a fresh checkout with
        `PYTHONDONTWRITEBYTECODE=1`). The heaviest modules, by their own time (`python -X importtime`):

        {heaviest}

        **What it means.** Most of it is attrs and the generated models (one attrs class per schema),
        which any use of the client needs. It is paid once per process.
        """,
        table=table,
        heaviest=heaviest,
        runs=i["runs"],
    )


# -- 6. memory -------------------------------------------------------------------------------------


def _memory_flat(m: dict[str, Any]) -> bool:
    allowed = max(MEMORY_FLAT_KIB, MEMORY_FLAT_SHARE * max(m["first_half_peak_kib"], 0.0))
    return bool(m["peak_growth_kib"] <= allowed and m["retained_kib_after_gc"] <= MEMORY_FLAT_KIB)


def _memory(m: dict[str, Any], verdict: Verdict) -> str:
    bare = m["bare"]
    windows = _table(
        (
            "after calls",
            "create_offer: traced now",
            "peak in window",
            "RSS MiB",
            "bare: traced now",
            "peak in window",
        ),
        [
            (
                f"{c['calls']:,}",
                _f(c["current_kib"]),
                _f(c["peak_kib"]),
                _f(c["rss_mib"]),
                _f(b["current_kib"]),
                _f(b["peak_kib"]),
            )
            for c, b in zip(m["checkpoints"], bare["checkpoints"], strict=True)
        ],
        "rrrrrr",
    )
    summary = _table(
        ("", "create_offer", "bare httpx"),
        [
            (
                "highest window peak, first half, KiB",
                _f(m["first_half_peak_kib"]),
                _f(bare["first_half_peak_kib"]),
            ),
            (
                "highest window peak, second half, KiB",
                _f(m["second_half_peak_kib"]),
                _f(bare["second_half_peak_kib"]),
            ),
            (
                "left after a full `gc.collect()`, KiB",
                _f(m["retained_kib_after_gc"]),
                _f(bare["retained_kib_after_gc"]),
            ),
            ("RSS growth, MiB", _f(m["rss_growth_mib"], 2), _f(bare["rss_growth_mib"], 2)),
            ("flat", verdict(_memory_flat(m)), verdict(_memory_flat(bare))),
        ],
        "lrr",
    )
    return _text(
        """
        ## 6. Memory over sequential calls

        {calls:,} `create_offer` calls against the local server after {warmup:,} warm-up calls, traced with
        `tracemalloc` in windows of {window:,} calls (KiB relative to the start); then, for comparison, as
        many bare `httpx.Client.post` calls of the same request, each reading its JSON.

        {windows}

        {summary}

        Flat means: the second half's highest window peak is within max({flat_kib:.0f} KiB, {flat_share:.0%})
        of the first half's, and a full collection leaves under {flat_kib:.0f} KiB.

        **What it means.** Nothing leaks and nothing piles up: after warm-up, what stays allocated
        moves by a few KiB over the whole run, not by any amount per call, so a long-running service
        holding one client stays the same size. "Traced now" is what is allocated at the end of a
        window, "peak" the most during it (one call's working set on top of what persists). httpx
        binds each response and its stream to each other, a reference cycle; the client unbinds
        them once the body is read, so its responses are freed at once by reference counting.
        Without that (the bare column, and this client before the fix, see *Findings*) responses
        wait for the cyclic garbage collector: "traced now" saws up and down, and when a call
        allocates as much as `create_offer` does, many cycles reach the oldest generation, which
        CPython collects rarely, and the peak climbed for about 15,000 calls before each full
        collection.
        """,
        windows=windows,
        summary=summary,
        calls=m["calls"],
        warmup=m["warmup"],
        window=m["window"],
        flat_kib=MEMORY_FLAT_KIB,
        flat_share=MEMORY_FLAT_SHARE,
    )


# -- what the numbers led to -----------------------------------------------------------------------

BEFORE: dict[str, float] = {
    "overhead_us": 407.7,
    "ratio": 1.91,
    "prepare_us": 94.2,
    "build_request_us": 77.8,
    "build_ratio_100": 9.88,
    "build_per_event_us": 118.0,
    "aiohttp_32": 1376.0,
    "speedup_32": 4.47,
    "peak_first_kib": 652.0,
    "peak_second_kib": 868.0,
    "import_ms": 36.9,
}
"""The full run of this benchmark on the code before the fixes below (same machine, same day)."""


def _findings(results: dict[str, Any]) -> str:
    sync, asy, scale, mem = results["sync"], results["async"], results["scaling"], results["memory"]
    b = BEFORE
    now_async = asy["rps"].get("wrapper-aiohttp", {}).get(32, float("nan"))
    now_speedup = asy.get("aiohttp_vs_httpx_at_32", float("nan"))
    rows = [
        ("sync: wrapper's cost per call over a bare post, µs", _f(b["overhead_us"]), _f(sync["overhead_us"])),
        ("sync: ratio to a bare post", f"{b['ratio']:.2f}", _up(sync["ratio"])),
        ("in process: validate + build + serialise, µs", _f(b["prepare_us"]), _f(sync["breakdown"][PREPARE])),
        ("in process: build the httpx request, µs", _f(b["build_request_us"]), _f(sync["breakdown"][BUILD])),
        (
            "100 events: build + serialise / json.dumps",
            f"{b['build_ratio_100']:.2f}",
            _up(scale["build"][100]["ratio"]),
        ),
        ("100 events: µs per event", _f(b["build_per_event_us"]), _f(scale["build"][100]["per_item_us"])),
        ('async, backend="aiohttp", c=32, req/s', _f(b["aiohttp_32"], 0), _f(now_async, 0)),
        ("async at 32: aiohttp / native", f"{b['speedup_32']:.2f}", _down(now_speedup)),
        (
            "memory: highest window peak, first → second half, KiB",
            f"{b['peak_first_kib']:.0f} → {b['peak_second_kib']:.0f}",
            f"{mem['first_half_peak_kib']:.0f} → {mem['second_half_peak_kib']:.0f}",
        ),
        (
            "import xcover_offers after httpx, ms",
            _f(b["import_ms"]),
            _f(results["import"]["xcover_offers_ms"]),
        ),
    ]
    table = _table(("", "before the fixes", "this run"), rows, "lrr")
    return "## Findings and fixes\n\n" + table + "\n\n" + textwrap.dedent(FINDINGS).strip()


PREPARE = "validate + build + serialise (_prepare)"
BUILD = "build the httpx request"

FINDINGS = """
"Before" is the same benchmark run on the code before these changes, on the same machine the same
day; "this run" is the run above. What the numbers showed, and what was changed (in the wrapper only,
each change behaviour-preserving; the test suite is unchanged and green):

1. **Validation was the largest cost we own.** `validate` re-read the schema for every value and
   built a path string (`events[3].tickets[7].price`) for every field, failing or not; converting the
   input to JSON types did the same. Each pass cost about 3.5× a `json.dumps` of the body. Now each
   schema node is compiled once into a small function that does only the checks its schema has, the
   path is assembled only when a check fails, and plain dicts and lists are copied without per-value
   paths. Same rules, same order, same messages: the new and old implementations were run side by
   side on about 8,000 generated inputs (hypothesis) with identical results and errors.
2. **Every attempt parsed the URL again** and merged an empty query: the request URL is now parsed
   once per client URL (cached) and the query merged once per call (left to httpx when a caller's
   own client carries default params, so its merge order is unchanged).
3. **The DEBUG line's arguments were built on every attempt** even with logging off; now only when
   DEBUG is enabled.
4. **Memory climbed between full garbage collections.** Each httpx response and its stream point at
   each other; with the allocations of a `create_offer` call many of these cycles reached the oldest
   generation, and the traced peak grew for ~15,000 calls before each full collection (a bare httpx
   post stayed flat). The client now replaces the read, closed stream with an in-memory stream of
   the same bytes, so responses are freed at once; a `gc` debug run finds no cyclic garbage per call
   (sync, async, and `backend="aiohttp"`).
5. **Import time.** `anyio` is imported by the async client when it is created, not at import, and
   the spec is read with `pkgutil.get_data` instead of `importlib.resources` (which pulled in
   `zipfile`). This benchmark measures with cached bytecode: this environment sets
   `PYTHONDONTWRITEBYTECODE=1`, under which every import compiles from source (the context row of §5).

What is not fixed, and why:

- **Sync ratio (target 1.10).** On loopback a bare httpx post is ~0.4 ms of mostly CPU (httpx,
  httpcore, h11 and the kernel's socket path on this VM), so 1.10 leaves the wrapper ~40 µs per
  call. The generated response parser alone takes more (§1, "parse the 200"), before validation,
  the generated request round trip and signing. In process, with MockTransport, the wrapper costs
  less than over the socket (§1, the last two rows): interleaved with real socket I/O the same code
  runs slower, and the process's CPU time rises by as much, so it is CPU, most likely caches. Not
  reachable without faster generated models or skipping them; and it is a loopback-only figure.
- **Scaling (target 2.5×).** The request needs four Python passes (conversion, validation, the
  generated `from_dict` and `to_dict`); the last two alone are ≈ 1.5× `json.dumps`, and skipping
  them would break the rule that the generated code builds requests. Response parsing is generated
  code only, and it has one large lever, for the generator's owners: every generated `from_dict`
  re-executes function-level relative imports (`from ..models.ticket import Ticket`), 23 of them
  to parse a 2-product offer, at about 0.9 µs each. On a scratch copy of the generated models with
  those imports hoisted out of the functions, parsing took half the time (2 products: 49.7 → 24.6
  µs; 100 products: 2.31 → 1.17 ms). A custom template for openapi-python-client (its
  `--custom-template-path`) could do that in the committed output; the wrapper cannot.
- **Async.** With `backend="aiohttp"` the client is CPU-bound (process CPU time ≈ wall time), so
  the ratio to native httpx tracks the wrapper's CPU cost per request. The fixes above raised it
  from 4.47× (table); it now lands around 5×, where a run falling just above or just below the
  target is run-to-run noise. The hoisted imports above would add margin. From 8 to 128 tasks
  the figures are flat within that noise, for the bare aiohttp transport too; the connection limit
  is not the cause (a limit of 1000 measured the same).
"""
