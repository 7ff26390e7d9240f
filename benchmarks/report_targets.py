"""The targets (issue 25, item 7), one row each, judged from one run's results; the noise seen; and the
check that a report has a row for every target.

Ratios are ratios of medians over rounds in which the two sides alternate; a row's noise is the lowest
and highest ratio of a single round. What each figure measures is in the `bench_*.py` module named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from _markdown import Judge, count, down, f, row, spread, table, up

SYNC_TARGET = 1.20
PARSE_TARGET = 3.0
BUILD_TARGET = 3.0
AIOHTTP_SPEEDUP_TARGET = 5.0
SIGNING_RATIO_TARGET = 0.6
IMPORT_TARGET_MS = 60.0

TARGET_IDS = ("1", "2", "3", "4", "5", "6", "7")


@dataclass(frozen=True)
class Target:
    id: str
    measure: str
    goal: str
    measured: str = ""
    noise: str = ""
    ok: bool | None = None
    """None: reported, never judged (target 7 is a peer, not a floor)."""
    missing: str | None = None
    """Why it was not measured here, if it was not."""

    def verdict(self, judge: Judge) -> str:
        if self.missing is not None:
            return "not measured"
        return "report only" if self.ok is None else judge(self.ok)


def targets(results: dict[str, Any]) -> list[Target]:
    """One row per target, in the issue's order."""
    scale = results["scaling"]
    return [
        _sync(results["sync"]),
        _scaling(scale, "2", "parse", "`json.loads`", f"{_sizes(scale['parse'])} products", PARSE_TARGET),
        _scaling(scale, "3", "build", "`json.dumps`", f"{_sizes(scale['build'])} events", BUILD_TARGET),
        _async(results["async"]),
        _signing(results["signing"]),
        _import(results["import"]),
        _vendor(results["vendor"]),
    ]


def _sync(s: dict[str, Any]) -> Target:
    return Target(
        "1",
        "sync `create_offer` / bare httpx post+json (JSON in and out, same server)",
        f"≤ {SYNC_TARGET:.2f}",
        f"{up(s['ratio'])} ({f(s['create_offer_us'])} vs {f(s['bare_us'])} µs)",
        f"{spread(s['ratio_low'], s['ratio_high'])} ({count(s['rounds'], 'round')})",
        s["ratio"] <= SYNC_TARGET,
    )


def _sizes(rows: dict[Any, Any]) -> str:
    sizes = sorted(int(n) for n in rows)
    return f"{sizes[0]} to {sizes[-1]}"


def worst(rows: dict[Any, dict[str, float]]) -> tuple[int, dict[str, float]]:
    """The size with the highest ratio, and its figures."""
    n = max(rows, key=lambda k: rows[k]["ratio"])
    return int(n), rows[n]


def _scaling(s: dict[str, Any], ident: str, key: str, baseline: str, sizes: str, target: float) -> Target:
    validated = "with validation" if s[f"{key}_includes_validation"] else "(validation not included)"
    n, r = worst(s[key])
    return Target(
        ident,
        f"{key} {validated} / {baseline}, {sizes}",
        f"≤ {target:g}× (worst)",
        f"worst {up(r['ratio'])}× (at {n})",
        f"{spread(r['ratio_low'], r['ratio_high'])} at {n} ({count(s['rounds'], 'round')})",
        max(x["ratio"] for x in s[key].values()) <= target,
    )


def _async(a: dict[str, Any]) -> Target:
    c = a.get("target_concurrency", 32)
    what = f'async `backend="aiohttp"` / native httpx at concurrency {c}'
    goal = f"≥ {AIOHTTP_SPEEDUP_TARGET:g}×"
    if not a["aiohttp"]:
        return Target("4", what, goal, missing="httpx-aiohttp is not installed")
    r = a["aiohttp_vs_httpx"]
    ours, native = row(a["rps"]["wrapper-aiohttp"], c), row(a["rps"]["wrapper-httpx"], c)
    return Target(
        "4",
        what,
        goal,
        f"{down(r['ratio'])}× ({f(ours, 0)} vs {f(native, 0)} req/s)",
        f"{spread(r['ratio_low'], r['ratio_high'])} ({count(a['rounds'], 'round')})",
        r["ratio"] >= AIOHTTP_SPEEDUP_TARGET,
    )


