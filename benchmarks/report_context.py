"""The report's sections measured for context, with no target: §7 memory over sequential calls and
§8 what telemetry adds to a call."""

from __future__ import annotations

from typing import Any

from _markdown import Judge, count, f, table, text, up

MEMORY_FLAT_KIB = 64.0
MEMORY_FLAT_SHARE = 0.05
"""Flat memory: the highest window peak of the second half of the calls is within max(64 KiB, 5 %)
of the highest of the first half, and what a full collection leaves is under 64 KiB."""


def memory_flat(m: dict[str, Any]) -> bool:
    allowed = max(MEMORY_FLAT_KIB, MEMORY_FLAT_SHARE * max(m["first_half_peak_kib"], 0.0))
    return bool(m["peak_growth_kib"] <= allowed and m["retained_kib_after_gc"] <= MEMORY_FLAT_KIB)


def memory(m: dict[str, Any], judge: Judge) -> str:
    bare = m["bare"]
    windows = table(
        (
            "after calls",
            "create_offer: traced now",
            "peak in window",
            "RSS MiB",
            "bare: traced now",
            "peak in window",
        ),
        [
            (
                f"{c['calls']:,}",
                f(c["current_kib"]),
                f(c["peak_kib"]),
                f(c["rss_mib"]),
                f(b["current_kib"]),
                f(b["peak_kib"]),
            )
            for c, b in zip(m["checkpoints"], bare["checkpoints"], strict=True)
        ],
        "rrrrrr",
    )
    summary = table(
        ("", "create_offer", "bare httpx"),
        [
            (
                "highest window peak, first half, KiB",
                f(m["first_half_peak_kib"]),
                f(bare["first_half_peak_kib"]),
            ),
            (
                "highest window peak, second half, KiB",
                f(m["second_half_peak_kib"]),
                f(bare["second_half_peak_kib"]),
            ),
            (
                "left after a full `gc.collect()`, KiB",
                f(m["retained_kib_after_gc"]),
                f(bare["retained_kib_after_gc"]),
            ),
            ("RSS growth, MiB", f(m["rss_growth_mib"], 2), f(bare["rss_growth_mib"], 2)),
            ("flat", judge(memory_flat(m)), judge(memory_flat(bare))),
        ],
        "lrr",
    )
    return text(
        """
        ## 7. Memory over sequential calls (context)

        {calls:,} `create_offer` calls against the local server after {warmup:,} warm-up calls, traced with
        `tracemalloc` in windows of {window:,} calls (KiB relative to the start); then, for comparison, as
        many bare httpx post+json calls of §1. "Traced now" is what is allocated at the end of a window,
        "peak" the most during it.

        {windows}

        {summary}

        Flat means: the second half's highest window peak is within max({flat_kib:.0f} KiB, {flat_share:.0%})
        of the first half's, and a full collection leaves under {flat_kib:.0f} KiB.
        """,
        windows=windows,
        summary=summary,
        calls=m["calls"],
        warmup=m["warmup"],
        window=m["window"],
        flat_kib=MEMORY_FLAT_KIB,
        flat_share=MEMORY_FLAT_SHARE,
    )


_TELEMETRY_MODES = {
    "absent": "opentelemetry not importable (no `otel` extra)",
    "api": "opentelemetry-api, no SDK configured",
    "api-in-trace": "opentelemetry-api, no SDK, called inside an incoming trace (passed on to XCover)",
    "sdk": "opentelemetry-sdk configured: two spans recorded and dropped, both histograms recorded",
}


def telemetry(t: dict[str, Any], sync: dict[str, Any]) -> str:
    whole = sync["breakdown"]["whole"]
    rows = []
    for mode, figures in t["modes"].items():
        if "missing" in figures:
            rows.append(
                (f"`{mode}`", _TELEMETRY_MODES[mode], f"not measured: {figures['missing']}", "", "", "")
            )
            continue
        rows.append(
            (
                f"`{mode}`",
                _TELEMETRY_MODES[mode],
                up(figures["us"]),
                f"{up(figures['low_us'])}–{up(figures['high_us'])}",
                f"{figures['us'] / whole:.2%}",
                f"{figures['calls']:,}",
            )
        )
    header = (
        "mode",
        "installed and configured",
        "median µs per call",
        "low–high",
        "of a whole call",
        "calls a round",
    )
    return text(
        """
        ## 8. Telemetry per call (context)

        {table}

        From `benchmarks/bench_telemetry.py`. One call is `hooks.traced_call`: what the client does
        with its telemetry for a call answered at the first attempt (the call's trace started, one
        attempt traced from request to response, the call ended), on a request and a response built
        before the clock starts. OpenTelemetry's global providers can be set once per process, so each
        mode runs in child processes of its own: {processes} per mode, the modes alternating, each
        checking first that its mode sends a trace context and records exactly as described, then
        timing {rounds} of calls. A mode's figure is the median of its children's
        medians; low–high are its lowest and highest child. "Of a whole call" compares with the whole
        `create_offer` through a MockTransport in §1 ({whole} µs).
        """,
        table=table(header, rows, "llrrrr"),
        processes=t["processes"],
        rounds=count(t["rounds"], "round"),
        whole=f(whole),
    )
