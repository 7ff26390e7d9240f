"""The patched OpenAPI document the low-level client was generated from, loaded once.

It ships inside `xcover_offers_api` (written there by the generation pipeline), so the wrapper reads
version facts, the default server, the allowed `extra_fields` and the request schema from the same
source of truth as the generated code, instead of restating them.
"""

from __future__ import annotations

import json
import pkgutil
import re
from functools import cache
from typing import Any, Final

CREATE_OFFER_PATH: Final = "/partners/{partner_code}/offers/"


@cache
def document() -> dict[str, Any]:
    # pkgutil rather than importlib.resources: the same loader-based read (zip imports included),
    # without importing importlib.resources and zipfile at every `import xcover_offers`.
    data = pkgutil.get_data("xcover_offers_api", "openapi.json")
    if data is None:
        raise LookupError("xcover_offers_api ships no openapi.json")
    doc: dict[str, Any] = json.loads(data.decode("utf-8"))
    return doc


def create_offer_operation() -> dict[str, Any]:
    op: dict[str, Any] = document()["paths"][CREATE_OFFER_PATH]["post"]
    return op


def default_server() -> str:
    return str(document()["servers"][0]["url"])


def query_parameter(name: str) -> dict[str, Any]:
    for param in create_offer_operation().get("parameters", ()):
        if param.get("in") == "query" and param.get("name") == name:
            return dict(param)
    raise LookupError(f"the spec declares no query parameter {name!r}")


def allowed_extra_fields() -> tuple[str, ...]:
    """The values listed in prose in the `extra_fields` description ("Available fields: a, b")."""
    description = str(query_parameter("extra_fields").get("description", ""))
    match = re.search(r"Available fields:\s*(.+?)\s*\.?\s*$", description, re.S)
    if not match:
        raise LookupError("the spec's extra_fields description no longer lists 'Available fields:'")
    return tuple(v.strip() for v in match.group(1).split(",") if v.strip())


def request_schema() -> dict[str, Any]:
    schema: dict[str, Any] = create_offer_operation()["requestBody"]["content"]["application/json"]["schema"]
    return schema
