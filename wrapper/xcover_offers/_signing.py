"""`XCoverAuth`: signs every request (the scheme is in `_signature`), re-signs once when XCover's 403
shows our clock is off, and explains a signature for a 403."""

from __future__ import annotations

import hmac
import logging
import math
import re
import time
import warnings
from collections.abc import AsyncGenerator, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import formatdate
from types import MappingProxyType
from typing import Final

import httpx

from ._constants import (
    CLOCK_SKEW_THRESHOLD,
    DEFAULT_ALGORITHM,
    DEFAULT_SIGNED_HEADERS,
    LOGGER_NAME,
    MAX_CLOCK_CORRECTION,
)
from ._deadline import DeadlineStream
from ._redaction import REDACTED, redact_headers
from ._retry import parse_http_date
from ._signature import (
    ALGORITHMS,
    DEPRECATED_ALGORITHMS,
    HEADER_NAME,
    REQUEST_TARGET,
    check_algorithm,
    encode_signature,
    secret_bytes,
    string_to_sign,
)
from ._transfer import content_length, parse_json

# Visible ASCII without '"' and '\': the key id is written between double quotes.
_KEY_ID: Final = re.compile(r"[!#-\[\]-~]+")
_SKEW_BODY_LIMIT: Final = 64 * 1024
"""The largest 403 body read to tell XCover's signature failure from a proxy's page (XCover's is
about 100 bytes); it must declare its length and be sent as it is, so the read is bounded."""
logger = logging.getLogger(LOGGER_NAME)


@dataclass(frozen=True, slots=True)
class SigningDetails:
    """What `XCoverAuth` signs for one request, for diagnosing a 403. Never holds the secret.

    Attributes:
        key_id: the API key, sent as ``keyId`` and ``X-Api-Key``.
        algorithm: e.g. ``hmac-sha512``.
        signed_headers: the names in the ``headers`` parameter, in order.
        method: the HTTP method.
        path: the path that is signed: as sent, percent-encoded, without the query string.
        string_to_sign: exactly the text that goes into the HMAC.
        headers: the request headers as they are sent, with the signature and anything secret redacted.
    """

    key_id: str
    algorithm: str
    signed_headers: tuple[str, ...]
    method: str
    path: str
    string_to_sign: str
    headers: Mapping[str, str]

    def __str__(self) -> str:
        lines = [
            "XCover request signing (the secret is never shown)",
            f"  key id:         {self.key_id}",
            f"  algorithm:      {self.algorithm}",
            f"  signed headers: {' '.join(self.signed_headers)}",
            "  string to sign:",
            *(f"    {line}" for line in self.string_to_sign.split("\n")),
            "  headers sent:",
            *(f"    {name}: {value}" for name, value in self.headers.items()),
        ]
        return "\n".join(lines)


