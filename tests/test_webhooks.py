"""xcover_offers.webhooks: construct_event's checks, each with its own reason; refresh; the CLI.

Deliveries are built here the way XCover's webhooks page builds them (base64 of the HMAC-SHA256 of
``date: <Date>``, URL-encoded), independently of the package's signer; the research notes' example
delivery, with its computed signature, is the pinned vector. Every clock is injected.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hmac
import io
import json
import pickle
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import xcover_offers
from xcover_offers import SignatureError, WebhookSignatureError, XCoverAuth, XCoverError
from xcover_offers._cli import main
from xcover_offers._signature import signature_for
from xcover_offers.sandbox import SandboxFixture
from xcover_offers.webhooks import WebhookEvent, WebhookEventType, construct_event, refresh

# The research notes' example delivery (xcover-research.md, section 6).
KEY, SECRET = "partner-listener-key", "example-listener-secret"
DATE = "Thu, 27 Feb 2025 05:01:47 GMT"
NOTES_SIGNATURE = "NRzsOW5cKVep6OlJrKgRphhvsQrKsQjgsYJQId0ihVU%3D"
NOW = parsedate_to_datetime(DATE).timestamp()
PAYLOAD: dict[str, Any] = {
    "id": "8AMKH-KQ8NR-INS", "status": "CONFIRMED", "currency": "USD", "total_price": 68.71,
    "total_price_formatted": "US$68.71", "partner_transaction_id": None,
    "quotes": [{"id": "8bfb48ab-6947-4f34-a932-c4dcede958f6", "status": "CONFIRMED", "price": 68.71,
                "policy": {"policy_type": "event_ticket_protection"}, "duration": "30 18:58:19.248773",
                "total_renewed_times": 0}],
}  # fmt: skip
BODY = json.dumps({"event": "BOOKING_CREATED", "payload": PAYLOAD}).encode()
POLICYHOLDER = {
    "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org", "phone": "+44 20 7946 0958",
    "country": "GB",
}  # fmt: skip


def xcover_signature(date: str, secret: str = SECRET, *, digest: str = "sha256", encode: bool = True) -> str:
    """As XCover's docs compute it: base64(HMAC(secret, "date: <Date>")), URL-encoded for the header."""
    mac = hmac.new(secret.encode(), f"date: {date}".encode(), digest).digest()
    plain = base64.b64encode(mac).decode()
    return quote(plain, safe="") if encode else plain


def delivery(
    date: str = DATE,
    *,
    key: str = KEY,
    key_id: str | None = KEY,
    secret: str = SECRET,
    algorithm: str = "hmac-sha256",
    signed: str | None = None,
    signature: str | None = None,
) -> dict[str, str]:
    params = [f'keyId="{key_id}"'] if key_id is not None else []
    params.append(f'algorithm="{algorithm}"')
    if signed is not None:
        params.append(f'headers="{signed}"')
    params.append(f'signature="{signature or xcover_signature(date, secret)}"')
    return {
        "Content-Type": "application/json",
        "X-Api-Key": key,
        "Date": date,
        "Authorization": "Signature " + ",".join(params),
    }


def check(headers: Any, body: bytes | str = BODY, **kwargs: Any) -> WebhookEvent:
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("api_secret", SECRET)
    kwargs.setdefault("now", NOW)
    return construct_event(headers, body, **kwargs)


def refused(headers: Any, check_name: str, message: str, body: bytes = BODY, **kwargs: Any) -> None:
    with pytest.raises(WebhookSignatureError, match=message) as info:
        check(headers, body, **kwargs)
    assert info.value.check == check_name
    assert_no_secret(info.value)


def assert_no_secret(error: BaseException) -> None:
    """Neither the secret nor a valid signature (either form) in str, repr, args, attributes or pickle."""
    valid = [xcover_signature(DATE), xcover_signature(DATE, encode=False)]
    texts = [str(error), repr(error), repr(error.args), repr(vars(error))]
    pickled = pickle.dumps(error)
    for secret in (SECRET, *valid):
        assert all(secret not in text for text in texts), secret
        assert secret.encode() not in pickled
    assert error.__cause__ is None


