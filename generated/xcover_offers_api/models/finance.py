from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Finance")


@_attrs_define
class Finance:
    """
    Attributes:
        price (Price):
        tax (Tax | Unset):
        surcharge (Surcharge | Unset):
        commission (Commission | Unset):
    """

    price: Price
    tax: Tax | Unset = UNSET
    surcharge: Surcharge | Unset = UNSET
    commission: Commission | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        price = self.price.to_dict()

        tax: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tax, Unset):
            tax = self.tax.to_dict()

        surcharge: dict[str, Any] | Unset = UNSET
        if not isinstance(self.surcharge, Unset):
            surcharge = self.surcharge.to_dict()

        commission: dict[str, Any] | Unset = UNSET
        if not isinstance(self.commission, Unset):
            commission = self.commission.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "price": price,
            }
        )
        if tax is not UNSET:
            field_dict["tax"] = tax
        if surcharge is not UNSET:
            field_dict["surcharge"] = surcharge
        if commission is not UNSET:
            field_dict["commission"] = commission

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        price = Price.from_dict(d.pop("price"))

        _tax = d.pop("tax", UNSET)
        tax: Tax | Unset
        if isinstance(_tax, Unset):
            tax = UNSET
        else:
            tax = Tax.from_dict(_tax)

        _surcharge = d.pop("surcharge", UNSET)
        surcharge: Surcharge | Unset
        if isinstance(_surcharge, Unset):
            surcharge = UNSET
        else:
            surcharge = Surcharge.from_dict(_surcharge)

        _commission = d.pop("commission", UNSET)
        commission: Commission | Unset
        if isinstance(_commission, Unset):
            commission = UNSET
        else:
            commission = Commission.from_dict(_commission)

        finance = cls(
            price=price,
            tax=tax,
            surcharge=surcharge,
            commission=commission,
        )

        finance.additional_properties = d
        return finance

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
from ..models.commission import Commission
from ..models.price import Price
from ..models.surcharge import Surcharge
from ..models.tax import Tax
