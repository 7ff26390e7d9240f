"""Request signing (`XCoverAuth`) and its mirror image (`verify_signature`).

Every XCover request carries three headers::

    X-Api-Key: <api key>
    Date: Thu, 04 Nov 2021 18:07:11 GMT
    Authorization: Signature keyId="<api key>",algorithm="hmac-sha512",
                   headers="(request-target) date",signature="<sig>"      (one line, no spaces)

The string to sign has one line per name in ``headers``, joined with ``\\n`` (no trailing newline):
``(request-target): <method, lowercase> <path as sent, without the query>`` and ``<name>: <header value>``.
``<sig>`` is percent-encode(base64(HMAC(secret, string to sign))): standard base64 with padding, and
every ``+``, ``/``, ``=`` percent-encoded (``%2B``, ``%2F``, ``%3D``).

Upstream answers any signing mistake with a bare "Signature string does not match!"; `XCoverAuth.explain`
shows what was signed, and `SignatureError` (from `verify_signature`) names the rule that failed. The
secret never appears in a repr, a message or a log line.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import math
import re
import time
import warnings
from collections.abc import Callable, Collection, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from types import MappingProxyType
from typing import Any, Final

import httpx

from ._errors import SignatureError

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "DEFAULT_MAX_SKEW",
    "DEFAULT_SIGNED_HEADERS",
    "VERIFY_ALGORITHMS",
    "SigningDetails",
    "XCoverAuth",
    "redact_headers",
    "verify_signature",
]

#: Signature algorithm name -> hashlib digest name. ``hmac-sha1`` is deprecated upstream.
ALGORITHMS: Final[Mapping[str, str]] = MappingProxyType(
    {"hmac-sha512": "sha512", "hmac-sha384": "sha384", "hmac-sha256": "sha256", "hmac-sha1": "sha1"}
)
_DEPRECATED_ALGORITHMS: Final = frozenset({"hmac-sha1"})
DEFAULT_ALGORITHM: Final = "hmac-sha512"
#: What XCover's reference client signs. ``("date",)`` is the documented minimum.
DEFAULT_SIGNED_HEADERS: Final[tuple[str, ...]] = ("(request-target)", "date")
#: What `verify_signature` accepts unless told otherwise: every algorithm that is not deprecated.
VERIFY_ALGORITHMS: Final = frozenset(ALGORITHMS) - _DEPRECATED_ALGORITHMS
DEFAULT_MAX_SKEW: Final = 300

_REQUEST_TARGET: Final = "(request-target)"
_REDACTED: Final = "<redacted>"
# RFC 9110 token, lowercase only: the header list on the wire is lowercase.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+")
_METHOD = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Visible ASCII without '"' and '\': the key id is written between double quotes.
_KEY_ID = re.compile(r"[!#-\[\]-~]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9_.~+/-]*)(?:[ \t]+|\Z)")
# One `name = "value"` (or bare value) and its separator. No nested quantifiers: linear on any input.
_PARAM = re.compile(r'([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(?:"([^"\\]*)"|([^\s",]+))[ \t]*(?:,[ \t]*|\Z)')
_KNOWN_SCHEMES: Final = frozenset(
    {"signature", "basic", "bearer", "digest", "token", "hmac", "negotiate", "ntlm", "aws4-hmac-sha256"}
)
# Header names whose values are never logged.
_SENSITIVE_NAME_PARTS: Final = (
    "auth", "secret", "token", "password", "passwd", "cookie", "session", "credential", "signature",
    "private",
)  # fmt: skip


# RFC 2104: the key, padded to the block size, XORed with 0x36 (inner) and 0x5C (outer).
_IPAD: Final = bytes(byte ^ 0x36 for byte in range(256))
_OPAD: Final = bytes(byte ^ 0x5C for byte in range(256))


class _PreparedHmac:
    """HMAC (RFC 2104) with the key folded into the inner and outer hash states once.

    The construction of CPython's `hmac` module without OpenSSL (``HMAC._init_old``); per message it
    copies two hash states instead of an OpenSSL HMAC context behind a Python wrapper, which is a
    third faster. Tests pin it to ``hmac.new`` for every algorithm and key length, and
    `verify_signature` checks it with ``hmac.digest``. Holds no copy of the key itself.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes, digest_name: str) -> None:
        inner, outer = hashlib.new(digest_name), hashlib.new(digest_name)
        if len(key) > inner.block_size:
            key = hashlib.new(digest_name, key).digest()
        key = key.ljust(inner.block_size, b"\0")
        inner.update(key.translate(_IPAD))
        outer.update(key.translate(_OPAD))
        self._inner, self._outer = inner, outer

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._inner.name}>"