# -- the documented delivery verifies ------------------------------------------------------------


def test_the_notes_example_is_xcovers_recipe() -> None:
    assert xcover_signature(DATE) == NOTES_SIGNATURE
    assert delivery()["Authorization"] == (
        f'Signature keyId="{KEY}",algorithm="hmac-sha256",signature="{NOTES_SIGNATURE}"'
    )


def test_the_documented_delivery_verifies() -> None:
    event = check(delivery(), now=NOW + 10)
    assert event.event is WebhookEventType.BOOKING_CREATED
    assert event.event == "BOOKING_CREATED"
    assert event.booking_id == "8AMKH-KQ8NR-INS"
    assert event.payload == PAYLOAD
    assert event.received_date == dt.datetime(2025, 2, 27, 5, 1, 47, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "variant",
    [
        "plain signature",
        "headers=date",
        "no keyId",
        "lowercase names",
        "httpx.Headers",
        "str body",
        "datetime",
    ],
)
def test_accepted_variants(variant: str) -> None:
    headers: Any = delivery()
    body: bytes | str = BODY
    now: float | dt.datetime = NOW
    if variant == "plain signature":
        headers = delivery(signature=xcover_signature(DATE, encode=False))
    elif variant == "headers=date":
        headers = delivery(signed="date")
    elif variant == "no keyId":
        headers = delivery(key_id=None)
    elif variant == "lowercase names":
        headers = {name.lower(): value for name, value in headers.items()}
    elif variant == "httpx.Headers":
        headers = httpx.Headers(headers)
    elif variant == "str body":
        body = BODY.decode()
    else:
        now = dt.datetime(2025, 2, 27, 16, 1, 47, tzinfo=dt.timezone(dt.timedelta(hours=11)))
    assert check(headers, body, now=now).booking_id == "8AMKH-KQ8NR-INS"


def test_window_is_inclusive_and_configurable() -> None:
    assert check(delivery(), now=NOW + 300).event == "BOOKING_CREATED"
    assert check(delivery(), now=NOW - 300).event == "BOOKING_CREATED"
    assert check(delivery(), now=NOW + 3600, tolerance=3600).event == "BOOKING_CREATED"


# -- each failure has its own reason -------------------------------------------------------------

LATER = formatdate(NOW + 1, usegmt=True)
OLD = formatdate(NOW - 301, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "check_name", "message"),
    [
        # a changed Date, a wrong secret: the signature covers only the date line
        ({**delivery(), "Date": LATER}, "signature", "does not match.*'date: " + LATER),
        (delivery(secret="another-secret"), "signature", "signature does not match: wrong secret"),
        (delivery(signature="Zm9v"), "signature", "signature does not match"),
        # an old (or future) Date, properly signed
        (delivery(OLD), "date", "the Date header is 301 s old, more than the allowed 300 s"),
        (delivery(formatdate(NOW + 400, usegmt=True)), "date", "400 s in the future"),
        ({k: v for k, v in delivery().items() if k != "Date"}, "date", "has no Date header"),
        ({**delivery(), "Date": "yesterday"}, "date", "is not an HTTP date"),
        # the key
        (delivery(key="someone-else"), "api_key", "^X-Api-Key is not the webhook key$"),
        ({k: v for k, v in delivery().items() if k != "X-Api-Key"}, "api_key", "has no X-Api-Key"),
        (delivery(key_id="someone-else"), "api_key", "^keyId is not the webhook key$"),
        # the signed list
        (delivery(signed="x-api-key"), "signed_headers", "'date' is not among the signed headers"),
        (delivery(signed="(request-target) date"), "signed_headers", "XCover signs only date"),
        (delivery(signed="date digest"), "signed_headers", "the signed header 'digest' is missing"),
        (delivery(signed="Date"), "signed_headers", "not lowercase names"),
        # the algorithm
        (delivery(algorithm="hmac-md5"), "algorithm", "algorithm 'hmac-md5' is not allowed"),
        (delivery(algorithm="hmac-sha1"), "algorithm", "algorithm 'hmac-sha1' is not allowed"),
        # the header itself
        ({k: v for k, v in delivery().items() if k != "Authorization"}, "authorization", "no Authorization"),
        ({**delivery(), "Authorization": "Bearer abc"}, "authorization", "does not use the Signature scheme"),
        ({**delivery(), "Authorization": f'Signature keyId="{KEY}",signature="x"'}, "authorization",
         "has no 'algorithm' parameter"),
        ("not a mapping", "headers", "the headers are not a mapping"),
    ],
)  # fmt: skip
def test_refused_with_its_own_reason(headers: Any, check_name: str, message: str) -> None:
    refused(headers, check_name, message)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"event=BOOKING_CREATED", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b'{"event": "BOOKING_CREATED", "payload": NaN}', "not JSON"),
        (b"[]", "expected a JSON object"),
        (b'{"event": "BOOKING_CREATED"}', "expected a JSON object"),
        (b'{"event": 7, "payload": {}}', "expected a JSON object"),
        (b'{"event": "", "payload": {}}', "expected a JSON object"),
        (b'{"event": "BOOKING_CREATED", "payload": []}', "expected a JSON object"),
        (b'{"event": "BOOKING_CREATED", "payload": {"x": "' + b"a" * 1024 * 1024 + b'"}}', "larger than"),
    ],
)
def test_a_body_that_is_not_a_webhook(body: bytes, message: str) -> None:
    refused(delivery(), "body", "the body is not an XCover webhook: " + message, body=body)


