"""The benchmarks' timing helpers: batches, medians, A/B alternation and round-by-round ratios."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def interleave(variants: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Call each variant once per round, reversing the order every other round (A B, B A, ...)."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            samples[name].append(variants[name]())
    return samples


def per_call_us(fn: Callable[[], object], count: int) -> float:
    """Mean microseconds per call over one batch."""
    start = time.perf_counter_ns()
    for _ in range(count):
        fn()
    return (time.perf_counter_ns() - start) / count / 1000


def batch_size(fn: Callable[[], object], budget_s: float) -> int:
    """How many calls of `fn` fit in about `budget_s` seconds (at least one)."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(budget_s / once))


def ratio_of_medians(candidate: Sequence[float], baseline: Sequence[float]) -> dict[str, float]:
    """The ratio of two series measured in the same rounds, and the noise around it.

    ``ratio`` is median(candidate) / median(baseline); ``ratio_low`` and ``ratio_high`` are the lowest
    and highest ratio of a single round, that is how far one round alone could have misled.
    """
    per_round = [c / b for c, b in zip(candidate, baseline, strict=True)]
    return {
        "ratio": median(candidate) / median(baseline),
        "ratio_low": min(per_round, default=float("nan")),
        "ratio_high": max(per_round, default=float("nan")),
    }


def run_alone(run: Callable[..., object], doc: str | None) -> None:
    """A benchmark module run as a script: `--quick` for a short, rough run; its results as JSON."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a short, rough run")
    print(json.dumps(run(quick=parser.parse_args().quick), indent=2))
