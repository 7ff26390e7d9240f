"""The sandbox's purchase flow (issue 22, item 4): offers kept, confirmed, opted out of, read back.

Against the shipped spec, which has Confirm Offer, Opt-out and Get Booking (the spec additions).
Every answer is checked against it by the sandbox itself (``check_responses``), and each test's
exchanges once more with `answer_problems`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
import threading
from collections.abc import Iterator
from decimal import Decimal
from importlib import resources
from typing import Any

import httpx
import pytest
from _orders import KEY, SECRET
from xcover_offers import XCoverAuth
from xcover_offers._cli import _parser
from xcover_offers._logging import mask_body
from xcover_offers.sandbox import Fault, Sandbox
from xcover_offers.sandbox import _defaults as defaults

T0 = dt.datetime(2030, 6, 1, 10, 0, tzinfo=dt.UTC).timestamp()
PURCHASE_OPERATIONS = {"confirm_offer", "opt_out_offer", "get_booking"}
INS = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}-INS")


POLICYHOLDER = {
    "first_name": "Ada",
    "last_name": "Lovelace-Byron",
    "email": "ada.lovelace@example.org",
    "phone": "+44 20 7946 0958",
    "country": "GB",
    "city": "Marylebone",
    "region": "London",
    "postcode": "NW1 6XE",
}


def order(*prices: float, **customer: str) -> dict[str, Any]:
    """One event, a ticket per price; the sandbox reads JSON numbers as exact decimals."""
    tickets = [{"id": f"t{i}", "price": p} for i, p in enumerate(prices or (100,))]
    return {
        "customer": {"currency": "USD", "country": "US", "language": "en-us", **customer},
        "context": {
            "events": [
                {"id": "e1", "name": "Concert", "start_date": "2030-07-01T19:00:00+02:00",
                 "end_date": "2030-07-01T23:00:00+02:00", "country": "US", "tickets": tickets},
            ]
        },
    }  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class Flow:
    """A sandbox and a signed client on it, with the purchase calls as one-liners."""

    def __init__(self, sandbox: Sandbox, http: httpx.Client, partner: str = "LLODT") -> None:
        self.sandbox, self.http, self.partner = sandbox, http, partner

    def offer(self, body: dict[str, Any] | None = None, partner: str | None = None) -> dict[str, Any]:
        answer = self.http.post(
            f"/partners/{partner or self.partner}/offers/",
            json=body or order(),
        )
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()["data"]
        return data

    def confirm(
        self, offer_id: str, *quote_ids: str, key: str | None = None, partner: str | None = None, **extra: Any
    ) -> httpx.Response:
        body = {"quotes": [{"id": q} for q in quote_ids], "policyholder": POLICYHOLDER, **extra}
        headers = {"X-Idempotency-Key": key} if key else {}
        return self.http.post(
            f"/partners/{partner or self.partner}/offers/{offer_id}/confirm/", json=body, headers=headers
        )

    def opt_out(self, offer_id: str, key: str | None = None, partner: str | None = None) -> httpx.Response:
        headers = {"X-Idempotency-Key": key} if key else {}
        return self.http.post(
            f"/partners/{partner or self.partner}/offers/{offer_id}/opt_out/", headers=headers
        )

    def booking(self, booking_id: str, partner: str | None = None) -> httpx.Response:
        return self.http.get(f"/partners/{partner or self.partner}/bookings/{booking_id}/")

    def conforms(self) -> None:
        for exchange in self.sandbox.history:
            if exchange.response.drop:  # a lost answer (checked before it was lost: check_responses)
                continue
            assert self.sandbox.spec.answer_problems(exchange.request, exchange.response) == []


def make(**kwargs: Any) -> Sandbox:
    kwargs.setdefault("clock", lambda: T0)
    return Sandbox(api_key=KEY, api_secret=SECRET, seed="purchase", check_responses=True, **kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@contextlib.contextmanager
def flow_for(sandbox: Sandbox, clock: Any = lambda: T0) -> Iterator[Flow]:
    with httpx.Client(
        transport=sandbox.transport(),
        base_url=sandbox.base_url,
        auth=XCoverAuth(KEY, SECRET, clock=clock),
    ) as http:
        flow = Flow(sandbox, http)
        yield flow
        flow.conforms()


@pytest.fixture
def flow(clock: Clock) -> Iterator[Flow]:
    with flow_for(make(clock=clock), clock) as running:
        yield running


def test_the_shipped_spec_has_the_purchase_operations() -> None:
    text = resources.files("xcover_offers_api").joinpath("openapi.json").read_text(encoding="utf-8")
    paths = json.loads(text)["paths"].values()
    assert {op.get("operationId") for item in paths for op in item.values()} >= PURCHASE_OPERATIONS
    assert set(make().handlers) >= PURCHASE_OPERATIONS  # each modelled


# -- confirm: the booking ---------------------------------------------------------------------------


def test_confirm_books_the_chosen_quotes_with_exact_prices(flow: Flow) -> None:
    offer = flow.offer(order(2.2))
    quotes = [p["id"] for p in offer["products"]]
    prices = [p["details"]["finance"]["price"]["total_amount"] for p in offer["products"]]
    assert prices == [0.12, 0.22, 0.29]
    assert prices[0] + prices[1] + prices[2] != 0.63  # adding the floats one by one: 0.6299999999999999

    answer = flow.confirm(offer["id"], *reversed(quotes), partner_transaction_id="order-100234")
    assert answer.status_code == 201
    booking = json.loads(answer.text, parse_float=Decimal)
    assert INS.fullmatch(booking["id"])
    assert booking["status"] == "CONFIRMED"
    assert (booking["currency"], booking["total_price"]) == ("USD", Decimal("0.63"))
    assert booking["total_price_formatted"] == "$0.63"
    assert booking["partner_transaction_id"] == "order-100234"
    assert booking["created_at"] == booking["updated_at"] == "2030-06-01T10:00:00+00:00"
    assert [q["id"] for q in booking["quotes"]] == quotes[::-1]  # in the order they were chosen
    basic = booking["quotes"][2]
    assert (basic["status"], basic["price"], basic["price_formatted"]) == (
        "CONFIRMED",
        Decimal("0.12"),
        "$0.12",
    )
    assert basic["policy_start_date"] == booking["created_at"]  # cover starts when it is bought ...
    assert basic["policy_end_date"] == offer["products"][0]["details"]["end_date"]  # ... ends with the event
    assert basic["policy"] == {
        "policy_type": "event_ticket_protection",
        "policy_name": "Ticket Protection",
        "policy_code": "ETP-BASIC",
        "policy_version": "etp-basic-v1",
        "category": "event_ticket_protection",
    }
    assert "policyholder" not in booking
    assert "Ada" not in answer.text

    read = flow.booking(booking["id"])
    assert read.status_code == 200
    assert read.json() == answer.json()
    assert flow.sandbox.purchases.booking_ids() == [booking["id"]]


def test_the_booking_id_is_the_same_for_the_same_offer_and_quotes() -> None:
    ids = []
    for _ in range(2):  # two sandboxes with one seed: the same offers, the same bookings
        with flow_for(make()) as flow:
            offer = flow.offer()
            first, second = (p["id"] for p in offer["products"][:2])
            ids.append(flow.confirm(offer["id"], first, second).json()["id"])
            other = flow.offer()
            ids.append(flow.confirm(other["id"], other["products"][0]["id"]).json()["id"])
    assert ids[:2] == ids[2:]
    assert ids[0] != ids[1]


def test_confirming_again_answers_the_booking_already_made_and_makes_no_other(flow: Flow) -> None:
    offer = flow.offer()
    first, second, _ = (p["id"] for p in offer["products"])
    made = flow.confirm(offer["id"], first, second)
    again = flow.confirm(offer["id"], second, first)  # the same quotes, without an idempotency key
    other = flow.confirm(offer["id"], first)
    assert (made.status_code, again.status_code) == (201, 409)
    assert again.json() == made.json()
    assert (other.status_code, other.json()["type"]) == (422, "offer_confirmed")
    assert made.json()["id"] in other.json()["message"]
    assert flow.sandbox.purchases.booking_ids() == [made.json()["id"]]


def test_concurrent_confirms_of_one_offer_make_one_booking(flow: Flow) -> None:
    offer = flow.offer()
    quote = offer["products"][0]["id"]
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def confirm() -> None:
        barrier.wait()
        statuses.append(flow.confirm(offer["id"], quote).status_code)

    threads = [threading.Thread(target=confirm) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 7
    assert len(flow.sandbox.purchases.booking_ids()) == 1


# -- confirm: what it refuses -----------------------------------------------------------------------


def test_an_unknown_offer_or_booking_is_404_in_xcovers_error_shape(flow: Flow) -> None:
    offer = flow.offer()
    quote = offer["products"][0]["id"]
    answers = [
        flow.confirm("no-such-offer", quote),
        flow.opt_out("no-such-offer"),
        flow.confirm(offer["id"], quote, partner="OTHER"),  # offers belong to their partner code
        flow.opt_out(offer["id"], partner="OTHER"),
        flow.booking("8WD8Y-LTEKE-INS"),
    ]
    assert [a.status_code for a in answers] == [404] * 5
    for answer in answers:
        assert set(answer.json()) == {"type", "message"}
        assert answer.json()["type"] == "not_found"
    assert "'no-such-offer'" in answers[0].json()["message"]
    booking = flow.confirm(offer["id"], quote).json()
    assert flow.booking(booking["id"], partner="OTHER").status_code == 404


def test_quotes_must_be_the_offers_own_listed_once(flow: Flow) -> None:
    mine, theirs = flow.offer(), flow.offer()
    own, foreign = mine["products"][0]["id"], theirs["products"][0]["id"]
    cases = {
        "foreign": flow.confirm(mine["id"], own, foreign),
        "twice": flow.confirm(mine["id"], own, own),
        "none": flow.confirm(mine["id"]),
    }
    for answer in cases.values():
        assert answer.status_code == 422
        assert answer.json()["type"] == "validation_error"
    foreign_error = cases["foreign"].json()["errors"]
    assert list(foreign_error) == ["quotes[1].id"]
    message = foreign_error["quotes[1].id"][0]
    assert foreign in message
    assert mine["id"] in message
    assert list(cases["twice"].json()["errors"]) == ["quotes[1].id"]
    assert list(cases["none"].json()["errors"]) == ["quotes"]
    assert flow.sandbox.purchases.booking_ids() == []
    assert flow.confirm(mine["id"], own).status_code == 201  # nothing was spent on the refusals


def test_the_spec_checks_the_confirm_body_before_the_model(flow: Flow) -> None:
    offer = flow.offer()
    answer = flow.http.post(
        f"/partners/LLODT/offers/{offer['id']}/confirm/",
        json={"quotes": [{"id": offer["products"][0]["id"]}], "policyholder": {"first_name": "Ada"}},
    )
    assert answer.status_code == 422
    assert {"policyholder.email", "policyholder.phone", "policyholder.last_name"} <= set(
        answer.json()["errors"]
    )


# -- opt-out ------------------------------------------------------------------------------------------


def test_opt_out_is_204_safe_to_repeat_and_refused_once_confirmed(flow: Flow) -> None:
    declined, bought = flow.offer(), flow.offer()
    first, again = flow.opt_out(declined["id"]), flow.opt_out(declined["id"])
    assert [(a.status_code, a.content) for a in (first, again)] == [(204, b""), (204, b"")]
    assert "content-type" not in first.headers

    late_buy = flow.confirm(declined["id"], declined["products"][0]["id"])
    assert (late_buy.status_code, late_buy.json()["type"]) == (422, "offer_opted_out")

    assert flow.confirm(bought["id"], bought["products"][0]["id"]).status_code == 201
    late_refusal = flow.opt_out(bought["id"])
    assert (late_refusal.status_code, late_refusal.json()["type"]) == (422, "offer_confirmed")
    assert set(late_refusal.json()) == {"type", "message"}


def test_opt_out_under_an_idempotency_key_replays_its_empty_answer(flow: Flow) -> None:
    offer = flow.offer()
    key = "4f1c3a86-0b5e-4c8e-9f0e-2a7d5c1b9e10"
    answers = [flow.opt_out(offer["id"], key=key) for _ in range(2)]
    assert [(a.status_code, a.content) for a in answers] == [(204, b""), (409, b"")]


# -- bounds: offers and bookings kept for a time, and a number ------------------------------------------


def test_an_offer_expires_after_the_retention_and_a_booking_a_retention_after_its_confirmation(
    clock: Clock,
) -> None:
    with flow_for(make(clock=clock, offer_retention=60), clock) as flow:
        early, late, declined = flow.offer(), flow.offer(), flow.offer()
        clock.now += 59
        booking = flow.confirm(late["id"], late["products"][0]["id"])
        assert booking.status_code == 201
        clock.now += 1
        too_late = [flow.confirm(early["id"], early["products"][0]["id"]), flow.opt_out(declined["id"])]
        for answer in too_late:
            assert (answer.status_code, answer.json()["type"]) == (422, "offer_expired")
            assert "the sandbox keeps offers for 1 minute" in answer.json()["message"]
            assert "XCover documents no expiry" in answer.json()["message"]
        assert flow.booking(booking.json()["id"]).status_code == 200  # kept from its confirmation
        clock.now += 58
        assert flow.booking(booking.json()["id"]).status_code == 200
        clock.now += 1
        gone = flow.booking(booking.json()["id"])
        assert gone.status_code == 404
        assert "1 minute" in gone.json()["message"]
        assert flow.sandbox.purchases.offer_ids(clock.now) == []


def test_at_most_max_offers_are_kept_the_oldest_dropped_first() -> None:
    with flow_for(make(max_offers=2)) as flow:
        offers = [flow.offer() for _ in range(4)]
        assert flow.sandbox.purchases.offer_ids() == [o["id"] for o in offers[2:]]
        answers = [flow.confirm(o["id"], o["products"][0]["id"]) for o in offers]
        assert [a.status_code for a in answers] == [422, 422, 201, 201]
        assert "the sandbox keeps at most 2 offers" in answers[0].json()["message"]
        # The traces of dropped offers are bounded too: the oldest is forgotten, then unknown.
        flow.offer()
        flow.offer()
        assert flow.confirm(offers[0]["id"], offers[0]["products"][0]["id"]).status_code == 404
        # Bookings have the same bound.
        assert flow.sandbox.purchases.booking_ids() == [a.json()["id"] for a in answers[2:]]
        newest = flow.offer()
        third = flow.confirm(newest["id"], newest["products"][0]["id"]).json()["id"]
        assert flow.sandbox.purchases.booking_ids() == [answers[3].json()["id"], third]
        assert flow.booking(answers[2].json()["id"]).status_code == 404


def test_bounds_are_checked_and_reset_forgets_offers_and_bookings() -> None:
    with pytest.raises(ValueError, match="offer retention"):
        make(offer_retention=0)
    with pytest.raises(ValueError, match="max offers"):
        make(max_offers=0)
    sandbox = make()
    assert (sandbox.purchases.retention, sandbox.purchases.capacity) == (7 * 86400, 10_000)
    with flow_for(sandbox) as flow:
        offer = flow.offer()
        booking = flow.confirm(offer["id"], offer["products"][0]["id"]).json()["id"]
        sandbox.reset()
        assert flow.booking(booking).status_code == 404
        assert flow.opt_out(offer["id"]).status_code == 404


# -- idempotency and faults, as for Create Offer ------------------------------------------------------------


def test_a_repeated_confirm_under_one_key_is_409_with_the_stored_booking(flow: Flow) -> None:
    offer, other = flow.offer(), flow.offer()
    quote = offer["products"][0]["id"]
    key = "0b8f1e2c-6a47-4d59-8c1e-3f2a9b7d6e50"
    made = flow.confirm(offer["id"], quote, key=key)
    replayed = flow.confirm(offer["id"], quote, key=key)
    assert (made.status_code, replayed.status_code) == (201, 409)
    assert replayed.content == made.content
    reused = flow.confirm(other["id"], other["products"][0]["id"], key=key)  # another path
    changed = flow.confirm(offer["id"], quote, key=key, partner_transaction_id="changed")  # another body
    for answer in (reused, changed):
        assert answer.status_code == 422
        assert list(answer.json()["errors"]) == ["x-idempotency-key"]
    assert flow.sandbox.purchases.booking_ids() == [made.json()["id"]]


def test_a_fault_aimed_at_confirm_leaves_the_other_operations_alone(flow: Flow) -> None:
    flow.sandbox.queue(Fault.drop(after_processing=True, operation="confirm_offer"))
    offer = flow.offer()  # Create Offer passes the fault by
    key = "9d2e6f1a-3c4b-4e8d-a7f6-5b1c2d3e4f50"
    with pytest.raises(httpx.RemoteProtocolError):
        flow.confirm(offer["id"], offer["products"][0]["id"], key=key)
    retried = flow.confirm(offer["id"], offer["products"][0]["id"], key=key)
    assert retried.status_code == 409  # the lost answer: the booking was made
    assert flow.booking(retried.json()["id"]).json() == retried.json()
    assert flow.sandbox.faults.pending() == ()


# -- personal data ------------------------------------------------------------------------------------


PERSONAL = ("Ada", "Lovelace", "ada.lovelace@example.org", "+44 20", "Marylebone", "NW1 6XE", "London",
            "buyer@example.com", "203.0.113.7", "Grace Hopper", "SW1A")  # fmt: skip


def test_personal_data_is_masked_in_the_listed_requests_and_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="xcover_offers.sandbox")
    sandbox = make(clock=lambda: T0)
    with (
        sandbox.serve() as server,
        httpx.Client(base_url=server.base_url, auth=XCoverAuth(KEY, SECRET, clock=lambda: T0)) as http,
        httpx.Client(base_url=str(server.admin_url)) as admin,
    ):
        flow = Flow(sandbox, http)
        offer = flow.offer(order(100, email="buyer@example.com", ip="203.0.113.7", postcode="SW1A 1AA"))
        quote = offer["products"][0]["id"]
        insured = [{"first_name": "Grace", "last_name": "Hopper"}]
        body = {
            "quotes": [{"id": quote, "insured": insured}],
            "policyholder": POLICYHOLDER,
            "partner_transaction_id": "order-7",
        }
        booked = http.post(f"/partners/LLODT/offers/{offer['id']}/confirm/", json=body)
        assert booked.status_code == 201
        http.post(  # not JSON: not shown at all
            f"/partners/LLODT/offers/{offer['id']}/confirm/",
            content=b"policyholder=Ada Lovelace",
            headers={"Content-Type": "application/json"},
        )
        listed = admin.get("/requests")
    assert listed.status_code == 200
    for word in PERSONAL:
        assert word not in listed.text, word
        assert word not in caplog.text, word
    create, confirm, garbled = (r["request"]["body"] for r in listed.json()["requests"])
    assert confirm == mask_body(body)
    assert confirm["quotes"][0]["id"] == quote  # ids, codes and amounts stay readable
    assert confirm["policyholder"] == "***"  # a person: masked whole
    assert create["customer"] == {"currency": "USD", "country": "US", "language": "en-us", "email": "***",
                                  "ip": "***", "postcode": "***"}  # fmt: skip
    assert create["context"]["events"][0]["tickets"][0]["price"] == 100
    assert garbled.startswith("(25 bytes, not shown")
    responses = [r["response"]["body"] for r in listed.json()["requests"]]
    assert responses[1] == booked.json()  # the sandbox's own answers hold no personal data


# -- the command line ---------------------------------------------------------------------------------


def test_the_command_line_sets_the_bounds() -> None:
    parser = _parser()
    args = parser.parse_args(["sandbox", "--offer-retention", "3600", "--max-offers", "50"])
    assert (args.offer_retention, args.max_offers) == (3600.0, 50)
    args = parser.parse_args(["sandbox"])
    assert (args.offer_retention, args.max_offers) == (defaults.OFFER_RETENTION, defaults.MAX_OFFERS)
    for bad in (["--offer-retention", "0"], ["--max-offers", "0"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["sandbox", *bad])
