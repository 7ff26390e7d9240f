from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="QuoteSelection")


@_attrs_define
class QuoteSelection:
    """
    Attributes:
        id (str): The quote id: Create Offer's data.products[].id ('The product ID (quote ID) from the Offer response',
            confirm guide). Not data.id: that is the offer id, in the path.
        insured (list[Insured] | Unset): The people this quote covers, when the policy names them (optional, per the
            confirm guide; the events page does not declare it). Personal data.
        instalment_plan (str | Unset): Optional, per the confirm guide.
        first_instalment_paid (bool | Unset): Optional, per the confirm guide.
    """

    id: str
    insured: list[Insured] | Unset = UNSET
    instalment_plan: str | Unset = UNSET
    first_instalment_paid: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        insured: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.insured, Unset):
            insured = []
            for insured_item_data in self.insured:
                insured_item = insured_item_data.to_dict()
                insured.append(insured_item)

        instalment_plan = self.instalment_plan

        first_instalment_paid = self.first_instalment_paid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
            }
        )
        if insured is not UNSET:
            field_dict["insured"] = insured
        if instalment_plan is not UNSET:
            field_dict["instalment_plan"] = instalment_plan
        if first_instalment_paid is not UNSET:
            field_dict["first_instalment_paid"] = first_instalment_paid

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        _insured = d.pop("insured", UNSET)
        insured: list[Insured] | Unset = UNSET
        if _insured is not UNSET:
            insured = []
            for insured_item_data in _insured:
                insured_item = Insured.from_dict(insured_item_data)

                insured.append(insured_item)

        instalment_plan = d.pop("instalment_plan", UNSET)

        first_instalment_paid = d.pop("first_instalment_paid", UNSET)

        quote_selection = cls(
            id=id,
            insured=insured,
            instalment_plan=instalment_plan,
            first_instalment_paid=first_instalment_paid,
        )

        quote_selection.additional_properties = d
        return quote_selection

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
from ..models.insured import Insured
