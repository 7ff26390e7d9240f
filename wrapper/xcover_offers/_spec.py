"""What the wrapper knows about the OpenAPI document the low-level client was generated from.

The facts needed at import (version, default server, the allowed `extra_fields`) were extracted and
checked by the generation pipeline into `xcover_offers_api._spec_facts`, so `import xcover_offers`
parses neither JSON nor prose. The documents shipped inside `xcover_offers_api` are loaded on first
use: the spec itself (openapi.json), and its body schemas as JSON Schema Draft 4 for the validators
(request.schema.json and response.schema.json, converted when generating: tools/draft4.py).

A body schema is named by a reference to where it sits in the spec, `{"$ref": "#/paths/..."}`: the
same pointer finds the OpenAPI schema in openapi.json and the converted one in its direction's document.
"""

from __future__ import annotations

import json
import pkgutil
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

from xcover_offers_api._spec_facts import CREATE_OFFER_PATH
from xcover_offers_api.operation import Operation


def _shipped(name: str) -> dict[str, Any]:
    # pkgutil rather than importlib.resources: the same loader-based read (zip imports included),
    # without importing importlib.resources and zipfile.
    data = pkgutil.get_data("xcover_offers_api", name)
    if data is None:
        raise LookupError(f"xcover_offers_api ships no {name}")
    doc: dict[str, Any] = json.loads(data.decode("utf-8"))
    return doc


@cache
def document() -> dict[str, Any]:
    return _shipped("openapi.json")


@cache
def json_schema(direction: str) -> dict[str, Any]:
    """The JSON Schema document of the "request" or "response" bodies (tools/draft4.py)."""
    return _shipped(f"{direction}.schema.json")


@cache
def _body_schema(direction: str, *at: str) -> Mapping[str, Any] | None:
    """A reference to the JSON schema of the request body or response at `at`, if it has one. Found
    in its direction's document, which has every body where the spec has it: the validators need
    nothing else."""
    tree = json_schema(direction)
    node: Any = tree
    for token in at:
        node = node.get(token) if isinstance(node, Mapping) else None
    if node is None:
        return None
    where, node = _follow(node, tree)  # a Request Body or Response Object of `components`
    if "schema" not in node.get("content", {}).get("application/json", {}):
        return None
    return {"$ref": fragment((*(where or at), "content", "application/json", "schema"))}


def response_schema(operation: Operation[Any], key: str) -> Mapping[str, Any] | None:
    """The JSON schema of the answer documented under `key` ("200", "4XX"), if it has one."""
    return _body_schema("response", "paths", operation.path, operation.method.lower(), "responses", key)


def body_schema(operation: Operation[Any]) -> Mapping[str, Any] | None:
    """The JSON schema of the operation's request body, if it takes one."""
    return _body_schema("request", "paths", operation.path, operation.method.lower(), "requestBody")


def request_schema() -> Mapping[str, Any]:
    """Create Offer's request body schema (`build_body` checks against it)."""
    schema = _body_schema("request", "paths", CREATE_OFFER_PATH, "post", "requestBody")
    assert schema is not None, "Create Offer's spec lost its JSON request body"
    return schema


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


def resolve(schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """`schema` with its local `$ref`s followed, in `root` (by default this document).

    The wrapper's one `$ref` resolver. Only local references exist in a spec the generator accepts:
    a fragment ("#/components/schemas/Offer"), or one behind `root`'s own `id` (the JSON Schema
    documents). A reference to nowhere, or one that only leads back to itself, is a LookupError.
    """
    return _follow(schema, root)[1]


def _follow(
    schema: Mapping[str, Any], root: Mapping[str, Any] | None
) -> tuple[tuple[str, ...] | None, Mapping[str, Any]]:
    """`resolve`, and the steps of the last `$ref` followed (None when there was none)."""
    seen: set[str] = set()
    where = None
    while "$ref" in schema:
        ref = schema["$ref"]
        doc: Mapping[str, Any] = document() if root is None else root
        base, _, pointer = ref.partition("#") if isinstance(ref, str) else (None, "", "")
        if base not in ("", doc.get("id", "")) or not pointer.startswith("/"):
            raise LookupError(f"only local $refs are supported, got {ref!r}")
        if ref in seen:
            raise LookupError(f"$ref {ref!r} leads back to itself")
        seen.add(ref)
        where = tuple(t.replace("~1", "/").replace("~0", "~") for t in unquote(pointer[1:]).split("/"))
        node: Any = doc
        for key in where:
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            elif isinstance(node, Mapping) and key in node:
                node = node[key]
            else:
                raise LookupError(f"$ref {ref!r} points to nothing")
        if not isinstance(node, Mapping):
            raise LookupError(f"$ref {ref!r} points to a {type(node).__name__}, not a schema")
        schema = node
    return where, schema


def fragment(at: tuple[str, ...]) -> str:
    """The URI fragment of a JSON pointer's steps (RFC 6901), as a local `$ref` names them."""
    return "#" + quote("".join("/" + t.replace("~", "~0").replace("/", "~1") for t in at), safe="/~")