def _utf8_or_none(text: str) -> bytes | None:
    # Not raised from: a UnicodeEncodeError carries the whole text (.object) in the error's context.
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _encode_signature(digest: bytes) -> str:
    # Equal to quote(b64, safe="") on the base64 alphabet (a test pins it), at a tenth of the cost:
    # quote() and str.translate each take about 4 µs here, half the signing budget.
    b64 = binascii.b2a_base64(digest, newline=False).decode("ascii")
    return b64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def _imf_fixdate(second: int) -> str:
    # formatdate uses fixed English names and UTC: independent of the locale and of TZ.
    return formatdate(second, usegmt=True)


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _check_algorithm(algorithm: object) -> str:
    if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
        known = ", ".join(sorted(ALGORITHMS))
        raise ValueError(f"unknown signature algorithm {algorithm!r}; expected one of: {known}")
    return algorithm


def _normalise_signed_headers(signed_headers: Sequence[str] | str) -> tuple[str, ...]:
    names = signed_headers.split() if isinstance(signed_headers, str) else list(signed_headers)
    result: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"signed header names must be strings, got {name!r}")
        lowered = name.strip().lower()
        if lowered != _REQUEST_TARGET and not _HEADER_NAME.fullmatch(lowered):
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
        api_secret: the shared secret (``str`` is encoded as UTF-8). Kept only as prepared HMAC state.
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
        if isinstance(api_secret, str):
            secret = _utf8_or_none(api_secret)
            if secret is None:
                raise ValueError("api_secret is not valid Unicode text")
        elif isinstance(api_secret, bytes | bytearray):
            secret = bytes(api_secret)
        else:
            raise ValueError(f"api_secret must be str or bytes, not {type(api_secret).__name__}")
        if not secret:
            raise ValueError("api_secret must not be empty")
        self._algorithm = _check_algorithm(algorithm)
        if algorithm in _DEPRECATED_ALGORITHMS:
            warnings.warn(
                f"{algorithm} is deprecated by XCover; use {DEFAULT_ALGORITHM}",
                DeprecationWarning,
                stacklevel=2,
            )
        if not callable(clock):
            raise ValueError("clock must be a callable returning seconds since the epoch")
        self._api_key = api_key
        self._signed_headers = _normalise_signed_headers(signed_headers)
        self._signs_default_headers = self._signed_headers == DEFAULT_SIGNED_HEADERS
        self._clock = clock
        self.clock_offset = clock_offset
        self._hmac = _PreparedHmac(secret, ALGORITHMS[algorithm])
        params = f'keyId="{api_key}",algorithm="{algorithm}",headers="{" ".join(self._signed_headers)}"'
        self._authorization_prefix = f'Signature {params},signature="'
        self._redacted_authorization = f"Signature {params},signature={_REDACTED}"
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
        """Sign ``request`` in place and send it once."""
        headers = request.headers
        string_to_sign = self._prepare(request.method, _request_path(request), headers)
        digest = self._hmac.digest(string_to_sign.encode("utf-8"))
        headers["Authorization"] = self._authorization_prefix + _encode_signature(digest) + '"'
        yield request

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
        string_to_sign = self._prepare(request.method, path, headers)
        headers["Authorization"] = self._redacted_authorization
        return SigningDetails(
            key_id=self._api_key,
            algorithm=self._algorithm,
            signed_headers=self._signed_headers,
            method=request.method,
            path=path,
            string_to_sign=string_to_sign,
            headers=MappingProxyType(redact_headers(headers)),
        )

    def _date_now(self) -> str:
        second = math.floor(self._clock() + self._clock_offset)
        cached_second, text = self._date_cache
        if second != cached_second:
            text = _imf_fixdate(second)
            self._date_cache = (second, text)
        return text

    def _prepare(self, method: str, path: str, headers: httpx.Headers) -> str:
        """Set ``Date`` (unless present) and ``X-Api-Key`` on ``headers``; return the string to sign."""
        date = _present_date(headers)
        if date is None:
            date = self._date_now()
            headers["Date"] = date
        headers["X-Api-Key"] = self._api_key
        if self._signs_default_headers:  # the common case, without the loop
            return f"{_REQUEST_TARGET}: {method.lower()} {path}\ndate: {date}"
        lines = []
        for name in self._signed_headers:
            if name == _REQUEST_TARGET:
                lines.append(f"{_REQUEST_TARGET}: {method.lower()} {path}")
                continue
            value = date if name == "date" else headers.get(name)
            if value is None:
                raise ValueError(
                    f"cannot sign the request: it has no {name!r} header, which is listed to sign"
                )
            lines.append(f"{name}: {value}")
        return "\n".join(lines)


