"""BENCHMARKS.md from the results of `run.py`, and nothing else: the targets, the numbers, the method.

Every figure and every verdict is computed from the results of one run; what the targets are and how
each is measured are the only fixed text. History (what changed, and what it measured before)
belongs in the CHANGELOG. The document is assembled here; its parts are written by:

    report_targets.py   the targets table, the noise seen, and the check that every target has a row
    report_gaps.py      where the time goes, for each target missed
    report_calls.py     §1 sync, §3 async, §6 the vendor's client (whole calls over the network)
    report_steps.py     §2 parse and build by size, §4 signing, §5 import time (single steps)
    report_context.py   §7 memory, §8 telemetry (context, no target)
"""

from __future__ import annotations

from typing import Any

import report_calls
import report_context
import report_steps
from _markdown import Judge, text
from report_gaps import gaps
from report_targets import targets_markdown

QUICK_INTRO = """\
**Quick smoke run** (`python benchmarks/run.py --quick`): a few iterations of everything, to prove
that it runs. These numbers are noise and nothing is judged; the full run writes BENCHMARKS.md."""

FULL_INTRO = """\
Written by `python -m nox -s bench` (or `python benchmarks/run.py`) from that run alone; do not edit
by hand, rerun it. Every ratio compares two things measured in the same run, in alternation (A B, then
B A, ...), on the same machine at the same time; each figure is a median over rounds, and a ratio is a
ratio of medians. Everything is driven through the client's public API and
one documented hook into its parse, body build and telemetry (`benchmarks/hooks.py`)."""


def render_markdown(results: dict[str, Any]) -> str:
    judge = Judge(results["quick"])
    parts = [
        "# Benchmarks",
        QUICK_INTRO if results["quick"] else FULL_INTRO,
        targets_markdown(results),
        gaps(results),
        _machine(results["machine"], results.get("load_end", "n/a"), results.get("seconds", 0.0)),
        report_calls.sync(results["sync"], results["signing"], judge),
        report_steps.scaling(results["scaling"], judge),
        report_calls.async_(results["async"], judge),
        report_steps.signing(results["signing"], judge),
        report_steps.import_(results["import"], judge),
        report_calls.vendor(results["vendor"]),
        report_context.memory(results["memory"], judge),
        report_context.telemetry(results["telemetry"], results["sync"]),
    ]
    return "\n\n".join(part.strip() for part in parts if part.strip()) + "\n"


_MACHINE_KEYS = {"nproc", "cpu", "os", "python", "load", "xcover-offers"}


def _machine(m: dict[str, str], load_end: str, seconds: float) -> str:
    libs = ", ".join(f"{k} {v}" for k, v in m.items() if k not in _MACHINE_KEYS)
    return text(
        """
        ## The machine

        - CPU: {cpu}; `nproc` = {nproc}
        - OS: {os}
        - Python {python}; xcover-offers {version}
        - {libs}
        - load average (1 / 5 / 15 min): {load} at the start, {load_end} at the end
        - the whole run took {seconds:.0f} s

        The HTTP server (`benchmarks/server.py`, an asyncio protocol that answers every request with
        one canned offer) runs in its own process. On a shared machine absolute numbers move from run
        to run; ratios measured in alternation move much less, and the targets table gives, for each,
        the lowest and highest ratio of a single round.
        """,
        cpu=m["cpu"],
        nproc=m["nproc"],
        os=m["os"],
        python=m["python"],
        version=m["xcover-offers"],
        libs=libs,
        load=m["load"],
        load_end=load_end,
        seconds=seconds,
    )
