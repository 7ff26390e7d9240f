"""What telemetry adds to one create_offer call, in µs: the whole sequence the client runs.

    python benchmarks/bench_telemetry.py            # every mode, a few seconds
    python benchmarks/bench_telemetry.py --quick    # rough numbers, well under a second per mode

One "call" is `start_call`, one `attempt` with its `end(response=...)`, and the call's `end`, exactly
as the client runs them, on a request and response built before the clock starts. Each mode runs in
its own child process, because OpenTelemetry's global providers can be set only once per process:

    absent        opentelemetry is not importable (no `otel` extra)
    api           opentelemetry-api installed, no SDK configured (the target: under 2 µs)
    api-in-trace  no SDK, but the caller is inside an incoming trace (its context is passed on)
    sdk           opentelemetry-sdk configured, spans dropped by a no-op exporter, metrics collected

The figure is the median over rounds of the mean time per call in a round. Nothing asserts on timing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

MODES = ("absent", "api", "api-in-trace", "sdk")
TARGET_US = 2.0


def _measure(mode: str, rounds: int, per_round: int) -> float:
    """Median µs per call in this process, configured for `mode`."""
    if mode == "absent":
        sys.modules["opentelemetry"] = None  # type: ignore[assignment]  # makes the import fail
    import httpx
    from xcover_offers import _telemetry

    if mode == "absent":
        assert _telemetry.start_call(
            partner_code="P", idempotency_key="k", server=httpx.URL("https://x/")
        ) is (_telemetry.NOOP_CALL)
    if mode == "sdk":
        _configure_sdk()
    if mode == "api-in-trace":
        from opentelemetry import context, trace

        incoming = trace.SpanContext(
            trace_id=0x0AF7651916CD43DD8448EB211C80319C,
            span_id=0xB7AD6B7169203331,
            is_remote=True,
            trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED),
        )
        context.attach(trace.set_span_in_context(trace.NonRecordingSpan(incoming)))

    server = httpx.URL("https://api.xcover.com/x/partners/LLODT/offers/?include_content=false")
    request = httpx.Request("POST", server, content=b"{}")
    response = httpx.Response(200, request=request)
    start_call = _telemetry.start_call

    def one_round() -> float:
        start = time.perf_counter_ns()
        for _ in range(per_round):
            call = start_call(partner_code="LLODT", idempotency_key="key-1", server=server)
            call.attempt(request, 1).end(response=response)
            call.end(attempts=1, offer_id="OFR-1", request_id="req-1", products=2)
        return (time.perf_counter_ns() - start) / per_round / 1000

    one_round()  # warm up: first-use lookups and caches
    return statistics.median(one_round() for _ in range(rounds))


def _configure_sdk() -> None:
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

    class Discard(SpanExporter):
        def export(self, spans: object) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(Discard()))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a rough number, quickly")
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)  # one child process's work
    args = parser.parse_args()
    rounds, per_round = (5, 2_000) if args.quick else (15, 20_000)
    if args.mode is not None:
        print(f"{_measure(args.mode, rounds, per_round if args.mode != 'sdk' else per_round // 10):.3f}")
        return
    print("Telemetry overhead per create_offer call (start_call, one attempt, end), median µs")
    print()
    print("| mode | µs per call |")
    print("|---|---:|")
    for mode in MODES:
        child = [sys.executable, __file__, "--mode", mode, *(["--quick"] if args.quick else [])]
        result = subprocess.run(child, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"| {mode} | not measured: {last} |")
            continue
        print(f"| {mode} | {float(result.stdout):.2f} |")
    print()
    print(f"Target: under {TARGET_US:g} µs in mode `api` (opentelemetry-api installed, no SDK).")


if __name__ == "__main__":
    main()
