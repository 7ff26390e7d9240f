"""xcover-offers: a typed, signed client for Cover Genius XCover event-ticket protection offers.

The low-level client is generated from the spec into `xcover_offers_api`; this package adds what a
generator cannot: request signing, parameter helpers, constructors, retries and typed errors.
"""

from . import webhooks as webhooks  # the submodule: `xcover_offers.webhooks.construct_event`
from ._breaker import CircuitBreaker
from ._builders import customer, event, policyholder, ticket
from ._call import CallResult, OfferResult
from ._client import AsyncOffersClient, OffersClient
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
    ConflictError,
    InternalServerError,
    LockedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    ResponseTooLargeError,
    SignatureError,
    UnprocessableEntityError,
    WebhookSignatureError,
    XCoverError,
)
from ._logging import setup_from_env as _setup_logging
from ._options import (
    ClientOptions,
    ConfirmOfferParams,
    CreateOfferParams,
    CustomerInput,
    EventInput,
    OfferRef,
    PartnerInput,
    PolicyholderInput,
    QuoteInput,
    RequestOptions,
    ViewOptions,
)
from ._params import ExtraField
from ._redaction import redact_headers
from ._signing import SigningDetails, XCoverAuth
from ._values import value
from ._verify import verify_signature
from ._version import SPEC_FIXES, SPEC_SHA256, SPEC_VERSION, __version__

__all__ = [
    "SPEC_FIXES",
    "SPEC_SHA256",
    "SPEC_VERSION",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncOffersClient",
    "AuthenticationError",
    "BadRequestError",
    "CallResult",
    "CircuitBreaker",
    "CircuitOpenError",
    "ClientOptions",
    "ConfirmOfferParams",
    "ConflictError",
    "CreateOfferParams",
    "CustomerInput",
    "EventInput",
    "ExtraField",
    "InternalServerError",
    "LockedError",
    "NotFoundError",
    "OfferRef",
    "OfferResult",
    "OffersClient",
    "PartnerInput",
    "PermissionDeniedError",
    "PolicyholderInput",
    "QuoteInput",
    "RateLimitError",
    "RequestOptions",
    "RequestValidationError",
    "ResponseTooLargeError",
    "SignatureError",
    "SigningDetails",
    "UnprocessableEntityError",
    "ViewOptions",
    "WebhookSignatureError",
    "XCoverAuth",
    "XCoverError",
    "__version__",
    "customer",
    "event",
    "policyholder",
    "redact_headers",
    "ticket",
    "value",
    "verify_signature",
]

_setup_logging()
