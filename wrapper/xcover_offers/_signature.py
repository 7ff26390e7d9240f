"""The XCover signature scheme, shared by the signer (`_signing`), the verifiers (`_verify` for requests,
`webhooks` for XCover's webhooks), the sandbox's webhook sender, and redaction.

Every XCover request carries three headers::

    X-Api-Key: <api key>
    Date: Thu, 04 Nov 2021 18:07:11 GMT
    Authorization: Signature keyId="<api key>",algorithm="hmac-sha512",
                   headers="(request-target) date",signature="<sig>"      (one line, no spaces)

The string to sign has one line per name in ``headers``, joined with ``\\n`` (no trailing newline):
``(request-target): <method, lowercase> <path as sent, without the query>`` and ``<name>: <header value>``.
``<sig>`` is percent-encode(base64(HMAC(secret, string to sign))): standard base64 with padding, and
every ``+``, ``/``, ``=`` percent-encoded (``%2B``, ``%2F``, ``%3D``).

XCover signs its webhooks the same way with the partner's listener key and secret, but with no
``headers`` parameter: by the signing draft that means ``date`` alone, so the string to sign is the
single line ``date: <Date>`` (see `webhooks`).

Upstream answers any signing mistake with a bare "Signature string does not match!"; `XCoverAuth.explain`
shows what was signed, and `SignatureError` (from `verify_signature`) names the rule that failed. The
secret never appears in a repr, a message or a log line.
"""

from __future__ import annotations

import binascii
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Final

from ._errors import SignatureError

#: Signature algorithm name -> hashlib digest name. ``hmac-sha1`` is deprecated upstream.
ALGORITHMS: Final[Mapping[str, str]] = MappingProxyType(
    {"hmac-sha512": "sha512", "hmac-sha384": "sha384", "hmac-sha256": "sha256", "hmac-sha1": "sha1"}
)
DEPRECATED_ALGORITHMS: Final = frozenset({"hmac-sha1"})
#: What `verify_signature` accepts unless told otherwise: every algorithm that is not deprecated.
VERIFY_ALGORITHMS: Final = frozenset(ALGORITHMS) - DEPRECATED_ALGORITHMS

REQUEST_TARGET: Final = "(request-target)"
# RFC 9110 token, lowercase only: the header list on the wire is lowercase.
HEADER_NAME: Final = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+")
SCHEME: Final = re.compile(r"([A-Za-z][A-Za-z0-9_.~+/-]*)(?:[ \t]+|\Z)")
# One `name = "value"` (or bare value) and its separator. No nested quantifiers: linear on any input.
_PARAM: Final = re.compile(
    r'([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(?:"([^"\\]*)"|([^\s",]+))[ \t]*(?:,[ \t]*|\Z)'
)


def string_to_sign(names: Iterable[str], method: str, path: str, header: Callable[[str], str]) -> str:
    """The text that goes into the HMAC, for the signer and the verifier alike.

    Args:
        names: the signed names, lowercase, in order.
        method: the request method (signed lowercase).
        path: the path as sent, percent-encoded, without the query.
        header: the value of a signed header by lowercase name. It raises when the header is missing, so
            the signer (a `ValueError`) and the verifier (a `SignatureError`) each say so their own way.
    """
    lines = []
    for name in names:
        lines.append(
            f"{name}: {method.lower()} {path}" if name == REQUEST_TARGET else f"{name}: {header(name)}"
        )
    return "\n".join(lines)


def encode_signature(digest: bytes) -> str:
    """percent-encode(base64(digest)), as in the ``signature`` parameter."""
    # Equal to quote(b64, safe="") on the base64 alphabet (a test pins it), and much cheaper: see
    # BENCHMARKS.md, "Signing alone".
    b64 = binascii.b2a_base64(digest, newline=False).decode("ascii")
    return b64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def signature_for(secret: bytes, algorithm: str, message: bytes) -> str:
    """The ``signature`` parameter for `message` (the UTF-8 string to sign): percent-encode(base64(HMAC)).

    `XCoverAuth` keys its HMAC once and copies it per request instead (a hot path); the result is the
    same, which a test pins.
    """
    return encode_signature(hmac.digest(secret, message, ALGORITHMS[algorithm]))


def parse_signature_params(value: str) -> dict[str, str]:
    """``Signature k="v", k2="v2"`` -> ``{k: v, k2: v2}``: any order, any spacing, no repeats."""
    text = value.strip(" \t")
    scheme = SCHEME.match(text)
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


def check_algorithm(algorithm: object) -> str:
    """``algorithm`` itself if it names a known algorithm, else a `ValueError` listing them."""
    if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
        known = ", ".join(sorted(ALGORITHMS))
        raise ValueError(f"unknown signature algorithm {algorithm!r}; expected one of: {known}")
    return algorithm


def utf8_or_none(text: str) -> bytes | None:
    """``text`` as UTF-8, or None if it holds lone surrogates."""
    # Not raised from: a UnicodeEncodeError carries the whole text (.object) in the error's context.
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def secret_bytes(api_secret: str | bytes | bytearray, *, name: str = "api_secret") -> bytes:
    """A signing secret as the bytes HMAC is keyed with: UTF-8 text or bytes, never empty.

    `name` is what the messages call the secret (`verify_signature` names the key id it belongs to).
    """
    if isinstance(api_secret, str):
        secret = utf8_or_none(api_secret)
        if secret is None:
            raise ValueError(f"{name} is not valid Unicode text")
    elif isinstance(api_secret, bytes | bytearray):
        secret = bytes(api_secret)
    else:
        raise ValueError(f"{name} must be str or bytes, not {type(api_secret).__name__}")
    if not secret:
        raise ValueError(f"{name} must not be empty")
    return secret
