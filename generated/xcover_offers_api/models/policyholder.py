from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Policyholder")


@_attrs_define
class Policyholder:
    """The person buying the cover. The confirm guide requires email, phone, first_name, last_name and country, and
    'additional fields as required by the policy (e.g. city, postcode, region)'. Personal data.

        Attributes:
            first_name (str):
            last_name (str):
            email (str):
            phone (str):
            country (str):
            city (str | Unset):
            region (str | Unset):
            postcode (str | Unset):
    """

    first_name: str
    last_name: str
    email: str
    phone: str
    country: str
    city: str | Unset = UNSET
    region: str | Unset = UNSET
    postcode: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        first_name = self.first_name

        last_name = self.last_name

        email = self.email

        phone = self.phone

        country = self.country

        city = self.city

        region = self.region

        postcode = self.postcode

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "first_name": first_name,
                "last_name": last_name,
                "email": email,
                "phone": phone,
                "country": country,
            }
        )
        if city is not UNSET:
            field_dict["city"] = city
        if region is not UNSET:
            field_dict["region"] = region
        if postcode is not UNSET:
            field_dict["postcode"] = postcode

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        first_name = d.pop("first_name")

        last_name = d.pop("last_name")

        email = d.pop("email")

        phone = d.pop("phone")

        country = d.pop("country")

        city = d.pop("city", UNSET)

        region = d.pop("region", UNSET)

        postcode = d.pop("postcode", UNSET)

        policyholder = cls(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            country=country,
            city=city,
            region=region,
            postcode=postcode,
        )

        policyholder.additional_properties = d
        return policyholder

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
