"""Our documents of XCover operations (spec-additions/*.json), merged into upstream's openapi.json.

XCover publishes one OpenAPI document per operation page; openapi.json is the Create Offer page's. Each
addition is ours, written from the facts on the pages its `info.x-source` cites, and stands alone as
OpenAPI (apart from XCover's undeclared path parameters, which the rule declares). The merge runs
before the spec fixes and the rule, so both hold the additions to the same review as upstream:

    paths       unioned by operation (path + method); an operation upstream also has is XCover's now:
                `generate` fails, `update-spec` reports which addition it replaces and stores nothing
    components  unioned by name; a name defined twice must be defined the same
    servers, security
                upstream's; an addition that states them must state the same
    securitySchemes
                upstream's; an addition's must be among them, by name (the descriptions are each
                document's own words)
    info        upstream's (each addition's own `info` says where its facts come from)

Provenance goes in `info.x-spec-additions`: each file, the operations it added, its sha256.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diff import HTTP_METHODS
from .fixes import PipelineError

FOLDER = "spec-additions"


@dataclass(frozen=True)
class Addition:
    file: str  # "confirm-offer.json"
    document: Mapping[str, Any]
    sha256: str  # of the file as stored

    def operations(self) -> list[tuple[str, str]]:
        """(path, method) of each operation, in document order."""
        return [
            (path, method)
            for path, item in (self.document.get("paths") or {}).items()
            for method in item
            if method in HTTP_METHODS
        ]

    def without(self, operations: Iterable[tuple[str, str]]) -> Addition:
        """A copy without these operations (and without the path items they leave empty)."""
        drop = set(operations)
        doc = copy.deepcopy(dict(self.document))
        for path, item in list(doc.get("paths", {}).items()):
            kept = {m: op for m, op in item.items() if (path, m) not in drop}
            if kept:
                doc["paths"][path] = kept
            else:
                del doc["paths"][path]
        return Addition(self.file, doc, self.sha256)


@dataclass(frozen=True)
class Replaced:
    """An addition's operation that upstream's document now has."""

    file: str
    operation: str  # "POST /partners/{partner_code}/offers/{offer_id}/confirm/"
    operation_id: str
    path: str
    method: str

    def describe(self) -> str:
        return (
            f"XCover's document now covers {self.operation} ({self.operation_id or 'no operationId'}): "
            f"delete {FOLDER}/{self.file} after reviewing the differences"
        )


def load_additions(folder: Path) -> list[Addition]:
    """Every `*.json` in `folder`, sorted by name; none when there is no such folder."""
    additions = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        raw = path.read_bytes()
        document = json.loads(raw)
        if not isinstance(document, Mapping) or not isinstance(document.get("paths"), Mapping):
            raise PipelineError(f"{FOLDER}/{path.name} is not an OpenAPI document with paths")
        additions.append(Addition(path.name, document, hashlib.sha256(raw).hexdigest()))
    return additions


def merge_additions(upstream: Any, additions: Iterable[Addition]) -> tuple[Any, list[Replaced]]:
    """`upstream` with the additions' operations and components, and the operations it already has
    (left out: upstream's wins). Raises PipelineError on what the merge cannot decide."""
    merged = copy.deepcopy(upstream)
    paths, components = merged.setdefault("paths", {}), merged.setdefault("components", {})
    origin: dict[tuple[str, str], str] = {}  # (path, method) or (section, name) -> where it came from
    replaced: list[Replaced] = []
    provenance: list[dict[str, Any]] = []
    for addition in additions:
        doc, name = addition.document, f"{FOLDER}/{addition.file}"
        for key in ("servers", "security"):
            if key in doc and doc[key] != upstream.get(key):
                raise PipelineError(
                    f"{name}: its {key} differ from XCover's document's, which the merged document "
                    f"uses for every operation; state them on its operations instead"
                )
        added = []
        for path, item in doc["paths"].items():
            if extra := sorted(k for k in item if k not in HTTP_METHODS):
                raise PipelineError(f"{name}: path {path} has {extra}; declare them on its operations")
            for method, operation in item.items():
                where = f"{method.upper()} {path}"
                if (path, method) in origin:
                    raise PipelineError(f"{name} and {origin[path, method]} both define {where}")
                if method in paths.get(path, {}):
                    operation_id = str(paths[path][method].get("operationId") or "")
                    replaced.append(Replaced(addition.file, where, operation_id, path, method))
                    continue
                paths.setdefault(path, {})[method] = copy.deepcopy(operation)
                origin[path, method] = name
                added.append(where)
        for section, members in (doc.get("components") or {}).items():
            for key, value in members.items():
                _merge_component(components, upstream, section, key, value, name, origin)
        if added:
            provenance.append({"file": addition.file, "operations": added, "sha256": addition.sha256})
    merged.setdefault("info", {})["x-spec-additions"] = provenance
    return merged, replaced


def _merge_component(
    components: dict[str, Any],
    upstream: Any,
    section: str,
    key: str,
    value: Any,
    name: str,
    origin: dict[tuple[str, str], str],
) -> None:
    pointer = f"components/{section}/{key}"
    if section == "securitySchemes":
        if key not in ((upstream.get("components") or {}).get(section) or {}):
            raise PipelineError(f"{name}: {pointer} is not a security scheme of XCover's document")
        return
    existing = components.setdefault(section, {})
    if key not in existing:
        existing[key] = copy.deepcopy(value)
        origin[section, key] = name
    elif existing[key] != value:
        other = origin.get((section, key), "XCover's document")
        raise PipelineError(f"{name}: {pointer} differs from the one in {other}; one name, one definition")


def shipped_additions(shipped: Any, current: Iterable[Addition], upstream: Any) -> list[Addition]:
    """The operations the generated document `shipped` took from additions no longer in `current`, as
    one addition (none when there are none).

    `shipped` names them in `info.x-spec-additions`. `update-spec` merges this into its baseline: once a
    person deletes an addition XCover's document now covers, the diff still compares XCover's operation
    with ours (a changed field, a breaking change) instead of reporting a new operation.
    """
    current = list(current)
    have = {operation for addition in current for operation in addition.operations()}
    info = shipped.get("info") or {}
    declared = set(info.get("x-declared-path-parameters") or ())  # by the rule: it will declare them again
    paths: dict[str, dict[str, Any]] = {}
    for entry in info.get("x-spec-additions") or ():
        for name in entry["operations"]:
            method, _, path = name.partition(" ")
            if (path, method.lower()) in have:
                continue
            operation = copy.deepcopy(shipped["paths"][path][method.lower()])
            params = operation.pop("parameters", [])
            if kept := [p for p in params if p.get("in") != "path" or f"{name}: {p['name']}" not in declared]:
                operation["parameters"] = kept
            paths.setdefault(path, {})[method.lower()] = operation
    if not paths:
        return []
    defined = {
        (section, key)
        for doc in [upstream, *(addition.document for addition in current)]
        for section, members in (doc.get("components") or {}).items()
        for key in members
    }
    components = {
        section: {key: value for key, value in members.items() if (section, key) not in defined}
        for section, members in (shipped.get("components") or {}).items()
        if section != "securitySchemes"
    }
    return [Addition("(deleted, as generated/ has it)", {"paths": paths, "components": components}, "")]
