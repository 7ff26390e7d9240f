"""The patched spec, enforced by openapi-core: request checks, query defaults, response checks.

Nothing here restates a field of the API: the rules come from the document shipped inside
`xcover_offers_api`, so the sandbox's idea of a valid request changes when the spec does. Only this
module imports openapi-core, and only when a sandbox is built, so `import xcover_offers` works
without the ``sandbox`` extra.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from .._spec import CREATE_OFFER_PATH, document
from ._exchange import SandboxRequest, SandboxResponse

try:
    from openapi_core import OpenAPI
    from openapi_core.datatypes import RequestParameters
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


@cache
def openapi() -> OpenAPI:
    """The spec as an openapi-core object, built once per process (about 20 ms)."""
    return OpenAPI.from_dict(copy.deepcopy(document()))


@cache
def server_url() -> tuple[str, str]:
    """("https://api.xcover.com", "/x"): the spec server's origin and base path."""
    parts = urlsplit(str(document()["servers"][0]["url"]))
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


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
    method: str = "post"
    host_url: str = field(default_factory=lambda: server_url()[0])
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
    else:
        yield key, str(error.message)[:200]


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


def check_request(request: SpecRequest) -> tuple[dict[str, list[str]], Mapping[str, Any]]:
    """Validate against the spec: (field errors, the query parameters with the spec's defaults)."""
    result = openapi().unmarshal_request(request)
    query: Mapping[str, Any] = result.parameters.query if result.parameters else {}
    return request_errors(result.errors), query


def response_problems(request: SpecRequest, response: SpecResponse) -> list[str]:
    """Why `response` does not conform to the spec for `request` (empty when it does)."""
    return [f"{type(e).__name__}: {e}"[:500] for e in openapi().iter_response_errors(request, response)]


def answer_problems(request: SandboxRequest, response: SandboxResponse) -> list[str]:
    """Why a sandbox answer does not conform to the spec (empty when it does, or is not JSON)."""
    if not (response.header("content-type") or "").startswith(JSON):
        return []
    # A 409 replays a 200's body. Statuses the spec does not document use its error shape, which
    # the 403 response defines; they are checked on the canonical path (a 404's path is no route).
    documented = {409: 200}.get(response.status, response.status)
    status = documented if documented in (200, 403, 422) else 403
    path = request.path
    if status != documented:
        path = server_url()[1] + CREATE_OFFER_PATH.replace("{partner_code}", "SANDBOX")
    spec_request = SpecRequest(
        path=path,
        query=parse_qsl(request.query, keep_blank_values=True),
        headers=request.headers,
        body=request.body,
        content_type=JSON,
    )
    return response_problems(spec_request, SpecResponse(status, response.body, JSON))


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