def test_the_body_is_read_only_after_the_signature() -> None:
    refused(delivery(secret="another-secret"), "signature", "does not match", body=b"not json")


def test_error_types_and_pickle() -> None:
    with pytest.raises(WebhookSignatureError) as info:
        check(delivery(OLD))
    error = info.value
    assert isinstance(error, SignatureError)
    assert isinstance(error, XCoverError)
    assert "WebhookSignatureError" in xcover_offers.__all__
    assert xcover_offers.webhooks.construct_event is construct_event
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.check) == (WebhookSignatureError, str(error), "date")
    assert error.__context__ is None or error.__suppress_context__


def test_unknown_event_is_kept_and_a_payload_without_id() -> None:
    event = check(delivery(), b'{"event": "POLICY_REISSUED", "payload": {"ref": 1}}')
    assert event.event == "POLICY_REISSUED"
    assert not isinstance(event.event, WebhookEventType)
    assert event.booking_id is None
    assert event.payload == {"ref": 1}
    assert [e.value for e in WebhookEventType] == [
        "BOOKING_CREATED", "BOOKING_UPDATED", "BOOKING_CANCELLED", "RENEWAL_CREATED",
        "RENEWAL_NOTIFICATION", "RENEWAL_DUE", "RENEWAL_EXPIRED",
    ]  # fmt: skip


def test_the_event_shows_no_secret_nor_payload() -> None:
    event = check(delivery())
    text = repr(event)
    assert "8AMKH-KQ8NR-INS" in text
    assert SECRET not in text
    assert NOTES_SIGNATURE not in text
    assert "68.71" not in text
    with pytest.raises(AttributeError):
        event.booking_id = "other"  # type: ignore[misc]


def test_caller_mistakes_are_value_errors() -> None:
    for kwargs, message in (
        ({"api_key": ""}, "api_key must be"),
        ({"api_secret": ""}, "api_secret must not be empty"),
        ({"api_secret": "x\ud800"}, "not valid Unicode"),
        ({"tolerance": -1}, "tolerance must be"),
        ({"tolerance": float("inf")}, "tolerance must be a finite"),
        ({"now": dt.datetime(2025, 2, 27)}, "aware datetime"),
    ):
        with pytest.raises(ValueError, match=message):
            check(delivery(), **kwargs)


