from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Ticket")


@_attrs_define
class Ticket:
    """
    Attributes:
        id (str): Partner's ticket identifier.
        price (float): Face value of the ticket.
        type_ (str | Unset): Ticket type / tier (e.g., GA, VIP, Meet & Greet).
        status (str | Unset): Ticket status (e.g., purchased, layaway, layaway - void).
        total_paid (float | Unset): Amount the customer has paid so far for this ticket (useful for layaway).
    """

    id: str
    price: float
    type_: str | Unset = UNSET
    status: str | Unset = UNSET
    total_paid: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        price = self.price

        type_ = self.type_

        status = self.status

        total_paid = self.total_paid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "price": price,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_
        if status is not UNSET:
            field_dict["status"] = status
        if total_paid is not UNSET:
            field_dict["total_paid"] = total_paid

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        price = d.pop("price")

        type_ = d.pop("type", UNSET)

        status = d.pop("status", UNSET)

        total_paid = d.pop("total_paid", UNSET)

        ticket = cls(
            id=id,
            price=price,
            type_=type_,
            status=status,
            total_paid=total_paid,
        )

        ticket.additional_properties = d
        return ticket

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
