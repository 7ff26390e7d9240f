"""Target 4: `AsyncOffersClient` requests per second by concurrency, httpx's own pool against
`backend="aiohttp"`, with the bare transports beside them for context.

    python benchmarks/bench_async.py [--quick]

Each figure is a fresh event loop and client, warmed up (its connections open) before the clock
starts, then that many tasks calling it in a loop for a fixed time. The client's rows build their
inputs with the constructors on every call; the context rows send the captured bytes of one request
with no client work: each transport's ceiling here. The four alternate within each round.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import _offer
import hooks
import httpx
import server
from _timing import median, ratio_of_medians, run_alone

CONCURRENCY = (1, 8, 32, 128)
TARGET_CONCURRENCY = 32


def aiohttp_available() -> bool:
    try:
        import httpx_aiohttp  # noqa: F401
    except ImportError:
        return False
    return True


def run(*, quick: bool) -> dict[str, Any]:
    """Median requests/s per variant and concurrency; aiohttp / native at 32 with its noise."""
    rounds, seconds = (1, 0.05) if quick else (7, 1.0)
    aiohttp = aiohttp_available()
    kinds = ["wrapper-httpx", "bare-httpx"] + (["wrapper-aiohttp", "bare-aiohttp"] if aiohttp else [])
    rps: dict[str, dict[int, list[float]]] = {kind: {c: [] for c in CONCURRENCY} for kind in kinds}
    with server.running() as url:
        for r in range(rounds):
            for concurrency in CONCURRENCY:
                for kind in kinds if r % 2 == 0 else reversed(kinds):
                    rps[kind][concurrency].append(_variant(url, kind, concurrency, seconds))
    out: dict[str, Any] = {
        "rps": {kind: {c: median(v) for c, v in by_c.items()} for kind, by_c in rps.items()},
        "rounds": rounds,
        "seconds": seconds,
        "aiohttp": aiohttp,
        "target_concurrency": TARGET_CONCURRENCY,
    }
    if aiohttp:
        out["aiohttp_vs_httpx"] = ratio_of_medians(
            rps["wrapper-aiohttp"][TARGET_CONCURRENCY], rps["wrapper-httpx"][TARGET_CONCURRENCY]
        )
        out["aiohttp_128_vs_8"] = out["rps"]["wrapper-aiohttp"][128] / out["rps"]["wrapper-aiohttp"][8]
    return out


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


def _variant(url: str, kind: str, concurrency: int, seconds: float) -> float:
    """Requests per second for one variant at one concurrency, in a fresh event loop and client."""

    async def main() -> float:
        warmup = 2 * concurrency
        if kind in ("wrapper-httpx", "wrapper-aiohttp"):
            backend = "aiohttp" if kind == "wrapper-aiohttp" else "httpx"
            async with hooks.async_client(url + "/x", backend=backend) as client:

                async def send() -> object:
                    customer, events = _offer.inputs()
                    return await client.create_offer(customer=customer, events=events)

                return await _throughput(send, concurrency, seconds, warmup)
        transport: httpx.AsyncBaseTransport | None = None
        if kind == "bare-aiohttp":
            from httpx_aiohttp import AiohttpTransport

            transport = AiohttpTransport()
        wire = _offer.capture(url + "/x")
        async with httpx.AsyncClient(transport=transport) as bare:

            async def post() -> object:
                response = await bare.post(wire.url, content=wire.content, headers=wire.headers)
                return response.raise_for_status()

            return await _throughput(post, concurrency, seconds, warmup)

    return asyncio.run(main())


if __name__ == "__main__":
    run_alone(run, __doc__)
