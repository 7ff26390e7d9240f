"""Properties of signing and verification, over methods, paths, queries, dates, keys and secrets.

- verify_signature accepts whatever XCoverAuth produces;
- it rejects any single-byte change to the signature, path, method, date, key id, algorithm or header
  list (the path and the method only when ``(request-target)`` is signed: with ``date`` alone they are
  not part of the signature, by the scheme's design);
- it rejects dates outside the window and accepts those inside;
- on malformed input of any kind it raises SignatureError and nothing else, and never names the secret.
"""

from __future__ import annotations

import base64
import calendar
import hmac
import math
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from xcover_offers import XCoverAuth, redact_headers, verify_signature
from xcover_offers._errors import SignatureError
from xcover_offers._signature import encode_signature, parse_signature_params
from xcover_offers._signing import _imf_fixdate

ALGORITHMS = ["hmac-sha512", "hmac-sha384", "hmac-sha256"]
HEADER_SETS = [("(request-target)", "date"), ("date",)]
KEY_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\')
TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# 1970 .. 2100: every Date the signer can be asked for in practice, and then some.
SECONDS = st.integers(min_value=0, max_value=4_102_444_800)

methods = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]) | st.text(
    TOKEN_CHARS, min_size=1, max_size=12
)
segments = st.lists(st.text(max_size=12), min_size=0, max_size=5)
queries = st.none() | st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3)
keys = st.text(KEY_CHARS, min_size=1, max_size=40)
# A distinctive prefix, so "the secret is not in the message" cannot pass or fail by coincidence.
secrets = st.text(min_size=1, max_size=40).map(lambda s: "SECRET-" + s) | st.binary(
    min_size=1, max_size=80
).map(lambda b: b"SECRET-" + b)


@dataclass(frozen=True)
class Signed:
    method: str
    path: str
    headers: dict[str, str]
    key: str
    secret: str | bytes
    second: int
    signed_headers: tuple[str, ...]

    @property
    def secret_text(self) -> str:
        return self.secret if isinstance(self.secret, str) else self.secret.decode("utf-8", "replace")

    def verify(self, **overrides: Any) -> str:
        arguments: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "secrets": {self.key: self.secret},
            "now": self.second,
        }
        arguments.update(overrides)
        return verify_signature(
            arguments.pop("method"), arguments.pop("path"), arguments.pop("headers"), **arguments
        )


@st.composite
def signed_requests(draw: st.DrawFn, signed_headers: Any = None) -> Signed:
    method = draw(methods)
    path = "/" + "/".join(quote(segment, safe="") for segment in draw(segments))
    key, secret = draw(keys), draw(secrets)
    second = draw(SECONDS)
    fraction = draw(st.floats(min_value=0, max_value=0.999))
    names = draw(st.sampled_from(HEADER_SETS)) if signed_headers is None else signed_headers
    auth = XCoverAuth(
        key,
        secret,
        algorithm=draw(st.sampled_from(ALGORITHMS)),
        signed_headers=names,
        clock=lambda: second + fraction,
    )
    request = httpx.Request(method, "https://api.example.test" + path, params=draw(queries))
    next(auth.auth_flow(request))
    return Signed(
        method=request.method,
        path=request.url.raw_path.decode("ascii"),
        headers=dict(request.headers),
        key=key,
        secret=secret,
        second=second,
        signed_headers=names,
    )


def rejected(case: Signed, **overrides: Any) -> SignatureError:
    with pytest.raises(SignatureError) as info:
        case.verify(**overrides)
    message = str(info.value)
    assert case.secret_text not in message
    signature = parse_signature_params(case.headers["authorization"])["signature"]
    assert signature not in message
    return info.value


# -- round trip -------------------------------------------------------------------------------------


@given(signed_requests())
def test_verify_accepts_what_xcover_auth_produces(case: Signed) -> None:
    assert case.verify() == case.key
    assert case.verify(headers=httpx.Headers(case.headers)) == case.key
    assert case.verify(headers={name.title(): value for name, value in case.headers.items()}) == case.key


# -- single-byte changes ----------------------------------------------------------------------------

ASCII = st.characters(max_codepoint=0x7F)


@st.composite
def one_byte_changes(draw: st.DrawFn, text: str) -> str:
    """`text` with one character replaced, inserted or deleted; never `text` itself."""
    operation = draw(st.sampled_from(["replace", "insert", "delete"] if text else ["insert"]))
    if operation == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(ASCII) + text[at:]
    at = draw(st.integers(0, len(text) - 1))
    if operation == "delete":
        return text[:at] + text[at + 1 :]
    replacement = draw(ASCII.filter(lambda c: c != text[at]))
    return text[:at] + replacement + text[at + 1 :]


