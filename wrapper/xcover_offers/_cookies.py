"""A cookie store that costs nothing on responses that set no cookie.

httpx hands every response to its cookie jar. Before the jar looks for a `Set-Cookie` header, httpx
wraps the request and response in urllib shims (a `urllib.request.Request` parses the URL again and
copies the headers), and the jar builds an `email.message.Message` of every response header. XCover
sets no cookies, so on each call that work finds nothing; BENCHMARKS.md shows what it costs.
"""

from __future__ import annotations

from typing import TypeVar

import httpx

__all__ = ["FastCookies", "with_fast_cookies"]

_ClientT = TypeVar("_ClientT", httpx.Client, httpx.AsyncClient)


class FastCookies(httpx.Cookies):
    """`httpx.Cookies` that skips extraction when the response sets no cookie; otherwise unchanged."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        # Set-Cookie2 (RFC 2965) too, so the shortcut is exact whatever the jar's policy.
        if "set-cookie" not in headers and "set-cookie2" not in headers:
            return
        super().extract_cookies(response)


def with_fast_cookies(client: _ClientT) -> _ClientT:
    """Give `client` (one the wrapper created: never a client the caller passed in) a `FastCookies` store.

    httpx copies a `cookies=` argument into a plain `httpx.Cookies`, at construction and through the
    `cookies` setter, so a subclass cannot be passed in. The store the client holds is re-classed
    instead: `FastCookies` adds no state, so the jar and any cookies in it stay as they are.
    """
    cookies = client.cookies
    if type(cookies) is httpx.Cookies:
        cookies.__class__ = FastCookies
    return client
