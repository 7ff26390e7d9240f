"""The pieces the report is written with: numbers, tables, text blocks and verdicts."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any


def f(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def down(value: float) -> str:
    """Two decimals, rounded down: a ratio shown against a "≥" target never looks met when it is not."""
    return f"{math.floor(value * 100) / 100:.2f}"


def up(value: float) -> str:
    """Two decimals, rounded up, for figures against a "≤" target."""
    return f"{math.ceil(value * 100) / 100:.2f}"


def spread(low: float, high: float) -> str:
    """A low–high range of ratios, outward: rounded down at the bottom and up at the top."""
    return f"{down(low)}–{up(high)}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A Markdown table; `align` has one letter per column, l or r."""
    rule = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
    lines = ["| " + " | ".join(header) + " |", rule]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def text(template: str, **values: Any) -> str:
    return textwrap.dedent(template).strip().format(**values)


def row(rows: dict[Any, Any], n: int) -> Any:
    """Rows keyed by a size or a concurrency: int keys in a run, str keys after a JSON round trip."""
    return rows[n] if n in rows else rows[str(n)]


class Judge:
    """Verdicts; a quick run's numbers are noise, so it judges nothing."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick

    def __call__(self, ok: bool | None) -> str:
        if ok is None:
            return "not measured"
        if self.quick:
            return "not judged"
        return "met" if ok else "**not met**"


def count(n: int, noun: str, plural: str = "") -> str:
    """ "1 round", "7 rounds": a quick run's counts read as well as a full run's."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
