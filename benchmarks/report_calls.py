"""The report's sections on whole calls over the network: §1 sync (target 1), §3 async (target 4) and
§6 the vendor's client (target 7)."""

from __future__ import annotations

from typing import Any

from _markdown import Judge, count, down, f, row, spread, table, text, up
from report_targets import AIOHTTP_SPEEDUP_TARGET, SYNC_TARGET

STAGES = {
    "constructors": "constructors (customer, event, 2 tickets)",
    "build": "request build + serialise (`hooks.build_request_body`), 1 event",
    "parse": "response parse (`hooks.parse_offer`), 2 products",
    "json": "the bare call's own JSON: `json.dumps` of the body, `json.loads` of the answer",
    "cookies": "httpx cookie extraction of a response that sets no cookie",
    "whole": "whole `create_offer`, MockTransport",
    "bare": "bare httpx post+json of the same body, MockTransport",
}


def sync(s: dict[str, Any], signing: dict[str, Any], judge: Judge) -> str:
    summary = table(
        ("", "median µs per call"),
        [
            (
                "`OffersClient.create_offer`: constructors, validation, signing, send, parse",
                f(s["create_offer_us"]),
            ),
            ("bare `httpx.Client.post(json=...)` of the same body, then `response.json()`", f(s["bare_us"])),
            (
                f"**ratio** (target ≤ {SYNC_TARGET:.2f})",
                f"**{up(s['ratio'])}** ({judge(s['ratio'] <= SYNC_TARGET)}); rounds "
                f"{spread(s['ratio_low'], s['ratio_high'])}",
            ),
            ("the client's own cost per call (the difference)", f(s["overhead_us"])),
        ],
        "lr",
    )
    stages = [(STAGES.get(k, k), f(v)) for k, v in s["breakdown"].items()]
    if "xcover_auth_us" in signing:
        stages.append(("signing (§4)", f(signing["xcover_auth_us"])))
    return text(
        """
        ## 1. Sync: create_offer against a bare httpx post+json (target 1)

        {summary}

        {rounds} of {batch} calls each, the two alternating, each over its own keep-alive
        connection to the server on 127.0.0.1, which answers a 2-product offer. The client builds its
        inputs with the public constructors on every call and returns the typed offer. The bare call
        posts, with `json=`, the body the client sent ({request_bytes} bytes as the client serialises
        it) with the headers of one signed request as static headers (no signing, no fresh Date), and
        reads the answer with `response.json()`: JSON in and out, no model work. Each step alone, in
        process, no network:

        {stages}
        """,
        summary=summary,
        stages=table(("step, alone, in process", "median µs"), stages, "lr"),
        rounds=count(s["rounds"], "round"),
        batch=s["batch"],
        request_bytes=s["request_bytes"],
    )


_ASYNC_NAMES = {
    "wrapper-httpx": "`AsyncOffersClient` (httpx's own pool)",
    "wrapper-aiohttp": '`AsyncOffersClient(backend="aiohttp")`',
    "bare-httpx": "context: bare `httpx.AsyncClient.post`",
    "bare-aiohttp": "context: bare httpx + `AiohttpTransport`",
}


def async_(a: dict[str, Any], judge: Judge) -> str:
    concurrencies = sorted({int(c) for by_c in a["rps"].values() for c in by_c})
    rows = [
        [_ASYNC_NAMES[kind]] + [f(row(a["rps"][kind], c), 0) for c in concurrencies]
        for kind in _ASYNC_NAMES
        if kind in a["rps"]
    ]
    rps = table(["requests/s", *(f"c={c}" for c in concurrencies)], rows, "l" + "r" * len(concurrencies))
    if a["aiohttp"]:
        r, c = a["aiohttp_vs_httpx"], a["target_concurrency"]
        ratios = (
            f"- aiohttp / native httpx at concurrency {c}: **{down(r['ratio'])}×**"
            f" (target ≥ {AIOHTTP_SPEEDUP_TARGET:g}×: {judge(r['ratio'] >= AIOHTTP_SPEEDUP_TARGET)});"
            f" rounds {spread(r['ratio_low'], r['ratio_high'])}\n"
            f"- aiohttp, concurrency 128 / 8: {down(a['aiohttp_128_vs_8'])}"
        )
    else:
        ratios = (
            "- httpx-aiohttp is not installed here (`pip install 'xcover-offers[aiohttp]'`): not measured."
        )
    return text(
        """
        ## 3. Async: requests per second by concurrency (target 4)

        {rps}

        {ratios}

        Median of {rounds}, the four clients alternating within each. Each figure is a fresh
        event loop and client, warmed up (its connections open) before the clock starts, then that
        many tasks calling it in a loop for {seconds:g} s; the client's rows build their inputs with the
        constructors on every call, as in §1. The context rows send the bytes of one request the client
        sent, with no client work: each transport's ceiling here.
        """,
        rps=rps,
        ratios=ratios,
        rounds=count(a["rounds"], "round"),
        seconds=a["seconds"],
    )


def vendor(v: dict[str, Any]) -> str:
    head = "## 6. The vendor's client, per call, over HTTP and HTTPS (target 7, report only)"
    if "missing" in v:
        return f"{head}\n\nNot measured: {v['missing']}."
    rows = []
    for key, label in (("http", "HTTP"), ("https", "HTTPS")):
        part = v[key]
        if "missing" in part:
            rows.append((label, "n/a", "n/a", f"not measured: {part['missing']}", ""))
            continue
        rows.append(
            (
                label,
                f(part["vendor_us"]),
                f(part["ours_us"]),
                f"**{f(part['ratio'], 2)}×**",
                spread(part["ratio_low"], part["ratio_high"]),
            )
        )
    header = ("loopback", f"`xcover-python` {v['version']} µs", "ours µs", "vendor / ours", "rounds")
    return text(
        """
        {head}

        {table}

        A peer, not a floor: reported, not judged. Both send the same body (plain dicts, one event of
        two tickets) to the same server and return the parsed answer; {rounds}, the two
        alternating. The vendor client builds a new `requests.Session` per call, so each call opens a
        connection and, over HTTPS, makes a TLS handshake with a new SSL context; ours keeps one pool
        for the client's life. Over HTTPS the server has a certificate from a throwaway CA (`trustme`,
        {key_type}) and both clients trust the same bundle: certifi's roots plus that CA.
        """,
        head=head,
        table=table(header, rows, "lrrrl"),
        rounds=count(v["http"]["rounds"], "round") if "rounds" in v["http"] else "n/a rounds",
        key_type=v["https"].get("key_type", "n/a"),
    )
