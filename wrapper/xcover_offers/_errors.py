"""Exceptions raised by xcover_offers.

    XCoverError
    ├── SignatureError              a request's XCover signature failed verification (verify_signature)
    ├── RequestValidationError      (also ValueError) bad input, caught before anything is sent
    ├── APIConnectionError          no response: DNS, refused, reset, TLS ...
    │   └── APITimeoutError         no response in time
    ├── APIResponseValidationError  a 2xx whose body is not the documented shape
    └── APIStatusError              the server answered with a non-2xx status
        ├── BadRequestError             400
        ├── AuthenticationError         401
        ├── PermissionDeniedError       403 (XCover's answer to a bad signature)
        ├── NotFoundError               404
        ├── UnprocessableEntityError    422, with .errors: field path -> messages
        ├── RateLimitError              429
        └── InternalServerError         >= 500

Every message leads with what a person needs to act: the status, the server's message and the
request id. Secrets never appear in any of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class XCoverError(Exception):
    """Base class of every error this package raises on purpose."""


class SignatureError(XCoverError):
    """An XCover request signature failed verification; the message names the rule that failed."""


class RequestValidationError(XCoverError, ValueError):
    """The request is invalid; raised before anything is sent.

    Attributes:
        path: where the problem is, e.g. ``events[1].tickets[0].price``.
        reason: what is wrong with it.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class APIConnectionError(XCoverError):
    """The request got no response (connection refused or reset, DNS, TLS, protocol error)."""

    def __init__(self, message: str, *, request: httpx.Request) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request got no response in time."""


class APIResponseValidationError(XCoverError):
    """A 2xx response whose body is not the documented shape (not JSON, or no `data` object)."""

    def __init__(self, message: str, *, response: httpx.Response, request_id: str | None) -> None:
        self.response = response
        self.status_code = response.status_code
        self.request_id = request_id
        super().__init__(f"{message} (request id {request_id})" if request_id else message)


class APIStatusError(XCoverError):
    """The server answered with a status that is not 2xx.

    Attributes:
        status_code: the HTTP status.
        body: the parsed JSON body, or the text when the body is not JSON (an HTML proxy page).
        message: the server's ``message`` field, if any.
        request_id: the server's request id header, if any.
        response: the httpx response, for anything else.
    """

    def __init__(self, *, response: httpx.Response, body: Any, request_id: str | None) -> None:
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.request_id = request_id
        self.message = _server_message(body)
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [f"{self.status_code} {self.response.reason_phrase}".strip()]
        if self.message:
            parts.append(self.message)
        elif isinstance(self.body, str) and self.body.strip():
            parts.append(_snippet(self.body))
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        return ": ".join(parts[:2]) + "".join(f" ({p})" for p in parts[2:])


class BadRequestError(APIStatusError):
    """400: the server could not read the request."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or unknown."""


class PermissionDeniedError(APIStatusError):
    """403: XCover's answer to a bad signature, a wrong key or a clock too far off."""


class NotFoundError(APIStatusError):
    """404: usually a wrong partner code or base URL."""


class UnprocessableEntityError(APIStatusError):
    """422: the server rejected fields of the request.

    Attributes:
        errors: field path -> list of messages, as the server sent them.
    """

    def __init__(self, *, response: httpx.Response, body: Any, request_id: str | None) -> None:
        raw = body.get("errors") if isinstance(body, Mapping) else None
        self.errors: dict[str, list[str]] = {
            str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)]
            for k, v in (raw.items() if isinstance(raw, Mapping) else ())
        }
        super().__init__(response=response, body=body, request_id=request_id)

    def _describe(self) -> str:
        text = super()._describe()
        if self.errors:
            fields = "; ".join(f"{k}: {', '.join(v)}" for k, v in list(self.errors.items())[:5])
            text += f" [{fields}{'; ...' if len(self.errors) > 5 else ''}]"
        return text


class RateLimitError(APIStatusError):
    """429: too many requests; retried automatically, honouring Retry-After."""


class InternalServerError(APIStatusError):
    """5xx: the server or a proxy in front of it failed."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The most specific APIStatusError subclass for a status."""
    if status_code >= 500:
        return InternalServerError
    return _BY_STATUS.get(status_code, APIStatusError)


def _server_message(body: Any) -> str | None:
    if isinstance(body, Mapping):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
    return None


def _snippet(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