def redact_headers(headers: Mapping[str, str] | httpx.Headers) -> dict[str, str]:
    """Headers safe to log: signatures, credentials, tokens and cookies replaced by ``<redacted>``.

    ``Authorization: Signature ...`` keeps ``keyId``, ``algorithm`` and ``headers`` (what you need to
    diagnose a 403) and shows ``signature=<redacted>``; other schemes keep only the scheme name. Any
    header whose name contains auth, secret, token, password, cookie, session, credential, signature or
    private is redacted whole. ``X-Api-Key`` is shown: it is the key id, not the secret.

    Args:
        headers: a mapping or `httpx.Headers`; repeated headers are joined with ``", "``.

    Returns:
        A new dict, names as given (first spelling wins for repeated names).
    """
    if isinstance(headers, httpx.Headers):
        encoding = headers.encoding
        items: Iterable[tuple[str, str]] = [
            (key.decode(encoding), value.decode(encoding)) for key, value in headers.raw
        ]
    else:
        items = headers.items()
    result: dict[str, str] = {}
    spelling: dict[str, str] = {}
    for name, value in items:
        shown = _redact_value(name, value)
        key = spelling.setdefault(name.lower(), name)
        result[key] = f"{result[key]}, {shown}" if key in result else shown
    return result


def _redact_value(name: str, value: str) -> str:
    lowered = name.lower()
    if "authorization" in lowered:
        return _redact_authorization(value)
    if any(part in lowered for part in _SENSITIVE_NAME_PARTS):
        return _REDACTED
    return value


def _redact_authorization(value: str) -> str:
    scheme = _SCHEME.match(value.strip())
    # Only a well-known scheme name is shown: a bare token ("sk-live-...") would pass for a scheme.
    if scheme is None or scheme[1].lower() not in _KNOWN_SCHEMES or scheme.end() == len(value.strip()):
        return _REDACTED
    if scheme[1].lower() != "signature":
        return f"{scheme[1]} {_REDACTED}"
    try:
        params = _parse_signature_params(value)
    except SignatureError:
        return f"{scheme[1]} {_REDACTED}"
    shown = [f'{name}="{params[name]}"' for name in ("keyId", "algorithm", "headers") if name in params]
    return f"{scheme[1]} {','.join([*shown, f'signature={_REDACTED}'])}"


def _parse_signature_params(value: str) -> dict[str, str]:
    """``Signature k="v", k2="v2"`` -> ``{k: v, k2: v2}``: any order, any spacing, no repeats."""
    text = value.strip(" \t")
    scheme = _SCHEME.match(text)
    if scheme is None or scheme[1].lower() != "signature":
        raise SignatureError("Authorization header does not use the Signature scheme")
    params: dict[str, str] = {}
    position = scheme.end()
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None:
            raise SignatureError(f"malformed Authorization header at character {position}")
        name = match[1]
        if name in params:
            raise SignatureError(f"malformed Authorization header: parameter {name!r} given twice")
        params[name] = match[2] if match[2] is not None else match[3]
        position = match.end()
    return params


