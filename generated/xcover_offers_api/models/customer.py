from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Customer")


@_attrs_define
class Customer:
    """Customer information

    Attributes:
        currency (str): Currency code (e.g., USD, AUD, EUR, GBP)
        country (str): Customer's country code (e.g., US, AU, GB)
        language (str): Customer's preferred language tag (e.g., en-us)
        region (str | Unset): Customer's region or state
        postcode (str | Unset): Customer's postal code
        email (str | Unset):
        ip (str | Unset):
    """

    currency: str
    country: str
    language: str
    region: str | Unset = UNSET
    postcode: str | Unset = UNSET
    email: str | Unset = UNSET
    ip: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        country = self.country

        language = self.language

        region = self.region

        postcode = self.postcode

        email = self.email

        ip = self.ip

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "country": country,
                "language": language,
            }
        )
        if region is not UNSET:
            field_dict["region"] = region
        if postcode is not UNSET:
            field_dict["postcode"] = postcode
        if email is not UNSET:
            field_dict["email"] = email
        if ip is not UNSET:
            field_dict["ip"] = ip

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        currency = d.pop("currency")

        country = d.pop("country")

        language = d.pop("language")

        region = d.pop("region", UNSET)

        postcode = d.pop("postcode", UNSET)

        email = d.pop("email", UNSET)

        ip = d.pop("ip", UNSET)

        customer = cls(
            currency=currency,
            country=country,
            language=language,
            region=region,
            postcode=postcode,
            email=email,
            ip=ip,
        )

        customer.additional_properties = d
        return customer

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
