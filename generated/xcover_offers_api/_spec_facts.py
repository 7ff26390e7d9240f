"""Facts about the OpenAPI document, extracted and checked by tools/codegen.py when generating.

Generated: do not edit. The wrapper imports these rather than parsing openapi.json at import, so an
upstream rewording fails generation, never `import xcover_offers`.
"""

from typing import Final

SPEC_VERSION: Final = "1.0.0"
"""`info.version` of the document the package was generated from."""

SPEC_SHA256: Final = "562e43589a539fe748f910bd13f32927dda0cdb0fce52a920bab6d6216e98208"
"""sha256 of the upstream document (openapi.json) as stored, before the spec fixes."""

SPEC_FIXES: Final[tuple[str, ...]] = (
    "create-offer-operation-id",
    "response-data-required",
    "offer-id-currency-products-required",
    "product-id-details-required",
    "product-details-finance-required",
    "finance-price-required",
    "price-total-amount-required",
    "create-offer-idempotency-key",
    "create-offer-shared-error-bodies",
    "opt-out-idempotency-key",
)
"""Ids of the reviewed corrections (spec-fixes.json) applied before generation."""

DEFAULT_SERVER: Final = "https://api.xcover.com/x"
"""`servers[0].url`."""

CREATE_OFFER_PATH: Final = "/partners/{partner_code}/offers/"
"""Create Offer's path: its convenience method and the sandbox's pricing use it."""

EXTRA_FIELDS: Final[tuple[str, ...]] = ("tax", "commission", "benefits", "surcharge")
"""Allowed `extra_fields` values: the parameter's enum, or the list in its description."""
