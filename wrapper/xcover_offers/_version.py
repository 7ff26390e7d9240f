"""Version facts in one place: the package's own, and those of the spec its code was generated from."""

from __future__ import annotations

from typing import Final

from xcover_offers_api import _spec_facts

__version__ = "0.3.0"

SPEC_VERSION: Final[str] = _spec_facts.SPEC_VERSION
"""`info.version` of the OpenAPI document the low-level client was generated from."""

SPEC_SHA256: Final[str] = _spec_facts.SPEC_SHA256
"""sha256 of the upstream document (top-level openapi.json) as stored, before the spec fixes."""

SPEC_FIXES: Final[tuple[str, ...]] = _spec_facts.SPEC_FIXES
"""Ids of the reviewed corrections (spec-fixes.json) applied before generation."""