def _signing(s: dict[str, Any]) -> Target:
    return Target(
        "5",
        "signing (`XCoverAuth`) / a naive HMAC signer",
        f"≤ {SIGNING_RATIO_TARGET}",
        f"{up(s['ratio'])} ({s['xcover_auth_us']:.2f} vs {s['naive_us']:.2f} µs)",
        f"{spread(s['ratio_low'], s['ratio_high'])} ({count(s['rounds'], 'round')})",
        s["ratio"] <= SIGNING_RATIO_TARGET,
    )


def _import(i: dict[str, Any]) -> Target:
    runs = count(i["runs"], "fresh process", "fresh processes")
    return Target(
        "6",
        f"`from xcover_offers import OffersClient` over `import httpx`, best of {runs}",
        f"≤ +{IMPORT_TARGET_MS:.0f} ms",
        f"{i['over_httpx_ms']:+.1f} ms ({f(i['xcover_offers_ms'])} vs {f(i['httpx_ms'])} ms)",
        f"{i['over_httpx_low_ms']:+.1f} to {i['over_httpx_high_ms']:+.1f} ms, pair by pair",
        i["over_httpx_ms"] <= IMPORT_TARGET_MS,
    )


def _vendor(v: dict[str, Any]) -> Target:
    name = f"`xcover-python` {v['version']}" if "version" in v else "`xcover-python`"
    what = f"the vendor client ({name}) / ours, per call, HTTP and HTTPS"
    goal = "report only: a peer, not a floor"
    if "missing" in v:
        return Target("7", what, goal, missing=v["missing"])
    measured, noise = [], []
    for key, label in (("http", "HTTP"), ("https", "HTTPS")):
        part = v[key]
        if "missing" in part:
            measured.append(f"{label} not measured ({part['missing']})")
            continue
        measured.append(f"{label} {f(part['ratio'], 2)}× ({f(part['vendor_us'])} vs {f(part['ours_us'])} µs)")
        noise.append(f"{label} {spread(part['ratio_low'], part['ratio_high'])}")
    return Target("7", what, goal, "; ".join(measured), "; ".join(noise))


def targets_markdown(results: dict[str, Any]) -> str:
    judge = Judge(results["quick"])
    rows = [(t.id, t.measure, t.goal, t.measured, t.noise, t.verdict(judge)) for t in targets(results)]
    header = ("#", "measure", "target", "measured", "noise: lowest–highest round", "verdict")
    m = results["machine"]
    runs = results["import"]["runs"]
    return "\n\n".join(
        [
            "## Targets",
            table(header, rows, "llllll"),
            f"Measured in one run on {m['cpu']} (`nproc` = {m['nproc']}), Python {m['python']}; "
            f'more under "The machine". Load average (1 / 5 / 15 min): {m["load"]} at the start, '
            f"{results.get('load_end', 'n/a')} at the end. Each ratio is a ratio of medians over rounds "
            f"in which the two sides alternate (A B, then B A); the noise column is the lowest and highest "
            f"ratio of a single round, how far one round alone could have misled. Import times are the "
            f"best of {count(runs, 'fresh interpreter')} each, the two kinds alternating; their noise is the "
            f"difference of each pair.",
        ]
    )


def missing_targets(markdown: str) -> list[str]:
    """Target ids with no row in the report's targets table."""
    section = markdown.split("## Targets", 1)[-1].split("\n## ", 1)[0]
    present = set(re.findall(r"^\| (\d+) \|", section, re.M))
    return [i for i in TARGET_IDS if i not in present]


def smoke_line(results: dict[str, Any], *, benchmarks: int) -> str:
    """The quick run's whole output: it ran, the report covers every target, and what was skipped."""
    skipped = [f"target {t.id} ({t.missing})" for t in targets(results) if t.missing is not None]
    tail = f"; not measured here: {', '.join(skipped)}" if skipped else ""
    return (
        f"benchmark smoke: {benchmarks} benchmarks ran in {results['seconds']:.0f} s and the report covers "
        f"all {len(TARGET_IDS)} targets (quick timings are not measurements){tail}"
    )