def with_param(case: Signed, name: str, value: str) -> dict[str, str]:
    params = parse_signature_params(case.headers["authorization"])
    params[name] = value
    authorization = "Signature " + ",".join(f'{k}="{v}"' for k, v in params.items())
    return {**case.headers, "authorization": authorization}


PARAMS = {"signature": "signature", "key id": "keyId", "algorithm": "algorithm", "header list": "headers"}


@given(
    signed_requests(),
    st.sampled_from(
        ["signature", "key id", "algorithm", "header list", "date", "path", "method", "x-api-key"]
    ),
    st.data(),
)
def test_any_single_byte_change_is_rejected(case: Signed, part: str, data: st.DataObject) -> None:
    if part in PARAMS:
        original = parse_signature_params(case.headers["authorization"])[PARAMS[part]]
        headers = with_param(case, PARAMS[part], data.draw(one_byte_changes(original)))
        if part == "key id":  # also without X-Api-Key, so the key lookup itself is exercised
            headers = data.draw(
                st.sampled_from([headers, {k: v for k, v in headers.items() if k != "x-api-key"}])
            )
        rejected(case, headers=headers)
    elif part in ("date", "x-api-key"):
        rejected(case, headers={**case.headers, part: data.draw(one_byte_changes(case.headers[part]))})
    else:
        assume("(request-target)" in case.signed_headers)
        if part == "method":
            changed = data.draw(one_byte_changes(case.method))
            assume(changed.lower() != case.method.lower())  # the scheme signs the method lowercased
        else:
            path, mark, query = case.path.partition("?")  # the query is not signed: change the path
            changed = data.draw(one_byte_changes(path)) + mark + query
            assume(changed.partition("?")[0] != path)  # "/a?" is "/a" with an empty query
        rejected(case, **{part: changed})


@given(signed_requests(), st.sampled_from(["keyId", "algorithm", "headers", "signature"]))
def test_each_parameter_is_required(case: Signed, name: str) -> None:
    params = parse_signature_params(case.headers["authorization"])
    del params[name]
    authorization = "Signature " + ",".join(f'{k}="{v}"' for k, v in params.items())
    rejected(case, headers={**case.headers, "authorization": authorization})


@given(signed_requests(), st.data())
def test_another_secret_is_rejected(case: Signed, data: st.DataObject) -> None:
    def key(secret: str | bytes) -> bytes:  # a str secret is its UTF-8 bytes: b"SECRET-0" == "SECRET-0"
        return secret.encode() if isinstance(secret, str) else secret

    other = data.draw(secrets.filter(lambda s: key(s) != key(case.secret)))
    error = rejected(case, secrets=lambda key_id: other)
    assert "does not match" in str(error)


# -- the time window --------------------------------------------------------------------------------


@given(
    signed_requests(), st.integers(0, 3600), st.integers(1, 10**8), st.sampled_from([-1, 1])
)  # fmt: skip
def test_dates_outside_the_window_are_rejected(
    case: Signed, max_skew: int, beyond: int, direction: int
) -> None:
    error = rejected(case, max_skew=max_skew, now=case.second + direction * (max_skew + beyond))
    assert ("old" if direction > 0 else "in the future") in str(error)


@given(signed_requests(), st.integers(0, 3600), st.floats(-1, 1))
def test_dates_inside_the_window_are_accepted(case: Signed, max_skew: int, position: float) -> None:
    assert case.verify(max_skew=max_skew, now=case.second + position * max_skew) == case.key


# -- fuzzing: SignatureError and nothing else -------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "Signature", "signature", "Bearer", " ", "  ", "\t", ",", "=", '"', "\\", "keyId", "algorithm",
        "headers", "hmac-sha512", "hmac-sha1", "(request-target)", "date", "(request-target) date", "%2B",
        "%3D", "é", "\x00", "\n", "x", "0",
    ]
)  # fmt: skip
authorization_values = (
    st.text(max_size=200)
    | st.lists(FRAGMENTS, max_size=30).map("".join)
    | st.builds(
        lambda params: "Signature " + ",".join(f"{k}={v}" for k, v in params),
        st.lists(
            st.tuples(
                st.sampled_from(["keyId", "algorithm", "headers", "signature", "KeyId", "x"])
                | st.text(max_size=5),
                st.text(max_size=30) | st.text(max_size=30).map(lambda v: f'"{v}"'),
            ),
            max_size=6,
        ),
    )
)


@given(signed_requests(), authorization_values)
def test_a_malformed_authorization_header_raises_signature_error(case: Signed, value: str) -> None:
    assume(value != case.headers.get("authorization"))
    rejected(case, headers={**case.headers, "authorization": value})


