"""The benchmarks' timing helpers: batches, medians and A/B alternation, written once."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median(values: list[float]) -> float:
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
