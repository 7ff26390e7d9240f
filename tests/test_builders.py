"""Convenience constructors: generated models with consistent derived fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xcover_offers import RequestValidationError, customer, event, ticket
from xcover_offers._validation import build_body
from xcover_offers_api.models import Customer, Event, Ticket

UTC = dt.UTC
START = dt.datetime(2027, 6, 1, 19, 30, tzinfo=UTC)
CUSTOMER = {"currency": "USD", "country": "US", "language": "en-us"}


def test_customer_returns_the_generated_model() -> None:
    c = customer(currency="USD", country="US", language="en-us", postcode="90210")
    assert isinstance(c, Customer)
    assert c.to_dict() == {"currency": "USD", "country": "US", "language": "en-us", "postcode": "90210"}


def test_customer_requires_its_fields() -> None:
    with pytest.raises(RequestValidationError, match=r"customer.currency: expected a non-empty string"):
        customer(currency="", country="US", language="en-us")
    with pytest.raises(RequestValidationError, match="customer: Customer does not take"):
        customer(currency="USD", country="US", language="en-us", shoe_size=9)


def test_ticket_money_is_exact() -> None:
    t = ticket(id="t1", price=Decimal("19.99"), type_="VIP")
    assert isinstance(t, Ticket)
    assert t.to_dict() == {"id": "t1", "price": 19.99, "type": "VIP"}
    assert ticket(id="t", price="10").price == 10
    with pytest.raises(
        RequestValidationError, match=r"ticket.price: is not a number; pass a number \(Decimal"
    ):
        ticket(id="t", price="ten")
    with pytest.raises(RequestValidationError, match=r"ticket.price: must not be negative"):
        ticket(id="t", price=-1)
    with pytest.raises(
        RequestValidationError, match=r"ticket.price: expected a number \(Decimal, int, float or a"
    ):
        ticket(id="t", price=True)


def test_single_day_event_derives_counts_and_totals() -> None:
    e = event(
        id="ev",
        name="Show",
        start_date=START,
        country="US",
        tickets=[ticket(id="a", price=0.1), {"id": "b", "price": 0.2, "type": "GA"}],
        venue="Hall",
    )
    assert isinstance(e, Event)
    assert e.ticket_count == 2
    assert e.total_amount == 0.3, "money is summed exactly: 0.1 + 0.2 is 0.3"
    assert e.multiday_event is False
    assert e.duration_days == 1
    assert e.venue == "Hall"
    assert e.to_dict()["tickets"][1] == {"id": "b", "price": 0.2, "type": "GA"}


def test_multi_day_event_fields_agree() -> None:
    tz = ZoneInfo("Australia/Sydney")
    start = dt.datetime(2027, 1, 1, 18, 0, tzinfo=tz)
    end = dt.datetime(2027, 1, 3, 23, 0, tzinfo=tz)
    e = event(id="f", name="Festival", start_date=start, end_date=end, country="AU", duration_days=3)
    assert (e.multiday_event, e.duration_days, e.end_date) == (True, 3, end)


def test_end_date_on_the_same_day_is_single_day() -> None:
    e = event(id="f", name="Gig", start_date=START, end_date=START + dt.timedelta(hours=3), country="US")
    assert (e.multiday_event, e.duration_days) == (False, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start_date": dt.datetime(2027, 6, 1, 19, 30)}, "event.start_date: naive datetime"),
        ({"end_date": dt.datetime(2027, 6, 3)}, "event.end_date: naive datetime"),
        ({"end_date": START - dt.timedelta(days=1)}, "event.end_date: is before start_date"),
        ({"multiday_event": True}, "event.end_date: a multi-day event needs end_date"),
        ({"duration_days": 3}, "event.end_date: a multi-day event needs end_date"),
        ({"end_date": START + dt.timedelta(days=2), "duration_days": 2}, "event.duration_days: given 2"),
        (
            {"end_date": START + dt.timedelta(days=2), "multiday_event": False},
            "event.multiday_event: given False",
        ),
        ({"tickets": [{"id": "a", "price": 5}], "ticket_count": 2}, "event.ticket_count: given 2"),
        ({"tickets": [{"id": "a", "price": 5}], "total_amount": "6"}, "event.total_amount: given"),
        ({"tickets": [{"id": "a"}]}, r"event.tickets\[0\].price: required field is missing"),
        ({"tickets": [{"id": "a", "price": "x"}]}, r"event.tickets\[0\].price: is not a number"),
        ({"country": ""}, "event.country: expected a non-empty string"),
    ],
)
def test_event_errors(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"id": "e", "name": "n", "start_date": START, "country": "US"}
    args.update(kwargs)
    with pytest.raises(RequestValidationError, match=message):
        event(**args)  # type: ignore[arg-type]


def test_explicit_values_that_agree_are_fine() -> None:
    e = event(
        id="e", name="n", start_date=START, country="US",
        tickets=[{"id": "a", "price": "0.10"}, {"id": "b", "price": "0.20"}],
        ticket_count=2, total_amount=Decimal("0.3"), multiday_event=False, duration_days=1,
    )  # fmt: skip
    assert (e.ticket_count, e.total_amount) == (2, 0.3)


prices = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(prices, min_size=1, max_size=20))
def test_total_is_the_exact_sum(amounts: list[Decimal]) -> None:
    e = event(
        id="e", name="n", start_date=START, country="US",
        tickets=[ticket(id=str(i), price=a) for i, a in enumerate(amounts)],
    )  # fmt: skip
    assert Decimal(str(e.total_amount)) == sum(amounts, Decimal(0))
    assert e.ticket_count == len(amounts)


@given(st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=23))
def test_duration_counts_calendar_days(days: int, hours: int) -> None:
    end = START + dt.timedelta(days=days, hours=hours)
    e = event(id="e", name="n", start_date=START, end_date=end, country="US")
    expected = (end.date() - START.date()).days + 1
    assert e.duration_days == expected
    assert e.multiday_event is (expected > 1)


def test_ticket_models_are_checked_like_mappings() -> None:
    with pytest.raises(RequestValidationError, match=r"event.tickets\[0\].price: must not be negative"):
        event(id="e", name="n", start_date=START, country="US", tickets=[Ticket(id="t", price=-5)])
    with pytest.raises(RequestValidationError, match=r"event.tickets\[0\].price: expected a number"):
        event(id="e", name="n", start_date=START, country="US", tickets=[Ticket(id="t", price=None)])  # type: ignore[arg-type]
    given = Ticket(id="t", price=Decimal("1.10"))  # type: ignore[arg-type]
    e = event(id="e", name="n", start_date=START, country="US", tickets=[given])
    assert e.total_amount == 1.1
    assert given.price == Decimal("1.10"), "the caller's model is not modified"


def test_generated_models_with_wrong_field_types_give_a_validation_error() -> None:
    bad = Event(id="e", name="n", start_date="2027-06-01T19:30:00+00:00", country="US")  # type: ignore[arg-type]
    with pytest.raises(RequestValidationError, match=r"^events\[0\]: this Event cannot be serialised"):
        build_body(customer=CUSTOMER, events=[bad], partner=None, schema=None)
    typed_wrong = Event(
        id="e", name="n", start_date=START, country="US", tickets=[Ticket(id="t", price=[2.5])]
    )  # type: ignore[arg-type]
    with pytest.raises(RequestValidationError, match=r"^events\[0\]\.tickets\[0\]\.price: expected a number"):
        build_body(customer=CUSTOMER, events=[typed_wrong], partner=None, schema=None)


# -- money: the same types on every path (issue 15 section 3) ---------------------------------------

ACCEPTED = [Decimal("19.99"), Decimal("80.00"), 80, 12.5, "80.00", " 7.25 ", "1e2", 0]
REFUSED = [
    True,
    "ten",
    "",
    "NaN",
    "Infinity",
    float("nan"),
    float("inf"),
    Decimal("NaN"),
    [1],
    {"a": 1},
    b"5",
]


def _dict_path_price(price: object) -> object:
    body = build_body(
        customer=CUSTOMER,
        events=[
            {
                "id": "e",
                "name": "n",
                "start_date": START,
                "country": "US",
                "tickets": [{"id": "t", "price": price}],
            }
        ],
        partner=None,
        schema=None,
    )
    return body["context"]["events"][0]["tickets"][0]["price"]


@pytest.mark.parametrize("price", ACCEPTED, ids=repr)
def test_builder_and_plain_dict_accept_the_same_money(price: object) -> None:
    from_builder = ticket(id="t", price=price).price  # type: ignore[arg-type]
    from_dict = _dict_path_price(price)
    assert from_dict == from_builder
    assert type(from_dict) is type(from_builder), "the same JSON number either way"
    assert Decimal(str(from_dict)) == Decimal(str(price).strip())


class _Float64(float):
    """A float subclass whose repr is not a number, as numpy 2's scalars print."""

    def __repr__(self) -> str:
        return f"np.float64({float(self)!r})"


