from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Event")


@_attrs_define
class Event:
    """
    Attributes:
        id (str): Partner's event identifier.
        name (str): Event name.
        start_date (datetime.datetime): Event start date and time.
        country (str):
        end_date (datetime.datetime | None | Unset): Event end date and time. May be omitted for single-day events; for
            multi-day events this should be set.
        venue (str | Unset): Venue name.
        city (str | Unset):
        multiday_event (bool | Unset): Whether the event spans multiple days.
        duration_days (int | Unset): Event duration in days.
        category (str | Unset): Event category (e.g., Music, Comedy, Sports).
        total_amount (float | Unset): Total ticket amount for this event in the customer currency.
        ticket_count (int | Unset): Number of tickets being purchased for this event.
        tickets (list[Ticket] | Unset): Individual tickets being purchased.
    """

    id: str
    name: str
    start_date: datetime.datetime
    country: str
    end_date: datetime.datetime | None | Unset = UNSET
    venue: str | Unset = UNSET
    city: str | Unset = UNSET
    multiday_event: bool | Unset = UNSET
    duration_days: int | Unset = UNSET
    category: str | Unset = UNSET
    total_amount: float | Unset = UNSET
    ticket_count: int | Unset = UNSET
    tickets: list[Ticket] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        start_date = self.start_date.isoformat()

        country = self.country

        end_date: None | str | Unset
        if isinstance(self.end_date, Unset):
            end_date = UNSET
        elif isinstance(self.end_date, datetime.datetime):
            end_date = self.end_date.isoformat()
        else:
            end_date = self.end_date

        venue = self.venue

        city = self.city

        multiday_event = self.multiday_event

        duration_days = self.duration_days

        category = self.category

        total_amount = self.total_amount

        ticket_count = self.ticket_count

        tickets: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tickets, Unset):
            tickets = []
            for tickets_item_data in self.tickets:
                tickets_item = tickets_item_data.to_dict()
                tickets.append(tickets_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "start_date": start_date,
                "country": country,
            }
        )
        if end_date is not UNSET:
            field_dict["end_date"] = end_date
        if venue is not UNSET:
            field_dict["venue"] = venue
        if city is not UNSET:
            field_dict["city"] = city
        if multiday_event is not UNSET:
            field_dict["multiday_event"] = multiday_event
        if duration_days is not UNSET:
            field_dict["duration_days"] = duration_days
        if category is not UNSET:
            field_dict["category"] = category
        if total_amount is not UNSET:
            field_dict["total_amount"] = total_amount
        if ticket_count is not UNSET:
            field_dict["ticket_count"] = ticket_count
        if tickets is not UNSET:
            field_dict["tickets"] = tickets

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        start_date = datetime.datetime.fromisoformat(d.pop("start_date"))

        country = d.pop("country")

        def _parse_end_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_date_type_0 = datetime.datetime.fromisoformat(data)

                return end_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast("datetime.datetime | None | Unset", data)

        end_date = _parse_end_date(d.pop("end_date", UNSET))

        venue = d.pop("venue", UNSET)

        city = d.pop("city", UNSET)

        multiday_event = d.pop("multiday_event", UNSET)

        duration_days = d.pop("duration_days", UNSET)

        category = d.pop("category", UNSET)

        total_amount = d.pop("total_amount", UNSET)

        ticket_count = d.pop("ticket_count", UNSET)

        _tickets = d.pop("tickets", UNSET)
        tickets: list[Ticket] | Unset = UNSET
        if _tickets is not UNSET:
            tickets = []
            for tickets_item_data in _tickets:
                tickets_item = Ticket.from_dict(tickets_item_data)

                tickets.append(tickets_item)

        event = cls(
            id=id,
            name=name,
            start_date=start_date,
            country=country,
            end_date=end_date,
            venue=venue,
            city=city,
            multiday_event=multiday_event,
            duration_days=duration_days,
            category=category,
            total_amount=total_amount,
            ticket_count=ticket_count,
            tickets=tickets,
        )

        event.additional_properties = d
        return event

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties


# After the class, so that models which refer to each other still import.
from ..models.ticket import Ticket
