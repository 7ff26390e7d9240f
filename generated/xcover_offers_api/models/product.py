from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Product")


@_attrs_define
class Product:
    """
    Attributes:
        id (str): Product (quote) ID
        details (ProductDetails):
        product_config_id (str | Unset):
        type_ (None | str | Unset):
        schema_url (None | str | Unset):
    """

    id: str
    details: ProductDetails
    product_config_id: str | Unset = UNSET
    type_: None | str | Unset = UNSET
    schema_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        details = self.details.to_dict()

        product_config_id = self.product_config_id

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        else:
            type_ = self.type_

        schema_url: None | str | Unset
        if isinstance(self.schema_url, Unset):
            schema_url = UNSET
        else:
            schema_url = self.schema_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "details": details,
            }
        )
        if product_config_id is not UNSET:
            field_dict["product_config_id"] = product_config_id
        if type_ is not UNSET:
            field_dict["type"] = type_
        if schema_url is not UNSET:
            field_dict["schema_url"] = schema_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        details = ProductDetails.from_dict(d.pop("details"))

        product_config_id = d.pop("product_config_id", UNSET)

        def _parse_type_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast("None | str | Unset", data)

        type_ = _parse_type_(d.pop("type", UNSET))

        def _parse_schema_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast("None | str | Unset", data)

        schema_url = _parse_schema_url(d.pop("schema_url", UNSET))

        product = cls(
            id=id,
            details=details,
            product_config_id=product_config_id,
            type_=type_,
            schema_url=schema_url,
        )

        product.additional_properties = d
        return product

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
from ..models.product_details import ProductDetails
