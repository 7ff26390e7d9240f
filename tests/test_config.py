"""Client configuration, the environment, the public surface and log set-up."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import httpx
import pytest
import xcover_offers
from _harness import API_KEY, API_SECRET, ok_body, sample_event
from xcover_offers import AsyncOffersClient, OffersClient, XCoverError
from xcover_offers._base import USER_AGENT


def test_public_surface() -> None:
    assert sorted(xcover_offers.__all__) == sorted(set(xcover_offers.__all__))
    for name in xcover_offers.__all__:
        assert hasattr(xcover_offers, name), name
    # (isidentifier: pytest's assertion rewriting adds "@py_builtins" to modules its plugin loads)
    public = {n for n in dir(xcover_offers) if not n.startswith("_") and n.isidentifier()}
    modules = {"sandbox", "webhooks"}  # subpackages and public submodules appear as attributes
    assert public - modules - set(xcover_offers.__all__) == set(), "export it in __all__ or make it private"


def test_from_env_reads_our_names_first() -> None:
    env = {
        "XCOVER_API_KEY": "k1",
        "XC_AUTH_API_KEY": "k2",
        "XCOVER_API_SECRET": "s1",
        "XCOVER_PARTNER_CODE": "P1",
        "XCOVER_BASE_URL": "https://sandbox.example/x/",
    }
    with OffersClient.from_env(environ=env) as client:
        assert client.auth.api_key == "k1"
        assert client.partner_code == "P1"
        assert client.base_url == "https://sandbox.example/x"


def test_from_env_falls_back_to_the_vendor_names() -> None:
    env = {
        "XC_AUTH_API_KEY": "k2",
        "XC_AUTH_API_SECRET": "s2",
        "XC_PARTNER_CODE": "P2",
        "XC_BASE_URL": "http://h/x",
    }
    client = AsyncOffersClient.from_env(environ=env, max_retries=0)
    assert (client.auth.api_key, client.partner_code, client.base_url, client.max_retries) == (
        "k2",
        "P2",
        "http://h/x",
        0,
    )


def test_from_env_defaults_base_url_and_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XCOVER_API_KEY", "XCOVER_API_SECRET", "XCOVER_PARTNER_CODE", "XCOVER_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XCOVER_API_KEY", "k")
    with pytest.raises(
        XCoverError, match="XCOVER_API_SECRET \\(or XC_AUTH_API_SECRET\\), XCOVER_PARTNER_CODE"
    ):
        OffersClient.from_env()
    client = OffersClient.from_env(
        environ={"XCOVER_API_KEY": "k", "XCOVER_API_SECRET": "s", "XCOVER_PARTNER_CODE": "P"}
    )
    assert client.base_url == "https://api.xcover.com/x"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_key": ""}, "api_key must be a non-empty string"),
        ({"api_secret": None}, "api_secret must be a non-empty string"),
        ({"partner_code": " "}, "partner_code must be a non-empty string"),
        ({"base_url": "api.xcover.com/x"}, "base_url must be an absolute http"),
        ({"base_url": "http://127.0.0.1:99999/x"}, "has port 99999: use 1 to 65535"),
        ({"max_retries": -1}, "max_retries must be an integer >= 0"),
        ({"timeout": 0}, "timeout must be a positive number"),
    ],
)
def test_constructor_rejects_bad_options(kwargs: dict[str, object], message: str) -> None:
    options: dict[str, object] = {"api_key": API_KEY, "api_secret": API_SECRET, "partner_code": "P"}
    options.update(kwargs)
    with pytest.raises(ValueError, match=message) as info:
        OffersClient(**options)  # type: ignore[arg-type]
    assert API_SECRET not in str(info.value)


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        OffersClient(API_KEY, API_SECRET, "P")  # type: ignore[misc]


def test_wrong_kind_of_http_client() -> None:
    with pytest.raises(TypeError, match="use AsyncOffersClient"):
        OffersClient(api_key="k", api_secret="s", partner_code="P", http_client=httpx.AsyncClient())
    with pytest.raises(TypeError, match="use OffersClient"):
        AsyncOffersClient(api_key="k", api_secret="s", partner_code="P", http_client=httpx.Client())


def test_user_agent_names_versions() -> None:
    assert (
        f"xcover-offers-python/{xcover_offers.__version__} (spec {xcover_offers.SPEC_VERSION}; "
        f"python {sys.version_info.major}.{sys.version_info.minor}; httpx {httpx.__version__})"
    ) == USER_AGENT


def test_generated_models_are_accepted_as_input() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ok_body())

    ev = xcover_offers.event(
        id="e", name="n", start_date=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        country="US", tickets=[xcover_offers.ticket(id="t", price="9.99")],
    )  # fmt: skip
    with OffersClient(
        api_key="k", api_secret="s", partner_code="P", http_client=httpx.MockTransport(handler)
    ) as c:
        c.create_offer(
            customer=xcover_offers.customer(currency="USD", country="US", language="en-us"), events=[ev]
        )
        c.create_offer(
            customer={"currency": "USD", "country": "US", "language": "en-us"}, events=[sample_event()]
        )
    assert b'"total_amount":9.99' in seen[0].content


def test_xcover_log_env_turns_on_debug_logging() -> None:
    code = (
        "import logging, xcover_offers;"
        "lg = logging.getLogger('xcover_offers');"
        "print(lg.level == logging.DEBUG, len(lg.handlers));"
        'lg.debug(\'Authorization: Signature keyId="k",signature="abc%2B123"\')'
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={"XCOVER_LOG": "debug", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == "True 1"
    assert "signature=<redacted>" in proc.stderr
    assert "abc%2B123" not in proc.stderr


def test_sync_client_is_thread_safe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from xcover_offers import verify_signature

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ok_body())

    customer = {"currency": "USD", "country": "US", "language": "en-us"}
    with (
        OffersClient(
            api_key="k", api_secret="s", partner_code="P", http_client=httpx.MockTransport(handler)
        ) as c,
        ThreadPoolExecutor(8) as pool,
    ):
        offers = list(
            pool.map(lambda _: c.create_offer(customer=customer, events=[sample_event()]), range(64))
        )
    assert len(offers) == 64
    assert len({r.headers["x-idempotency-key"] for r in seen}) == 64
    for request in seen:
        verify_signature("POST", request.url.raw_path.decode(), request.headers, secrets={"k": "s"})


def test_aiohttp_backend_sends_signed_requests() -> None:
    import asyncio

    from _harness import serve
    from xcover_offers import verify_signature

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ok_body(), headers={"X-Request-Id": "r-1"})

    async def main(url: str) -> list[str]:
        options = {"api_key": "k", "api_secret": "s", "partner_code": "P", "base_url": url}
        async with AsyncOffersClient(**options, backend="aiohttp") as client:
            customer = {"currency": "USD", "country": "US", "language": "en-us"}
            calls = [client.create_offer(customer=customer, events=[sample_event()]) for _ in range(8)]
            return [offer.id for offer in await asyncio.gather(*calls)]

    with serve(handler) as url:
        assert asyncio.run(main(url)) == ["OFR-1"] * 8
    for request in seen:
        verify_signature("POST", request.url.raw_path.decode(), request.headers, secrets={"k": "s"})


def test_aiohttp_backend_is_exclusive_with_http_client() -> None:
    with pytest.raises(ValueError, match="not both"):
        AsyncOffersClient(
            api_key="k", api_secret="s", partner_code="P", backend="aiohttp", http_client=httpx.AsyncClient()
        )


@pytest.mark.parametrize("code", [".", ".."])
def test_dot_segment_partner_codes_are_rejected(code: str) -> None:
    with pytest.raises(ValueError, match="partner_code cannot be"):
        OffersClient(api_key="k", api_secret="s", partner_code=code)


def test_body_masking_shows_only_known_safe_fields_at_any_depth_in_any_case() -> None:
    """An allowlist: a field nobody listed (a holder's name, a mobile number) is masked."""
    from xcover_offers._logging import mask_body

    body = {
        "customer": {"Email": "jo@e.example", "CURRENCY": "USD", "name": "Jo Doe", "mobile": "+614000"},
        "partner": {"customer_id": "CUST-9", "metadata": {"anything": "x@y.z"}},
        "quotes": [{"id": "Q-1", "insured": [{"full_name": "Jo Doe", "holder": "Jo"}]}],
        "context": {"events": [{"id": "ev-1", "tickets": [{"id": "t", "price": 80.0, "note": None}]}]},
    }
    assert mask_body(body) == {
        "customer": {"Email": "***", "CURRENCY": "USD", "name": "***", "mobile": "***"},
        "partner": {"customer_id": "***", "metadata": "***"},
        "quotes": [{"id": "Q-1", "insured": "***"}],
        "context": {"events": [{"id": "ev-1", "tickets": [{"id": "t", "price": 80.0, "note": None}]}]},
    }
