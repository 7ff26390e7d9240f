"""An OpenAPI document, enforced by openapi-core: routing, request checks, response checks.

Nothing here restates a field of the API: the rules come from the document, by default the one
shipped inside `xcover_offers_api` (a sandbox may be given another, see `SandboxApp`), so the
sandbox's idea of a valid request changes when the spec does. Only this module imports openapi-core,
and only when a sandbox is built, so `import xcover_offers` works without the ``sandbox`` extra.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final
from urllib.parse import parse_qsl

from .._spec import document as shipped_document
from ._exchange import SandboxRequest, SandboxResponse
from ._routes import Match, Operation, Routes, server_url

try:
    from openapi_core import OpenAPI
    from openapi_core.datatypes import Parameters, RequestParameters
    from openapi_core.deserializing.styles.exceptions import EmptyQueryParameterValue
    from openapi_core.validation.request.exceptions import (
        MissingRequestBodyError,
        MissingRequiredParameter,
        ParameterValidationError,
        RequestBodyValidationError,
    )
    from werkzeug.datastructures import Headers, ImmutableMultiDict
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "xcover_offers.sandbox needs the 'sandbox' extra: pip install 'xcover-offers[sandbox]'"
    ) from exc

JSON: Final = "application/json"
REQUIRED: Final = "This field is required."
_ARTICLES: Final = {"object": "an object", "array": "an array", "integer": "an integer"}


@dataclass(slots=True)
class SpecRequest:
    """A request in openapi-core's Request protocol, as if it had reached the spec's server.

    The sandbox may listen on 127.0.0.1 or on no socket at all; validating against the spec's own
    origin keeps server matching out of the picture while the path, base path included, is checked.
    """

    path: str
    query: Sequence[tuple[str, str]]
    headers: Sequence[tuple[str, str]]
    body: bytes | None
    content_type: str
    method: str
    host_url: str
    parameters: RequestParameters = field(init=False)

    def __post_init__(self) -> None:
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(self.query)),
            header=Headers(list(self.headers)),
        )


@dataclass(slots=True)
class SpecResponse:
    """A response in openapi-core's Response protocol."""

    status_code: int
    data: bytes | None
    content_type: str
    headers: Headers = field(default_factory=Headers)


def _path_key(parts: Iterable[Any]) -> str:
    key = ""
    for part in parts:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def _schema_messages(error: Any, prefix: Sequence[Any]) -> Iterable[tuple[str, str]]:
    """(field path, message) for one jsonschema error; values are never echoed back."""
    path = [*prefix, *error.absolute_path]
    keyword = error.validator
    value = error.validator_value
    if keyword == "required":
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        for name in value:
            if name not in instance:
                yield _path_key([*path, name]), REQUIRED
        return
    key = _path_key(path) or "body"
    if keyword == "type":
        names = value if isinstance(value, list) else [value]
        yield key, "Must be " + " or ".join(_ARTICLES.get(n, f"a {n}") for n in names) + "."
    elif keyword == "format":
        yield key, f"Must be a valid {value}."
    elif keyword == "minLength":
        yield key, f"Must be at least {value} character{'s' if value != 1 else ''} long."
    else:  # the keyword only: the validator's own message quotes the value, which may be personal
        yield key, f"Must satisfy the spec's {keyword!r} rule."


def request_errors(errors: Iterable[Exception]) -> dict[str, list[str]]:
    """openapi-core's request errors as the spec's 422 ``errors`` map: field path -> messages."""
    out: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        messages = out.setdefault(key, [])
        if message not in messages:
            messages.append(message)

    for error in errors:
        cause = error.__cause__
        schema_errors = list(getattr(cause, "schema_errors", None) or ())
        if isinstance(error, ParameterValidationError):
            if isinstance(error, MissingRequiredParameter):
                add(error.name, REQUIRED)
            elif schema_errors:
                for _, message in (m for se in schema_errors for m in _schema_messages(se, ())):
                    add(error.name, message)
            elif isinstance(cause, EmptyQueryParameterValue):
                # OpenAPI 3.0: allowEmptyValue defaults to false, so `?extra_fields=` is not "no filter".
                add(error.name, "Must not be empty.")
            else:
                wanted = getattr(cause, "type", None)
                add(
                    error.name,
                    f"Must be {_ARTICLES.get(wanted, f'a {wanted}')}." if wanted else str(cause or error),
                )
        elif isinstance(error, RequestBodyValidationError):
            if isinstance(error, MissingRequestBodyError):
                add("body", "A JSON request body is required.")
            elif schema_errors:
                for key, message in (m for se in schema_errors for m in _schema_messages(se, ())):
                    add(key, message)
            else:
                add("body", str(error)[:200])
        else:
            add("request", str(error)[:200])
    return out