def test_a_float_subclass_is_money_like_any_float() -> None:
    assert ticket(id="t", price=_Float64(80.5)).price == 80.5
    assert _dict_path_price(_Float64(80.5)) == 80.5


@pytest.mark.parametrize("price", REFUSED, ids=repr)
def test_builder_and_plain_dict_refuse_the_same_money_and_say_what_to_pass(price: object) -> None:
    with pytest.raises(RequestValidationError) as from_builder:
        ticket(id="t", price=price)  # type: ignore[arg-type]
    with pytest.raises(RequestValidationError) as from_dict:
        _dict_path_price(price)
    assert from_dict.value.path == "events[0].tickets[0].price"
    assert from_builder.value.reason == from_dict.value.reason
    if "finite" not in from_dict.value.reason:
        assert "a number (Decimal, int, float or a numeric string like '80.00')" in from_dict.value.reason


def test_generated_ticket_inside_an_event_takes_the_same_money() -> None:
    given = Ticket(id="t", price=Decimal("2.50"))  # type: ignore[arg-type]
    body = build_body(
        customer=CUSTOMER,
        events=[Event(id="e", name="n", start_date=START, country="US", tickets=[given])],
        partner=None,
        schema=None,
    )
    assert body["context"]["events"][0]["tickets"][0]["price"] == 2.5
    assert given.price == Decimal("2.50"), "the caller's model is not modified"


