"""Target 5: how long signing one request takes, `XCoverAuth` beside a naive per-request implementation.

    python benchmarks/bench_signing.py            # full run, about two seconds
    python benchmarks/bench_signing.py --quick    # a rough number, a fraction of a second

Both sign the same kind of request (POST with a query string, default signed headers, hmac-sha512)
through ``sync_auth_flow``, exactly as httpx calls them. Requests are built before the clock starts;
each round times a batch of signings, and the reported figure is the median over rounds of the mean
time per signing in a batch. The two implementations alternate round by round (A B, then B A) so
that both see the same machine state. Nothing here asserts on timing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Generator
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

import httpx
from _timing import interleave, median, ratio_of_medians, run_alone
from xcover_offers import XCoverAuth

API_KEY = "BENCH-KEY-1"
API_SECRET = "bench-secret-0123456789abcdef"
URL = "https://api.xcover.com/x/partners/LLODT/offers/?active_only=false&include_content=true"


class NaiveAuth(httpx.Auth):
    """The straightforward implementation: a new HMAC and a freshly formatted Date on every request."""

    def __init__(self, api_key: str, api_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "date" not in request.headers:
            request.headers["Date"] = formatdate(self.clock(), usegmt=True)
        request.headers["X-Api-Key"] = self.api_key
        path = request.url.raw_path.decode("ascii").split("?")[0]
        string_to_sign = f"(request-target): {request.method.lower()} {path}\ndate: {request.headers['date']}"
        digest = hmac.new(self.api_secret.encode(), string_to_sign.encode(), hashlib.sha512).digest()
        signature = quote(base64.b64encode(digest).decode(), safe="")
        request.headers["Authorization"] = (
            f'Signature keyId="{self.api_key}",algorithm="hmac-sha512",'
            f'headers="(request-target) date",signature="{signature}"'
        )
        yield request


def _requests(count: int) -> list[httpx.Request]:
    return [httpx.Request("POST", URL, json={"customer": {"currency": "USD"}}) for _ in range(count)]


def _time_batch(auth: httpx.Auth, requests: list[httpx.Request]) -> float:
    """Mean nanoseconds per signing over one batch."""
    start = time.perf_counter_ns()
    for request in requests:
        next(auth.sync_auth_flow(request))
    return (time.perf_counter_ns() - start) / len(requests)


def _check_same_output() -> None:
    """Both implementations produce the same headers, so the comparison is fair."""

    def clock() -> float:
        return 1_636_049_231.25

    signed = []
    for auth in (XCoverAuth(API_KEY, API_SECRET, clock=clock), NaiveAuth(API_KEY, API_SECRET, clock=clock)):
        (request,) = _requests(1)
        next(auth.sync_auth_flow(request))
        signed.append({name: request.headers[name] for name in ("date", "x-api-key", "authorization")})
    if signed[0] != signed[1]:
        raise RuntimeError(f"the implementations disagree: {signed[0]} != {signed[1]}")


def run(*, quick: bool) -> dict[str, Any]:
    """Measure both implementations in this process.

    Args:
        quick: a few short rounds (for a smoke test) instead of the full measurement.

    Returns:
        ``xcover_auth_us`` and ``naive_us`` (median microseconds per signing), ``speedup``
        (naive / XCoverAuth), ``ratio`` (XCoverAuth / naive) with ``ratio_low`` and ``ratio_high``
        (the lowest and highest of one round), and the ``rounds`` and ``batch`` used.
    """
    _check_same_output()
    rounds, batch = (7, 200) if quick else (41, 1000)
    implementations: dict[str, httpx.Auth] = {
        "xcover_auth": XCoverAuth(API_KEY, API_SECRET),
        "naive": NaiveAuth(API_KEY, API_SECRET),
    }
    for auth in implementations.values():  # warm-up, untimed
        _time_batch(auth, _requests(50))
    samples = interleave(
        {name: _timer(auth, batch) for name, auth in implementations.items()},
        rounds,
    )
    fast = median(samples["xcover_auth"]) / 1000
    naive = median(samples["naive"]) / 1000
    return {
        "xcover_auth_us": round(fast, 3),
        "naive_us": round(naive, 3),
        "speedup": round(naive / fast, 2),
        **ratio_of_medians(samples["xcover_auth"], samples["naive"]),
        "rounds": rounds,
        "batch": batch,
    }


def _timer(auth: httpx.Auth, batch: int) -> Callable[[], float]:
    """One round: a batch of fresh requests (built before the clock starts), signed and timed."""
    return lambda: _time_batch(auth, _requests(batch))


if __name__ == "__main__":
    run_alone(run, __doc__)
