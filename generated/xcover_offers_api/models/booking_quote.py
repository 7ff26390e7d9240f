from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BookingQuote")


@_attrs_define
class BookingQuote:
    """One quote of a booking.

    Attributes:
        id (str): Quote id: the quotes[].id sent to Confirm Offer (Create Offer's data.products[].id).
        policy_start_date (datetime.datetime | Unset):
        policy_end_date (datetime.datetime | Unset):
        status (str | Unset): The quote's status, from the same list as the booking's.
        price (float | Unset):
        price_formatted (str | Unset):
        policy (BookingPolicy | Unset): The policy the quote is for.
    """

    id: str
    policy_start_date: datetime.datetime | Unset = UNSET
    policy_end_date: datetime.datetime | Unset = UNSET
    status: str | Unset = UNSET
    price: float | Unset = UNSET
    price_formatted: str | Unset = UNSET
    policy: BookingPolicy | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        policy_start_date: str | Unset = UNSET
        if not isinstance(self.policy_start_date, Unset):
            policy_start_date = self.policy_start_date.isoformat()

        policy_end_date: str | Unset = UNSET
        if not isinstance(self.policy_end_date, Unset):
            policy_end_date = self.policy_end_date.isoformat()

        status = self.status

        price = self.price

        price_formatted = self.price_formatted

        policy: dict[str, Any] | Unset = UNSET
        if not isinstance(self.policy, Unset):
            policy = self.policy.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
            }
        )
        if policy_start_date is not UNSET:
            field_dict["policy_start_date"] = policy_start_date
        if policy_end_date is not UNSET:
            field_dict["policy_end_date"] = policy_end_date
        if status is not UNSET:
            field_dict["status"] = status
        if price is not UNSET:
            field_dict["price"] = price
        if price_formatted is not UNSET:
            field_dict["price_formatted"] = price_formatted
        if policy is not UNSET:
            field_dict["policy"] = policy

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        _policy_start_date = d.pop("policy_start_date", UNSET)
        policy_start_date: datetime.datetime | Unset
        if isinstance(_policy_start_date, Unset):
            policy_start_date = UNSET
        else:
            policy_start_date = datetime.datetime.fromisoformat(_policy_start_date)

        _policy_end_date = d.pop("policy_end_date", UNSET)
        policy_end_date: datetime.datetime | Unset
        if isinstance(_policy_end_date, Unset):
            policy_end_date = UNSET
        else:
            policy_end_date = datetime.datetime.fromisoformat(_policy_end_date)

        status = d.pop("status", UNSET)

        price = d.pop("price", UNSET)

        price_formatted = d.pop("price_formatted", UNSET)

        _policy = d.pop("policy", UNSET)
        policy: BookingPolicy | Unset
        if isinstance(_policy, Unset):
            policy = UNSET
        else:
            policy = BookingPolicy.from_dict(_policy)

        booking_quote = cls(
            id=id,
            policy_start_date=policy_start_date,
            policy_end_date=policy_end_date,
            status=status,
            price=price,
            price_formatted=price_formatted,
            policy=policy,
        )

        booking_quote.additional_properties = d
        return booking_quote

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
from ..models.booking_policy import BookingPolicy