@given(signed_requests(), st.text(max_size=60) | st.lists(FRAGMENTS, max_size=12).map("".join))
def test_a_malformed_date_raises_signature_error(case: Signed, value: str) -> None:
    assume(value != case.headers["date"])
    rejected(case, headers={**case.headers, "date": value})


header_values: Any = st.text(max_size=40) | st.binary(max_size=20) | st.none() | st.integers()


@given(
    signed_requests(signed_headers=("(request-target)", "date")),
    st.one_of(st.text(max_size=20), st.none(), st.integers()),
    st.one_of(st.text(max_size=40), st.none(), st.binary(max_size=10)),
    st.dictionaries(
        st.text(max_size=15) | st.sampled_from(["date", "Authorization", "X-Api-Key"]), header_values
    ),
)
def test_arbitrary_requests_raise_signature_error(case: Signed, method: Any, path: Any, extra: Any) -> None:
    # The method or the path differs from what was signed (and the headers are anything at all).
    assume(
        not isinstance(method, str)
        or not isinstance(path, str)
        or method.lower() != case.method.lower()
        or path.partition("?")[0] != case.path
    )
    headers = {**case.headers, **extra}
    with pytest.raises(SignatureError):
        case.verify(method=method, path=path, headers=headers)


@given(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.tuples(st.text(), st.text()))))
def test_headers_that_are_not_a_mapping_raise_signature_error(headers: Any) -> None:
    with pytest.raises(SignatureError):
        verify_signature("GET", "/", headers, secrets={}, now=0)


# -- the building blocks ----------------------------------------------------------------------------


@given(
    st.sampled_from(ALGORITHMS),
    st.binary(min_size=1, max_size=300),  # shorter, equal to and longer than every block size
    st.lists(segments, min_size=1, max_size=3),
)
def test_one_keyed_hmac_state_signs_many_requests(algorithm: str, key: bytes, paths: list[list[str]]) -> None:
    auth = XCoverAuth("k", key, algorithm=algorithm, clock=lambda: 0.0)
    for path in paths:  # the keyed state is copied for each request, never consumed
        request = httpx.Request(
            "GET", "https://api.example.test/" + "/".join(quote(p, safe="") for p in path)
        )
        next(auth.auth_flow(request))
        message = f"(request-target): get {request.url.raw_path.decode()}\ndate: {_imf_fixdate(0)}"
        expected = hmac.digest(key, message.encode(), algorithm.removeprefix("hmac-"))
        assert parse_signature_params(request.headers["authorization"])["signature"] == encode_signature(
            expected
        )


@given(st.binary(max_size=100))
def test_percent_encoding_equals_quote_with_nothing_safe(digest: bytes) -> None:
    assert encode_signature(digest) == quote(base64.b64encode(digest).decode("ascii"), safe="")


DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@given(SECONDS)
def test_date_is_imf_fixdate_in_gmt(second: int) -> None:
    text = _imf_fixdate(second)
    match = re.fullmatch(r"(\w{3}), (\d\d) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT", text)
    assert match is not None, text
    day, mday, month, year, hour, minute, sec = match.groups()
    assert day in DAYS
    assert month in MONTHS
    assert (
        calendar.timegm((int(year), MONTHS.index(month) + 1, int(mday), int(hour), int(minute), int(sec)))
        == second
    )
    assert DAYS[calendar.weekday(int(year), MONTHS.index(month) + 1, int(mday))] == day
    assert parsedate_to_datetime(text).timestamp() == second


@given(signed_requests())
def test_redacted_headers_never_show_the_signature(case: Signed) -> None:
    redacted = redact_headers(case.headers)
    signature = parse_signature_params(case.headers["authorization"])["signature"]
    assert all(signature not in value for value in redacted.values())
    assert redacted["authorization"].endswith(",signature=<redacted>")
    assert redacted["authorization"].startswith("Signature keyId=<redacted>,")


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6), SECONDS)
def test_clock_offset_shifts_the_date(offset: float, second: int) -> None:
    auth = XCoverAuth("k", "s", clock=lambda: float(second), clock_offset=offset)
    request = httpx.Request("GET", "https://api.example.test/")
    next(auth.auth_flow(request))
    assert request.headers["date"] == _imf_fixdate(math.floor(second + offset))


@given(
    st.sampled_from(["", "Bearer ", "Basic ", "Token ", "Signature ", "x ", "Other-Scheme "]),
    st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/=", min_size=8, max_size=40),
    st.sampled_from(["Authorization", "proxy-authorization", "X-Auth-Token", "Cookie", "X-Client-Secret"]),
)
def test_redaction_never_shows_a_credential(scheme: str, credential: str, name: str) -> None:
    assume(credential.lower() not in ("signature", "bearer", "basic", "token"))
    (shown,) = redact_headers({name: scheme + credential}).values()
    assert credential not in shown
