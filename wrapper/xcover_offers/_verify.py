"""`verify_signature`: the server side of the scheme in `_signature`, the mirror image of `XCoverAuth`.

Its steps (`collect_headers`, `authorization_params`, `allowed_algorithm`, `signed_names`,
`check_date`, `signed_text`, `check_signature`) are also those of `webhooks.construct_event`, which
differs only in what it requires and how it names a failure. So one parser of the Authorization
header (`parse_signature_params`) and one builder of the string to sign (`string_to_sign`) serve the
signer and both verifiers.
"""

from __future__ import annotations

import hmac
import math
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from urllib.parse import unquote

import httpx

from ._constants import DEFAULT_MAX_SKEW
from ._errors import SignatureError
from ._retry import parse_http_date
from ._signature import (
    HEADER_NAME,
    REQUEST_TARGET,
    VERIFY_ALGORITHMS,
    check_algorithm,
    parse_signature_params,
    secret_bytes,
    signature_for,
    string_to_sign,
    utf8_or_none,
)

_METHOD: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")

_REQUEST_PARAMS: Final = ("keyId", "algorithm", "headers", "signature")

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
    now_ts = timestamp(now)
    if not isinstance(secrets, Mapping) and not callable(secrets):
        raise TypeError("secrets must be a mapping of key id to secret, or a callable")

    if not isinstance(method, str) or not _METHOD.fullmatch(method):
        raise SignatureError(f"the method {short(method)} is not an HTTP method")
    if not isinstance(path, str) or _CONTROL.search(path):
        raise SignatureError("the path is not text without control characters")
    path = path.partition("?")[0]
    received = collect_headers(headers)

    params = authorization_params(received, _REQUEST_PARAMS)
    algorithm = allowed_algorithm(params, allowed)
    names = signed_names(params.get("headers"))
    key_id = params["keyId"]
    api_key = received.get("x-api-key")
    if api_key is not None and api_key != key_id:
        raise SignatureError("X-Api-Key does not equal the keyId of the Authorization header")

    check_date(received.get("date"), now_ts, max_skew)
    text = signed_text(names, method, path, received)
    secret = _lookup_secret(secrets, key_id)
    check_signature(secret, algorithm, params["signature"], text, signer="the client")
    return key_id


# -- the steps every verifier takes (requests here, XCover's webhooks in `webhooks`) -------------


def authorization_params(received: Mapping[str, str], required: Collection[str]) -> dict[str, str]:
    """The parameters of the ``Authorization: Signature ...`` header (`parse_signature_params`).

    Args:
        received: lowercase header name -> value.
        required: the parameters that must be present and non-empty.

    Raises:
        SignatureError: no header, not the Signature scheme, malformed, or a required parameter missing.
    """
    authorization = received.get("authorization")
    if authorization is None:
        raise SignatureError("the request has no Authorization header")
    params = parse_signature_params(authorization)
    for name in required:
        if not params.get(name):
            raise SignatureError(f"the Authorization header has no {name!r} parameter")
    return params


def allowed_algorithm(params: Mapping[str, str], allowed: frozenset[str]) -> str:
    """The ``algorithm`` parameter, if it is one of `allowed`; else a `SignatureError`."""
    algorithm = params.get("algorithm", "")
    if algorithm not in allowed:
        raise SignatureError(
            f"algorithm {short(algorithm)} is not allowed (allowed: {', '.join(sorted(allowed))})"
        )
    return algorithm


def signed_names(listed: str | None) -> tuple[str, ...]:
    """The ``headers`` parameter as names; without one, ``("date",)``, as the signing draft defines.

    Raises:
        SignatureError: not lowercase names separated by single spaces, a name repeated, or no date.
    """
    names = ["date"] if listed is None else listed.split(" ")
    for name in names:
        if name != REQUEST_TARGET and not HEADER_NAME.fullmatch(name):
            raise SignatureError(
                f"the signed header list {short(listed)} is not lowercase names separated by single spaces"
            )
    if len(set(names)) != len(names):
        raise SignatureError(f"the signed header list {short(listed)} repeats a name")
    if "date" not in names:
        raise SignatureError("'date' is not among the signed headers")
    return tuple(names)


def signed_text(names: Sequence[str], method: str, path: str, received: Mapping[str, str]) -> str:
    """The string to sign (`string_to_sign`) from the received headers; a signed header that is
    missing or holds a line break is a `SignatureError`."""

    def header(name: str) -> str:
        value = received.get(name)
        if value is None:
            raise SignatureError(f"the signed header {name!r} is missing")
        if "\n" in value or "\r" in value:
            raise SignatureError(f"the signed header {name!r} contains a line break")
        return value

    return string_to_sign(names, method, path, header)


def check_signature(
    secret: bytes, algorithm: str, signature: str, text: str, *, signer: str, url_decode: bool = False
) -> None:
    """Compare, in constant time, the received signature with the one `secret` makes of `text`.

    Args:
        secret: the shared secret.
        algorithm: the ``algorithm`` parameter, already checked (`allowed_algorithm`).
        signature: the ``signature`` parameter as received.
        text: the string to sign.
        signer: who made the signature, for the message ("the client", "the sender").
        url_decode: accept the signature percent-encoded or plain, as XCover's webhook check does
            (it URL-decodes what it receives); otherwise only the exact percent-encoded form.

    Raises:
        SignatureError: no match; the message shows `text`, never the secret or a valid signature.
    """
    message = utf8_or_none(text)
    received = utf8_or_none(unquote(signature) if url_decode else signature)
    if message is None or received is None:
        raise SignatureError("the request contains text that is not valid Unicode")
    expected = signature_for(secret, algorithm, message)
    if url_decode:
        expected = unquote(expected)
    if not hmac.compare_digest(expected.encode("ascii"), received):
        raise SignatureError(
            f"the signature does not match: wrong secret, or {signer} signed a different string than "
            f"{short(text, 300)}"
        )


def short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _check_allowed_algorithms(algorithms: Collection[str]) -> frozenset[str]:
    names = frozenset([algorithms] if isinstance(algorithms, str) else algorithms)
    if not names:
        raise ValueError("algorithms must name at least one algorithm")
    for name in names:
        check_algorithm(name)
    return names


def timestamp(now: float | datetime | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime (with a time zone)")
        return now.timestamp()
    if isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now):
        raise ValueError(f"now must be seconds since the epoch or an aware datetime, not {now!r}")
    return float(now)


def collect_headers(headers: Any) -> dict[str, str]:
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


def check_date(value: str | None, now: float, max_skew: float) -> float:
    if value is None:
        raise SignatureError("the request has no Date header")
    sent = parse_http_date(value, require_zone=True)
    if sent is None:
        raise SignatureError(
            f"the Date header {short(value)} is not an HTTP date like 'Thu, 04 Nov 2021 18:07:11 GMT'"
        )
    age = now - sent
    if age > max_skew:
        raise SignatureError(f"the Date header is {age:.0f} s old, more than the allowed {max_skew:g} s")
    if -age > max_skew:
        raise SignatureError(
            f"the Date header is {-age:.0f} s in the future, more than the allowed {max_skew:g} s"
        )
    return sent


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
        raise SignatureError("unknown key id")  # not shown: the key is a credential too
    if not isinstance(secret, str | bytes | bytearray):
        raise TypeError(f"secrets returned a {type(secret).__name__} for a key id; expected str or bytes")
    return secret_bytes(secret, name=f"the secret for key id {short(key_id)}")
