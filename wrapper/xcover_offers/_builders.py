"""Convenience constructors for the request models.

They return the generated models (`Customer`, `Ticket`, `Event`), filled with the derived fields
computed the same way every time: `ticket_count` and `total_amount` from the tickets (money summed
in Decimal, so 0.1 + 0.2 is 0.3), and `multiday_event`, `duration_days`, `end_date` agreeing with
each other. Any other field of the model passes through as a keyword, so fields the spec adds later
need no change here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from xcover_offers_api import models  # each model is imported when first used

from ._errors import RequestValidationError
from ._validation import decimal_to_json, parse_amount

if TYPE_CHECKING:
    from xcover_offers_api.models import Customer, Event, Policyholder, Ticket

Money = Decimal | int | float | str
"""A money amount: the types a plain dict may carry in a `number` field too (see `_validation`)."""
M = TypeVar("M", "Customer", "Ticket", "Event", "Policyholder")


def _non_negative_amount(value: object, path: str) -> Decimal:
    """An amount the builders sum: exact (Decimal) and not negative, whatever type it came as."""
    amount = parse_amount(value, path)
    if amount < 0:
        raise RequestValidationError(path, "must not be negative")
    return amount


def _aware(value: object, path: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise RequestValidationError(path, f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise RequestValidationError(
            path, "naive datetime; give a timezone-aware datetime (the event's local zone or UTC)"
        )
    return value


def _required_str(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RequestValidationError(path, "expected a non-empty string")
    return value


def _model(cls: type[M], path: str, **kwargs: Any) -> M:
    try:
        return cls(**kwargs)
    except TypeError as exc:  # an unknown keyword: name it rather than show attrs' message
        raise RequestValidationError(path, f"{cls.__name__} does not take these arguments: {exc}") from None


def customer(*, currency: str, country: str, language: str, **fields: Any) -> Customer:
    """A `Customer`. Optional fields (region, postcode, email, ip, ...) pass through as keywords."""
    return _model(
        models.Customer,
        "customer",
        currency=_required_str(currency, "customer.currency"),
        country=_required_str(country, "customer.country"),
        language=_required_str(language, "customer.language"),
        **fields,
    )


def policyholder(
    *, first_name: str, last_name: str, email: str, phone: str, country: str, **fields: Any
) -> Policyholder:
    """The `Policyholder` for `confirm_offer`: who the protection is sold to. Optional fields (city,
    region, postcode, ...) pass through as keywords. Personal data: masked in every log and record."""
    return _model(
        models.Policyholder,
        "policyholder",
        first_name=_required_str(first_name, "policyholder.first_name"),
        last_name=_required_str(last_name, "policyholder.last_name"),
        email=_required_str(email, "policyholder.email"),
        phone=_required_str(phone, "policyholder.phone"),
        country=_required_str(country, "policyholder.country"),
        **fields,
    )


def ticket(*, id: str, price: Money, **fields: Any) -> Ticket:
    """A `Ticket`; `price` as Decimal, int, float or a numeric string ("80.00"), as in a plain dict.

    Totals are summed in Decimal (no float drift); the wire format is a JSON number, so amounts
    beyond float precision (~15 digits) are rounded.
    """
    amount = _non_negative_amount(price, "ticket.price")
    if fields.get("total_paid") is not None:
        paid = _non_negative_amount(fields["total_paid"], "ticket.total_paid")
        fields["total_paid"] = decimal_to_json(paid, "ticket.total_paid")
    price_json = decimal_to_json(amount, "ticket.price")
    return _model(models.Ticket, "ticket", id=_required_str(id, "ticket.id"), price=price_json, **fields)


def _as_ticket(value: Ticket | Mapping[str, Any], path: str) -> tuple[Ticket, Decimal]:
    """The ticket as it is sent, and its exact price (the sum is taken of these, not of the floats
    a JSON number may round a long amount to)."""
    if isinstance(value, models.Ticket):
        value = value.to_dict()  # checked like a mapping, on a copy: the caller's model is untouched
    if isinstance(value, Mapping):
        missing = [k for k in ("id", "price") if k not in value]
        if missing:
            raise RequestValidationError(f"{path}.{missing[0]}", "required field is missing")
        parsed = models.Ticket.from_dict(value)  # the generated parser maps wire names (type -> type_)
        _required_str(parsed.id, f"{path}.id")
        price = _non_negative_amount(parsed.price, f"{path}.price")
        parsed.price = decimal_to_json(price, f"{path}.price")
        return parsed, price
    raise RequestValidationError(path, f"expected a Ticket or a mapping, got {type(value).__name__}")


def _check(path: str, given: object, derived: object) -> None:
    if given is not None and given != derived:
        raise RequestValidationError(path, f"given {given!r} but the tickets/dates give {derived!r}")


def event(
    *,
    id: str,
    name: str,
    start_date: dt.datetime,
    country: str,
    tickets: Iterable[Ticket | Mapping[str, Any]] = (),
    end_date: dt.datetime | None = None,
    ticket_count: int | None = None,
    total_amount: Money | None = None,
    multiday_event: bool | None = None,
    duration_days: int | None = None,
    **fields: Any,
) -> Event:
    """An `Event`, single-day or multi-day, with its derived fields filled in.

    - `ticket_count` and `total_amount` come from `tickets` (when any are given).
    - A multi-day event is one whose `end_date` falls on a later calendar day than `start_date` (in
      `start_date`'s zone); `duration_days` counts calendar days inclusively. Multi-day needs
      `end_date`: it cannot be guessed from a day count.
    - Explicit values that agree with the derived ones are fine; contradicting ones are errors.
    """
    start = _aware(start_date, "event.start_date")
    priced = [_as_ticket(t, f"event.tickets[{i}]") for i, t in enumerate(tickets)]
    items = [item for item, _ in priced]
    if items:
        total = sum((price for _, price in priced), Decimal(0))
        _check("event.ticket_count", ticket_count, len(items))
        sent = decimal_to_json(total, "event.total_amount")
        if total_amount is not None:  # compared as sent: a long amount is a rounded JSON number
            given = _non_negative_amount(total_amount, "event.total_amount")
            _check("event.total_amount", decimal_to_json(given, "event.total_amount"), sent)
        fields["tickets"] = items
        fields["ticket_count"] = len(items)
        fields["total_amount"] = sent
    else:
        if ticket_count is not None:
            fields["ticket_count"] = ticket_count
        if total_amount is not None:
            amount = _non_negative_amount(total_amount, "event.total_amount")
            fields["total_amount"] = decimal_to_json(amount, "event.total_amount")

    if end_date is not None:
        end = _aware(end_date, "event.end_date")
        if end < start:
            raise RequestValidationError("event.end_date", "is before start_date")
        days = (end.astimezone(start.tzinfo).date() - start.date()).days + 1
        _check("event.duration_days", duration_days, days)
        _check("event.multiday_event", multiday_event, days > 1)
        fields.update(end_date=end, duration_days=days, multiday_event=days > 1)
    elif multiday_event or (duration_days is not None and duration_days > 1):
        raise RequestValidationError("event.end_date", "a multi-day event needs end_date")
    else:
        _check("event.duration_days", duration_days, 1)
        fields.update(duration_days=1, multiday_event=False)

    return _model(
        models.Event,
        "event",
        id=_required_str(id, "event.id"),
        name=_required_str(name, "event.name"),
        start_date=start,
        country=_required_str(country, "event.country"),
        **fields,
    )
