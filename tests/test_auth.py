"""XCoverAuth and verify_signature: pinned vectors, the wire format, validation, 403 diagnosis, parity.

Property tests (round trip, single-byte changes, skew, fuzzing) are in test_auth_properties.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
from xcover_offers import SigningDetails, XCoverAuth, redact_headers, verify_signature
from xcover_offers._constants import DEFAULT_SIGNED_HEADERS
from xcover_offers._errors import SignatureError, XCoverError
from xcover_offers_api import Client
from xcover_offers_api.api.create_offer import create_offer
from xcover_offers_api.models import Customer, Event, OfferRequest, RequestContext, Ticket

ROOT = Path(__file__).resolve().parent.parent
PINNED = json.loads((ROOT / "tests" / "data" / "signing_vectors.json").read_text("utf-8"))
VECTORS: list[dict[str, Any]] = PINNED["vectors"]
KEY: str = PINNED["api_key"]
SECRET: str = PINNED["api_secret"]
CLOCK: int = PINNED["clock"]
DATE: str = PINNED["date"]  # "Thu, 04 Nov 2021 18:07:11 GMT": already Friday in Sydney
URL = "https://api.xcover.com/x/partners/LLODT/offers/?active_only=false&include_content=true"
PATH = "/x/partners/LLODT/offers/"
DIGESTS = {
    "hmac-sha512": hashlib.sha512,
    "hmac-sha384": hashlib.sha384,
    "hmac-sha256": hashlib.sha256,
    "hmac-sha1": hashlib.sha1,
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def clock_at(seconds: float) -> Callable[[], float]:
    return lambda: seconds


def make_auth(algorithm: str = "hmac-sha512", **kwargs: Any) -> XCoverAuth:
    kwargs.setdefault("clock", clock_at(CLOCK + 0.75))
    if algorithm == "hmac-sha1":
        with pytest.warns(DeprecationWarning, match="hmac-sha1 is deprecated"):
            return XCoverAuth(KEY, SECRET, algorithm=algorithm, **kwargs)
    return XCoverAuth(KEY, SECRET, algorithm=algorithm, **kwargs)


def signed(auth: XCoverAuth, request: httpx.Request) -> httpx.Request:
    flow = auth.auth_flow(request)
    assert next(flow) is request
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200))
    return request


def new_request(method: str = "POST", url: str = URL, **kwargs: Any) -> httpx.Request:
    if method == "POST":
        kwargs.setdefault("json", {"customer": {"currency": "USD"}})
    return httpx.Request(method, url, **kwargs)


def verify(request: httpx.Request, **kwargs: Any) -> str:
    kwargs.setdefault("secrets", {KEY: SECRET})
    kwargs.setdefault("now", CLOCK)
    return verify_signature(request.method, request.url.raw_path.decode("ascii"), request.headers, **kwargs)


def plain_signature(secret: str, string_to_sign: str, algorithm: str) -> str:
    """The scheme written out with nothing but the standard library."""
    digest = hmac.new(secret.encode(), string_to_sign.encode(), DIGESTS[algorithm]).digest()
    return quote(base64.b64encode(digest).decode(), safe="")


# -- pinned vectors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_pinned_vector(vector: dict[str, Any]) -> None:
    auth = make_auth(vector["algorithm"], signed_headers=vector["signed_headers"])
    request = signed(auth, new_request(vector["method"], vector["url"]))
    assert request.url.raw_path.decode().partition("?")[0] == vector["path"]
    assert request.headers["date"] == DATE
    assert request.headers["x-api-key"] == KEY
    assert request.headers["authorization"] == vector["authorization"]
    assert auth.explain(request).string_to_sign == vector["string_to_sign"]
    assert verify(request, algorithms={vector["algorithm"]}) == KEY


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_pinned_vector_agrees_with_a_plain_computation(vector: dict[str, Any]) -> None:
    # Guards the file itself: a vector edited by hand, or re-derived from a broken signer, fails here.
    path = vector["url"].split("://", 1)[1].partition("/")[2].partition("?")[0]
    lines = {
        "(request-target)": f"(request-target): {vector['method'].lower()} /{path}",
        "date": f"date: {DATE}",
    }
    string_to_sign = "\n".join(lines[name] for name in vector["signed_headers"])
    assert string_to_sign == vector["string_to_sign"]
    signature = plain_signature(SECRET, string_to_sign, vector["algorithm"])
    assert signature == vector["signature"]
    assert vector["authorization"] == (
        f'Signature keyId="{KEY}",algorithm="{vector["algorithm"]}",'
        f'headers="{" ".join(vector["signed_headers"])}",signature="{signature}"'
    )


def test_one_vector_written_out_in_full() -> None:
    request = signed(
        make_auth(), new_request("POST", "https://api.xcover.com/x/partners/AB%20C%2F%C3%BC/offers/?a=1")
    )
    string_to_sign = (
        b"(request-target): post /x/partners/AB%20C%2F%C3%BC/offers/\ndate: Thu, 04 Nov 2021 18:07:11 GMT"
    )
    digest = hmac.new(b"test-secret-9d1c04b2e8f7a6", string_to_sign, hashlib.sha512).digest()
    signature = quote(base64.b64encode(digest).decode("ascii"), safe="")
    assert request.headers["authorization"] == (
        'Signature keyId="PK-TEST-7f3a9c",algorithm="hmac-sha512",headers="(request-target) date",'
        f'signature="{signature}"'
    )
    pinned = {v["name"]: v["signature"] for v in VECTORS}
    assert signature == pinned["hmac-sha512 | (request-target) date | POST | encoded"]


def test_vectors_cover_the_whole_matrix() -> None:
    seen = {
        (v["algorithm"], tuple(v["signed_headers"]), v["method"], "?" in v["url"], "%" in v["path"])
        for v in VECTORS
    }
    assert seen == set(
        itertools.product(
            DIGESTS, [DEFAULT_SIGNED_HEADERS, ("date",)], ["GET", "POST"], [False, True], [False, True]
        )
    )
    signatures = " ".join(v["signature"] for v in VECTORS)
    for escaped in ("%2B", "%2F", "%3D"):
        assert escaped in signatures
    assert not set("+/=") & set(signatures)


# -- the wire format --------------------------------------------------------------------------------


def test_headers_on_the_wire() -> None:
    request = signed(make_auth(), new_request())
    assert request.headers["x-api-key"] == KEY
    assert request.headers["date"] == "Thu, 04 Nov 2021 18:07:11 GMT"
    assert re.fullmatch(
        r'Signature keyId="PK-TEST-7f3a9c",algorithm="hmac-sha512",headers="\(request-target\) date",'
        r'signature="[A-Za-z0-9%]+"',
        request.headers["authorization"],
    )


@pytest.mark.parametrize(
    ("algorithm", "size"), [("hmac-sha512", 64), ("hmac-sha384", 48), ("hmac-sha256", 32)]
)
def test_signature_is_percent_encoded_standard_base64(algorithm: str, size: int) -> None:
    request = signed(make_auth(algorithm), new_request())
    signature = request.headers["authorization"].rsplit('signature="', 1)[1].rstrip('"')
    assert len(base64.b64decode(unquote(signature), validate=True)) == size
    assert quote(unquote(signature), safe="") == signature


def test_query_string_is_not_signed() -> None:
    auth = make_auth()
    with_query = signed(auth, new_request("GET", "https://api.xcover.com/x/p/?b=2&a=1"))
    without = signed(auth, new_request("GET", "https://api.xcover.com/x/p/"))
    assert with_query.headers["authorization"] == without.headers["authorization"]


def test_the_path_is_signed_as_sent() -> None:
    auth = make_auth()
    request = signed(auth, new_request("GET", "https://api.xcover.com/x/partners/caf\u00e9 1/offers/"))
    assert request.url.raw_path == b"/x/partners/caf%C3%A9%201/offers/"
    assert auth.explain(request).string_to_sign.startswith(
        "(request-target): get /x/partners/caf%C3%A9%201/offers/\n"
    )
    root = signed(auth, new_request("GET", "https://api.xcover.com"))
    assert auth.explain(root).path == "/"


def test_date_is_set_when_absent_and_day_is_zero_padded() -> None:
    request = signed(make_auth(clock=clock_at(1_641_000_000.5)), new_request())
    assert request.headers["date"] == "Sat, 01 Jan 2022 01:20:00 GMT"


def test_a_date_already_present_is_kept_and_signed_as_it_is() -> None:
    auth = make_auth()
    request = signed(auth, new_request(headers={"Date": "Thu, 04 Nov 2021 18:07:00 GMT"}))
    assert request.headers.get_list("date") == ["Thu, 04 Nov 2021 18:07:00 GMT"]
    assert auth.explain(request).string_to_sign.endswith("\ndate: Thu, 04 Nov 2021 18:07:00 GMT")
    assert verify(request) == KEY
    odd = signed(auth, new_request(headers={"date": "Fri, 05 Nov 2021 05:07:11 +1100"}))
    assert auth.explain(odd).string_to_sign.endswith("\ndate: Fri, 05 Nov 2021 05:07:11 +1100")
    assert verify(odd) == KEY


def test_api_key_and_authorization_replace_what_the_request_had() -> None:
    request = signed(make_auth(), new_request(headers={"X-API-KEY": "other", "authorization": "Bearer x"}))
    assert request.headers.get_list("x-api-key") == [KEY]
    assert request.headers.get_list("authorization")[0].startswith('Signature keyId="PK-TEST-7f3a9c"')


def test_clock_offset_moves_the_date_and_is_settable() -> None:
    auth = make_auth(clock_offset=-11.0)
    assert signed(auth, new_request()).headers["date"] == "Thu, 04 Nov 2021 18:07:00 GMT"
    auth.clock_offset = 3600
    assert auth.clock_offset == 3600.0
    assert signed(auth, new_request()).headers["date"] == "Thu, 04 Nov 2021 19:07:11 GMT"
    with pytest.raises(ValueError, match="clock_offset"):
        auth.clock_offset = float("nan")


def test_date_is_formatted_at_most_once_per_second(monkeypatch: pytest.MonkeyPatch) -> None:
    import xcover_offers._signing as auth_module

    now = [1000.0]
    auth = make_auth(clock=lambda: now[0])
    calls: list[int] = []
    real = auth_module._imf_fixdate

    def counting(second: int) -> str:
        calls.append(second)
        return real(second)

    monkeypatch.setattr(auth_module, "_imf_fixdate", counting)
    for now[0] in (1000.0, 1000.2, 1000.999, 1000.5):
        signed(auth, new_request())
    assert calls == [1000]
    now[0] = 1001.0
    assert signed(auth, new_request()).headers["date"] == real(1001)
    assert calls == [1000, 1001]


def test_signing_an_extra_header() -> None:
    auth = make_auth(signed_headers="(request-target) date x-api-key content-type")
    request = signed(auth, new_request())
    assert auth.explain(request).string_to_sign == (
        f"(request-target): post {PATH}\ndate: {DATE}\nx-api-key: {KEY}\ncontent-type: application/json"
    )
    assert 'headers="(request-target) date x-api-key content-type"' in request.headers["authorization"]
    assert verify(request) == KEY
    with pytest.raises(ValueError, match="no 'content-type' header"):
        signed(auth, new_request("GET"))


def test_signed_headers_are_normalised() -> None:
    assert make_auth(signed_headers=["Date"]).signed_headers == ("date",)
    assert make_auth(signed_headers="  (Request-Target)   DATE ").signed_headers == DEFAULT_SIGNED_HEADERS
    assert make_auth(signed_headers=("date", "(request-target)")).signed_headers == (
        "date",
        "(request-target)",
    )


# -- construction -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_key": ""}, "api_key must be a non-empty string"),
        ({"api_key": None}, "api_key must be a non-empty string"),
        ({"api_key": "key\n"}, "stray newline or space"),
        ({"api_key": " key"}, "stray newline or space"),
        ({"api_key": 'k"ey'}, "quotes"),
        ({"api_key": "clé"}, "visible ASCII"),
        ({"api_secret": ""}, "api_secret must not be empty"),
        ({"api_secret": b""}, "api_secret must not be empty"),
        ({"api_secret": 12345}, "api_secret must be str or bytes"),
        ({"api_secret": "a-distinctive-secret-value\ud800"}, "api_secret is not valid Unicode text"),
        ({"algorithm": "hmac-md5"}, "unknown signature algorithm 'hmac-md5'"),
        ({"algorithm": "HMAC-SHA512"}, "unknown signature algorithm"),
        ({"algorithm": "sha512"}, "expected one of: hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512"),
        ({"signed_headers": ()}, "must include 'date'"),
        ({"signed_headers": ("(request-target)",)}, "must include 'date'"),
        ({"signed_headers": ("date", "Date")}, "listed twice"),
        ({"signed_headers": ("date", "authorization")}, "cannot sign itself"),
        ({"signed_headers": ("date", "(created)")}, "is not a header name"),
        ({"signed_headers": ("date", "x y")}, "is not a header name"),
        ({"signed_headers": ("date", 3)}, "must be strings"),
        ({"clock": 5}, "clock must be a callable"),
        ({"clock_offset": float("inf")}, "clock_offset must be a finite number"),
        ({"clock_offset": "5"}, "clock_offset must be a finite number"),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"api_key": KEY, "api_secret": "a-distinctive-secret-value"}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        XCoverAuth(arguments.pop("api_key"), arguments.pop("api_secret"), **arguments)
    assert "a-distinctive-secret-value" not in str(info.value)
    assert info.value.__context__ is None


def test_hmac_sha1_only_when_asked_and_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="hmac-sha1 is deprecated by XCover; use hmac-sha512"):
        auth = XCoverAuth(KEY, SECRET, algorithm="hmac-sha1")
    assert auth.algorithm == "hmac-sha1"
    assert XCoverAuth(KEY, SECRET).algorithm == "hmac-sha512"  # no warning: warnings are errors here


def test_bytes_secret_equals_its_utf8_text() -> None:
    text = signed(XCoverAuth(KEY, "sécret", clock=clock_at(CLOCK)), new_request())
    raw = signed(XCoverAuth(KEY, "sécret".encode(), clock=clock_at(CLOCK)), new_request())
    assert text.headers["authorization"] == raw.headers["authorization"]


def test_public_properties_are_read_only() -> None:
    auth = make_auth(signed_headers=["date"])
    assert (auth.api_key, auth.algorithm, auth.signed_headers) == (KEY, "hmac-sha512", ("date",))
    for name in ("api_key", "algorithm", "signed_headers"):
        with pytest.raises(AttributeError):
            setattr(auth, name, "x")


def test_the_secret_never_shows() -> None:
    auth = make_auth()
    assert repr(auth) == "XCoverAuth(api_key='PK-TEST-7f3a9c', algorithm='hmac-sha512')"
    assert str(auth) == repr(auth)
    request = signed(auth, new_request())
    texts = [repr(auth), repr(vars(auth)), str(auth.explain(request)), repr(auth.explain(request))]
    texts += [repr(redact_headers(request.headers))]
    for text in texts:
        assert SECRET not in text
    signature = request.headers["authorization"].rsplit('signature="', 1)[1].rstrip('"')
    assert signature not in str(auth.explain(request))
    assert signature not in repr(redact_headers(request.headers))


# -- diagnosing a 403 -------------------------------------------------------------------------------


def test_explain_shows_what_is_signed_without_changing_the_request() -> None:
    auth = make_auth()
    request = new_request()
    before = list(request.headers.raw)
    details = auth.explain(request)
    assert list(request.headers.raw) == before
    assert isinstance(details, SigningDetails)
    assert details.key_id == KEY
    assert details.algorithm == "hmac-sha512"
    assert details.signed_headers == ("(request-target)", "date")
    assert details.method == "POST"
    assert details.path == PATH
    assert details.string_to_sign == f"(request-target): post {PATH}\ndate: {DATE}"
    assert details.headers["Date"] == DATE
    assert details.headers["X-Api-Key"] == "<redacted>"  # the key is `key_id`, asked for by name
    assert details.headers["Authorization"] == (
        'Signature keyId=<redacted>,algorithm="hmac-sha512",headers="(request-target) date",'
        "signature=<redacted>"
    )
    with pytest.raises(TypeError):
        details.headers["Date"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        details.path = "/"  # type: ignore[misc]


def test_explain_reproduces_the_string_that_was_signed() -> None:
    auth = make_auth()
    request = signed(auth, new_request())
    auth.clock_offset = 999  # a later explain still uses the Date that was sent
    details = auth.explain(request)
    assert details.headers["Date"] == DATE
    sent = request.headers["authorization"].rsplit('signature="', 1)[1].rstrip('"')
    assert plain_signature(SECRET, details.string_to_sign, "hmac-sha512") == sent


def test_explain_reads_like_a_report() -> None:
    request = new_request()
    text = str(make_auth().explain(request))
    assert text.splitlines() == [
        "XCover request signing (the secret is never shown)",
        "  key id:         PK-TEST-7f3a9c",
        "  algorithm:      hmac-sha512",
        "  signed headers: (request-target) date",
        "  string to sign:",
        "    (request-target): post /x/partners/LLODT/offers/",
        "    date: Thu, 04 Nov 2021 18:07:11 GMT",
        "  headers sent:",
        "    Host: api.xcover.com",
        f"    Content-Length: {len(request.content)}",  # httpx's JSON: compact from 0.28, spaced before
        "    Content-Type: application/json",
        "    Date: Thu, 04 Nov 2021 18:07:11 GMT",
        "    X-Api-Key: <redacted>",
        '    Authorization: Signature keyId=<redacted>,algorithm="hmac-sha512",'
        'headers="(request-target) date",signature=<redacted>',
    ]


# -- redact_headers ---------------------------------------------------------------------------------


def test_redact_headers() -> None:
    headers = {
        "Authorization": 'Signature keyId="k1", algorithm="hmac-sha256",headers="date",signature="abc%2B"',
        "Proxy-Authorization": "Basic dXNlcjpwYXNz",
        "Cookie": "session=1",
        "Set-Cookie": "a=b",
        "X-Auth-Token": "t",
        "X-Api-Secret": "s",
        "X-Client-Password": "p",
        "X-Api-Key": "k1",
        "Date": DATE,
        "Content-Type": "application/json",
    }
    assert redact_headers(headers) == {
        "Authorization": (
            'Signature keyId=<redacted>,algorithm="hmac-sha256",headers="date",signature=<redacted>'
        ),
        "Proxy-Authorization": "Basic <redacted>",
        "Cookie": "<redacted>",
        "Set-Cookie": "<redacted>",
        "X-Auth-Token": "<redacted>",
        "X-Api-Secret": "<redacted>",
        "X-Client-Password": "<redacted>",
        "X-Api-Key": "<redacted>",
        "Date": DATE,
        "Content-Type": "application/json",
    }
    assert headers["Authorization"].endswith('signature="abc%2B"')  # the input is left alone


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Bearer abc.def", "Bearer <redacted>"),
        ("bearer   abc.def", "bearer <redacted>"),
        ("Signature garbage", "Signature <redacted>"),
        ("Bearer", "<redacted>"),
        ("sk-live-0123456789", "<redacted>"),
        ("my secret phrase", "<redacted>"),
        ('signature keyId="k"', "signature keyId=<redacted>,signature=<redacted>"),
        ('"quoted"', "<redacted>"),
        ("", "<redacted>"),
    ],
)
def test_redact_other_authorization_values(value: str, shown: str) -> None:
    assert redact_headers({"authorization": value}) == {"authorization": shown}


def test_redact_httpx_headers_keeps_spelling_and_joins_repeats() -> None:
    headers = httpx.Headers([("X-Trace", "1"), ("Cookie", "a=1"), ("x-trace", "2"), ("COOKIE", "b=2")])
    assert redact_headers(headers) == {"X-Trace": "1, 2", "Cookie": "<redacted>, <redacted>"}


# -- verify_signature: each rule --------------------------------------------------------------------


def signed_headers_dict(**kwargs: Any) -> dict[str, str]:
    request = signed(make_auth(**kwargs), new_request())
    return dict(request.headers)


def rejects(headers: dict[str, str], message: str, **kwargs: Any) -> SignatureError:
    kwargs.setdefault("secrets", {KEY: SECRET})
    kwargs.setdefault("now", CLOCK)
    method = kwargs.pop("method", "POST")
    path = kwargs.pop("path", PATH)
    with pytest.raises(SignatureError, match=message) as info:
        verify_signature(method, path, headers, **kwargs)
    assert SECRET not in str(info.value)
    assert isinstance(info.value, XCoverError)
    return info.value


def with_auth(headers: dict[str, str], value: str) -> dict[str, str]:
    return {**headers, "authorization": value}


def test_verify_accepts_and_returns_the_key_id() -> None:
    headers = signed_headers_dict()
    assert verify_signature("POST", PATH, headers, secrets={KEY: SECRET}, now=CLOCK) == KEY
    assert verify_signature("post", PATH + "?active_only=1", headers, secrets={KEY: SECRET}, now=CLOCK) == KEY
    assert verify_signature("POST", PATH, headers, secrets=lambda k: SECRET, now=CLOCK + 299) == KEY
    assert verify_signature("POST", PATH, headers, secrets={KEY: SECRET.encode()}, now=CLOCK) == KEY
    when = dt.datetime(2021, 11, 5, 5, 7, 11, tzinfo=dt.timezone(dt.timedelta(hours=11)))
    assert verify_signature("POST", PATH, headers, secrets={KEY: SECRET}, now=when) == KEY
    shouted = {name.upper(): value for name, value in headers.items()}
    assert verify_signature("POST", PATH, shouted, secrets={KEY: SECRET}, now=CLOCK) == KEY
    assert verify_signature("POST", PATH, httpx.Headers(headers), secrets={KEY: SECRET}, now=CLOCK) == KEY


def test_verify_tolerates_parameter_order_and_spacing() -> None:
    headers = signed_headers_dict()
    signature = headers["authorization"].rsplit('signature="', 1)[1].rstrip('"')
    for value in (
        f'Signature signature="{signature}", headers="(request-target) date", algorithm="hmac-sha512", '
        f'keyId="{KEY}"',
        f'signature  keyId = "{KEY}" ,\talgorithm="hmac-sha512",headers="(request-target) date" , '
        f'signature="{signature}",',
        f'Signature keyId={KEY},algorithm=hmac-sha512,headers="(request-target) date",'
        f'signature={signature},x="1"',
    ):
        assert (
            verify_signature("POST", PATH, with_auth(headers, value), secrets={KEY: SECRET}, now=CLOCK) == KEY
        )


def test_verify_without_x_api_key_and_with_date_only() -> None:
    headers = signed_headers_dict(signed_headers=["date"])
    del headers["x-api-key"]
    assert verify_signature("DELETE", "/anything", headers, secrets={KEY: SECRET}, now=CLOCK) == KEY


def test_verify_accepts_hmac_sha1_only_when_allowed() -> None:
    headers = signed_headers_dict(algorithm="hmac-sha1")
    rejects(headers, "algorithm 'hmac-sha1' is not allowed")
    assert (
        verify_signature("POST", PATH, headers, secrets={KEY: SECRET}, now=CLOCK, algorithms={"hmac-sha1"})
        == KEY
    )
    rejects(signed_headers_dict(), "algorithm 'hmac-sha512' is not allowed", algorithms="hmac-sha256")


def test_verify_rules() -> None:
    good = signed_headers_dict()
    signature = good["authorization"].rsplit('signature="', 1)[1].rstrip('"')

    def auth(**params: str) -> str:
        values = {
            "keyId": KEY,
            "algorithm": "hmac-sha512",
            "headers": "(request-target) date",
            "signature": signature,
        }
        values.update(params)
        return "Signature " + ",".join(f'{k}="{v}"' for k, v in values.items() if v != "-")

    without_auth = {k: v for k, v in good.items() if k != "authorization"}
    rejects(without_auth, "has no Authorization header")
    rejects(with_auth(good, "Bearer abc"), "does not use the Signature scheme")
    rejects(
        with_auth(good, 'Signature keyId="a" algorithm="b"'), "malformed Authorization header at character"
    )
    rejects(with_auth(good, auth() + f',keyId="{KEY}"'), "parameter 'keyId' given twice")
    for name in ("keyId", "algorithm", "headers", "signature"):
        rejects(with_auth(good, auth(**{name: "-"})), f"has no '{name}' parameter")
    rejects(with_auth(good, auth(algorithm="hmac-md5")), "algorithm 'hmac-md5' is not allowed")
    rejects(with_auth(good, auth(headers="(request-target)")), "'date' is not among the signed headers")
    rejects(
        with_auth(good, auth(headers="(request-target) Date")),
        "not lowercase names separated by single spaces",
    )
    rejects(with_auth(good, auth(headers="(request-target)  date")), "not lowercase names separated")
    rejects(with_auth(good, auth(headers="date date")), "repeats a name")
    mismatch = rejects(
        {**good, "x-api-key": "someone-else"},
        "X-Api-Key does not equal the keyId of the Authorization header",
    )
    unknown = rejects(good, "unknown key id", secrets={})
    # A sandbox answers these in its 403: the key, a credential, is never echoed back.
    assert KEY not in str(mismatch)
    assert "someone-else" not in str(mismatch)
    assert KEY not in str(unknown)
    rejects(good, "unknown key id", secrets=lambda key: None)
    rejects(good, "unknown key id", secrets={}.__getitem__)
    rejects({k: v for k, v in good.items() if k != "date"}, "has no Date header")
    rejects({**good, "date": "yesterday"}, "the Date header 'yesterday' is not an HTTP date like")
    rejects({**good, "date": "Thu, 04 Nov 2021 18:07:11 -0000"}, "not an HTTP date like")
    rejects(good, "the Date header is 301 s old, more than the allowed 300 s", now=CLOCK + 301)
    rejects(
        good, "the Date header is 61 s in the future, more than the allowed 60 s", now=CLOCK - 61, max_skew=60
    )
    rejects(
        with_auth(good, auth(headers="(request-target) date digest")), "the signed header 'digest' is missing"
    )
    rejects(good, "the method 'GET POST' is not an HTTP method", method="GET POST")
    rejects(good, "the path is not text without control characters", path="/x\n")
    rejects("not a mapping", "the headers are not a mapping")  # type: ignore[arg-type]
    rejects({**good, "date": None}, "header names and values must be text")  # type: ignore[dict-item]


def test_verify_mismatch_names_the_string_but_not_the_expected_signature() -> None:
    good = signed_headers_dict()
    error = rejects(good, "the signature does not match", secrets={KEY: "another-secret"})
    assert repr(f"(request-target): post {PATH}\ndate: {DATE}") in str(error)
    expected = plain_signature(
        "another-secret", f"(request-target): post {PATH}\ndate: {DATE}", "hmac-sha512"
    )
    assert expected not in str(error)
    assert unquote(expected) not in str(error)
    rejects(good, "the signature does not match", path="/x/partners/LLODT/offers")
    rejects(good, "the signature does not match", method="PUT")
    rejects({**good, "date": "Thu, 04 Nov 2021 18:07:12 GMT"}, "the signature does not match")


def test_verify_window_is_inclusive() -> None:
    good = signed_headers_dict()
    for now in (CLOCK - 300, CLOCK + 300):
        assert verify_signature("POST", PATH, good, secrets={KEY: SECRET}, now=now) == KEY
    assert verify_signature("POST", PATH, good, secrets={KEY: SECRET}, now=CLOCK, max_skew=0) == KEY


def test_verify_signed_header_with_a_line_break_is_rejected() -> None:
    auth = make_auth(signed_headers="date x-note")
    headers = dict(signed(auth, new_request(headers={"X-Note": "fine"})).headers)
    assert verify_signature("POST", PATH, headers, secrets={KEY: SECRET}, now=CLOCK) == KEY
    rejects({**headers, "x-note": "fine\ndate: x"}, "'x-note' contains a line break")


def test_verify_argument_errors_are_not_signature_errors() -> None:
    good = signed_headers_dict()
    with pytest.raises(ValueError, match="max_skew"):
        verify_signature("POST", PATH, good, secrets={KEY: SECRET}, max_skew=-1)
    with pytest.raises(ValueError, match="unknown signature algorithm 'md5'"):
        verify_signature("POST", PATH, good, secrets={KEY: SECRET}, algorithms={"md5"})
    with pytest.raises(ValueError, match="at least one"):
        verify_signature("POST", PATH, good, secrets={KEY: SECRET}, algorithms=())
    with pytest.raises(ValueError, match="aware datetime"):
        verify_signature("POST", PATH, good, secrets={KEY: SECRET}, now=dt.datetime(2021, 11, 4))
    with pytest.raises(TypeError, match="secrets must be"):
        verify_signature("POST", PATH, good, secrets=42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="the secret for key id 'PK-TEST-7f3a9c' is not valid Unicode"):
        verify_signature("POST", PATH, good, secrets={KEY: "x\ud800"}, now=CLOCK)
    with pytest.raises(TypeError, match="expected str or bytes"):
        verify_signature("POST", PATH, good, secrets={KEY: 7}, now=CLOCK)  # type: ignore[dict-item]

    def broken_store(key_id: str) -> str:
        raise RuntimeError("secret store unavailable")

    with pytest.raises(RuntimeError, match="secret store unavailable"):
        verify_signature("POST", PATH, good, secrets=broken_store, now=CLOCK)


# -- timezone and locale ----------------------------------------------------------------------------

_TZ_SCRIPT = """
import locale, time, httpx
from xcover_offers import XCoverAuth
for name in ("de_DE.UTF-8", "fr_FR.UTF-8", "ja_JP.UTF-8"):
    try:
        locale.setlocale(locale.LC_ALL, name)
        break
    except locale.Error:
        pass
