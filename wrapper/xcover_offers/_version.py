"""Version facts in one place: the package's own, and those of the spec its code was generated from."""

from __future__ import annotations

from typing import Final

from ._spec import document

__version__ = "0.1.0"

SPEC_VERSION: Final[str] = str(document()["info"]["version"])
"""`info.version` of the OpenAPI document the low-level client was generated from."""

SPEC_SHA256: Final[str] = str(document()["info"]["x-upstream-sha256"])
"""sha256 of the upstream document (top-level openapi.json) as stored, before the spec fixes."""

SPEC_FIXES: Final[tuple[str, ...]] = tuple(document()["info"].get("x-spec-fixes", ()))
"""Ids of the reviewed corrections (spec-fixes.json) applied before generation."""