class XCoverAuth(httpx.Auth):
    """Signs every request for XCover: sets ``X-Api-Key``, ``Date`` (if absent) and ``Authorization``.

    A plain `httpx.Auth`: works with `httpx.Client`, `httpx.AsyncClient` and the generated
    ``xcover_offers_api.Client(httpx_args={"auth": auth})``. It signs the request as it will be sent, so
    a request signed once and then changed (or re-sent minutes later with its old ``Date``) must be
    built again. One instance may be shared between threads and event loops.

    Args:
        api_key: the API key; also the ``keyId``. Visible ASCII, no quotes, backslashes or spaces.
        api_secret: the shared secret (``str`` is encoded as UTF-8). Kept only as keyed HMAC state.
        algorithm: ``hmac-sha512`` (default), ``hmac-sha384`` or ``hmac-sha256``. ``hmac-sha1`` is
            deprecated upstream and accepted only when named, with a `DeprecationWarning`.
        signed_headers: names to sign, in order, as a sequence or a space-separated string. Lowercased.
            Must include ``date``; may include ``(request-target)`` and any header the request will carry
            (``x-api-key`` and ``date`` are set before signing); never ``authorization``. Default:
            ``("(request-target)", "date")``, as XCover's reference client.
        clock: seconds since the epoch, like `time.time` (the default). Inject a fixed clock in tests.
        clock_offset: seconds added to ``clock()``; settable later through `clock_offset` (clock-skew fix).

    Raises:
        ValueError: an empty or malformed key, an empty secret, an unknown algorithm, or a header list
            that lacks ``date``, repeats a name or names something that is not a header. Messages never
            contain the secret.
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(
        self,
        api_key: str,
        api_secret: str | bytes,
        *,
        algorithm: str = DEFAULT_ALGORITHM,
        signed_headers: Sequence[str] | str = DEFAULT_SIGNED_HEADERS,
        clock: Callable[[], float] = time.time,
        clock_offset: float = 0.0,
    ) -> None:
        if not isinstance(api_key, str) or not api_key:
            raise ValueError("api_key must be a non-empty string")
        if not _KEY_ID.fullmatch(api_key):
            raise ValueError(
                "api_key must be visible ASCII without spaces, quotes or backslashes "
                "(check for a stray newline or space copied with it)"
            )
        secret = secret_bytes(api_secret)
        self._algorithm = check_algorithm(algorithm)
        if algorithm in DEPRECATED_ALGORITHMS:
            warnings.warn(
                f"{algorithm} is deprecated by XCover; use {DEFAULT_ALGORITHM}",
                DeprecationWarning,
                stacklevel=2,
            )
        if not callable(clock):
            raise ValueError("clock must be a callable returning seconds since the epoch")
        self._api_key = api_key
        self._signed_headers = _normalise_signed_headers(signed_headers)
        self._clock = clock
        self.clock_offset = clock_offset
        # Keyed once; each signing updates a copy of this state (see BENCHMARKS.md, "Signing alone").
        self._hmac = hmac.new(secret, digestmod=ALGORITHMS[algorithm])
        params = f'keyId="{api_key}",algorithm="{algorithm}",headers="{" ".join(self._signed_headers)}"'
        self._authorization_prefix = f'Signature {params},signature="'
        self._redacted_authorization = f"Signature {params},signature={REDACTED}"
        # (integer second, its IMF-fixdate): one tuple, so a concurrent reader never sees a torn pair.
        self._date_cache: tuple[int, str] = (0, _imf_fixdate(0))

    @property
    def api_key(self) -> str:
        """The API key (``keyId``)."""
        return self._api_key

    @property
    def algorithm(self) -> str:
        """The signature algorithm, e.g. ``hmac-sha512``."""
        return self._algorithm

    @property
    def signed_headers(self) -> tuple[str, ...]:
        """The signed header names, lowercase, in order."""
        return self._signed_headers

    @property
    def clock_offset(self) -> float:
        """Seconds added to the clock; set it from the server's ``Date`` after a clock-skew 403."""
        return self._clock_offset

    @clock_offset.setter
    def clock_offset(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"clock_offset must be a finite number of seconds, not {value!r}")
        self._clock_offset = float(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_key={self._api_key!r}, algorithm={self._algorithm!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign ``request`` in place and send it once (the clients' flows below add the skew step)."""
        self._sign(request)
        yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign and send; if XCover answers that the signature failed and its ``Date`` shows our clock is
        off, learn the offset and send once more, signed with a corrected Date (see `_skew`)."""
        ours = self._sign(request)
        response = yield request
        if ours and self._may_be_skew(response):
            # At most _SKEW_BODY_LIMIT bytes (`_may_be_skew`), within the call's deadline; async
            # calls are bounded by their cancel scope.
            response.stream = DeadlineStream(response.stream)  # type: ignore[arg-type]
            response.read()
            if self._skew(response):
                self._sign(request, resign=True)
                yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """`sync_auth_flow` for async clients."""
        ours = self._sign(request)
        response = yield request
        if ours and self._may_be_skew(response):
            await response.aread()
            if self._skew(response):
                self._sign(request, resign=True)
                yield request

    def _sign(self, request: httpx.Request, *, resign: bool = False) -> bool:
        """Sign ``request`` in place, dated now unless the caller dated it (a re-sign always is);
        returns whether the Date is ours."""
        headers = request.headers
        date = None if resign else _present_date(headers)
        ours = date is None
        if date is None:
            date = self._date_now()
            headers["Date"] = date
        mac = self._hmac.copy()
        path = _request_path(request)
        mac.update(self._string_to_sign(request.method, path, headers, date).encode("utf-8"))
        headers["Authorization"] = self._authorization_prefix + encode_signature(mac.digest()) + '"'
        return ours

    def _may_be_skew(self, response: httpx.Response) -> bool:
        """What headers alone can say: a 403 with a JSON body small enough to read, sent as it is."""
        headers = response.headers
        if response.status_code != 403 or "json" not in headers.get("content-type", ""):
            return False
        try:
            length = content_length(headers.get_list("content-length"))
        except ValueError:
            return False
        return (
            "date" in headers
            and length is not None
            and length <= _SKEW_BODY_LIMIT
            and headers.get("content-encoding", "identity").strip().lower() == "identity"
        )

    def _skew(self, response: httpx.Response) -> bool:
        """On XCover's own signature-failure 403 (its JSON error shape, `type` and `message`, not a
        proxy's page) whose Date is more than CLOCK_SKEW_THRESHOLD from our corrected clock but within
        MAX_CLOCK_CORRECTION of it (further is a wrong Date, not a clock), set `clock_offset`."""
        try:
            payload = parse_json(response.content)
        except ValueError:
            return False
        if not (
            isinstance(payload, dict)
            and isinstance(payload.get("type"), str)
            and isinstance(payload.get("message"), str)
        ):
            return False
        server = parse_http_date(response.headers.get("date"))
        if server is None:
            return False
        local = self._clock()
        if abs(server - (local + self._clock_offset)) <= CLOCK_SKEW_THRESHOLD:
            return False
        if abs(server - local) > MAX_CLOCK_CORRECTION:
            logger.warning(
                "ignoring a 403's Date %.0f s away from our clock: more than %.0f h is not clock skew",
                server - local,
                MAX_CLOCK_CORRECTION / 3600,
            )
            return False
        logger.warning(
            "XCover answered 403 and its clock differs from ours by %.0f s; signing with that offset "
            "from now on and sending the request once more",
            server - local,
        )
        self.clock_offset = server - local
        return True

    def explain(self, request: httpx.Request) -> SigningDetails:
        """Show what signing ``request`` involves, without the secret, to diagnose a 403.

        The request is not changed. A ``Date`` already on it (for instance on ``response.request`` of a
        request that was sent) is used as it is, so the string to sign is the one that was sent;
        otherwise the current clock (with `clock_offset`) supplies it.

        Args:
            request: the request to explain, signed or not.

        Returns:
            The string to sign, the signed header names and the headers as sent, signature redacted.

        Raises:
            ValueError: a header listed in `signed_headers` is missing from the request.
        """
        headers = request.headers.copy()
        path = _request_path(request)
        date = _present_date(headers)
        if date is None:
            date = headers["Date"] = self._date_now()
        text = self._string_to_sign(request.method, path, headers, date)
        headers["Authorization"] = self._redacted_authorization
        return SigningDetails(
            key_id=self._api_key,
            algorithm=self._algorithm,
            signed_headers=self._signed_headers,
            method=request.method,
            path=path,
            string_to_sign=text,
            headers=MappingProxyType(redact_headers(headers)),
        )

    def _date_now(self) -> str:
        second = math.floor(self._clock() + self._clock_offset)
        cached_second, text = self._date_cache
        if second != cached_second:
            text = _imf_fixdate(second)
            self._date_cache = (second, text)
        return text

    def _string_to_sign(self, method: str, path: str, headers: httpx.Headers, date: str) -> str:
        """Set ``X-Api-Key`` on ``headers``; return the string to sign, with ``date`` as the Date."""
        headers["X-Api-Key"] = self._api_key

        def header(name: str) -> str:
            # `date` without a lookup: httpx.Headers would first decode every header to find it.
            value = date if name == "date" else headers.get(name)
            if value is None:
                raise ValueError(
                    f"cannot sign the request: it has no {name!r} header, which is listed to sign"
                )
            return value

        return string_to_sign(self._signed_headers, method, path, header)


def _imf_fixdate(second: int) -> str:
    # formatdate uses fixed English names and UTC: independent of the locale and of TZ.
    return formatdate(second, usegmt=True)


def _normalise_signed_headers(signed_headers: Sequence[str] | str) -> tuple[str, ...]:
    names = signed_headers.split() if isinstance(signed_headers, str) else list(signed_headers)
    result: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"signed header names must be strings, got {name!r}")
        lowered = name.strip().lower()
        if lowered != REQUEST_TARGET and not HEADER_NAME.fullmatch(lowered):
            raise ValueError(f"{name!r} is not a header name or '(request-target)'")
        if lowered == "authorization":
            raise ValueError("the Authorization header cannot sign itself")
        if lowered in result:
            raise ValueError(f"signed header {lowered!r} is listed twice")
        result.append(lowered)
    if "date" not in result:
        raise ValueError(
            "signed_headers must include 'date' (XCover's documented minimum); "
            f"the default is {' '.join(DEFAULT_SIGNED_HEADERS)!r}"
        )
    return tuple(result)


def _present_date(headers: httpx.Headers) -> str | None:
    # Scans `raw` instead of `"date" in headers`: on a fresh request, httpx would first work out the
    # text encoding of every header, which costs about twice as much as this scan.
    for name, _ in headers.raw:
        if name.lower() == b"date":
            return headers["date"]
    return None


def _request_path(request: httpx.Request) -> str:
    # The path exactly as it goes on the wire (percent-encoded, base path included), query removed.
    return request.url.raw_path.partition(b"?")[0].decode("ascii")
