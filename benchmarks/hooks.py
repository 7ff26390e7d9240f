"""The benchmarks' only ways into the client: its public API, one function per measured step.

Nothing else in benchmarks/ touches `xcover_offers`, so a change to the client's internals cannot
break a benchmark, and when the client makes a step public, one function here changes:

- `parse_offer` is "response parse, validation included" (target 4): the client's own
  `xcover_offers._call.read_body` for Create Offer's 200, the one function every answer goes through
  (the JSON, the check against the spec's response schema, the generated reader).
- `build_request_body` is "request build + serialise" (target 5): the same two steps the client
  takes for `create_offer` (`_validation.build_body`, then `_validation.serialise`; the body goes to
  the generated builder already checked, with no model round trip).
- `traced_call` is "telemetry per call" (target 9): the calls the client makes into
  `xcover_offers._telemetry` for one call answered at the first attempt, in the client's order.

These internal functions are the documented hook: if one moves, this file is the one to change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from xcover_offers import AsyncOffersClient, OffersClient
from xcover_offers._call import read_body
from xcover_offers._telemetry import start_call
from xcover_offers._validation import build_body, serialise
from xcover_offers_api.api.create_offer.create_offer import OPERATION as CREATE_OFFER
from xcover_offers_api.models import OfferResponse

API_KEY = "BENCH-KEY-1"
API_SECRET = "bench-secret-0123456789abcdef"
PARTNER = "LLODT"

PARSE_INCLUDES_VALIDATION = True
PARSE_STEP = (
    "`read_body(CREATE_OFFER, '200', body)` (json + response schema check + `OfferResponse.from_dict`)"
)
BUILD_INCLUDES_VALIDATION = True
BUILD_STEP = "`build_body` + `serialise`"


def client(base_url: str, *, transport: httpx.BaseTransport | None = None) -> OffersClient:
    """A sync client as a service would create it (the client owns its pool)."""
    return OffersClient(
        api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, base_url=base_url, http_client=transport
    )


def async_client(base_url: str, *, backend: str) -> AsyncOffersClient:
    return AsyncOffersClient(
        api_key=API_KEY, api_secret=API_SECRET, partner_code=PARTNER, base_url=base_url,
        backend=backend,  # type: ignore[arg-type]
    )  # fmt: skip


def parse_offer(raw: bytes) -> OfferResponse:
    """Response parse (target 4): what the client does with the bytes of a 200."""
    parsed = read_body(CREATE_OFFER, "200", raw)
    if not isinstance(parsed, OfferResponse):
        raise ValueError(f"refused: {parsed}")
    return parsed


def build_request_body(customer: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> bytes:
    """Request build + serialise (target 5): plain dicts in, the JSON bytes of the body out."""
    body = build_body(customer=customer, events=events, partner=None, schema=None)
    return serialise(body)


def traced_call(server: httpx.URL, request: httpx.Request, response: httpx.Response) -> None:
    """Telemetry (target 9): what the client adds to a call answered at the first attempt. The call's
    trace starts, one attempt is traced from `request` (which gets the trace context) to `response`,
    and the call ends with its offer."""
    call = start_call(
        operation_id="create_offer", url_template="/x" + CREATE_OFFER.path, partner_code=PARTNER,
        idempotency_key="bench-idempotency-key", server=server,
    )  # fmt: skip
    call.attempt(request, 1).end(response=response)
    details: dict[str, str | int] = {"xcover.offer_id": "OFR-BENCH-1", "xcover.products": 2}
    call.end(attempts=1, request_id="req-bench-1", details=details)


@dataclass(frozen=True)
class Wire:
    """One request exactly as the client sent it: the baselines send the same bytes."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes


def capture_request(base_url: str, customer: Any, events: Any, answer: bytes) -> Wire:
    """Run `create_offer` once through a MockTransport (the public `http_client=`) and keep the request.

    The headers are those of one signed request, reused as they are by the baselines (static headers:
    no signing, no fresh Date); Host and Content-Length are left to the baseline's own client.
    """
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=answer, headers={"Content-Type": "application/json"})

    with client(base_url, transport=httpx.MockTransport(handler)) as capturing:
        capturing.create_offer(customer=customer, events=events)
    (request,) = seen
    skip = {"host", "content-length"}
    headers = {k: v for k, v in request.headers.items() if k.lower() not in skip}
    return Wire(request.method, str(request.url), headers, request.content)
