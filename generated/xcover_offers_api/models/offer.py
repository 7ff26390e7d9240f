from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Offer")


@_attrs_define
class Offer:
    """
    Attributes:
        id (str): Offer ID
        currency (str):
        products (list[Product]):
        content (OfferContent | Unset):
        provider_reference (str | Unset): Provider reference identifier for downstream tracking and reconciliation.
    """

    id: str
    currency: str
    products: list[Product]
    content: OfferContent | Unset = UNSET
    provider_reference: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        currency = self.currency

        products = []
        for products_item_data in self.products:
            products_item = products_item_data.to_dict()
            products.append(products_item)

        content: dict[str, Any] | Unset = UNSET
        if not isinstance(self.content, Unset):
            content = self.content.to_dict()

        provider_reference = self.provider_reference

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "currency": currency,
                "products": products,
            }
        )
        if content is not UNSET:
            field_dict["content"] = content
        if provider_reference is not UNSET:
            field_dict["provider_reference"] = provider_reference

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        currency = d.pop("currency")

        products = []
        _products = d.pop("products")
        for products_item_data in _products:
            products_item = Product.from_dict(products_item_data)

            products.append(products_item)

        _content = d.pop("content", UNSET)
        content: OfferContent | Unset
        if isinstance(_content, Unset):
            content = UNSET
        else:
            content = OfferContent.from_dict(_content)

        provider_reference = d.pop("provider_reference", UNSET)

        offer = cls(
            id=id,
            currency=currency,
            products=products,
            content=content,
            provider_reference=provider_reference,
        )

        offer.additional_properties = d
        return offer

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
from ..models.offer_content import OfferContent
from ..models.product import Product
