"""Run every benchmark and write BENCHMARKS.md at the repository root.

    python benchmarks/run.py            # the full run (a few minutes): writes BENCHMARKS.md
    python benchmarks/run.py --quick    # smoke: every benchmark once, briefly; one summary line

The targets (report_targets.py), each measured by one module, through the client's public API:

1. sync `create_offer` / a bare httpx post+json, same server (bench_sync);
2. and 3. response parse and request build, validation included / `json` (bench_scaling);
4. async `backend="aiohttp"` / native httpx at concurrency 32 (bench_async);
5. signing / a naive HMAC signer (bench_signing);
6. `import xcover_offers` over `import httpx`, best of fresh processes (bench_import);
7. the vendor's `xcover-python` per call, HTTP and HTTPS, reported, not judged (bench_vendor).

For context, with no target: memory over sequential calls (bench_memory) and what telemetry adds to
a call (bench_telemetry). Each module also runs alone: `python benchmarks/bench_sync.py --quick`.

Everything goes through the client's public API, by way of `hooks.py` (the one place to change when
the client makes a step public). Candidates and baselines are measured in alternation within one run
(A B, then B A, ...) so that both see the same machine; medians are reported, and ratios are ratios
of those medians, with the lowest and highest ratio of one round as the noise. The HTTP server is
`server.py`, in its own process. Nothing here fails on a slow number: the quick mode proves that
everything runs and that the report covers every target.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Protocol

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import _machine  # noqa: E402
import bench_async  # noqa: E402
import bench_import  # noqa: E402
import bench_memory  # noqa: E402
import bench_scaling  # noqa: E402
import bench_signing  # noqa: E402
import bench_sync  # noqa: E402
import bench_telemetry  # noqa: E402
import bench_vendor  # noqa: E402
import report  # noqa: E402
import report_targets  # noqa: E402


class Benchmark(Protocol):
    def __call__(self, *, quick: bool) -> dict[str, Any]: ...


BENCHMARKS: tuple[tuple[str, Benchmark], ...] = (
    ("sync", bench_sync.run),
    ("scaling", bench_scaling.run),
    ("async", bench_async.run),
    ("signing", bench_signing.run),
    ("import", bench_import.run),
    ("vendor", bench_vendor.run),
    ("memory", bench_memory.run),
    ("telemetry", bench_telemetry.run),
)


def run_all(*, quick: bool) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": _machine.describe(), "quick": quick}
    started = time.perf_counter()
    for name, bench in BENCHMARKS:
        t0 = time.perf_counter()
        if not quick:
            print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        results[name] = bench(quick=quick)
        if not quick:
            print(f"[bench] {name} done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    results["seconds"] = time.perf_counter() - started
    results["load_end"] = _machine.load_average()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke mode: everything once, briefly; one line, no file"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write the report (default: BENCHMARKS.md, full runs only)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the raw results as JSON")
    args = parser.parse_args()
    results = run_all(quick=args.quick)
    text = report.render_markdown(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    output = args.output if args.output is not None else (None if args.quick else ROOT / "BENCHMARKS.md")
    if output is not None:
        output.write_text(text, encoding="utf-8")
    missing = report_targets.missing_targets(text)
    if missing:
        print(f"error: the report has no row for target(s) {', '.join(missing)}", file=sys.stderr)
        return 1
    if args.quick:
        print(report_targets.smoke_line(results, benchmarks=len(BENCHMARKS)))
    else:
        print(report_targets.targets_markdown(results))
        print(f"[bench] wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