def test_signature_for_is_the_signer_xcover_auth_uses() -> None:
    auth = XCoverAuth(KEY, SECRET, algorithm="hmac-sha256", signed_headers="date", clock=lambda: NOW)
    request = httpx.Request("POST", "https://api.xcover.com/x/partners/P/offers/")
    next(auth.auth_flow(request))
    assert request.headers["date"] == DATE
    assert request.headers["authorization"].endswith(f'signature="{NOTES_SIGNATURE}"')
    assert signature_for(SECRET.encode(), "hmac-sha256", f"date: {DATE}".encode()) == NOTES_SIGNATURE
    # XCoverAuth's own request signature, with a "headers" list, is also a valid webhook form.
    headers = dict(request.headers)
    assert check(headers).booking_id == "8AMKH-KQ8NR-INS"


# -- refresh -------------------------------------------------------------------------------------


def sandbox_event(kit: SandboxFixture) -> tuple[WebhookEvent, str]:
    client = kit.client
    offer = client.create_offer(
        customer={"currency": "USD", "country": "US", "language": "en-us"},
        events=[{"id": "e1", "name": "Concert", "start_date": "2031-06-01T19:00:00+02:00", "country": "US",
                 "tickets": [{"id": "t1", "price": 100}]}],
    )  # fmt: skip
    booking = client.confirm_offer(offer, quotes=offer.products[:1], policyholder=POLICYHOLDER)
    now = kit.sandbox.now()
    date = formatdate(now, usegmt=True)
    body = json.dumps({"event": "BOOKING_CREATED", "payload": {"id": booking.id}}).encode()
    return check(delivery(date), body, now=now), booking.id


def test_refresh_fetches_the_booking_sync_and_async() -> None:
    with SandboxFixture() as kit:
        event, booking_id = sandbox_event(kit)
        assert refresh(event, kit.client).id == booking_id

        async def fetch() -> str:
            async with kit.async_client() as client:
                return (await refresh(event, client)).id

        assert asyncio.run(fetch()) == booking_id
        with pytest.raises(ValueError, match="BOOKING_CREATED event has no booking id"):
            refresh(WebhookEvent(WebhookEventType.BOOKING_CREATED, None, {}, event.received_date), kit.client)


# -- xcover-offers verify-webhook ----------------------------------------------------------------

ENV = {"XCOVER_WEBHOOK_KEY": KEY, "XCOVER_WEBHOOK_SECRET": SECRET}


def run(argv: list[str], environ: dict[str, str] = ENV, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(["verify-webhook", "--tolerance", "1e10", *argv], environ=environ, stdout=out,
                stdin=io.StringIO(stdin))  # fmt: skip
    return code, out.getvalue()


def test_cli_verifies_raw_and_json_headers(tmp_path: Path) -> None:
    raw = tmp_path / "headers.txt"
    raw.write_text(
        "POST /my-xcover-webhook HTTP/1.1\nHost: partner.example.com\n"
        + "".join(f"{k}: {v}\n" for k, v in delivery().items())
        + "\n"
    )
    as_json = tmp_path / "headers.json"
    as_json.write_text(json.dumps(delivery()))
    body = tmp_path / "body.json"
    body.write_bytes(BODY)
    assert run(["--headers", str(raw), "--body", str(body)]) == (
        0,
        "valid: BOOKING_CREATED booking 8AMKH-KQ8NR-INS\n",
    )
    assert run(["--headers", str(as_json)], stdin=BODY.decode())[1].startswith("valid: BOOKING_CREATED")
    code, text = run(
        ["--headers", str(raw), "--body", str(body)], environ={**ENV, "XCOVER_WEBHOOK_SECRET": "x"}
    )
    assert code == 1
    assert text.startswith("invalid: the signature does not match")
    assert SECRET not in text


def test_cli_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(BODY)
    assert run(["--headers", str(body)], environ={})[0] == 1
    assert "set XCOVER_WEBHOOK_KEY and XCOVER_WEBHOOK_SECRET" in capsys.readouterr().err
    assert run(["--headers", "-"])[0] == 1
    assert "only one of --headers and --body" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("no colon here\n")
    assert run(["--headers", str(bad), "--body", str(body)])[0] == 1
    assert "headers line 1 is not 'Name: value'" in capsys.readouterr().err
    assert run(["--headers", str(tmp_path / "missing"), "--body", str(body)])[0] == 1
    assert "cannot read" in capsys.readouterr().err
