"""Contains all the data models used in inputs/outputs (each module imported on first use)"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .benefit import Benefit
    from .booking import Booking
    from .booking_policy import BookingPolicy
    from .booking_quote import BookingQuote
    from .commission import Commission
    from .confirm_offer_request import ConfirmOfferRequest
    from .customer import Customer
    from .error_response import ErrorResponse
    from .event import Event
    from .experiment import Experiment
    from .finance import Finance
    from .insured import Insured
    from .offer import Offer
    from .offer_content import OfferContent
    from .offer_request import OfferRequest
    from .offer_response import OfferResponse
    from .partner import Partner
    from .partner_metadata import PartnerMetadata
    from .payment_details import PaymentDetails
    from .policyholder import Policyholder
    from .price import Price
    from .product import Product
    from .product_details import ProductDetails
    from .product_extra_fields import ProductExtraFields
    from .product_file import ProductFile
    from .quote_selection import QuoteSelection
    from .request_context import RequestContext
    from .surcharge import Surcharge
    from .tax import Tax
    from .ticket import Ticket
    from .validation_error_response import ValidationErrorResponse
    from .validation_errors import ValidationErrors

_MODULES = {
    "Benefit": ".benefit",
    "Booking": ".booking",
    "BookingPolicy": ".booking_policy",
    "BookingQuote": ".booking_quote",
    "Commission": ".commission",
    "ConfirmOfferRequest": ".confirm_offer_request",
    "Customer": ".customer",
    "ErrorResponse": ".error_response",
    "Event": ".event",
    "Experiment": ".experiment",
    "Finance": ".finance",
    "Insured": ".insured",
    "Offer": ".offer",
    "OfferContent": ".offer_content",
    "OfferRequest": ".offer_request",
    "OfferResponse": ".offer_response",
    "Partner": ".partner",
    "PartnerMetadata": ".partner_metadata",
    "PaymentDetails": ".payment_details",
    "Policyholder": ".policyholder",
    "Price": ".price",
    "Product": ".product",
    "ProductDetails": ".product_details",
    "ProductExtraFields": ".product_extra_fields",
    "ProductFile": ".product_file",
    "QuoteSelection": ".quote_selection",
    "RequestContext": ".request_context",
    "Surcharge": ".surcharge",
    "Tax": ".tax",
    "Ticket": ".ticket",
    "ValidationErrorResponse": ".validation_error_response",
    "ValidationErrors": ".validation_errors",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = (
    "Benefit",
    "Booking",
    "BookingPolicy",
    "BookingQuote",
    "Commission",
    "ConfirmOfferRequest",
    "Customer",
    "ErrorResponse",
    "Event",
    "Experiment",
    "Finance",
    "Insured",
    "Offer",
    "OfferContent",
    "OfferRequest",
    "OfferResponse",
    "Partner",
    "PartnerMetadata",
    "PaymentDetails",
    "Policyholder",
    "Price",
    "Product",
    "ProductDetails",
    "ProductExtraFields",
    "ProductFile",
    "QuoteSelection",
    "RequestContext",
    "Surcharge",
    "Tax",
    "Ticket",
    "ValidationErrorResponse",
    "ValidationErrors",
)
