from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ConfirmOfferRequest")


@_attrs_define
class ConfirmOfferRequest:
    """What to buy and for whom, sent once the partner has taken payment.

    Attributes:
        quotes (list[QuoteSelection]): The quotes the customer bought: one per chosen Create Offer product.
        policyholder (Policyholder): The person buying the cover. The confirm guide requires email, phone, first_name,
            last_name and country, and 'additional fields as required by the policy (e.g. city, postcode, region)'. Personal
            data.
        partner_transaction_id (str | Unset): The partner's own reference for the purchase.
        payment_details (PaymentDetails | Unset): How the partner took payment (optional, per the confirm guide).
    """

    quotes: list[QuoteSelection]
    policyholder: Policyholder
    partner_transaction_id: str | Unset = UNSET
    payment_details: PaymentDetails | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        quotes = []
        for quotes_item_data in self.quotes:
            quotes_item = quotes_item_data.to_dict()
            quotes.append(quotes_item)

        policyholder = self.policyholder.to_dict()

        partner_transaction_id = self.partner_transaction_id

        payment_details: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payment_details, Unset):
            payment_details = self.payment_details.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "quotes": quotes,
                "policyholder": policyholder,
            }
        )
        if partner_transaction_id is not UNSET:
            field_dict["partner_transaction_id"] = partner_transaction_id
        if payment_details is not UNSET:
            field_dict["payment_details"] = payment_details

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        quotes = []
        _quotes = d.pop("quotes")
        for quotes_item_data in _quotes:
            quotes_item = QuoteSelection.from_dict(quotes_item_data)

            quotes.append(quotes_item)

        policyholder = Policyholder.from_dict(d.pop("policyholder"))

        partner_transaction_id = d.pop("partner_transaction_id", UNSET)

        _payment_details = d.pop("payment_details", UNSET)
        payment_details: PaymentDetails | Unset
        if isinstance(_payment_details, Unset):
            payment_details = UNSET
        else:
            payment_details = PaymentDetails.from_dict(_payment_details)

        confirm_offer_request = cls(
            quotes=quotes,
            policyholder=policyholder,
            partner_transaction_id=partner_transaction_id,
            payment_details=payment_details,
        )

        confirm_offer_request.additional_properties = d
        return confirm_offer_request

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
from ..models.payment_details import PaymentDetails
from ..models.policyholder import Policyholder
from ..models.quote_selection import QuoteSelection
