"""Exceptions raised by xcover_offers.

    XCoverError
    ├── SignatureError              a request's XCover signature failed verification (verify_signature)
    │   └── WebhookSignatureError   a webhook failed a check of webhooks.construct_event (.check names it)
    ├── RequestValidationError      (also ValueError) bad input, caught before anything is sent
    └── APIError                    XCover gave no usable answer: catch this one to fail open
        ├── APIConnectionError          no response: DNS, refused, reset, TLS, a malformed response ...
        │   ├── APITimeoutError             no response in time
        │   └── CircuitOpenError            not sent: the circuit breaker is open; says when it tries again
        ├── APIResponseValidationError  a body that is not the documented shape (path named)
        │   └── ResponseTooLargeError       a body over max_response_bytes (not retried)
        └── APIStatusError              the server answered with a non-2xx status
            ├── BadRequestError             400
            ├── AuthenticationError         401
            ├── PermissionDeniedError       403 (XCover's answer to a bad signature)
            ├── NotFoundError               404
            ├── ConflictError               409 that is not a replay of the operation's answer
            ├── UnprocessableEntityError    422, with .errors: field path -> messages
            ├── LockedError                 423: the first request with this idempotency key is still running
            ├── RateLimitError              429
            └── InternalServerError         >= 500

To fail open (sell the tickets without protection when XCover cannot help), catch APIError and let
everything else raise: RequestValidationError, TypeError and the like are bugs in the caller's code,
and the same request would fail the same way on every order.

Every message leads with what a person needs to act: the status, the server's message and the
request id. Secrets never appear in any of them, and neither do control or bidi characters: what the
server sent (its message, request id, a field name) is shown with those characters escaped, so
printing an error cannot drive a terminal or forge a log line. The attributes keep the server's
values as they came, except `request_id`, which is escaped where it is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from ._text import printable


class XCoverError(Exception):
    """Base class of every error this package raises on purpose.

    Errors pickle (to cross a process pool, say) by their fields. What they keep of an exchange is
    made safe before they are raised: the request's signature and API key redacted, its body (which
    holds personal data) dropped, and an error body cut to 64 KiB.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # The default calls cls(*args), which keyword-only constructors refuse: rebuild from state.
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(cls: type[XCoverError], args: tuple[Any, ...], state: dict[str, Any]) -> XCoverError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class SignatureError(XCoverError):
    """An XCover request signature failed verification; the message names the rule that failed."""


class WebhookSignatureError(SignatureError):
    """A webhook delivery failed a check of `webhooks.construct_event`; answer it with a 4xx.

    Attributes:
        check: which check failed: ``headers``, ``api_key``, ``authorization``, ``algorithm``,
            ``signed_headers``, ``date``, ``signature`` or ``body``. The message says more; neither
            holds the secret or a valid signature.
    """

    def __init__(self, message: str, *, check: str) -> None:
        self.check = check
        super().__init__(message)


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


class APIError(XCoverError):
    """XCover gave no usable answer: no response, an error status, or a body that is not the
    documented shape. The one class to catch to fail open; RequestValidationError is not one."""


class APIConnectionError(APIError):
    """The request got no response (connection refused or reset, DNS, TLS, protocol error).

    Attributes:
        request: the httpx request that got no answer; None only on a CircuitOpenError, where no
            request was built.
    """

    request: httpx.Request | None

    def __init__(self, message: str, *, request: httpx.Request) -> None:
        super().__init__(printable(message))  # it may quote what the server sent
        self.request = request


class APITimeoutError(APIConnectionError):
    """No response in time: a socket timeout, or the call's `total_timeout` ran out.

    Attributes:
        response: the last response seen, when the budget ran out between attempts (a 503 whose
            retry no longer fitted, say); None otherwise.
    """

    def __init__(
        self, message: str, *, request: httpx.Request, response: httpx.Response | None = None
    ) -> None:
        super().__init__(message, request=request)
        self.response = response


