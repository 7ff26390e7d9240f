from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BookingPolicy")


@_attrs_define
class BookingPolicy:
    """The policy the quote is for.

    Attributes:
        policy_type (str | Unset):
        policy_name (str | Unset):
        policy_code (str | Unset):
        policy_version (str | Unset):
        category (str | Unset):
    """

    policy_type: str | Unset = UNSET
    policy_name: str | Unset = UNSET
    policy_code: str | Unset = UNSET
    policy_version: str | Unset = UNSET
    category: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        policy_type = self.policy_type

        policy_name = self.policy_name

        policy_code = self.policy_code

        policy_version = self.policy_version

        category = self.category

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if policy_type is not UNSET:
            field_dict["policy_type"] = policy_type
        if policy_name is not UNSET:
            field_dict["policy_name"] = policy_name
        if policy_code is not UNSET:
            field_dict["policy_code"] = policy_code
        if policy_version is not UNSET:
            field_dict["policy_version"] = policy_version
        if category is not UNSET:
            field_dict["category"] = category

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        policy_type = d.pop("policy_type", UNSET)

        policy_name = d.pop("policy_name", UNSET)

        policy_code = d.pop("policy_code", UNSET)

        policy_version = d.pop("policy_version", UNSET)

        category = d.pop("category", UNSET)

        booking_policy = cls(
            policy_type=policy_type,
            policy_name=policy_name,
            policy_code=policy_code,
            policy_version=policy_version,
            category=category,
        )

        booking_policy.additional_properties = d
        return booking_policy

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
