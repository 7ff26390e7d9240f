"""xcover-offers: a typed, signed client for Cover Genius XCover event-ticket protection offers.

The low-level client is generated from the spec into `xcover_offers_api`; this package adds what a
generator cannot: request signing, parameter helpers, constructors, retries and typed errors.
"""

from ._version import SPEC_FIXES, SPEC_SHA256, SPEC_VERSION, __version__

__all__ = [
    "SPEC_FIXES",
    "SPEC_SHA256",
    "SPEC_VERSION",
    "__version__",
]