SecretLookup = Mapping[str, str | bytes] | Callable[[str], str | bytes | None]


def verify_signature(
    method: str,
    path: str,
    headers: Mapping[str, str] | httpx.Headers,
    *,
    secrets: SecretLookup,
    max_skew: float = DEFAULT_MAX_SKEW,
    now: float | datetime | None = None,
    algorithms: Collection[str] = VERIFY_ALGORITHMS,
) -> str:
    """Check an XCover-style request signature; the mirror image of `XCoverAuth`.

    The Authorization header may list its parameters in any order with any spacing, but the values
    are compared exactly: the header list is lowercase names separated by single spaces, and the
    signature is the percent-encoded standard base64 that `XCoverAuth` sends (uppercase ``%2B``,
    ``%2F``, ``%3D``). Parameters other than keyId, algorithm, headers and signature are ignored.

    Args:
        method: the request method, e.g. ``POST`` (compared lowercase, as signed).
        path: the path as received, percent-encoded; a query string is removed.
        headers: the request headers: any mapping (looked up case-insensitively) or `httpx.Headers`.
        secrets: key id -> secret, as a mapping or a callable returning the secret or None. A
            `KeyError` from the callable means an unknown key; anything else it raises propagates.
        max_skew: the largest allowed difference, in seconds, between ``Date`` and ``now``.
        now: the current time (seconds since the epoch or an aware datetime); default `time.time()`.
        algorithms: the accepted algorithms; by default all but the deprecated ``hmac-sha1``.

    Returns:
        The key id of the verified request.

    Raises:
        SignatureError: the request fails a rule; the message names the rule, never the secret or the
            expected signature. A mismatch shows the string the verifier signed.
        ValueError: ``max_skew``, ``now`` or ``algorithms`` is invalid, or a stored secret is not valid
            Unicode: a bug in the caller, not in the request.
        TypeError: ``secrets`` is neither a mapping nor a callable, or returns something not a secret.
    """
    allowed = _check_allowed_algorithms(algorithms)
    if isinstance(max_skew, bool) or not isinstance(max_skew, int | float) or not max_skew >= 0:
        raise ValueError(f"max_skew must be a non-negative number of seconds, not {max_skew!r}")
    now_ts = _timestamp(now)
    if not isinstance(secrets, Mapping) and not callable(secrets):
        raise TypeError("secrets must be a mapping of key id to secret, or a callable")

    if not isinstance(method, str) or not _METHOD.fullmatch(method):
        raise SignatureError(f"the method {_short(method)} is not an HTTP method")
    if not isinstance(path, str) or _CONTROL.search(path):
        raise SignatureError("the path is not text without control characters")
    path = path.partition("?")[0]
    received = _collect_headers(headers)

    authorization = received.get("authorization")
    if authorization is None:
        raise SignatureError("the request has no Authorization header")
    params = _parse_signature_params(authorization)
    for required in ("keyId", "algorithm", "headers", "signature"):
        if not params.get(required):
            raise SignatureError(f"the Authorization header has no {required!r} parameter")
    key_id, algorithm = params["keyId"], params["algorithm"]
    if algorithm not in allowed:
        raise SignatureError(
            f"algorithm {_short(algorithm)} is not allowed (allowed: {', '.join(sorted(allowed))})"
        )
    names = params["headers"].split(" ")
    for name in names:
        if name != _REQUEST_TARGET and not _HEADER_NAME.fullmatch(name):
            raise SignatureError(
                f"the signed header list {_short(params['headers'])} is not lowercase names "
                "separated by single spaces"
            )
    if len(set(names)) != len(names):
        raise SignatureError(f"the signed header list {_short(params['headers'])} repeats a name")
    if "date" not in names:
        raise SignatureError("'date' is not among the signed headers")
    api_key = received.get("x-api-key")
    if api_key is not None and api_key != key_id:
        raise SignatureError(f"X-Api-Key {_short(api_key)} does not equal keyId {_short(key_id)}")

    _check_date(received.get("date"), now_ts, max_skew)
    lines = []
    for name in names:
        if name == _REQUEST_TARGET:
            lines.append(f"{_REQUEST_TARGET}: {method.lower()} {path}")
            continue
        value = received.get(name)
        if value is None:
            raise SignatureError(f"the signed header {name!r} is missing")
        if "\n" in value or "\r" in value:
            raise SignatureError(f"the signed header {name!r} contains a line break")
        lines.append(f"{name}: {value}")
    string_to_sign = "\n".join(lines)

    secret = _lookup_secret(secrets, key_id)
    message, signature = _utf8_or_none(string_to_sign), _utf8_or_none(params["signature"])
    if message is None or signature is None:
        raise SignatureError("the request contains text that is not valid Unicode")
    expected = _encode_signature(hmac.digest(secret, message, ALGORITHMS[algorithm])).encode("ascii")
    if not hmac.compare_digest(expected, signature):
        raise SignatureError(
            f"the signature does not match: wrong secret, or the client signed a different string than "
            f"{_short(string_to_sign, 300)}"
        )
    return key_id


