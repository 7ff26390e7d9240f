"""Target 1: sync `OffersClient.create_offer` against a bare httpx post+json, same server; and where
the time goes, each step alone in process.

    python benchmarks/bench_sync.py [--quick]

Both keep one keep-alive connection to `server.py` (its own process), which answers a 2-product
offer; what each side does per call is in `_offer.py`. Rounds alternate the two (A B, then B A);
each round times a batch of calls, and the ratio is a ratio of the medians over rounds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import _offer
import _payloads
import hooks
import httpx
import server
from _timing import interleave, median, per_call_us, ratio_of_medians, run_alone


def run(*, quick: bool) -> dict[str, Any]:
    """Per-call medians of both sides over loopback HTTP, their ratio with its noise, and the breakdown."""
    rounds, batch = (3, 10) if quick else (31, 100)
    with server.running() as url, hooks.client(url + "/x") as client, httpx.Client() as bare:
        wire = _offer.capture(url + "/x")
        ours, baseline = _offer.client_call(client), _offer.bare_call(bare, wire)
        for _ in range(max(20, batch)):  # connections open, caches warm
            ours()
            baseline()
        samples = interleave(
            {
                "create_offer": lambda: per_call_us(ours, batch),
                "bare": lambda: per_call_us(baseline, batch),
            },
            rounds,
        )
    wrapper_us, bare_us = median(samples["create_offer"]), median(samples["bare"])
    return {
        "create_offer_us": wrapper_us,
        "bare_us": bare_us,
        **ratio_of_medians(samples["create_offer"], samples["bare"]),
        "overhead_us": wrapper_us - bare_us,
        "rounds": rounds,
        "batch": batch,
        "request_bytes": len(wire.content),
        "breakdown": breakdown(quick=quick),
    }


def breakdown(*, quick: bool) -> dict[str, float]:
    """Where the time goes, each step measured alone in process (no network), median µs: the public
    steps, the baseline's own JSON work, and both whole calls through a MockTransport answering the
    same 2-product offer. Keys: constructors, build, parse, json, cookies, whole, bare."""
    response_body = _payloads.response_bytes(2)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=response_body, headers={"Content-Type": "application/json"})

    base_url = "http://127.0.0.1:9/x"
    wire = _offer.capture(base_url)
    plain = _payloads.request_dict(1, 2)
    sent = json.loads(wire.content)
    with (
        hooks.client(base_url, transport=httpx.MockTransport(answer)) as client,
        httpx.Client(transport=httpx.MockTransport(answer)) as bare,
    ):
        answered = bare.post(wire.url, content=wire.content, headers=wire.headers)
        stages: dict[str, Callable[[], object]] = {
            "constructors": _offer.inputs,
            "build": partial(hooks.build_request_body, plain["customer"], plain["context"]["events"]),
            "parse": partial(hooks.parse_offer, response_body),
            "json": partial(_json_in_and_out, sent, response_body),
            "cookies": partial(httpx.Cookies().extract_cookies, answered),
            "whole": _offer.client_call(client),
            "bare": _offer.bare_call(bare, wire),
        }
        count, rounds = (20, 1) if quick else (2000, 7)
        samples = interleave({name: partial(per_call_us, fn, count) for name, fn in stages.items()}, rounds)
    return {name: median(values) for name, values in samples.items()}


def _json_in_and_out(body: Any, answer: bytes) -> object:
    """The baseline's own JSON work: the body serialised as httpx does for `json=`, the answer parsed."""
    json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    return json.loads(answer)


if __name__ == "__main__":
    run_alone(run, __doc__)
