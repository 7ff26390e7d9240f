"""FastCookies: no cookie work on responses that set none; cookies that are set still work."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from xcover_offers._cookies import FastCookies, with_fast_cookies


def _response(headers: list[tuple[str, str]]) -> httpx.Response:
    request = httpx.Request("POST", "https://api.xcover.test/x/partners/P/offers/")
    return httpx.Response(200, headers=headers, request=request)


@pytest.fixture
def shims_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx builds this urllib shim for every response it extracts cookies from."""

    def fail(self: object, request: httpx.Request) -> None:
        raise AssertionError("cookie extraction ran")

    monkeypatch.setattr(httpx.Cookies._CookieCompatRequest, "__init__", fail)


@pytest.mark.usefixtures("shims_fail")
def test_a_response_without_set_cookie_is_not_extracted() -> None:
    headers = [("content-type", "application/json"), ("x-request-id", "r-1")]
    FastCookies().extract_cookies(_response(headers))
    with pytest.raises(AssertionError, match="cookie extraction ran"):
        httpx.Cookies().extract_cookies(_response(headers))  # what FastCookies spares


@pytest.mark.parametrize("header", ["Set-Cookie", "set-cookie", "SET-COOKIE"])
def test_a_response_with_set_cookie_is_extracted(header: str) -> None:
    cookies = FastCookies()
    cookies.extract_cookies(_response([(header, "session=abc; Path=/"), (header, "lang=en; Path=/")]))
    assert dict(cookies) == {"session": "abc", "lang": "en"}


def test_set_cookie2_still_reaches_the_jar(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Response] = []
    monkeypatch.setattr(httpx.Cookies, "extract_cookies", lambda self, response: seen.append(response))
    response = _response([("Set-Cookie2", 'a="1"; Version="1"')])
    FastCookies().extract_cookies(response)
    assert seen == [response]


def _handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/login":
        return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"})
    return httpx.Response(200, json={"cookie": request.headers.get("cookie")})


def test_sync_client_keeps_cookies_that_are_set() -> None:
    client = httpx.Client(transport=httpx.MockTransport(_handler), cookies={"pre": "1"})
    with with_fast_cookies(client) as http:
        assert http is client
        assert type(http.cookies) is FastCookies
        assert http.get("https://h.test/other").json() == {"cookie": "pre=1"}
        http.get("https://h.test/login")
        assert http.get("https://h.test/other").json() == {"cookie": "pre=1; session=abc"}
        assert dict(http.cookies) == {"pre": "1", "session": "abc"}


def test_async_client_keeps_cookies_that_are_set() -> None:
    async def run() -> None:
        client = httpx.AsyncClient(transport=httpx.MockTransport(_handler))
        async with with_fast_cookies(client) as http:
            assert type(http.cookies) is FastCookies
            assert (await http.get("https://h.test/other")).json() == {"cookie": None}
            await http.get("https://h.test/login")
            assert (await http.get("https://h.test/other")).json() == {"cookie": "session=abc"}

    asyncio.run(run())


@pytest.mark.usefixtures("shims_fail")
def test_client_with_fast_cookies_does_no_cookie_work_per_response() -> None:
    with with_fast_cookies(httpx.Client(transport=httpx.MockTransport(_handler))) as http:
        assert http.get("https://h.test/other").status_code == 200


def test_the_clients_own_pools_skip_extraction_and_a_pool_passed_in_is_left_alone() -> None:
    from xcover_offers import AsyncOffersClient, OffersClient
    from xcover_offers._cookies import FastCookies

    options = {"api_key": "k", "api_secret": "s", "partner_code": "P"}
    with OffersClient(**options) as sync_client:  # type: ignore[arg-type]
        assert type(sync_client._http.cookies) is FastCookies
    async_client = AsyncOffersClient(**options)  # type: ignore[arg-type]
    assert type(async_client._http.cookies) is FastCookies
    mine = httpx.Client()
    with OffersClient(http_client=mine, **options):  # type: ignore[arg-type]
        assert type(mine.cookies) is httpx.Cookies
    mine.close()