class Spec:
    """One OpenAPI document, enforced: its operations (`routes`), request and response checks.

    Args:
        document: an OpenAPI 3.0 document; copied, never changed. openapi-core checks it and takes
            about 20 ms to build its object, so the shipped document's `Spec` is built once (`shipped`).
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document: Mapping[str, Any] = copy.deepcopy(dict(document))
        self.openapi = OpenAPI.from_dict(copy.deepcopy(dict(self.document)))
        self.origin, self.base_path = server_url(self.document)
        self.routes = Routes(self.document, self.base_path)

    def route(self, method: str, path: str) -> Match:
        return self.routes.match(method, path)

    def request(
        self, request: SandboxRequest, operation: Operation, *, body: bytes | None, content_type: str
    ) -> SpecRequest:
        """`request` in openapi-core's terms, for `operation`."""
        return SpecRequest(
            path=request.path,
            query=parse_qsl(request.query, keep_blank_values=True),
            headers=request.headers,
            body=body,
            content_type=content_type.lower(),
            method=operation.method,
            host_url=self.origin,
        )

    def check_request(self, request: SpecRequest) -> tuple[dict[str, list[str]], Parameters]:
        """Validate a request: (field errors, its parameters, unmarshalled, with the spec's defaults)."""
        result = self.openapi.unmarshal_request(request)
        return request_errors(result.errors), result.parameters or Parameters()

    def response_problems(self, request: SpecRequest, response: SpecResponse) -> list[str]:
        """Why `response` does not conform to the spec for `request` (empty when it does)."""
        return [_problem(e) for e in self.openapi.iter_response_errors(request, response)]

    def answer_problems(self, request: SandboxRequest, response: SandboxResponse) -> list[str]:
        """Why a sandbox answer does not conform to the spec (empty when it does, or is not JSON).

        A 409 the operation does not document replays its success. An answer the operation does
        not document (a 404 has no operation at all) must have the ``{"type", "message"}`` shape.
        """
        if not (response.header("content-type") or "").startswith(JSON):
            return []
        operation = self.route(request.method, request.path).operation
        status: int | None = response.status
        if operation is not None and status == 409 and not documents(operation, 409):
            status = operation.success_status
        if operation is None or status is None or not documents(operation, status):
            return error_shape_problems(response.body)
        spec_request = self.request(request, operation, body=request.body, content_type=JSON)
        headers = Headers(list(response.headers))
        return self.response_problems(spec_request, SpecResponse(status, response.body, JSON, headers))


def _problem(error: Exception) -> str:
    """One response error, told by its schema errors (``customer.country: 'x' is too short``) if any."""
    schema_errors = getattr(error.__cause__, "schema_errors", None)
    if schema_errors:
        return "; ".join(f"{_path_key(e.absolute_path) or 'body'}: {e.message}" for e in schema_errors)[:500]
    return f"{type(error).__name__}: {error}"[:500]


@cache
def shipped() -> Spec:
    """The `Spec` of the document shipped inside `xcover_offers_api`, built once per process."""
    return Spec(shipped_document())


def documents(operation: Operation, status: int) -> bool:
    """Whether the operation documents answers with this status (itself, its range or a default)."""
    responses = operation.definition.get("responses") or {}
    return any(key in responses for key in (str(status), f"{status // 100}XX", "default"))


def error_shape_problems(body: bytes) -> list[str]:
    """Why a body is not XCover's error shape, an object with string ``type`` and ``message``."""
    try:
        value = json.loads(body)
    except ValueError:
        return ["the body is not JSON"]
    if not (isinstance(value, dict) and all(isinstance(value.get(k), str) for k in ("type", "message"))):
        return ['the body is not the error shape {"type": str, "message": str}']
    return []


def too_deep_at(body: Any, limit: int) -> str | None:
    """The path of the first object or array nested deeper than `limit` (the body is depth 1), or None.

    Iterative, so a body deep enough to break a recursive walk (openapi-core's) is measured safely;
    each entry links to its parent, so the path is built only for the one that is too deep.
    """
    Entry = tuple[Any, int, Any, str | int]  # (node, depth, parent entry, key in parent)
    stack: list[Entry] = [(body, 1, None, "")]
    while stack:
        entry = stack.pop()
        node, depth = entry[0], entry[1]
        children = node.items() if isinstance(node, Mapping) else enumerate(node)
        for key, child in children:
            if isinstance(child, Mapping | list):
                if depth + 1 > limit:
                    return _path_text(entry, key)
                stack.append((child, depth + 1, entry, key))
    return None


def _path_text(entry: Any, key: str | int) -> str:
    parts: list[str | int] = [key]
    while entry is not None and entry[2] is not None:
        parts.append(entry[3])
        entry = entry[2]
    return _path_key(reversed(parts))
