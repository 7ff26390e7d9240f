"""Memory over sequential `create_offer` calls, beside as many bare httpx post+json calls (context:
no target).

    python benchmarks/bench_memory.py [--quick]

After warm-up calls, the calls run in windows traced with `tracemalloc` (KiB relative to the start):
what is allocated at the end of each window, the peak during it, and the process's RSS; then what a
full collection leaves. The two sides are those of target 1 (`_offer.py`), against the same server.
"""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections.abc import Callable
from typing import Any

import _offer
import _timing
import hooks
import httpx
import server


def run(*, quick: bool) -> dict[str, Any]:
    """The client's series (checkpoints and summary), with the bare series under "bare"."""
    calls, warmup = (200, 50) if quick else (10_000, 1_000)
    window = max(1, calls // 10)
    with server.running() as url, hooks.client(url + "/x") as client, httpx.Client() as bare:
        ours, baseline = _offer.client_call(client), _offer.bare_call(bare, _offer.capture(url + "/x"))
        for _ in range(warmup):
            ours()
            baseline()
        wrapper = _series(ours, calls, window)
        bare_series = _series(baseline, calls, window)
    return {"calls": calls, "warmup": warmup, "window": window, **wrapper, "bare": bare_series}


def _rss_mib() -> float:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return float("nan")


def _series(call: Callable[[], object], calls: int, window: int) -> dict[str, Any]:
    """Traced memory per window of calls, relative to the start; then what a full collection leaves."""
    checkpoints: list[dict[str, float]] = []
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for done in range(window, calls + 1, window):
            tracemalloc.reset_peak()
            for _ in range(window):
                call()
            current, peak = tracemalloc.get_traced_memory()
            checkpoints.append(
                {
                    "calls": done,
                    "current_kib": (current - base) / 1024,
                    "peak_kib": (peak - base) / 1024,
                    "rss_mib": _rss_mib(),
                }
            )
        gc.collect()
        retained = (tracemalloc.get_traced_memory()[0] - base) / 1024
    finally:
        tracemalloc.stop()
    half = len(checkpoints) // 2
    first_half = max(c["peak_kib"] for c in checkpoints[: max(1, half)])
    second_half = max(c["peak_kib"] for c in checkpoints[half:])
    return {
        "checkpoints": checkpoints,
        "retained_kib_after_gc": retained,
        "first_half_peak_kib": first_half,
        "second_half_peak_kib": second_half,
        "peak_growth_kib": second_half - first_half,
        "rss_growth_mib": checkpoints[-1]["rss_mib"] - checkpoints[0]["rss_mib"],
    }


if __name__ == "__main__":
    _timing.run_alone(run, __doc__)
