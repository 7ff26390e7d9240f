"""Run every benchmark and write BENCHMARKS.md at the repository root.

    python benchmarks/run.py            # the full run (a few minutes): writes BENCHMARKS.md
    python benchmarks/run.py --quick    # smoke: every benchmark once, briefly; one summary line

What is measured, and against what (the targets table is in report.py):

1. sync: `OffersClient.create_offer` end to end (constructors, validation, signing, send, parse)
   against a bare `httpx.Client.post` of the same bytes with static headers, same server, and where
   the time goes in process;
2. the vendor's `xcover-python` per call against ours, over plain HTTP and over HTTPS (bench_vendor);
3. signing alone: `bench_signing.run` (XCoverAuth beside a naive implementation);
4. async: `AsyncOffersClient` requests/s at concurrency 1, 8, 32, 128, httpx's own pool against
   `backend="aiohttp"`, with the bare transports beside them for context;
5. scaling: request build + serialise and response parsing for 1 to 1000 events or products,
   against plain `json.dumps` / `json.loads` of the same data;
6. import time of `xcover_offers` beyond `import httpx`, in fresh interpreters;
7. memory over 10,000 sequential create_offer calls;
8. telemetry: what the client's OpenTelemetry support adds to a call, without opentelemetry, with
   the API and no SDK, inside an incoming trace, and with an SDK (bench_telemetry, a child process
   per mode).

Everything goes through the client's public API, by way of `hooks.py` (the one place to change when
the client makes a step public). Candidates and baselines are measured in alternation within one run
(A B, then B A, ...) so that both see the same machine; medians are reported, and ratios are ratios
of those medians. The HTTP server is `server.py`, in its own process. Nothing here fails on a slow
number: the quick mode proves that everything runs and that the report covers every target.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import _payloads  # noqa: E402
import hooks  # noqa: E402
import httpx  # noqa: E402
import report  # noqa: E402
import server  # noqa: E402
import xcover_offers  # noqa: E402
from _timing import batch_size, interleave, median, per_call_us  # noqa: E402

START = dt.datetime(2027, 6, 1, 19, 30, tzinfo=dt.UTC)
CONCURRENCY = (1, 8, 32, 128)
SCALES = (1, 10, 100, 1000)


@dataclass(frozen=True)
class Settings:
    quick: bool
    sync_rounds: int
    sync_batch: int
    async_rounds: int
    async_seconds: float
    import_runs: int
    memory_calls: int
    memory_warmup: int
    scale_rounds: int
    scale_budget_s: float

    @classmethod
    def make(cls, quick: bool) -> Settings:
        if quick:
            return cls(
                quick=True,
                sync_rounds=3,
                sync_batch=10,
                async_rounds=1,
                async_seconds=0.05,
                import_runs=2,
                memory_calls=200,
                memory_warmup=50,
                scale_rounds=2,
                scale_budget_s=0.002,
            )
        return cls(
            quick=False,
            sync_rounds=31,
            sync_batch=100,
            async_rounds=7,
            async_seconds=1.0,
            import_runs=15,
            memory_calls=10_000,
            memory_warmup=1_000,
            scale_rounds=9,
            scale_budget_s=0.05,
        )


# -- helpers ---------------------------------------------------------------------------------------


def offer_inputs() -> tuple[Any, list[Any]]:
    """One checkout, built with the public constructors: a customer and one event of two tickets."""
    customer = xcover_offers.customer(
        currency="USD", country="US", language="en-us", region="NY", email="ada@example.com"
    )
    event = xcover_offers.event(
        id="EV-00001",
        name="Benchmark Concert",
        start_date=START,
        country="US",
        city="New York",
        venue="Benchmark Hall",
        category="Music",
        tickets=[
            xcover_offers.ticket(id="TK-1", price=Decimal("45.50"), type_="GA"),
            xcover_offers.ticket(id="TK-2", price=Decimal("57.75"), type_="GA"),
        ],
    )
    return customer, [event]


def capture(base_url: str) -> hooks.Wire:
    """The request `create_offer` sends for `offer_inputs()` to `base_url`: the baselines send it as is."""
    return hooks.capture_request(base_url, *offer_inputs(), answer=_payloads.response_bytes(2))


# -- 1. sync ---------------------------------------------------------------------------------------


def bench_sync(cfg: Settings) -> dict[str, Any]:
    with server.running() as url, hooks.client(url + "/x") as client, httpx.Client() as bare:
        wire = capture(url + "/x")

        def wrapper_once() -> None:
            customer, events = offer_inputs()
            client.create_offer(customer=customer, events=events)

        def bare_once() -> None:
            bare.post(wire.url, content=wire.content, headers=wire.headers).raise_for_status()

        for _ in range(max(20, cfg.sync_batch)):  # connections open, caches warm
            wrapper_once()
            bare_once()
        samples = interleave(
            {
                "create_offer": lambda: per_call_us(wrapper_once, cfg.sync_batch),
                "httpx_post": lambda: per_call_us(bare_once, cfg.sync_batch),
            },
            cfg.sync_rounds,
        )
    wrapper, bare_us = median(samples["create_offer"]), median(samples["httpx_post"])
    return {
        "create_offer_us": wrapper,
        "httpx_post_us": bare_us,
        "ratio": wrapper / bare_us,
        "overhead_us": wrapper - bare_us,
        "rounds": cfg.sync_rounds,
        "batch": cfg.sync_batch,
        "request_bytes": len(wire.content),
        "breakdown": sync_breakdown(cfg),
    }


def sync_breakdown(cfg: Settings) -> dict[str, float]:
    """Where the time goes, each step measured alone in process (no network): the public steps, and
    create_offer against a bare post, both through a MockTransport answering the same 2-product offer."""
    response_body = _payloads.response_bytes(2)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=response_body, headers={"Content-Type": "application/json"})

    base_url = "http://127.0.0.1:9/x"
    client = hooks.client(base_url, transport=httpx.MockTransport(answer))
    bare = httpx.Client(transport=httpx.MockTransport(answer))
    wire = capture(base_url)
    customer, events = offer_inputs()
    body = _payloads.request_dict(1, 2)
    answered = bare.post(wire.url, content=wire.content, headers=wire.headers)
    stages: dict[str, Callable[[], object]] = {
        report.CONSTRUCTORS: offer_inputs,
        report.BUILD: partial(hooks.build_request_body, body["customer"], body["context"]["events"]),
        report.PARSE: partial(hooks.parse_offer, response_body),
        report.COOKIES: partial(httpx.Cookies().extract_cookies, answered),
        report.WHOLE: lambda: client.create_offer(customer=customer, events=events),
        report.BARE: lambda: bare.post(wire.url, content=wire.content, headers=wire.headers),
    }
    count = 20 if cfg.quick else 2000
    rounds = 1 if cfg.quick else 7
    samples = interleave({name: partial(per_call_us, fn, count) for name, fn in stages.items()}, rounds)
    client.close()
    bare.close()
    return {name: median(values) for name, values in samples.items()}


# -- 2. the vendor's client ------------------------------------------------------------------------


def bench_vendor(cfg: Settings) -> dict[str, Any]:
    import bench_vendor

    result: dict[str, Any] = bench_vendor.run(quick=cfg.quick)
    return result


# -- 3. signing ------------------------------------------------------------------------------------


def bench_signing(cfg: Settings) -> dict[str, Any]:
    try:
        import bench_signing
    except ImportError as exc:
        return {"missing": f"benchmarks/bench_signing.py could not be imported ({exc})"}
    result: dict[str, Any] = bench_signing.run(quick=cfg.quick)
    return result


# -- 4. async --------------------------------------------------------------------------------------


def _aiohttp_available() -> bool:
    try:
        import httpx_aiohttp  # noqa: F401
    except ImportError:
        return False
    return True


async def _throughput(
    send: Callable[[], Awaitable[object]], concurrency: int, seconds: float, warmup: int
) -> float:
    """Requests/s of `concurrency` tasks calling `send` in a loop for about `seconds`."""

    async def burst(count: int) -> None:
        remaining = count

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await send()

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    await burst(warmup)  # opens the connections
    done = 0
    start = time.perf_counter()
    deadline = start + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await send()
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - start)


def _async_variant(url: str, kind: str, concurrency: int, seconds: float) -> float:
    """Requests per second for one variant at one concurrency, in a fresh event loop and client."""

    async def main() -> float:
        warmup = 2 * concurrency
        if kind in ("wrapper-httpx", "wrapper-aiohttp"):
            backend = "aiohttp" if kind == "wrapper-aiohttp" else "httpx"
            async with hooks.async_client(url + "/x", backend=backend) as client:

                async def send() -> object:
                    customer, events = offer_inputs()
                    return await client.create_offer(customer=customer, events=events)

                return await _throughput(send, concurrency, seconds, warmup)
        transport: httpx.AsyncBaseTransport | None = None
        if kind == "bare-aiohttp":
            from httpx_aiohttp import AiohttpTransport

            transport = AiohttpTransport()
        wire = capture(url + "/x")
        async with httpx.AsyncClient(transport=transport) as bare:

            async def post() -> object:
                response = await bare.post(wire.url, content=wire.content, headers=wire.headers)
                return response.raise_for_status()

            return await _throughput(post, concurrency, seconds, warmup)

    return asyncio.run(main())


def bench_async(cfg: Settings) -> dict[str, Any]:
    kinds = ["wrapper-httpx", "bare-httpx"]
    if _aiohttp_available():
        kinds += ["wrapper-aiohttp", "bare-aiohttp"]
    rps: dict[str, dict[int, list[float]]] = {kind: {c: [] for c in CONCURRENCY} for kind in kinds}
    with server.running() as url:
        for r in range(cfg.async_rounds):
            for concurrency in CONCURRENCY:
                for kind in kinds if r % 2 == 0 else reversed(kinds):
                    rps[kind][concurrency].append(_async_variant(url, kind, concurrency, cfg.async_seconds))
    out: dict[str, Any] = {
        "rps": {kind: {c: median(v) for c, v in by_c.items()} for kind, by_c in rps.items()},
        "rounds": cfg.async_rounds,
        "seconds": cfg.async_seconds,
        "aiohttp": _aiohttp_available(),
    }
    if out["aiohttp"]:
        med = out["rps"]
        out["aiohttp_vs_httpx_at_32"] = med["wrapper-aiohttp"][32] / med["wrapper-httpx"][32]
        out["aiohttp_128_vs_8"] = med["wrapper-aiohttp"][128] / med["wrapper-aiohttp"][8]
    return out


# -- 5. scaling ------------------------------------------------------------------------------------


def _compare(
    candidate: Callable[[], object], baseline: Callable[[], object], cfg: Settings
) -> dict[str, float]:
    """Timed in alternation, each in batches sized to the time budget: the candidate, the baseline and,
    for context, the candidate with the cyclic garbage collector paused; medians, and their ratio."""
    variants: dict[str, Callable[[], object]] = {
        "candidate": candidate,
        "baseline": baseline,
        "candidate_no_gc": partial(_without_gc, candidate),
    }
    samples = interleave(
        {name: partial(per_call_us, fn, batch_size(fn, cfg.scale_budget_s)) for name, fn in variants.items()},
        cfg.scale_rounds,
    )
    c, b = median(samples["candidate"]), median(samples["baseline"])
    return {
        "candidate_us": c,
        "baseline_us": b,
        "ratio": c / b,
        "no_gc_us": median(samples["candidate_no_gc"]),
    }


def _without_gc(fn: Callable[[], object]) -> object:
    gc.disable()
    try:
        return fn()
    finally:
        gc.enable()


def bench_scaling(cfg: Settings) -> dict[str, Any]:
    build: dict[int, dict[str, float]] = {}
    parse: dict[int, dict[str, float]] = {}
    sizes: dict[int, int] = {}
    for n in SCALES:
        body = _payloads.request_dict(n, 10)
        raw = _payloads.response_bytes(n)
        sizes[n] = len(json.dumps(body))
        build[n] = _compare(
            partial(hooks.build_request_body, body["customer"], body["context"]["events"]),
            partial(_dumps, body),
            cfg,
        )
        parse[n] = _compare(partial(hooks.parse_offer, raw), partial(json.loads, raw), cfg)
        for out in (build, parse):
            out[n]["per_item_us"] = out[n]["candidate_us"] / n
    return {
        "build": build,
        "parse": parse,
        "request_bytes": sizes,
        "build_step": hooks.BUILD_STEP,
        "build_includes_validation": hooks.BUILD_INCLUDES_VALIDATION,
        "parse_step": hooks.PARSE_STEP,
        "parse_includes_validation": hooks.PARSE_INCLUDES_VALIDATION,
    }


def _dumps(body: Any) -> bytes:
    return json.dumps(body).encode()


# -- 6. import time --------------------------------------------------------------------------------

_IMPORT_PROBE = """
import time
t0 = time.perf_counter()
import httpx
t1 = time.perf_counter()
import xcover_offers
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000)
"""


def bench_import(cfg: Settings) -> dict[str, Any]:
    """Import times in fresh interpreters, with compiled bytecode (as pip installs a wheel) and without."""
    # Bytecode must be cached for a realistic figure: PYTHONDONTWRITEBYTECODE (set in some shells
    # and CI images) would make every run compile every module from source.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("XCOVER_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE], capture_output=True, check=True, env=env
    )  # writes .pyc
    warm: dict[str, list[float]] = {"httpx": [], "xcover_offers": []}
    cold: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(cfg.import_runs):
            # Alternate the two kinds of run, as everywhere else.
            for kind in ("warm", "cold") if run % 2 == 0 else ("cold", "warm"):
                run_env = env if kind == "warm" else {**env, "PYTHONPYCACHEPREFIX": f"{tmp}/{run}"}
                out = subprocess.run(
                    [sys.executable, "-c", _IMPORT_PROBE],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=run_env,
                ).stdout.split()
                if kind == "warm":
                    warm["httpx"].append(float(out[0]))
                    warm["xcover_offers"].append(float(out[1]))
                else:
                    cold.append(float(out[1]))
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import httpx; import xcover_offers"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stderr
    return {
        "httpx_ms": median(warm["httpx"]),
        "xcover_offers_ms": median(warm["xcover_offers"]),
        "xcover_offers_no_pyc_ms": median(cold),
        "runs": cfg.import_runs,
        "heaviest": _heaviest_imports(trace),
    }


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


# -- 7. memory -------------------------------------------------------------------------------------


def _rss_mib() -> float:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return float("nan")


def _memory_series(call: Callable[[], object], calls: int, window: int) -> dict[str, Any]:
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


def bench_memory(cfg: Settings) -> dict[str, Any]:
    window = max(1, cfg.memory_calls // 10)
    with server.running() as url, hooks.client(url + "/x") as client, httpx.Client() as bare:
        wire = capture(url + "/x")

        def wrapper_once() -> None:
            customer, events = offer_inputs()
            client.create_offer(customer=customer, events=events)

        def bare_once() -> None:
            bare.post(wire.url, content=wire.content, headers=wire.headers).json()

        for _ in range(cfg.memory_warmup):
            wrapper_once()
            bare_once()
        wrapper = _memory_series(wrapper_once, cfg.memory_calls, window)
        baseline = _memory_series(bare_once, cfg.memory_calls, window)
    return {
        "calls": cfg.memory_calls,
        "warmup": cfg.memory_warmup,
        "window": window,
        **wrapper,
        "bare": baseline,
    }


# -- 8. telemetry ---------------------------------------------------------------------------------


def bench_telemetry(cfg: Settings) -> dict[str, Any]:
    import bench_telemetry

    result: dict[str, Any] = bench_telemetry.run(quick=cfg.quick)
    return result


# -- the machine -----------------------------------------------------------------------------------


LIBRARIES = (
    "httpx", "httpcore", "h11", "attrs", "aiohttp", "httpx-aiohttp", "xcover-python", "requests", "urllib3",
    "trustme", "opentelemetry-api", "opentelemetry-sdk",
)  # fmt: skip


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def version(dist: str) -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    return {
        "nproc": nproc,
        "cpu": model,
        "os": platform.platform(),
        "python": platform.python_version() + " (" + platform.python_implementation() + ")",
        "xcover-offers": xcover_offers.__version__,
        **{dist: version(dist) for dist in LIBRARIES},
    }


# -- the report ------------------------------------------------------------------------------------


BENCHMARKS: tuple[tuple[str, Callable[[Settings], dict[str, Any]]], ...] = (
    ("sync", bench_sync),
    ("vendor", bench_vendor),
    ("signing", bench_signing),
    ("async", bench_async),
    ("scaling", bench_scaling),
    ("import", bench_import),
    ("memory", bench_memory),
    ("telemetry", bench_telemetry),
)


def run_all(cfg: Settings) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "quick": cfg.quick}
    started = time.perf_counter()
    for name, bench in BENCHMARKS:
        t0 = time.perf_counter()
        if not cfg.quick:
            print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        results[name] = bench(cfg)
        if not cfg.quick:
            print(f"[bench] {name} done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    results["seconds"] = time.perf_counter() - started
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    cfg = Settings.make(args.quick)
    results = run_all(cfg)
    text = report.render_markdown(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    output = args.output if args.output is not None else (None if cfg.quick else ROOT / "BENCHMARKS.md")
    if output is not None:
        output.write_text(text, encoding="utf-8")
    missing = report.missing_targets(text)
    if missing:
        print(f"error: the report has no row for target(s) {', '.join(missing)}", file=sys.stderr)
        return 1
    if cfg.quick:
        print(report.smoke_line(results, benchmarks=len(BENCHMARKS)))
    else:
        print(report.targets_markdown(results))
        print(f"[bench] wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
