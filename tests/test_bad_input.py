"""Bad input never leaves the process and never crashes it: a RequestValidationError naming the field.

Each case of issue 11 once escaped as something else (RecursionError, TypeError, UnicodeEncodeError
holding the whole body, a bare ValueError). The hypothesis tests feed arbitrary JSON-ish trees, plus
values JSON cannot carry, to `build_body` and to the clients, and accept only two outcomes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xcover_offers import AsyncOffersClient, OffersClient, RequestValidationError
from xcover_offers._constants import MAX_BODY_DEPTH
from xcover_offers._validation import build_body, serialise
from xcover_offers_api.models import Event, Ticket

EMAIL = "ada.lovelace@example.com"
POSTCODE = "SW1A 1AA"
NAME = "Private Birthday Gig"
CUSTOMER = {"currency": "USD", "country": "US", "language": "en-us", "email": EMAIL, "postcode": POSTCODE}
START = dt.datetime(2027, 6, 1, 19, 30, tzinfo=dt.UTC)
OK_BODY = {"data": {"id": "OFR-1", "currency": "USD", "products": []}}


def event_dict(**overrides: Any) -> dict[str, Any]:
    event = {
        "id": "e",
        "name": NAME,
        "start_date": START,
        "country": "US",
        "tickets": [{"id": "t", "price": 5}],
    }
    event.update(overrides)
    return event


def nested(levels: int) -> dict[str, Any]:
    """`levels` dicts, each inside the one before."""
    node: dict[str, Any] = {}
    for _ in range(levels - 1):
        node = {"a": node}
    return node


def cyclic() -> dict[str, Any]:
    node: dict[str, Any] = {"name": "loop"}
    node["self"] = node
    return node


def assert_holds_no_data(exc: BaseException, *values: str) -> None:
    """Neither `exc` nor any exception it chains to holds a value: not in str, repr, args or pickle."""
    seen: BaseException | None = exc
    while seen is not None:
        shown = f"{seen}{seen!r}{seen.args!r}{vars(seen)!r}"
        dumped = pickle.dumps(seen)
        for value in values:
            assert value not in shown
            assert value.encode("utf-8", "surrogatepass") not in dumped
        seen = seen.__cause__ or seen.__context__
    str(exc).encode("utf-8")  # printable: the message itself carries no lone surrogate


# -- the five cases of issue 11, each named by its path --------------------------------------------

CASES: list[tuple[str, Callable[[], dict[str, Any]], str, str]] = [
    (
        "cyclic dict",
        lambda: {"partner": {"metadata": cyclic()}},
        "partner.metadata.self",
        "refers back to partner.metadata: a reference cycle cannot be sent as JSON",
    ),
    (
        "metadata nested past the limit (was RecursionError at ~497 levels)",
        lambda: {"partner": {"metadata": nested(600)}},
        "partner.metadata.a.a.a.a.a.a...",
        f"nested more than {MAX_BODY_DEPTH} levels deep",
    ),
    (
        "an arbitrary object (was TypeError)",
        lambda: {"partner": {"metadata": {"foo": object()}}},
        "partner.metadata.foo",
        "expected JSON data (an object, array, string, number, boolean or null), got object",
    ),
    (
        "a lone surrogate in a value (was UnicodeEncodeError holding the body)",
        lambda: {"events": [event_dict(name="Gig \udce9")]},
        "events[0].name",
        "is not valid text: it holds a lone surrogate",
    ),
    (
        "a lone surrogate in a key",
        lambda: {"customer": {**CUSTOMER, "note\ud800": "x"}},
        "customer",
        "a key is not valid text: it holds a lone surrogate",
    ),
    (
        "a lone surrogate deep in free-form metadata",
        lambda: {"partner": {"metadata": {"tags": ["ok", "bad \ud800"]}}},
        "partner.metadata.tags[1]",
        "is not valid text",
    ),
    (
        "a generated Ticket(price=nan) inside an Event (was a bare ValueError from json.dumps)",
        lambda: {
            "events": [
                Event(
                    id="e",
                    name=NAME,
                    start_date=START,
                    country="US",
                    tickets=[Ticket(id="t", price=float("nan"))],
                )
            ]
        },
        "events[0].tickets[0].price",
        "must be a finite number",
    ),
    (
        "infinity in free-form metadata",
        lambda: {"partner": {"metadata": {"ratio": float("inf")}}},
        "partner.metadata.ratio",
        "must be a finite number",
    ),
]
CASE_IDS = [case[0] for case in CASES]


def arguments(overrides: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"customer": CUSTOMER, "events": [event_dict()], "partner": None, "schema": None}
    args.update(overrides)
    return args


@pytest.mark.parametrize(("name", "make", "path", "reason"), CASES, ids=CASE_IDS)
def test_build_body_names_the_field(
    name: str, make: Callable[[], dict[str, Any]], path: str, reason: str
) -> None:
    with pytest.raises(RequestValidationError) as info:
        build_body(**arguments(make()))
    assert info.value.path == path
    assert reason in info.value.reason
    assert_holds_no_data(info.value, EMAIL, POSTCODE, NAME)


def client_arguments(overrides: dict[str, Any]) -> dict[str, Any]:
    # The clients' optional arguments are left out when unset, as a caller would.
    return {k: v for k, v in arguments(overrides).items() if v is not None or k in ("customer", "events")}


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=OK_BODY)


def sync_call(kwargs: dict[str, Any], rec: Recorder) -> Any:
    http = httpx.Client(transport=httpx.MockTransport(rec))
    with OffersClient(
        api_key="k", api_secret="s", partner_code="LLODT", max_retries=0, http_client=http
    ) as client:
        try:
            return client.create_offer(**kwargs)
        finally:
            http.close()


def async_call(kwargs: dict[str, Any], rec: Recorder) -> Any:
    async def go() -> Any:
        http = httpx.AsyncClient(transport=httpx.MockTransport(rec))
        try:
            async with AsyncOffersClient(
                api_key="k", api_secret="s", partner_code="LLODT", max_retries=0, http_client=http
            ) as client:
                return await client.create_offer(**kwargs)
        finally:
            await http.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("call", [sync_call, async_call], ids=["sync", "async"])
@pytest.mark.parametrize(("name", "make", "path", "reason"), CASES, ids=CASE_IDS)
def test_the_clients_refuse_before_sending(
    call: Callable[[dict[str, Any], Recorder], Any],
    name: str,
    make: Callable[[], dict[str, Any]],
    path: str,
    reason: str,
) -> None:
    kwargs = client_arguments(make())
    rec = Recorder()
    with pytest.raises(RequestValidationError) as info:
        call(kwargs, rec)
    assert rec.requests == [], "nothing is sent"
    assert info.value.path == path
    assert reason in info.value.reason
    assert_holds_no_data(info.value, EMAIL, POSTCODE, NAME)


def test_the_depth_limit_is_exact_and_shared_with_the_sandbox() -> None:
    from xcover_offers.sandbox._app import too_deep_at

    # body (1) > partner (2) > metadata and the dicts inside it: the body nests exactly 2 + levels.
    deepest = build_body(**arguments({"partner": {"metadata": nested(MAX_BODY_DEPTH - 2)}}))
    assert too_deep_at(deepest, MAX_BODY_DEPTH) is None, "what the client sends, the sandbox takes"
    with pytest.raises(RequestValidationError, match="nested more than"):
        build_body(**arguments({"partner": {"metadata": nested(MAX_BODY_DEPTH - 1)}}))
    one_more = {**deepest, "partner": {"metadata": nested(MAX_BODY_DEPTH - 1)}}
    assert too_deep_at(one_more, MAX_BODY_DEPTH) is not None, "and what it refuses, the sandbox refuses"


def test_a_cycle_through_a_typed_field_is_found_too() -> None:
    event = event_dict()
    event["tickets"][0]["back"] = event
    with pytest.raises(RequestValidationError) as info:
        build_body(**arguments({"events": [event]}))
    assert (info.value.path, info.value.reason) == (
        "events[0].tickets[0].back",
        "refers back to events[0]: a reference cycle cannot be sent as JSON",
    )


def test_keys_must_be_strings() -> None:
    with pytest.raises(RequestValidationError, match=r"^partner\.metadata: keys must be strings, not tuple$"):
        build_body(**arguments({"partner": {"metadata": {("a", 1): 1}}}))


@pytest.mark.parametrize(
    "body",
    [{"a": float("nan")}, {"a": object()}, {"email": EMAIL, "name": "x\ud800"}, cyclic()],
    ids=["nan", "object", "surrogate", "cycle"],
)
def test_serialise_refuses_without_holding_the_body(body: dict[str, Any]) -> None:
    with pytest.raises(
        RequestValidationError,
        match=r"^body: cannot be sent as JSON \((ValueError|TypeError|UnicodeEncodeError)\)",
    ) as info:
        serialise(body)
    assert_holds_no_data(info.value, EMAIL)
    assert info.value.__context__ is None


def test_serialise_is_compact_utf8_json() -> None:
    assert serialise({"name": "Café", "n": [1, 2.5]}) == '{"name":"Café","n":[1,2.5]}'.encode()


# -- anything at all: a RequestValidationError, or a body that serialises ----------------------------

_surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2)
_texts = st.text(max_size=6) | st.builds(str.__add__, st.text(max_size=3), _surrogates)
_keys = _texts | st.integers(min_value=-2, max_value=2) | st.just(("tuple", "key"))
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**1020, max_value=2**1100)
    | st.floats()
    | _texts
    | st.decimals()
    | st.datetimes(timezones=st.none() | st.just(dt.UTC))
    | st.dates()
    | st.builds(object)
    | st.binary(max_size=2)
    | st.frozensets(st.integers(), max_size=1)
    | st.sampled_from([Decimal("1e400"), Decimal("sNaN"), "80.00", "1e999"])
)
trees = st.recursive(
    _scalars,
    lambda kids: (
        st.lists(kids, max_size=3) | st.tuples(kids, kids) | st.dictionaries(_keys, kids, max_size=3)
    ),
    max_leaves=12,
)


def _event_model(tree: Any) -> Event:
    event = Event(id="e", name=NAME, start_date=START, country="US", tickets=[Ticket(id="t", price=5.0)])
    event.additional_properties["extra"] = tree
    return event


PLACES: list[Callable[[Any], dict[str, Any]]] = [
    lambda t: {"customer": t},
    lambda t: {"customer": {**CUSTOMER, "extra": t}},
    lambda t: {"customer": {**CUSTOMER, "email": t}},
    lambda t: {"events": [t]},
    lambda t: {"events": t},
    lambda t: {"events": [event_dict(name=t)]},
    lambda t: {"events": [event_dict(start_date=t)]},
    lambda t: {"events": [event_dict(end_date=t)]},
    lambda t: {"events": [event_dict(ticket_count=t)]},
    lambda t: {"events": [event_dict(tickets=t)]},
    lambda t: {"events": [event_dict(tickets=[{"id": "t", "price": t}])]},
    lambda t: {"events": [event_dict(tickets=[{"id": "t", "price": 1, "seat": t}])]},
    lambda t: {"events": [event_dict(venue_details=t)]},
    lambda t: {"events": [_event_model(t)]},
    lambda t: {"partner": t},
    lambda t: {"partner": {"metadata": t}},
    lambda t: {"partner": {"metadata": {"deep": [t, {"x": t}]}}},
    lambda t: {"schema": t},
]
placed = st.builds(lambda place, tree: place(tree), st.sampled_from(PLACES), trees)


def refused(send: Callable[[], Any]) -> tuple[Any, RequestValidationError | None]:
    """(what `send` returned, None), or (None, the RequestValidationError). Anything else propagates."""
    try:
        return send(), None
    except RequestValidationError as exc:
        return None, exc


@settings(max_examples=300, deadline=None)
@given(placed)
def test_build_body_either_refuses_by_path_or_returns_what_serialises(overrides: dict[str, Any]) -> None:
    body, error = refused(lambda: build_body(**arguments(overrides)))
    if error is not None:
        assert error.path
        assert_holds_no_data(error, EMAIL, POSTCODE)
    else:
        assert json.loads(serialise(body)) == body


@settings(max_examples=150, deadline=None)
@given(placed)
def test_the_client_either_refuses_before_sending_or_sends_json(overrides: dict[str, Any]) -> None:
    kwargs = client_arguments(overrides)
    rec = Recorder()
    offer, error = refused(lambda: sync_call(kwargs, rec))
    if error is not None:
        assert rec.requests == []
        assert error.path
        assert_holds_no_data(error, EMAIL, POSTCODE)
    else:
        assert offer.id == "OFR-1"
        (request,) = rec.requests
        json.loads(request.content)


def test_a_lone_surrogate_in_a_query_parameter_or_the_partner_code_is_a_typed_error() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    with (
        OffersClient(api_key="k", api_secret="s", partner_code="P", http_client=transport) as client,
        pytest.raises(RequestValidationError) as info,
    ):
        client.create_offer(
                customer={"currency": "USD", "country": "US", "language": "en-us"},
                events=[{"id": "e", "name": "n", "start_date": "2027-06-01T19:30:00+00:00", "country": "US",
                         "tickets": [{"id": "t", "price": 1}]}],
                exclude_offer_ids=["etp-basic", "\ud800"],
            )  # fmt: skip
    assert info.value.path == "exclude_offer_ids[1]"
    with pytest.raises(ValueError, match="partner_code is not valid Unicode"):
        OffersClient(api_key="k", api_secret="s", partner_code="P\ud800")
    with (
        OffersClient(api_key="k", api_secret="s", partner_code="P") as client,
        pytest.raises(ValueError, match="partner_code"),
    ):
        client.with_options(partner_code="\udcff")


def test_a_model_whose_to_dict_fails_in_any_way_is_a_typed_error() -> None:
    class Broken:
        def to_dict(self) -> dict[str, Any]:
            raise RuntimeError("boom")

    with pytest.raises(RequestValidationError) as info:
        build_body(customer=Broken(), events=[{}], partner=None, schema=None)
    assert info.value.path == "customer"
    assert "Broken cannot be serialised (RuntimeError)" in info.value.reason


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        ("17976931348623159" + "0" * 292 + ".5", "out of range"),  # a fraction that rounds to inf
        ("9e308", "out of range"),  # an integer past what an int field takes too
        ("1_000", "is not a number"),  # Decimal() takes it; JSON and people do not
        ("\u0663", "is not a number"),  # an Arabic-Indic three
        ("NaN", "is not a number"),
    ],
)
def test_numeric_strings_are_json_numbers_in_range(price: str, reason: str) -> None:
    events = [{"id": "e", "name": "n", "start_date": "2027-06-01T19:30:00+00:00", "country": "US",
               "tickets": [{"id": "t", "price": price}]}]  # fmt: skip
    with pytest.raises(RequestValidationError, match=reason) as info:
        build_body(customer={"currency": "USD", "country": "US", "language": "en-us"}, events=events,
                   partner=None, schema=None)  # fmt: skip
    assert info.value.path == "events[0].tickets[0].price"
