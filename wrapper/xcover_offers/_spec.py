"""What the wrapper knows about the OpenAPI document the low-level client was generated from.

The facts needed at import (version, default server, the allowed `extra_fields`) were extracted and
checked by the generation pipeline into `xcover_offers_api._spec_facts`, so `import xcover_offers`
parses neither JSON nor prose. The document itself (shipped inside `xcover_offers_api`) is loaded on
first use, for the request schema and the sandbox.
"""

from __future__ import annotations

import json
import pkgutil
from collections.abc import Mapping
from functools import cache
from typing import Any

from xcover_offers_api._spec_facts import CREATE_OFFER_PATH as CREATE_OFFER_PATH  # re-exported
from xcover_offers_api._spec_facts import DEFAULT_SERVER, EXTRA_FIELDS
from xcover_offers_api.operation import Operation


@cache
def document() -> dict[str, Any]:
    # pkgutil rather than importlib.resources: the same loader-based read (zip imports included),
    # without importing importlib.resources and zipfile.
    data = pkgutil.get_data("xcover_offers_api", "openapi.json")
    if data is None:
        raise LookupError("xcover_offers_api ships no openapi.json")
    doc: dict[str, Any] = json.loads(data.decode("utf-8"))
    return doc


def create_offer_operation() -> dict[str, Any]:
    op: dict[str, Any] = document()["paths"][CREATE_OFFER_PATH]["post"]
    return op


def operation_spec(operation: Operation[Any]) -> Mapping[str, Any]:
    """The spec's Operation Object for a generated `OPERATION`."""
    spec: Mapping[str, Any] = document()["paths"][operation.path][operation.method.lower()]
    return spec


def _json_schema(container: Mapping[str, Any]) -> Mapping[str, Any] | None:
    media = resolve(container).get("content", {}).get("application/json")
    return None if media is None else media.get("schema")


def response_schema(operation: Operation[Any], key: str) -> Mapping[str, Any] | None:
    """The JSON schema of the answer documented under `key` ("200", "4XX"), if it has one."""
    documented = operation_spec(operation).get("responses", {}).get(key)
    return None if documented is None else _json_schema(documented)


def body_schema(operation: Operation[Any]) -> Mapping[str, Any] | None:
    """The JSON schema of the operation's request body, if it takes one."""
    body = operation_spec(operation).get("requestBody")
    return None if body is None else _json_schema(body)


def header_format(operation: Operation[Any], name: str) -> str | None:
    """The `format` the spec gives a header parameter's schema ("uuid"), if any."""
    return _header_format(operation.path, operation.method.lower(), name.lower())


@cache
def _header_format(path: str, method: str, name: str) -> str | None:
    item = document()["paths"][path]
    for param in [*item[method].get("parameters", ()), *item.get("parameters", ())]:
        param = resolve(param)
        if param.get("in") == "header" and str(param.get("name", "")).lower() == name:
            found = resolve(param.get("schema", {})).get("format")
            return str(found) if found is not None else None
    return None


def default_server() -> str:
    return DEFAULT_SERVER


def query_parameter(name: str) -> dict[str, Any]:
    for param in create_offer_operation().get("parameters", ()):
        if param.get("in") == "query" and param.get("name") == name:
            return dict(param)
    raise LookupError(f"the spec declares no query parameter {name!r}")


def allowed_extra_fields() -> tuple[str, ...]:
    """The allowed `extra_fields` values (the spec lists them in prose; read when generating)."""
    return EXTRA_FIELDS


def request_schema() -> dict[str, Any]:
    schema: dict[str, Any] = create_offer_operation()["requestBody"]["content"]["application/json"]["schema"]
    return schema


def resolve(schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """`schema` with its local `$ref`s followed, in `root` (by default this document).

    The wrapper's one `$ref` resolver. Only local references (`#/...`) exist in a spec the generator
    accepts; a reference to nowhere, or one that only leads back to itself, is a LookupError.
    """
    seen: set[str] = set()
    while "$ref" in schema:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise LookupError(f"only local $refs are supported, got {ref!r}")
        if ref in seen:
            raise LookupError(f"$ref {ref!r} leads back to itself")
        seen.add(ref)
        node: Any = document() if root is None else root
        for part in ref[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            elif isinstance(node, Mapping) and key in node:
                node = node[key]
            else:
                raise LookupError(f"$ref {ref!r} points to nothing")
        if not isinstance(node, Mapping):
            raise LookupError(f"$ref {ref!r} points to a {type(node).__name__}, not a schema")
        schema = node
    return schema
