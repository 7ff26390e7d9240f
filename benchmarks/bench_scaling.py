"""Targets 2 and 3: response parse and request build, validation included, against the standard
library's `json` on the same data, as the answer and the request grow.

    python benchmarks/bench_scaling.py [--quick]

Parse: `hooks.parse_offer` against `json.loads` of the same bytes, offers of 2 to 1000 products.
Build: `hooks.build_request_body` from plain dicts against `json.dumps(body).encode()` of the same
body, 1 to 1000 events of 10 tickets. Each figure is timed in alternation with its baseline, in
batches sized to a time budget; a ratio is a ratio of medians over rounds.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from functools import partial
from typing import Any

import _payloads
import hooks
from _timing import batch_size, interleave, median, per_call_us, ratio_of_medians, run_alone

PRODUCTS = (2, 10, 100, 1000)
EVENTS = (1, 10, 100, 1000)
TICKETS = 10


def run(*, quick: bool) -> dict[str, Any]:
    """Per size: candidate and baseline µs, their ratio and its noise, µs per item, and the candidate
    with the garbage collector paused (context)."""
    rounds, budget_s = (2, 0.002) if quick else (9, 0.05)
    build: dict[int, dict[str, float]] = {}
    parse: dict[int, dict[str, float]] = {}
    sizes: dict[int, int] = {}
    for n in EVENTS:
        body = _payloads.request_dict(n, TICKETS)
        sizes[n] = len(json.dumps(body))
        candidate = partial(hooks.build_request_body, body["customer"], body["context"]["events"])
        build[n] = _compare(candidate, partial(_dumps, body), n, rounds=rounds, budget_s=budget_s)
    for n in PRODUCTS:
        raw = _payloads.response_bytes(n)
        parse[n] = _compare(
            partial(hooks.parse_offer, raw), partial(json.loads, raw), n, rounds=rounds, budget_s=budget_s
        )
    return {
        "build": build,
        "parse": parse,
        "request_bytes": sizes,
        "tickets": TICKETS,
        "rounds": rounds,
        "build_step": hooks.BUILD_STEP,
        "build_includes_validation": hooks.BUILD_INCLUDES_VALIDATION,
        "parse_step": hooks.PARSE_STEP,
        "parse_includes_validation": hooks.PARSE_INCLUDES_VALIDATION,
    }


def _compare(
    candidate: Callable[[], object],
    baseline: Callable[[], object],
    items: int,
    *,
    rounds: int,
    budget_s: float,
) -> dict[str, float]:
    """Timed in alternation, each in batches sized to the time budget: the candidate, the baseline and,
    for context, the candidate with the cyclic garbage collector paused."""
    variants: dict[str, Callable[[], object]] = {
        "candidate": candidate,
        "baseline": baseline,
        "candidate_no_gc": partial(_without_gc, candidate),
    }
    samples = interleave(
        {name: partial(per_call_us, fn, batch_size(fn, budget_s)) for name, fn in variants.items()}, rounds
    )
    c = median(samples["candidate"])
    return {
        "candidate_us": c,
        "baseline_us": median(samples["baseline"]),
        **ratio_of_medians(samples["candidate"], samples["baseline"]),
        "per_item_us": c / items,
        "no_gc_us": median(samples["candidate_no_gc"]),
    }


def _without_gc(fn: Callable[[], object]) -> object:
    gc.disable()
    try:
        return fn()
    finally:
        gc.enable()


def _dumps(body: Any) -> bytes:
    return json.dumps(body).encode()


if __name__ == "__main__":
    run_alone(run, __doc__)
