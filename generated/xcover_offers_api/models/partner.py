from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Partner")


@_attrs_define
class Partner:
    """Partner information

    Attributes:
        transaction_id (str | Unset): Partner transaction identifier
        customer_id (str | Unset): Partner customer identifier
        subsidiary (str | Unset): Partner subsidiary identifier (e.g., regional subsidiary, white-label brand).
        metadata (PartnerMetadata | Unset): Additional partner metadata
    """

    transaction_id: str | Unset = UNSET
    customer_id: str | Unset = UNSET
    subsidiary: str | Unset = UNSET
    metadata: PartnerMetadata | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transaction_id = self.transaction_id

        customer_id = self.customer_id

        subsidiary = self.subsidiary

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if transaction_id is not UNSET:
            field_dict["transaction_id"] = transaction_id
        if customer_id is not UNSET:
            field_dict["customer_id"] = customer_id
        if subsidiary is not UNSET:
            field_dict["subsidiary"] = subsidiary
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        transaction_id = d.pop("transaction_id", UNSET)

        customer_id = d.pop("customer_id", UNSET)

        subsidiary = d.pop("subsidiary", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: PartnerMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = PartnerMetadata.from_dict(_metadata)

        partner = cls(
            transaction_id=transaction_id,
            customer_id=customer_id,
            subsidiary=subsidiary,
            metadata=metadata,
        )

        partner.additional_properties = d
        return partner

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
from ..models.partner_metadata import PartnerMetadata
