"""xcover-offers: a typed, signed client for Cover Genius XCover event-ticket protection offers.

The low-level client is generated from the spec into `xcover_offers_api`; this package adds what a
generator cannot: request signing, parameter helpers, constructors, retries and typed errors.
"""

from ._auth import SigningDetails, XCoverAuth, redact_headers, verify_signature
from ._builders import customer, event, ticket
from ._client import AsyncOffersClient, OfferResult, OffersClient
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    SignatureError,
    UnprocessableEntityError,
    XCoverError,
)
from ._logging import setup_from_env as _setup_logging
from ._params import ExtraField
from ._version import SPEC_FIXES, SPEC_SHA256, SPEC_VERSION, __version__

__all__ = [
    "SPEC_FIXES",
    "SPEC_SHA256",
    "SPEC_VERSION",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncOffersClient",
    "AuthenticationError",
    "BadRequestError",
    "ExtraField",
    "InternalServerError",
    "NotFoundError",
    "OfferResult",
    "OffersClient",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestValidationError",
    "SignatureError",
    "SigningDetails",
    "UnprocessableEntityError",
    "XCoverAuth",
    "XCoverError",
    "__version__",
    "customer",
    "event",
    "redact_headers",
    "ticket",
    "verify_signature",
]

_setup_logging()