def test_numeric_strings_are_converted_only_where_the_schema_says_number() -> None:
    body = build_body(
        customer={**CUSTOMER, "postcode": "02139"},
        events=[
            {"id": "10", "name": "n", "start_date": START, "country": "US", "total_amount": "10.00",
             "tickets": [{"id": "t", "price": "10.00"}], "note": "5"}
        ],
        partner=None,
        schema=None,
    )  # fmt: skip
    event_json = body["context"]["events"][0]
    assert (event_json["id"], event_json["total_amount"], event_json["note"]) == ("10", 10, "5")
    assert body["customer"]["postcode"] == "02139", "a string field keeps its leading zero"
    with pytest.raises(
        RequestValidationError, match=r"events\[0\]\.ticket_count: expected an integer, got str"
    ):
        build_body(customer=CUSTOMER, events=[{**event_json, "ticket_count": "1"}], partner=None, schema=None)


def test_a_long_amount_given_as_the_total_agrees_with_its_own_ticket() -> None:
    """Both sides are compared as they are sent: a 17-digit amount is a rounded JSON number."""
    start = dt.datetime(2027, 6, 1, 19, 30, tzinfo=dt.UTC)
    long = "1234567890123.4567"
    made = event(id="e", name="n", country="US", start_date=start, tickets=[ticket(id="1", price=long)],
                 total_amount=long)  # fmt: skip
    assert made.total_amount == float(long)


def test_ticket_prices_are_summed_exactly_before_rounding() -> None:
    start = dt.datetime(2027, 6, 1, 19, 30, tzinfo=dt.UTC)
    tickets = [{"id": "1", "price": 0.1}, {"id": "2", "price": "0.2"}]
    made = event(id="e", name="n", country="US", start_date=start, tickets=tickets, total_amount="0.3")
    assert made.total_amount == 0.3
