from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Tax")


@_attrs_define
class Tax:
    """
    Attributes:
        total_amount (float | None | Unset):
        total_amount_formatted (None | str | Unset):
    """

    total_amount: float | None | Unset = UNSET
    total_amount_formatted: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_amount: float | None | Unset
        if isinstance(self.total_amount, Unset):
            total_amount = UNSET
        else:
            total_amount = self.total_amount

        total_amount_formatted: None | str | Unset
        if isinstance(self.total_amount_formatted, Unset):
            total_amount_formatted = UNSET
        else:
            total_amount_formatted = self.total_amount_formatted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if total_amount is not UNSET:
            field_dict["total_amount"] = total_amount
        if total_amount_formatted is not UNSET:
            field_dict["total_amount_formatted"] = total_amount_formatted

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_total_amount(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast("float | None | Unset", data)

        total_amount = _parse_total_amount(d.pop("total_amount", UNSET))

        def _parse_total_amount_formatted(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast("None | str | Unset", data)

        total_amount_formatted = _parse_total_amount_formatted(
            d.pop("total_amount_formatted", UNSET)
        )

        tax = cls(
            total_amount=total_amount,
            total_amount_formatted=total_amount_formatted,
        )

        tax.additional_properties = d
        return tax

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
