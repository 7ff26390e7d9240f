"""`redact_headers` and `redact_url`: what is safe to log, trace or keep on an exception.

One policy, by header name, for every place a header can be shown: DEBUG lines, exceptions (and
their pickles), `SigningDetails`, the CLI and the sandbox's records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

import httpx

from ._constants import LOGGED_QUERY_PARAMETERS
from ._errors import SignatureError
from ._signature import SCHEME, parse_signature_params

REDACTED: Final = "<redacted>"
_KNOWN_SCHEMES: Final = frozenset(
    {"signature", "basic", "bearer", "digest", "token", "hmac", "negotiate", "ntlm", "aws4-hmac-sha256"}
)
# Header names whose values are never logged.
_SENSITIVE_NAME_PARTS: Final = (
    "auth", "secret", "token", "password", "passwd", "cookie", "session", "credential", "signature",
    "private", "api-key", "apikey",
)  # fmt: skip


def redact_headers(headers: Mapping[str, str] | httpx.Headers) -> dict[str, str]:
    """Headers safe to log: signatures, credentials, tokens and cookies replaced by ``<redacted>``.

    ``Authorization: Signature ...`` keeps ``algorithm`` and ``headers`` (what you need to diagnose a
    403) and shows ``keyId=<redacted>`` and ``signature=<redacted>``; other schemes keep only the scheme
    name. Any header whose name contains auth, secret, token, password, cookie, session, credential,
    signature, private or api-key (``X-Api-Key``) is redacted whole: the key is a credential too
    (`SigningDetails.key_id` shows it where it is asked for).

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
        return REDACTED
    return value


def _redact_authorization(value: str) -> str:
    scheme = SCHEME.match(value.strip())
    # Only a well-known scheme name is shown: a bare token ("sk-live-...") would pass for a scheme.
    if scheme is None or scheme[1].lower() not in _KNOWN_SCHEMES or scheme.end() == len(value.strip()):
        return REDACTED
    if scheme[1].lower() != "signature":
        return f"{scheme[1]} {REDACTED}"
    try:
        params = parse_signature_params(value)
    except SignatureError:
        return f"{scheme[1]} {REDACTED}"
    shown = [f'{name}="{params[name]}"' for name in ("algorithm", "headers") if name in params]
    return f"{scheme[1]} {','.join([f'keyId={REDACTED}', *shown, f'signature={REDACTED}'])}"


URL_REDACTED: Final = "REDACTED"
"""OpenTelemetry's placeholder for a URL's credentials: `<redacted>` would be percent-encoded."""


def redact_url(url: httpx.URL) -> httpx.URL:
    """The URL with its credentials, and the value of every query parameter not known to be safe
    (`LOGGED_QUERY_PARAMETERS`: a client passed in may add a proxy token), replaced by REDACTED."""
    if url.userinfo:
        url = url.copy_with(username=URL_REDACTED, password=URL_REDACTED)
    if url.query and any(name not in LOGGED_QUERY_PARAMETERS for name in url.params):
        kept = [(n, v if n in LOGGED_QUERY_PARAMETERS else URL_REDACTED) for n, v in url.params.multi_items()]
        url = url.copy_with(params=kept)
    return url


def redact_target(target: str) -> str:
    """A request target as received (path and query, any text) shown by the same rule as `redact_url`;
    a query that cannot be parsed is redacted whole."""
    path, mark, _ = target.partition("?")
    if not mark:
        return target
    try:
        return str(redact_url(httpx.URL(target)))
    except (httpx.InvalidURL, ValueError):
        return f"{path}?{URL_REDACTED}"