class APIResponseValidationError(APIError):
    """A response whose body is not the documented shape: not JSON, not the operation's answer, a
    field of the wrong type (the message names its path), or too large. It keeps the status and
    headers, never the body (a booking holds the policyholder)."""

    def __init__(self, message: str, *, response: httpx.Response, request_id: str | None) -> None:
        self.response = response
        self.status_code = response.status_code
        self.request_id = request_id
        super().__init__(printable(f"{message} (request id {request_id})" if request_id else message))


class ResponseTooLargeError(APIResponseValidationError):
    """The decoded body passed `max_response_bytes`: the read was stopped and the connection closed.

    Attributes:
        limit: the limit in bytes.
        size: how many decoded bytes had been read when the read stopped (or the Content-Length).
    """

    def __init__(
        self, message: str, *, response: httpx.Response, request_id: str | None, limit: int, size: int
    ) -> None:
        self.limit = limit
        self.size = size
        super().__init__(message, response=response, request_id=request_id)


class APIStatusError(APIError):
    """The server answered with a status that is not 2xx.

    Attributes:
        status_code: the HTTP status.
        body: the parsed JSON body, or the text when the body is not JSON (an HTML proxy page).
        message: the server's ``message`` field, if any, as sent (`str()` shows it escaped).
        request_id: the server's request id header, if any.
        model: the generated model of a documented error body (`ErrorResponse` for 403,
            `ValidationErrorResponse` for 422) when the body fits the spec's schema, else None.
        body_size: the body's size in bytes; `response.content` keeps at most 64 KiB of it.
        response: the httpx response, for anything else.
    """

    def __init__(
        self,
        *,
        response: httpx.Response,
        body: Any,
        request_id: str | None,
        model: Any = None,
        body_size: int | None = None,
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.request_id = request_id
        self.model = model
        self.body_size = len(response.content) if body_size is None else body_size
        self.message = _server_message(body)
        super().__init__(printable(self._describe()))

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


class ConflictError(APIStatusError):
    """409 whose body is not a replay of the operation's answer.

    XCover answers 409 with the stored response when a request with the same idempotency key and
    body was already processed; that replay is returned as a success, so this is any other 409.
    """


class UnprocessableEntityError(APIStatusError):
    """422: the server rejected fields of the request.

    Attributes:
        errors: field path -> list of messages, as the server sent them.
    """

    def __init__(self, *, response: httpx.Response, body: Any, request_id: str | None, **kept: Any) -> None:
        raw = body.get("errors") if isinstance(body, Mapping) else None
        self.errors: dict[str, list[str]] = {
            str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)]
            for k, v in (raw.items() if isinstance(raw, Mapping) else ())
        }
        super().__init__(response=response, body=body, request_id=request_id, **kept)

    def _describe(self) -> str:
        text = super()._describe()
        if self.errors:
            fields = "; ".join(f"{k}: {', '.join(v)}" for k, v in list(self.errors.items())[:5])
            text += f" [{fields}{'; ...' if len(self.errors) > 5 else ''}]"
        return text


class LockedError(APIStatusError):
    """423: XCover is still processing the first request with this idempotency key; retry later."""


class RateLimitError(APIStatusError):
    """429: too many requests; retried automatically, honouring Retry-After."""


class InternalServerError(APIStatusError):
    """5xx: the server or a proxy in front of it failed."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    423: LockedError,
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


class CircuitOpenError(APIConnectionError):
    """The circuit breaker is open: the call failed at once, with no network I/O.

    Attributes:
        reason: why no call was let through (open, or a trial call already in flight).
        retry_in: seconds, from when this was raised, until the breaker lets a trial call through.
        retry_at: that moment on the breaker's clock (``time.monotonic`` unless another was given).
        request: None: no request was built.
    """

    def __init__(
        self,
        reason: str = "the XCover circuit breaker is open",
        *,
        retry_in: float,
        retry_at: float,
        request: httpx.Request | None = None,
    ) -> None:
        self.reason = reason
        self.retry_in = retry_in
        self.retry_at = retry_at
        # Not APIConnectionError.__init__: it requires a request, and none exists here.
        XCoverError.__init__(self, f"{reason}: no request was sent; it will try again in {retry_in:.1f} s")
        self.request = request
