"""What telemetry adds to one create_offer call, in µs, by how OpenTelemetry is set up (context, no target).

    python benchmarks/bench_telemetry.py            # every mode, alternating (run.py runs this too)
    python benchmarks/bench_telemetry.py --quick    # rough numbers, in about a second

One "call" is `hooks.traced_call`: the calls the client makes into its telemetry for one call answered
at the first attempt (the call's trace started, one attempt traced from request to response, the call
ended), on a request and a response built before the clock starts. OpenTelemetry's global providers
can be set only once per process, so each mode runs in a child process of its own:

    absent        opentelemetry is not importable (no `otel` extra)
    api           opentelemetry-api installed, no SDK configured (the common case)
    api-in-trace  no SDK, but the caller is inside an incoming trace, which is passed on to XCover
    sdk           opentelemetry-sdk configured: spans recorded and handed to an exporter that drops
                  them, both histograms recorded

Before the clock starts, each child checks that its mode does what it says (a trace context sent or
not, spans and metrics recorded or not). The full run starts several children per mode, the modes
alternating (A B C D, then D C B A, ...); a mode's figure is the median over its children of each
child's median over rounds of the mean time per call in a round. Nothing asserts on timing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

MODES = ("absent", "api", "api-in-trace", "sdk")
MODE_NEEDS = {"api": "opentelemetry", "api-in-trace": "opentelemetry", "sdk": "opentelemetry.sdk"}
"""The module each mode needs, and the distribution that provides it (below)."""
DISTRIBUTION = {"opentelemetry": "opentelemetry-api", "opentelemetry.sdk": "opentelemetry-sdk"}

INCOMING_TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C
SERVER = "https://api.xcover.com/x/partners/LLODT/offers/?include_content=false"
METRICS = frozenset({"http.client.request.duration", "xcover.client.operation.duration"})


@dataclass(frozen=True)
class Plan:
    processes: int
    """Children per mode."""
    rounds: int
    """Timed rounds in each child."""
    calls: int
    """Calls per round (a tenth of this with the SDK, which is some 100 times slower)."""

    @classmethod
    def make(cls, quick: bool) -> Plan:
        return cls(processes=1, rounds=3, calls=1_000) if quick else cls(processes=5, rounds=9, calls=20_000)

    def calls_for(self, mode: str) -> int:
        return max(1, self.calls // 10) if mode == "sdk" else self.calls


# -- one child: one mode ---------------------------------------------------------------------------


def _measure(mode: str, rounds: int, calls: int) -> float:
    """Median µs per call in this process, configured for `mode`, after checking the mode."""
    if mode == "absent":
        sys.modules["opentelemetry"] = None  # type: ignore[assignment]  # makes any import of it fail
    sys.path.insert(0, str(HERE))
    import hooks
    import httpx

    recorded = _configure_sdk() if mode == "sdk" else None
    if mode == "api-in-trace":
        _enter_incoming_trace()
    server = httpx.URL(SERVER)
    request = httpx.Request("POST", server, content=b"{}")
    response = httpx.Response(200, request=request)
    _check(mode, hooks.traced_call, server, recorded)

    traced_call = hooks.traced_call

    def one_round() -> float:
        start = time.perf_counter_ns()
        for _ in range(calls):
            traced_call(server, request, response)
        return (time.perf_counter_ns() - start) / calls / 1000

    one_round()  # warm up: first-use lookups and caches
    return statistics.median(one_round() for _ in range(rounds))


def _check(
    mode: str, traced_call: Any, server: Any, recorded: Callable[[], tuple[int, set[str]]] | None
) -> None:
    """Fail unless one call in this mode sends a trace context and records exactly as the mode says."""
    import httpx

    request = httpx.Request("POST", server, content=b"{}")
    traced_call(server, request, httpx.Response(200, request=request))
    traceparent = request.headers.get("traceparent")
    if mode in ("absent", "api"):
        if traceparent is not None:
            raise SystemExit(f"mode {mode}: a trace context was sent with no trace to pass on")
    elif traceparent is None:
        raise SystemExit(f"mode {mode}: no trace context was sent")
    elif mode == "api-in-trace" and f"{INCOMING_TRACE_ID:032x}" not in traceparent:
        raise SystemExit(f"mode {mode}: the incoming trace was not the one passed on")
    if mode == "absent" and "opentelemetry.trace" in sys.modules:
        raise SystemExit("mode absent: opentelemetry was imported")
    if recorded is not None:
        spans, metrics = recorded()
        if spans != 2:
            raise SystemExit(f"mode sdk: {spans} spans for one call, expected 2 (the call and its attempt)")
        if not METRICS.issubset(metrics):
            raise SystemExit(f"mode sdk: metrics recorded {sorted(metrics)}, expected {sorted(METRICS)}")


def _enter_incoming_trace() -> None:
    from opentelemetry import context, trace

    incoming = trace.SpanContext(
        trace_id=INCOMING_TRACE_ID,
        span_id=0xB7AD6B7169203331,
        is_remote=True,
        trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED),
    )
    context.attach(trace.set_span_in_context(trace.NonRecordingSpan(incoming)))


def _configure_sdk() -> Callable[[], tuple[int, set[str]]]:
    """Global SDK providers, and a function that tells how many spans were exported so far and the
    names of the metrics recorded."""
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

    exported = [0]

    class Drop(SpanExporter):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            exported[0] += len(spans)
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(Drop()))
    trace.set_tracer_provider(provider)
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))

    def recorded() -> tuple[int, set[str]]:
        data = reader.get_metrics_data()
        names = {
            metric.name
            for resource in (data.resource_metrics if data is not None else ())
            for scope in resource.scope_metrics
            for metric in scope.metrics
        }
        return exported[0], names

    return recorded


# -- the parent: children per mode, alternating ----------------------------------------------------


def _missing(mode: str) -> str | None:
    """Why `mode` cannot be measured in this environment, or None."""
    module = MODE_NEEDS.get(mode)
    if module is None:
        return None
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    return None if found else f"{DISTRIBUTION[module]} is not installed"


def _child(mode: str, plan: Plan) -> float:
    # The modes are defined here, not by the caller's OpenTelemetry or client settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "XCOVER_"))}
    command = [
        sys.executable, __file__, "--mode", mode,
        "--rounds", str(plan.rounds), "--calls", str(plan.calls_for(mode)),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        raise RuntimeError(f"bench_telemetry: mode {mode} failed: {last}")
    return float(json.loads(result.stdout)["us"])


def run(*, quick: bool) -> dict[str, Any]:
    """Each mode's µs per call, and how it was measured: what run.py reports."""
    plan = Plan.make(quick)
    missing = {mode: reason for mode in MODES if (reason := _missing(mode)) is not None}
    measured = [mode for mode in MODES if mode not in missing]
    samples: dict[str, list[float]] = {mode: [] for mode in measured}
    for p in range(plan.processes):
        for mode in measured if p % 2 == 0 else reversed(measured):
            samples[mode].append(_child(mode, plan))
    modes: dict[str, dict[str, Any]] = {mode: {"missing": reason} for mode, reason in missing.items()}
    for mode, values in samples.items():
        modes[mode] = {
            "us": statistics.median(values),
            "low_us": min(values),
            "high_us": max(values),
            "calls": plan.calls_for(mode),
        }
    return {
        "modes": {mode: modes[mode] for mode in MODES},
        "processes": plan.processes,
        "rounds": plan.rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="one child per mode, few rounds: rough")
    # One child's work: the mode and the plan, from the parent.
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=Plan.make(False).rounds, help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=Plan.make(False).calls, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode is not None:
        print(json.dumps({"us": _measure(args.mode, args.rounds, args.calls)}))
        return
    results = run(quick=args.quick)
    print("Telemetry per create_offer call (hooks.traced_call), median µs")
    for mode, figures in results["modes"].items():
        shown = f"not measured: {figures['missing']}" if "missing" in figures else f"{figures['us']:.2f}"
        print(f"  {mode:<13} {shown}")


if __name__ == "__main__":
    main()
