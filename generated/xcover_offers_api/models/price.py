from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Price")


@_attrs_define
class Price:
    """
    Attributes:
        total_amount (float | None):
        total_amount_formatted (None | str):
        total_amount_without_tax (float | None | Unset):
        total_amount_without_tax_formatted (None | str | Unset):
    """

    total_amount: float | None
    total_amount_formatted: None | str
    total_amount_without_tax: float | None | Unset = UNSET
    total_amount_without_tax_formatted: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_amount: float | None
        total_amount = self.total_amount

        total_amount_formatted: None | str
        total_amount_formatted = self.total_amount_formatted

        total_amount_without_tax: float | None | Unset
        if isinstance(self.total_amount_without_tax, Unset):
            total_amount_without_tax = UNSET
        else:
            total_amount_without_tax = self.total_amount_without_tax

        total_amount_without_tax_formatted: None | str | Unset
        if isinstance(self.total_amount_without_tax_formatted, Unset):
            total_amount_without_tax_formatted = UNSET
        else:
            total_amount_without_tax_formatted = self.total_amount_without_tax_formatted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "total_amount": total_amount,
                "total_amount_formatted": total_amount_formatted,
            }
        )
        if total_amount_without_tax is not UNSET:
            field_dict["total_amount_without_tax"] = total_amount_without_tax
        if total_amount_without_tax_formatted is not UNSET:
            field_dict["total_amount_without_tax_formatted"] = (
                total_amount_without_tax_formatted
            )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_total_amount(data: object) -> float | None:
            if data is None:
                return data
            return cast("float | None", data)

        total_amount = _parse_total_amount(d.pop("total_amount"))

        def _parse_total_amount_formatted(data: object) -> None | str:
            if data is None:
                return data
            return cast("None | str", data)

        total_amount_formatted = _parse_total_amount_formatted(
            d.pop("total_amount_formatted")
        )

        def _parse_total_amount_without_tax(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast("float | None | Unset", data)

        total_amount_without_tax = _parse_total_amount_without_tax(
            d.pop("total_amount_without_tax", UNSET)
        )

        def _parse_total_amount_without_tax_formatted(
            data: object,
        ) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast("None | str | Unset", data)

        total_amount_without_tax_formatted = _parse_total_amount_without_tax_formatted(
            d.pop("total_amount_without_tax_formatted", UNSET)
        )

        price = cls(
            total_amount=total_amount,
            total_amount_formatted=total_amount_formatted,
            total_amount_without_tax=total_amount_without_tax,
            total_amount_without_tax_formatted=total_amount_without_tax_formatted,
        )

        price.additional_properties = d
        return price

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
