"""Target 6: what `from xcover_offers import OffersClient` costs beyond `import httpx`, best of fresh
interpreters (the package's own names load on first use, so a bare `import xcover_offers` would
measure next to nothing: a service's first line names the client).

    python benchmarks/bench_import.py [--quick]

Each run starts one fresh interpreter that times `import httpx` alone and one that times
`from xcover_offers import OffersClient` (which imports httpx itself), alternating (A B, then B A);
the cost is the best of one minus the best of the other. Bytecode is compiled first, as `pip install`
of a wheel does; for context, a third kind of run gives `import httpx` then the client an empty
`PYTHONPYCACHEPREFIX`, so that every module is compiled from source. The heaviest modules come from
one `python -X importtime` run, which is not timed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import Any

import _timing

# Times each `module` or `module:name` on the command line, in order, in milliseconds, one per line.
_PROBE = """
import sys, time
for spec in sys.argv[1:]:
    module, _, name = spec.partition(":")
    t0 = time.perf_counter()
    imported = __import__(module)
    if name:
        getattr(imported, name)
    print((time.perf_counter() - t0) * 1000)
"""
OURS = "xcover_offers:OffersClient"


def run(*, quick: bool) -> dict[str, Any]:
    """Best and every run of each import, their difference and its noise, and the heaviest modules."""
    runs = 1 if quick else 5
    # Bytecode must be cached for a realistic figure: PYTHONDONTWRITEBYTECODE (set in some shells
    # and CI images) would make every run compile every module from source.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("XCOVER_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    _probe(["httpx", OURS], env)  # writes .pyc
    times: dict[str, list[float]] = {"httpx": [], "xcover_offers": [], "no_pyc": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(runs):
            for kind in times if r % 2 == 0 else reversed(times):
                if kind == "no_pyc":
                    cold = {**env, "PYTHONPYCACHEPREFIX": f"{tmp}/{r}"}
                    times[kind].append(_probe(["httpx", OURS], cold)[1])
                else:
                    times[kind].append(_probe([OURS if kind == "xcover_offers" else kind], env)[0])
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import httpx; from xcover_offers import OffersClient"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stderr
    best_httpx, best_ours = min(times["httpx"]), min(times["xcover_offers"])
    paired = [x - h for x, h in zip(times["xcover_offers"], times["httpx"], strict=True)]
    return {
        "httpx_ms": best_httpx,
        "xcover_offers_ms": best_ours,
        "over_httpx_ms": best_ours - best_httpx,
        "over_httpx_low_ms": min(paired),
        "over_httpx_high_ms": max(paired),
        "httpx_all_ms": times["httpx"],
        "xcover_offers_all_ms": times["xcover_offers"],
        "no_pyc_over_httpx_ms": min(times["no_pyc"]),
        "runs": runs,
        "heaviest": _heaviest_imports(trace),
    }


def _probe(modules: list[str], env: dict[str, str]) -> list[float]:
    command = [sys.executable, "-c", _PROBE, *modules]
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        raise RuntimeError(f"bench_import: importing {', '.join(modules)} failed: {last}")
    return [float(line) for line in result.stdout.split()]


def _heaviest_imports(trace: str, top: int = 8) -> list[tuple[str, float]]:
    """Modules imported by `import xcover_offers` (after httpx), by their own time, heaviest first."""
    lines = trace.splitlines()
    start = next((i for i, line in enumerate(lines) if line.rstrip().endswith("| httpx")), -1)
    own: list[tuple[str, float]] = []
    for line in lines[start + 1 :]:
        parts = line.split("|")
        if len(parts) != 3:
            continue
        try:
            self_us = float(parts[0].split(":")[1])
        except (IndexError, ValueError):
            continue
        own.append((parts[2].strip(), self_us / 1000))
    return sorted(own, key=lambda item: item[1], reverse=True)[:top]


if __name__ == "__main__":
    _timing.run_alone(run, __doc__)
