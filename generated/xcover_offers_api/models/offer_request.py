from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OfferRequest")


@_attrs_define
class OfferRequest:
    """
    Attributes:
        customer (Customer): Customer information
        context (RequestContext): Event-ticketing context.
        schema (str | Unset): Schema identifier for the offer type. Optional. If not provided, the default schema for
            your partner will be used.
        partner (Partner | Unset): Partner information
    """

    customer: Customer
    context: RequestContext
    schema: str | Unset = UNSET
    partner: Partner | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        customer = self.customer.to_dict()

        context = self.context.to_dict()

        schema = self.schema

        partner: dict[str, Any] | Unset = UNSET
        if not isinstance(self.partner, Unset):
            partner = self.partner.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "customer": customer,
                "context": context,
            }
        )
        if schema is not UNSET:
            field_dict["schema"] = schema
        if partner is not UNSET:
            field_dict["partner"] = partner

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        customer = Customer.from_dict(d.pop("customer"))

        context = RequestContext.from_dict(d.pop("context"))

        schema = d.pop("schema", UNSET)

        _partner = d.pop("partner", UNSET)
        partner: Partner | Unset
        if isinstance(_partner, Unset):
            partner = UNSET
        else:
            partner = Partner.from_dict(_partner)

        offer_request = cls(
            customer=customer,
            context=context,
            schema=schema,
            partner=partner,
        )

        offer_request.additional_properties = d
        return offer_request

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
from ..models.customer import Customer
from ..models.partner import Partner
from ..models.request_context import RequestContext
