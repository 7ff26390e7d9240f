"""Version facts in one place: the package's own, and those of the spec its code was generated from."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Final

__version__ = "0.1.0"


def _spec_info() -> dict[str, Any]:
    text = resources.files("xcover_offers_api").joinpath("openapi.json").read_text(encoding="utf-8")
    info: dict[str, Any] = json.loads(text)["info"]
    return info


_INFO: Final = _spec_info()

SPEC_VERSION: Final[str] = str(_INFO["version"])
"""`info.version` of the OpenAPI document the low-level client was generated from."""

SPEC_SHA256: Final[str] = str(_INFO["x-upstream-sha256"])
"""sha256 of the upstream document (top-level openapi.json) as stored, before the spec fixes."""

SPEC_FIXES: Final[tuple[str, ...]] = tuple(_INFO.get("x-spec-fixes", ()))
"""Ids of the reviewed corrections (spec-fixes.json) applied before generation."""
