"""The operations of an OpenAPI document, and how a request finds one: plain data, no openapi-core.

Each operation of the document's ``paths`` becomes an `Operation`, named by its ``operationId``
(``"POST /partners/{partner_code}/offers/"`` when it has none). A request is routed by its raw path
under the server's base path, ``{param}`` segments matching any text without a slash; a concrete
segment wins over a template where both match, as OpenAPI requires. The command line reads the
operation ids from here without loading the sandbox.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from .._constants import IDEMPOTENCY_FIELD
from .._spec import resolve

METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the document.

    Attributes:
        id: its ``operationId``.
        method: the HTTP method, lower case.
        path: the path template, as the document writes it (without the base path).
        definition: the document's Operation Object.
        parameters: its parameters, path-level ones included, ``$ref`` resolved.
        idempotent: a POST that keeps XCover's idempotency contract: it declares an
            ``x-idempotency-key`` header parameter (any case).
        success_status: its lowest documented 2xx status (``2XX`` counts as 200); None if none.
    """

    id: str
    method: str
    path: str
    definition: Mapping[str, Any] = field(repr=False)
    parameters: tuple[Mapping[str, Any], ...] = field(repr=False)
    idempotent: bool
    success_status: int | None


@dataclass(frozen=True, slots=True)
class Match:
    """Where a request leads: an operation, or none (``allowed`` empty: 404; else 405)."""

    operation: Operation | None
    params: Mapping[str, str]
    allowed: tuple[str, ...] = ()
    """The methods the matched path has, upper case."""


def server_url(document: Mapping[str, Any]) -> tuple[str, str]:
    """("https://api.xcover.com", "/x"): the first server's origin and base path."""
    servers = document.get("servers") or [{"url": "/"}]
    parts = urlsplit(str(servers[0]["url"]))
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "https://api.invalid"
    return origin, parts.path.rstrip("/")


def _operations(document: Mapping[str, Any]) -> Iterator[Operation]:
    for path, item in (document.get("paths") or {}).items():
        shared = item.get("parameters") or []
        for method in METHODS:
            definition = item.get(method)
            if not isinstance(definition, Mapping):
                continue
            own = [resolve(p, document) for p in definition.get("parameters") or []]
            names = {(p.get("in"), p.get("name")) for p in own}
            inherited = [
                p for p in (resolve(p, document) for p in shared) if (p.get("in"), p.get("name")) not in names
            ]
            parameters = (*inherited, *own)
            operation_id = str(definition.get("operationId") or f"{method.upper()} {path}")
            keyed = any(
                p.get("in") == "header" and str(p.get("name", "")).lower() == IDEMPOTENCY_FIELD
                for p in parameters
            )
            yield Operation(
                id=operation_id,
                method=method,
                path=path,
                definition=definition,
                parameters=parameters,
                idempotent=keyed,  # the client keys and retries any operation that declares it
                success_status=_success_status(definition.get("responses") or {}),
            )


def _success_status(responses: Mapping[str, Any]) -> int | None:
    statuses = [
        200 if key.upper() == "2XX" else int(key)
        for key in map(str, responses)
        if key.upper() == "2XX" or (key.isdigit() and 200 <= int(key) < 300)
    ]
    return min(statuses, default=None)


def operation_ids(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The ids of the document's operations, in document order."""
    return tuple(op.id for op in _operations(document))


def _pattern(base_path: str, template: str) -> re.Pattern[str]:
    return re.compile(
        "^" + re.escape(base_path) + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]*)", re.escape(template)) + "$"
    )


class Routes:
    """The document's operations by id, and the routing of a request to one of them."""

    def __init__(self, document: Mapping[str, Any], base_path: str) -> None:
        self.base_path = base_path
        self.operations: dict[str, Operation] = {}
        by_path: dict[str, dict[str, Operation]] = {}
        for op in _operations(document):
            if op.id in self.operations:
                raise ValueError(f"operationId {op.id!r} is used twice in the document")
            self.operations[op.id] = op
            by_path.setdefault(op.path, {})[op.method] = op
        # Fewer templated segments first: a concrete path wins over a template that also matches it.
        self._paths = [
            (_pattern(base_path, path), methods)
            for path, methods in sorted(by_path.items(), key=lambda item: item[0].count("{"))
        ]

    def match(self, method: str, path: str) -> Match:
        """The operation for a request's method and raw path (the base path included)."""
        for pattern, methods in self._paths:
            found = pattern.match(path)
            if found is not None:
                op = methods.get(method.lower())
                return Match(op, found.groupdict(), tuple(m.upper() for m in methods))
        return Match(None, {})

    def describe(self) -> str:
        """``POST /x/partners/{partner_code}/offers/ (create_offer), ...``: for messages and banners."""
        return ", ".join(
            f"{op.method.upper()} {self.base_path}{op.path} ({op.id})" for op in self.operations.values()
        )
