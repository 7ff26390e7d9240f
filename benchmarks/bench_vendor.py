"""Target 7 (report only): the vendor's client, `xcover-python`, beside ours, per call, over HTTP and HTTPS.

Both send the same Create Offer body (plain dicts: one event of two tickets) to the same local server,
which answers the same 2-product offer, and both hand back the parsed answer. The vendor client
builds a new `requests.Session` for every call (its `session` property), so every call opens a new
connection and, over HTTPS, makes a new TLS handshake with a new SSL context that loads the CA
bundle; ours keeps one pool for the life of the client. Over HTTPS both trust the same bundle:
certifi's roots plus a throwaway CA (see `_tls.py`); requests reads its default bundle path from
`requests.adapters.DEFAULT_CA_BUNDLE_PATH`, which is pointed at that bundle for the duration.

    python benchmarks/bench_vendor.py [--quick]
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _payloads
import _tls
import hooks
import httpx
import server
from _timing import batch_size, interleave, median, per_call_us, ratio_of_medians, run_alone

DIST = "xcover-python"


def available() -> str | None:
    """None when the vendor client is installed, else why it cannot be measured."""
    try:
        importlib.metadata.version(DIST)
        import xcover  # noqa: F401
    except (importlib.metadata.PackageNotFoundError, ImportError):
        return f"{DIST} is not installed"
    return None


def _vendor(base_url: str) -> Callable[[dict[str, Any]], object]:
    from xcover import XCover
    from xcover.config import XCoverConfig

    config = XCoverConfig(
        partner_code=hooks.PARTNER,
        base_url=base_url + "/x/",
        auth_api_key=hooks.API_KEY,
        auth_api_secret=hooks.API_SECRET,
        auth_algorithm="hmac-sha512",
        headers="(request-target) date",
    )
    client = XCover(config)
    return lambda body: client.call_partner_endpoint("POST", "offers/", payload=body)


@contextlib.contextmanager
def _requests_trusting(bundle: Path) -> Iterator[None]:
    import requests.adapters

    # HTTPAdapter.cert_verify reads this module global when a session verifies with the default roots.
    saved = requests.adapters.DEFAULT_CA_BUNDLE_PATH  # type: ignore[attr-defined]
    requests.adapters.DEFAULT_CA_BUNDLE_PATH = str(bundle)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        requests.adapters.DEFAULT_CA_BUNDLE_PATH = saved  # type: ignore[attr-defined]


def _compare(
    ours: Callable[[], object], vendor: Callable[[], object], *, rounds: int, budget_s: float
) -> dict[str, Any]:
    """Alternating rounds (ours, vendor; then vendor, ours; ...), each a batch sized to `budget_s`."""
    for _ in range(3):  # connections, TLS sessions and caches warm
        ours()
        vendor()
    counts = {"ours": batch_size(ours, budget_s), "vendor": batch_size(vendor, budget_s)}
    samples = interleave(
        {
            "ours": lambda: per_call_us(ours, counts["ours"]),
            "vendor": lambda: per_call_us(vendor, counts["vendor"]),
        },
        rounds,
    )
    return {
        "ours_us": median(samples["ours"]),
        "vendor_us": median(samples["vendor"]),
        **ratio_of_medians(samples["vendor"], samples["ours"]),
        "rounds": rounds,
        "batches": counts,
    }


def _one_protocol(tls: _tls.Tls | None, *, rounds: int, budget_s: float) -> dict[str, Any]:
    body = _payloads.request_dict(1, 2)
    with server.running(tls=(tls.cert_chain, tls.key) if tls else None) as url:
        transport = httpx.HTTPTransport(verify=tls.client_context()) if tls else None
        with hooks.client(url + "/x", transport=transport) as ours_client:
            vendor_call = _vendor(url)
            customer, events = body["customer"], body["context"]["events"]

            def ours() -> object:
                return ours_client.create_offer(customer=customer, events=events)

            def vendor() -> object:
                return vendor_call(body)

            with _requests_trusting(tls.bundle) if tls else contextlib.nullcontext():
                return _compare(ours, vendor, rounds=rounds, budget_s=budget_s)


def run(*, quick: bool) -> dict[str, Any]:
    """Per-call medians and ratios over plain HTTP and HTTPS, or why each was not measured."""
    missing = available()
    if missing:
        return {"missing": missing}
    rounds, budget_s = (2, 0.01) if quick else (15, 0.25)
    out: dict[str, Any] = {"version": importlib.metadata.version(DIST)}
    out["http"] = _one_protocol(None, rounds=rounds, budget_s=budget_s)
    no_tls = _tls.available()
    if no_tls:
        out["https"] = {"missing": no_tls}
    else:
        with _tls.throwaway() as tls:
            out["https"] = {**_one_protocol(tls, rounds=rounds, budget_s=budget_s), "key_type": tls.key_type}
    return out


if __name__ == "__main__":
    run_alone(run, __doc__)
