"""What the pipeline and the modelled operations answer with, in XCover's shapes.

An `Answer` is ``(status, body, extra headers)``: a JSON object (rendered with its Content-Type) or
bytes sent as they are. A `Handler` answers a `Call`, a request that passed every check, for the
one operation it models (see `SandboxApp`'s ``handlers``); it may also end early with `fail`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from xcover_offers_api.models import ErrorResponse as ErrorBody
from xcover_offers_api.models import ValidationErrorResponse, ValidationErrors

from ._exchange import SandboxRequest

if TYPE_CHECKING:
    from ._app import SandboxApp
    from ._routes import Operation

Answer = tuple[int, dict[str, Any] | bytes, dict[str, str]]


@dataclass(frozen=True, slots=True)
class Call:
    """A request that passed routing, the signature, idempotency and the spec, as a handler sees it.

    Attributes:
        operation: the operation it is for.
        request: the request as it arrived.
        path: the path parameters, unmarshalled by the spec (``{"partner_code": "LLODT"}``).
        query: the query parameters, unmarshalled, with the spec's defaults.
        body: the JSON body (numbers with a fraction as Decimal), or None without one.
        now: the sandbox's clock, in seconds.
    """

    operation: Operation
    request: SandboxRequest
    path: Mapping[str, Any]
    query: Mapping[str, Any]
    body: Any
    now: float


Handler = Callable[["SandboxApp", Call], Answer]
"""``(sandbox, call) -> (status, body, headers)``: the answer of an operation modelled with state."""


class EarlyAnswer(Exception):
    """Raised inside the pipeline (or a handler) to answer at once; never leaves `SandboxApp.handle`."""

    def __init__(self, response: Answer) -> None:
        super().__init__(response[0])
        self.response = response


def error_body(kind: str, message: str) -> dict[str, Any]:
    """The spec's ``{"type", "message"}`` error shape, used for every error status."""
    return ErrorBody(type_=kind, message=message).to_dict()


def fail(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> NoReturn:
    """Answer now with an error in the spec's shape."""
    raise EarlyAnswer((status, error_body(kind, message), headers or {}))


def validation_error(errors: Mapping[str, list[str]]) -> dict[str, Any]:
    """The spec's 422 body: ``{"type": "validation_error", "message", "errors": {field: [messages]}}``."""
    fields = ValidationErrors()
    fields.additional_properties = {k: list(v) for k, v in errors.items()}
    count = len(errors)
    return ValidationErrorResponse(
        type_="validation_error",
        message=f"The request is invalid: {count} field{'s' if count != 1 else ''} failed validation.",
        errors=fields,
    ).to_dict()


def reject_constant(name: str) -> NoReturn:
    """For json.loads: NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def encode(body: Any) -> bytes:
    """Compact UTF-8 JSON, as the sandbox sends it."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
