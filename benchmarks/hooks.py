"""The benchmarks' only ways into the client: its public API, one function per measured step.

Nothing else in benchmarks/ touches `xcover_offers`, so a change to the client's internals cannot
break a benchmark, and when the client makes a step public, one function here changes:

- `parse_offer` is the entry point for "response parse, validation included" (target 4). The client
  also checks a 200 against the spec's response schema before building the models; that step has no
  public or documented entry yet, so this measures the generated parser alone. When it has one, call
  it here and set `PARSE_INCLUDES_VALIDATION = True`: the report says which was measured.
- `build_request_body` is the entry point for "request build + serialise" (target 5): likewise, it
  runs the generated `OfferRequest` round trip and `json.dumps`, without the client's own validation
  of the body, until that step is public (`BUILD_INCLUDES_VALIDATION`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from xcover_offers import AsyncOffersClient, OffersClient
from xcover_offers_api.models import OfferRequest, OfferResponse

API_KEY = "BENCH-KEY-1"
API_SECRET = "bench-secret-0123456789abcdef"
PARTNER = "LLODT"

PARSE_INCLUDES_VALIDATION = False
PARSE_STEP = "`OfferResponse.from_dict(json.loads(body))`"
BUILD_INCLUDES_VALIDATION = False
BUILD_STEP = "`json.dumps(OfferRequest.from_dict(body).to_dict()).encode()`"


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


def parse_offer(raw: bytes) -> Any:
    """Response parse (target 4): what the client does with the bytes of a 200."""
    return OfferResponse.from_dict(json.loads(raw))


def build_request_body(customer: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> bytes:
    """Request build + serialise (target 5): plain dicts in, the JSON bytes of the body out."""
    body = OfferRequest.from_dict({"customer": customer, "context": {"events": events}})
    return json.dumps(body.to_dict()).encode()


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
