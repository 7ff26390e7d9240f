from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Booking")


@_attrs_define
class Booking:
    """A booking (the INS record), as XCover's v2 Booking, Modification and Webhooks pages show it (info.x-source): the
    offers pages' own response schemas were not readable. At the top level, not wrapped in `data`. Only `id` and
    `status` are required: no page says which fields are always sent.

        Attributes:
            id (str): Booking id, an INS number such as 8WD8Y-LTEKE-INS: Get Booking's booking_id.
            status (str): Booking status. XCover's Quote/Policy Status page lists RECEIVED, CONFIRMED, CANCELLED, DELETED,
                PENDING_PAYMENT, FAILED and RENEWED; no enum, so a new value still parses. A confirmed booking is CONFIRMED.
            currency (str | Unset):
            total_price (float | Unset):
            total_price_formatted (str | Unset):
            partner_transaction_id (None | str | Unset): The partner's reference sent with Confirm Offer; null in XCover's
                webhook example.
            created_at (datetime.datetime | Unset):
            updated_at (datetime.datetime | Unset):
            pds_url (str | Unset):
            security_token (str | Unset):
            quotes (list[BookingQuote] | Unset):
            errors (Any | Unset): Present when part of the booking failed (logic errors). Untyped: XCover's v2 Booking page
                calls it an object, its Error Types page an array.
    """

    id: str
    status: str
    currency: str | Unset = UNSET
    total_price: float | Unset = UNSET
    total_price_formatted: str | Unset = UNSET
    partner_transaction_id: None | str | Unset = UNSET
    created_at: datetime.datetime | Unset = UNSET
    updated_at: datetime.datetime | Unset = UNSET
    pds_url: str | Unset = UNSET
    security_token: str | Unset = UNSET
    quotes: list[BookingQuote] | Unset = UNSET
    errors: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status

        currency = self.currency

        total_price = self.total_price

        total_price_formatted = self.total_price_formatted

        partner_transaction_id: None | str | Unset
        if isinstance(self.partner_transaction_id, Unset):
            partner_transaction_id = UNSET
        else:
            partner_transaction_id = self.partner_transaction_id

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        updated_at: str | Unset = UNSET
        if not isinstance(self.updated_at, Unset):
            updated_at = self.updated_at.isoformat()

        pds_url = self.pds_url

        security_token = self.security_token

        quotes: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.quotes, Unset):
            quotes = []
            for quotes_item_data in self.quotes:
                quotes_item = quotes_item_data.to_dict()
                quotes.append(quotes_item)

        errors = self.errors

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
            }
        )
        if currency is not UNSET:
            field_dict["currency"] = currency
        if total_price is not UNSET:
            field_dict["total_price"] = total_price
        if total_price_formatted is not UNSET:
            field_dict["total_price_formatted"] = total_price_formatted
        if partner_transaction_id is not UNSET:
            field_dict["partner_transaction_id"] = partner_transaction_id
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at
        if pds_url is not UNSET:
            field_dict["pds_url"] = pds_url
        if security_token is not UNSET:
            field_dict["security_token"] = security_token
        if quotes is not UNSET:
            field_dict["quotes"] = quotes
        if errors is not UNSET:
            field_dict["errors"] = errors

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        status = d.pop("status")

        currency = d.pop("currency", UNSET)

        total_price = d.pop("total_price", UNSET)

        total_price_formatted = d.pop("total_price_formatted", UNSET)

        def _parse_partner_transaction_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast("None | str | Unset", data)

        partner_transaction_id = _parse_partner_transaction_id(
            d.pop("partner_transaction_id", UNSET)
        )

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at, Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)

        _updated_at = d.pop("updated_at", UNSET)
        updated_at: datetime.datetime | Unset
        if isinstance(_updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = datetime.datetime.fromisoformat(_updated_at)

        pds_url = d.pop("pds_url", UNSET)

        security_token = d.pop("security_token", UNSET)

        _quotes = d.pop("quotes", UNSET)
        quotes: list[BookingQuote] | Unset = UNSET
        if _quotes is not UNSET:
            quotes = []
            for quotes_item_data in _quotes:
                quotes_item = BookingQuote.from_dict(quotes_item_data)

                quotes.append(quotes_item)

        errors = d.pop("errors", UNSET)

        booking = cls(
            id=id,
            status=status,
            currency=currency,
            total_price=total_price,
            total_price_formatted=total_price_formatted,
            partner_transaction_id=partner_transaction_id,
            created_at=created_at,
            updated_at=updated_at,
            pds_url=pds_url,
            security_token=security_token,
            quotes=quotes,
            errors=errors,
        )

        booking.additional_properties = d
        return booking

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
from ..models.booking_quote import BookingQuote
