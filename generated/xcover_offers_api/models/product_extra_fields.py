from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProductExtraFields")


@_attrs_define
class ProductExtraFields:
    """Event-ticketing-specific computed fields about the resulting policy.

    Attributes:
        seller_entity (str | Unset): Legal selling entity for the insurance product.
        event_datetime (datetime.datetime | None | Unset): Resolved primary event date and time.
        policy_start_date (datetime.datetime | None | Unset):
        policy_start_calculated (datetime.datetime | None | Unset):
        event_id (None | str | Unset):
        customer_id (None | str | Unset):
        esim_eligible (bool | Unset): Whether the customer is eligible for a bundled travel eSIM perk.
        esimid (None | str | Unset): eSIM identifier when provisioned.
        same_day (bool | Unset): Whether the offer is being purchased on the same day as the event.
    """

    seller_entity: str | Unset = UNSET
    event_datetime: datetime.datetime | None | Unset = UNSET
    policy_start_date: datetime.datetime | None | Unset = UNSET
    policy_start_calculated: datetime.datetime | None | Unset = UNSET
    event_id: None | str | Unset = UNSET
    customer_id: None | str | Unset = UNSET
    esim_eligible: bool | Unset = UNSET
    esimid: None | str | Unset = UNSET
    same_day: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        seller_entity = self.seller_entity

        event_datetime: None | str | Unset
        if isinstance(self.event_datetime, Unset):
            event_datetime = UNSET
        elif isinstance(self.event_datetime, datetime.datetime):
            event_datetime = self.event_datetime.isoformat()
        else:
            event_datetime = self.event_datetime

        policy_start_date: None | str | Unset
        if isinstance(self.policy_start_date, Unset):
            policy_start_date = UNSET
        elif isinstance(self.policy_start_date, datetime.datetime):
            policy_start_date = self.policy_start_date.isoformat()
        else:
            policy_start_date = self.policy_start_date

        policy_start_calculated: None | str | Unset
        if isinstance(self.policy_start_calculated, Unset):
            policy_start_calculated = UNSET
        elif isinstance(self.policy_start_calculated, datetime.datetime):
            policy_start_calculated = self.policy_start_calculated.isoformat()
        else:
            policy_start_calculated = self.policy_start_calculated

        event_id: None | str | Unset
        if isinstance(self.event_id, Unset):
            event_id = UNSET
        else:
            event_id = self.event_id

        customer_id: None | str | Unset
        if isinstance(self.customer_id, Unset):
            customer_id = UNSET
        else:
            customer_id = self.customer_id

        esim_eligible = self.esim_eligible

        esimid: None | str | Unset
        if isinstance(self.esimid, Unset):
            esimid = UNSET
        else:
            esimid = self.esimid

        same_day = self.same_day

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if seller_entity is not UNSET:
            field_dict["seller_entity"] = seller_entity
        if event_datetime is not UNSET:
            field_dict["event_datetime"] = event_datetime
        if policy_start_date is not UNSET:
            field_dict["policy_start_date"] = policy_start_date
        if policy_start_calculated is not UNSET:
            field_dict["policy_start_calculated"] = policy_start_calculated
        if event_id is not UNSET:
            field_dict["event_id"] = event_id
        if customer_id is not UNSET:
            field_dict["customer_id"] = customer_id
        if esim_eligible is not UNSET:
            field_dict["esim_eligible"] = esim_eligible
        if esimid is not UNSET:
            field_dict["esimid"] = esimid
        if same_day is not UNSET:
            field_dict["same_day"] = same_day

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        seller_entity = d.pop("seller_entity", UNSET)

        def _parse_event_datetime(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                event_datetime_type_0 = datetime.datetime.fromisoformat(data)

                return event_datetime_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast("datetime.datetime | None | Unset", data)

        event_datetime = _parse_event_datetime(d.pop("event_datetime", UNSET))

        def _parse_policy_start_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                policy_start_date_type_0 = datetime.datetime.fromisoformat(data)

                return policy_start_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast("datetime.datetime | None | Unset", data)

        policy_start_date = _parse_policy_start_date(d.pop("policy_start_date", UNSET))

        def _parse_policy_start_calculated(
            data: object,
        ) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                policy_start_calculated_type_0 = datetime.datetime.fromisoformat(data)

                return policy_start_calculated_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast("datetime.datetime | None | Unset", data)

        policy_start_calculated = _parse_policy_start_calculated(
            d.pop("policy_start_calculated", UNSET)
        )

        def _parse_event_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast("None | str | Unset", data)

        event_id = _parse_event_id(d.pop("event_id", UNSET))

        def _parse_customer_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast("None | str | Unset", data)

        customer_id = _parse_customer_id(d.pop("customer_id", UNSET))

        esim_eligible = d.pop("esim_eligible", UNSET)

        def _parse_esimid(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast("None | str | Unset", data)

        esimid = _parse_esimid(d.pop("esimid", UNSET))

        same_day = d.pop("same_day", UNSET)

        product_extra_fields = cls(
            seller_entity=seller_entity,
            event_datetime=event_datetime,
            policy_start_date=policy_start_date,
            policy_start_calculated=policy_start_calculated,
            event_id=event_id,
            customer_id=customer_id,
            esim_eligible=esim_eligible,
            esimid=esimid,
            same_day=same_day,
        )

        product_extra_fields.additional_properties = d
        return product_extra_fields

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