def _check_allowed_algorithms(algorithms: Collection[str]) -> frozenset[str]:
    names = frozenset([algorithms] if isinstance(algorithms, str) else algorithms)
    if not names:
        raise ValueError("algorithms must name at least one algorithm")
    for name in names:
        _check_algorithm(name)
    return names


def _timestamp(now: float | datetime | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime (with a time zone)")
        return now.timestamp()
    if isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now):
        raise ValueError(f"now must be seconds since the epoch or an aware datetime, not {now!r}")
    return float(now)


def _collect_headers(headers: Any) -> dict[str, str]:
    """Lowercase name -> value (repeats joined with ", "), from any mapping-like object."""
    multi_items = getattr(headers, "multi_items", None)
    items_method = multi_items if callable(multi_items) else getattr(headers, "items", None)
    if not callable(items_method):
        raise SignatureError("the headers are not a mapping")
    result: dict[str, str] = {}
    for item in items_method():
        if not (isinstance(item, tuple) and len(item) == 2):
            raise SignatureError("the headers are not a mapping of names to values")
        name, value = (x.decode("latin-1") if isinstance(x, bytes) else x for x in item)
        if not isinstance(name, str) or not isinstance(value, str):
            raise SignatureError("header names and values must be text")
        key = name.lower()
        result[key] = f"{result[key]}, {value}" if key in result else value
    return result


def _check_date(value: str | None, now: float, max_skew: float) -> None:
    if value is None:
        raise SignatureError("the request has no Date header")
    try:
        sent = parsedate_to_datetime(value)
        if sent.tzinfo is None:
            raise ValueError("no time zone")
        age = now - sent.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        raise SignatureError(
            f"the Date header {_short(value)} is not an HTTP date like 'Thu, 04 Nov 2021 18:07:11 GMT'"
        ) from None
    if age > max_skew:
        raise SignatureError(f"the Date header is {age:.0f} s old, more than the allowed {max_skew:g} s")
    if -age > max_skew:
        raise SignatureError(
            f"the Date header is {-age:.0f} s in the future, more than the allowed {max_skew:g} s"
        )


def _lookup_secret(secrets: SecretLookup, key_id: str) -> bytes:
    secret: object
    if isinstance(secrets, Mapping):
        secret = secrets.get(key_id)
    else:
        try:
            secret = secrets(key_id)
        except KeyError:
            secret = None
    if secret is None or secret in ("", b""):
        raise SignatureError(f"unknown key id {_short(key_id)}")
    if isinstance(secret, str):
        encoded = _utf8_or_none(secret)
        if encoded is None:
            raise ValueError(f"the secret for key id {_short(key_id)} is not valid Unicode text")
        return encoded
    if isinstance(secret, bytes | bytearray):
        return bytes(secret)
    raise TypeError(f"secrets returned a {type(secret).__name__} for a key id; expected str or bytes")