assert time.localtime({clock}).tm_gmtoff != 0, "TZ had no effect"
request = httpx.Request("GET", "https://api.xcover.com/x/")
next(XCoverAuth("k", "s", clock=lambda: {clock}.75).auth_flow(request))
print(request.headers["date"])
"""


@pytest.mark.parametrize("zone", ["Australia/Sydney", "America/Los_Angeles", "AEST-10AEDT,M10.1.0,M4.1.0/3"])
def test_date_is_gmt_whatever_the_local_zone(zone: str) -> None:
    env = {**os.environ, "TZ": zone}
    result = subprocess.run(
        [sys.executable, "-c", _TZ_SCRIPT.format(clock=CLOCK)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == DATE


# -- parity: sync httpx, async httpx, the generated client ------------------------------------------


def _body() -> OfferRequest:
    event = Event(
        id="ev-1",
        name="Concert",
        start_date=dt.datetime(2027, 1, 2, 20, 0, tzinfo=dt.UTC),
        country="US",
        tickets=[Ticket(id="t1", price=50.5)],
    )
    return OfferRequest(
        customer=Customer(currency="USD", country="US", language="en-us"),
        context=RequestContext(events=[event]),
    )


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={"data": {"id": "offer-1", "currency": "USD", "products": []}})


PARTNER = "AB C/1"
PARITY_URL = "https://api.xcover.com/x/partners/AB%20C%2F1/offers/?active_only=false&include_content=true"


EXPECTED_WIRE = (
    "POST",
    b"/x/partners/AB%20C%2F1/offers/?active_only=false&include_content=true",
    DATE,
    KEY,
    f'Signature keyId="{KEY}",algorithm="hmac-sha512",headers="(request-target) date",signature="'
    + plain_signature(
        SECRET, f"(request-target): post /x/partners/AB%20C%2F1/offers/\ndate: {DATE}", "hmac-sha512"
    )
    + '"',
)


def _wire(request: httpx.Request) -> tuple[str, bytes, str, str, str]:
    headers = request.headers
    return (
        request.method,
        request.url.raw_path,
        headers["date"],
        headers["x-api-key"],
        headers["authorization"],
    )


def _generated_client(auth: XCoverAuth, recorder: Recorder) -> Client:
    return Client(
        base_url="https://api.xcover.com/x",
        httpx_args={"auth": auth, "transport": httpx.MockTransport(recorder)},
    )


def test_sync_clients_sign_identically() -> None:
    auth, recorder = make_auth(), Recorder()
    with httpx.Client(auth=auth, transport=httpx.MockTransport(recorder)) as client:
        client.post(PARITY_URL, json=_body().to_dict())
    with _generated_client(auth, recorder) as generated:
        create_offer.sync(PARTNER, client=generated, body=_body())
    assert [_wire(request) for request in recorder.requests] == [EXPECTED_WIRE] * 2
    for request in recorder.requests:
        assert verify(request) == KEY


@pytest.mark.anyio
async def test_async_clients_sign_identically() -> None:
    auth, recorder = make_auth(), Recorder()
    async with httpx.AsyncClient(auth=auth, transport=httpx.MockTransport(recorder)) as client:
        await client.post(PARITY_URL, json=_body().to_dict())
    async with _generated_client(auth, recorder) as generated:
        await create_offer.asyncio(PARTNER, client=generated, body=_body())
    assert [_wire(request) for request in recorder.requests] == [EXPECTED_WIRE] * 2
    for request in recorder.requests:
        assert verify(request) == KEY


# -- clock skew: XCoverAuth re-signs once, inside its own flow -------------------------------------------


def _skew_server(skew: float, body: Callable[[], httpx.Response]) -> tuple[list[str], httpx.MockTransport]:
    dates: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        dates.append(request.headers["date"])
        claimed = email.utils.parsedate_to_datetime(request.headers["date"]).timestamp()
        if abs(claimed - (CLOCK + skew)) <= 60:
            return httpx.Response(204)
        answer = body()
        answer.headers["Date"] = email.utils.formatdate(CLOCK + skew, usegmt=True)
        return answer

    return dates, httpx.MockTransport(handler)


def test_any_httpx_client_gets_the_skew_step_xcovers_403_re_signs_once() -> None:
    error = {"type": "auth", "message": "Signature string does not match!"}
    dates, transport = _skew_server(3600.0, lambda: httpx.Response(403, json=error))
    auth = make_auth()
    with httpx.Client(transport=transport, auth=auth) as client:
        assert client.post(f"https://h{PATH}").status_code == 204
    assert len(dates) == 2
    assert dates[0] != dates[1]
    assert auth.clock_offset == pytest.approx(3600.0, abs=1)


@pytest.mark.parametrize(
    "body",
    [
        lambda: httpx.Response(403, json={"message": "Forbidden"}),  # a gateway's page: no `type`
        lambda: httpx.Response(403, text='{"type": "a", "message": "b"}'),  # not declared JSON
        # no Content-Length (streamed): it is not read to find out
        lambda: httpx.Response(
            403,
            headers={"Content-Type": "application/json"},
            stream=httpx.ByteStream(b'{"type":"a","message":"b"}'),
        ),
    ],
    ids=["gateway-shape", "not-json", "unbounded"],
)
def test_a_403_that_is_not_xcovers_bounded_json_error_is_not_re_signed(
    body: Callable[[], httpx.Response],
) -> None:
    dates, transport = _skew_server(3600.0, body)
    auth = make_auth()
    with httpx.Client(transport=transport, auth=auth) as client:
        assert client.post(f"https://h{PATH}").status_code == 403
    assert len(dates) == 1
    assert auth.clock_offset == 0.0
