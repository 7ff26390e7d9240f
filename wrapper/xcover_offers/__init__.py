"""xcover-offers: a typed, signed client for Cover Genius XCover event-ticket protection offers.

The low-level client is generated from the spec into `xcover_offers_api`; this package adds what a
generator cannot: request signing, parameter helpers, constructors, retries and typed errors.
"""

import importlib as _importlib
import typing as _typing

from ._logging import setup_from_env as _setup_logging
from ._version import SPEC_FIXES, SPEC_SHA256, SPEC_VERSION, __version__

if _typing.TYPE_CHECKING:
    from . import webhooks as webhooks
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

_WHERE: dict[str, str] = {
    name: module
    for module, names in (
        (".webhooks", "webhooks"),
        ("._breaker", "CircuitBreaker"),
        ("._builders", "customer event policyholder ticket"),
        ("._call", "CallResult OfferResult"),
        ("._client", "AsyncOffersClient OffersClient"),
        (
            "._errors",
            "APIConnectionError APIError APIResponseValidationError APIStatusError "
            "APITimeoutError AuthenticationError BadRequestError CircuitOpenError "
            "ConflictError InternalServerError LockedError NotFoundError "
            "PermissionDeniedError RateLimitError RequestValidationError "
            "ResponseTooLargeError SignatureError UnprocessableEntityError "
            "WebhookSignatureError XCoverError",
        ),
        (
            "._options",
            "ClientOptions ConfirmOfferParams CreateOfferParams CustomerInput EventInput "
            "OfferRef PartnerInput PolicyholderInput QuoteInput RequestOptions ViewOptions",
        ),
        ("._params", "ExtraField"),
        ("._redaction", "redact_headers"),
        ("._signing", "SigningDetails XCoverAuth"),
        ("._values", "value"),
        ("._verify", "verify_signature"),
    )
    for name in names.split()
}
"""Where each public name lives: imported on first use (PEP 562), so `import xcover_offers` (as the
pytest plugin does in every test run of a service) costs little until a name is used."""

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


def __getattr__(name: str) -> _typing.Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'xcover_offers' has no attribute {name!r}")
    module = _importlib.import_module(where, __name__)
    value = module if name == "webhooks" else getattr(module, name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


_setup_logging()
