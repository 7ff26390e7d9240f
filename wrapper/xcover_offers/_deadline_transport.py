"""The sync pool the client creates: httpcore's connection pool, built through its public API with a
network backend whose every connect, read and write waits at most until the call's deadline.

Why a transport of our own: httpx gives each socket read its own timeout, so a server that drips its
status line and headers a byte at a time, each byte in time, holds a sync call for as long as it
likes (async calls are cut by a cancel scope instead). Only the network backend sees every read, and
httpx offers no public way to give its transport one; httpcore's `ConnectionPool(network_backend=)`
does. So the client's own sync pool is this transport, the few lines httpx's `HTTPTransport` is
(request and response translated, httpcore's errors raised as httpx's), with httpx's defaults: its
TLS context (`SSL_CERT_FILE`/`SSL_CERT_DIR` honoured), its limits, HTTP/1.1, and the proxy the
environment names (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`), which httpx would read itself had it
built the pool. A client or transport passed in as `http_client=` is used as it is: its calls are
bounded between reads and attempts only (the README says so).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any, Final

import httpcore
import httpx

from ._deadline import clip

_LIMITS: Final = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
"""httpx's own defaults for a client's pool."""
_ERRORS: Final[tuple[tuple[type[Exception], type[httpx.TransportError]], ...]] = (
    # most specific first: each httpcore error as the httpx error of the same name
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


def _as_httpx(exc: Exception, request: httpx.Request) -> Exception:
    """httpcore's error as httpx's of the same name; any other error as it is."""
    for theirs, ours in _ERRORS:
        if isinstance(exc, theirs):
            return ours(str(exc), request=request)
    return exc


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _core_url(url: httpx.URL) -> httpcore.URL:
    return httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes], request: httpx.Request) -> None:
        self._stream, self._request = stream, request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except Exception as exc:
            raise _as_httpx(exc, self._request) from None

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class DeadlineTransport(httpx.BaseTransport):
    """httpcore pools (one direct, one per proxy the environment names unless `trust_env` is False)
    on the deadline backend."""

    def __init__(self, *, trust_env: bool = True) -> None:
        settings: dict[str, Any] = {
            "ssl_context": httpx.create_ssl_context(),
            "max_connections": _LIMITS.max_connections,
            "max_keepalive_connections": _LIMITS.max_keepalive_connections,
            "keepalive_expiry": _LIMITS.keepalive_expiry,
            "network_backend": _Backend(),
        }
        self._direct = httpcore.ConnectionPool(**settings)
        self._proxies = urllib.request.getproxies_environment() if trust_env else {}
        self._proxy_pools: dict[str, httpcore.HTTPProxy] = {}
        self._bypass: dict[str, bool] = {}
        for url in {self._proxies.get(s) or self._proxies.get("all") for s in ("http", "https")} - {None}:
            assert url is not None
            proxy = httpx.Proxy(url if "://" in url else f"http://{url}")
            if proxy.url.scheme not in ("http", "https"):
                raise ValueError(
                    f"the environment names a {proxy.url.scheme} proxy; the client's own pool supports "
                    "http and https proxies: pass http_client=httpx.Client(proxy=...) for others"
                )
            self._proxy_pools[url] = httpcore.HTTPProxy(
                proxy_url=_core_url(proxy.url),
                proxy_auth=proxy.raw_auth,
                proxy_headers=proxy.headers.raw,
                proxy_ssl_context=proxy.ssl_context,
                **settings,
            )

    def _pool(self, url: httpx.URL) -> httpcore.ConnectionPool | httpcore.HTTPProxy:
        proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
        if proxy is None:
            return self._direct
        bypass = self._bypass.get(url.host)
        if bypass is None:  # NO_PROXY, read once per host: urllib reads the whole environment
            if len(self._bypass) > 64:
                self._bypass.clear()
            bypass = self._bypass[url.host] = bool(urllib.request.proxy_bypass(url.host))
        return self._direct if bypass else self._proxy_pools[proxy]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core = httpcore.Request(
            method=request.method,
            url=_core_url(request.url),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = self._pool(request.url).handle_request(core)
        except Exception as exc:
            raise _as_httpx(exc, request) from None
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            response.status,
            headers=response.headers,
            stream=_Body(response.stream, request),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._direct.close()
        for pool in self._proxy_pools.values():
            pool.close()
