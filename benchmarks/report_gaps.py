""" "Where the time goes": for each target a full run misses, how far it is and what the time is spent
on, from that run's numbers (the issue asks for a target missed to be reported with its profile)."""

from __future__ import annotations

import math
from typing import Any

from _markdown import f, row
from report_targets import (
    AIOHTTP_SPEEDUP_TARGET,
    BUILD_TARGET,
    IMPORT_TARGET_MS,
    PARSE_TARGET,
    SIGNING_RATIO_TARGET,
    SYNC_TARGET,
    targets,
)


def gaps(results: dict[str, Any]) -> str:
    if results["quick"]:
        return ""
    missed = {t.id for t in targets(results) if t.ok is False}
    notes: list[str] = []
    if "1" in missed:
        notes.append(_sync(results["sync"], results["signing"]))
    for ident, key, target in (("2", "parse", PARSE_TARGET), ("3", "build", BUILD_TARGET)):
        if ident in missed:
            notes.append(_scaling(ident, key, results["scaling"][key], target))
    if "4" in missed and results["async"]["aiohttp"]:
        notes.append(_async(results["async"]))
    if "5" in missed:
        s = results["signing"]
        notes.append(
            f"- **5.** `XCoverAuth` signs in {s['xcover_auth_us']:.2f} µs and the naive signer in "
            f"{s['naive_us']:.2f} µs; {SIGNING_RATIO_TARGET} needs "
            f"{SIGNING_RATIO_TARGET * s['naive_us']:.2f} µs (§4)."
        )
    if "6" in missed:
        i = results["import"]
        heaviest = ", ".join(f"`{name}` {ms:.2f} ms" for name, ms in i["heaviest"][:5])
        notes.append(
            f"- **6.** `from xcover_offers import OffersClient` costs {i['over_httpx_ms']:.1f} ms more "
            "than `import httpx`; "
            f"the target leaves {IMPORT_TARGET_MS:.0f} ms, so {i['over_httpx_ms'] - IMPORT_TARGET_MS:.1f} ms "
            f"must go. The heaviest modules it loads beyond httpx, by their own time: {heaviest} (§5)."
        )
    if not notes:
        return ""
    return "## Where the time goes, for the targets missed\n\n" + "\n".join(notes)


def _sync(sync: dict[str, Any], signing: dict[str, Any]) -> str:
    b = sync["breakdown"]
    own = b["whole"] - b["bare"]
    allowed = (SYNC_TARGET - 1) * sync["bare_us"]
    steps = {
        "response parse": b["parse"],
        "request build + serialise": b["build"],
        "constructors": b["constructors"],
        "signing": signing.get("xcover_auth_us", float("nan")),
    }
    listed = ", ".join(f"{k} {f(v)} µs" for k, v in sorted(steps.items(), key=lambda kv: -kv[1]))
    rest = own - (sum(v for v in steps.values() if not math.isnan(v)) - b["json"])
    return (
        f"- **1.** Over loopback the client adds {f(sync['overhead_us'])} µs a call to a bare post+json "
        f"of {f(sync['bare_us'])} µs; the target leaves {f(allowed)} µs, so "
        f"{f(sync['overhead_us'] - allowed)} µs must go. In process (MockTransport) it adds {f(own)} µs: "
        f"its steps take {listed}, where the bare call's own JSON in and out takes {f(b['json'])} µs; the "
        f"other {f(rest)} µs is the client's handling of the call between those steps (not separable "
        f"through the public API). The bare call pays httpx's cookie extraction, {f(b['cookies'])} µs a "
        "response that sets no cookie; the client's pools keep no cookies, so their jar skips its part "
        "of that, but httpx still wraps every exchange for it (§1)."
    )


def _scaling(ident: str, key: str, rows: dict[Any, dict[str, float]], target: float) -> str:
    problems = [
        f"at {n}, {f(r['candidate_us'])} µs against {f(target * r['baseline_us'])} µs allowed"
        for n, r in rows.items()
        if r["ratio"] > target
    ]
    largest = row(rows, 1000)
    return (
        f"- **{ident}.** {key.capitalize()}: {'; '.join(problems)}. With the cyclic garbage collector "
        f"paused it takes {f(largest['no_gc_us'])} µs at 1000, "
        f"{f(largest['no_gc_us'] / largest['baseline_us'], 2)}× `json`: the collector is "
        f"{1 - largest['no_gc_us'] / largest['candidate_us']:.0%} of the time there (§2)."
    )


def _async(a: dict[str, Any]) -> str:
    c = a["target_concurrency"]
    native = row(a["rps"]["wrapper-httpx"], c)
    ours = row(a["rps"]["wrapper-aiohttp"], c)
    bare = row(a["rps"]["bare-aiohttp"], c)
    needed = AIOHTTP_SPEEDUP_TARGET * native
    return (
        f"- **4.** With aiohttp at {c} tasks the client does {f(ours, 0)} req/s, {f(1e6 / ours, 0)} µs of "
        f"one core per request; {AIOHTTP_SPEEDUP_TARGET:g}× native httpx ({f(native, 0)} req/s) needs "
        f"{f(needed, 0)}, {f(1e6 / needed, 0)} µs per request. The bare aiohttp transport alone does "
        f"{f(bare, 0)} req/s ({f(1e6 / bare, 0)} µs) (§3)."
    )
