"""Configuration, call preparation and the retry policy shared by both clients (no I/O here).

Every operation goes through the same two steps. `_prepare` turns a generated endpoint's `OPERATION`
and its arguments into a `Call`. The policy is one generator, `_run`: it yields a request to send (and
is sent back the read response or the httpx error) or a delay to sleep (and is sent back None), and
returns the `CallResult` or raises the typed error. The sync and async clients only drive it, so they
cannot drift apart, and an operation added to the spec gets all of it the day it is generated.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import logging
import os
import platform
import random
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any, Self, Unpack

import httpx
from xcover_offers_api.operation import Operation

from ._breaker import CircuitBreaker
from ._call import (
    NO_HOOKS,
    Call,
    CallResult,
    Hooks,
    replay_result,
    request_id,
    status_error,
    success_result,
)
from ._constants import (
    DEFAULT_ALGORITHM,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_SIGNED_HEADERS,
    DEFAULT_TIMEOUT,
    DEFAULT_TOTAL_TIMEOUT,
    ENV_NAMES,
    IDEMPOTENCY_FIELD,
    IDEMPOTENCY_HEADER,
    env_value,
)
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    ResponseTooLargeError,
    XCoverError,
)
from ._logging import bodies_enabled_by_env, log_attempt, logger, mask_body
from ._options import (
    REQUEST_OPTIONS,
    ClientOptions,
    EnvOverrides,
    RequestOptions,
    ViewOptions,
    call_option,
    check_keywords,
    check_path_value,
    check_uuid,
    to_count,
    to_headers,
    to_idempotency_key,
    to_partner_code,
    to_timeout,
    to_total_timeout,
    url_problem,
)
from ._retry import parse_http_date, retry_delay, should_retry_exception, should_retry_status
from ._signing import XCoverAuth
from ._spec import body_schema, header_format
from ._telemetry import NOOP_CALL, start_call
from ._transfer import ACCEPT_ENCODING, BodyRefused, BodyTooLarge, safe_request, safe_response
from ._validation import check_body, serialise
from ._version import SPEC_VERSION, __version__

USER_AGENT = (
    f"xcover-offers-python/{__version__} (spec {SPEC_VERSION}; "
    f"python {'.'.join(platform.python_version_tuple()[:2])}; httpx {httpx.__version__})"
)

Outcome = httpx.Response | httpx.HTTPError | BodyRefused | None
Step = httpx.Request | float


def idempotency_header(operation: Operation[Any]) -> tuple[str, str] | None:
    """The operation's idempotency-key header (as its spec spells it, and the builder's argument for
    it), if it documents one."""
    return next((h for h in operation.header_parameters if h[0].lower() == IDEMPOTENCY_FIELD), None)


@functools.cache
def _argument_problem(operation_id: str, build: Callable[..., Any], names: frozenset[str]) -> str | None:
    """Why the builder cannot take arguments with these names (Python's own TypeError text), or None.
    Only the names decide it, so it is worked out once per set of names, not per call."""
    signature = inspect.signature(build)
    clash = REQUEST_OPTIONS & signature.parameters.keys()
    if clash:  # never happens with XCover's spec today; silently taking it for an option would be worse
        return f"{operation_id} has a parameter named like a call option: {sorted(clash)}"
    try:
        signature.bind(**dict.fromkeys(names))
    except TypeError as exc:
        return f"{operation_id}(): {exc}"
    return None


class Checked:
    """A request body already checked and converted to JSON data, in the shape the generated
    builder expects of a model (`to_dict()`): the builder sends it as it is."""

    __slots__ = ("data",)

    def __init__(self, data: Any) -> None:
        self.data = data

    def to_dict(self) -> Any:
        return self.data


class _BaseOffersClient:
    """What both clients share; subclasses add the I/O that drives `_run`."""

    _http: httpx.Client | httpx.AsyncClient
    _owns_http: bool

    def _configure(self, options: ClientOptions) -> None:
        check_keywords(options, ClientOptions, type(self).__name__)
        for name in ("api_key", "api_secret"):
            value = options.get(name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string")
        base = (options.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        if problem := url_problem(base):
            raise ValueError(f"base_url must be an absolute http(s) URL: {problem}")
        self.base_url = base
        self._base_path = httpx.URL(base).path.rstrip("/")
        self.headers: dict[str, str] = {}
        defaults: ViewOptions = {
            "timeout": DEFAULT_TIMEOUT,
            "total_timeout": DEFAULT_TOTAL_TIMEOUT,
            "max_retries": DEFAULT_MAX_RETRIES,
            "max_response_bytes": DEFAULT_MAX_RESPONSE_BYTES,
        }
        self._set({**defaults, **options})  # type: ignore[typeddict-unknown-key]  # a superset
        breaker = options.get("circuit_breaker")
        if breaker is not None and not isinstance(breaker, CircuitBreaker):
            raise TypeError(f"circuit_breaker must be a CircuitBreaker, got {type(breaker).__name__}")
        self.circuit_breaker = breaker
        log_bodies = options.get("log_bodies")
        self.log_bodies = bodies_enabled_by_env() if log_bodies is None else log_bodies
        # Seams for tests: the wall clock (signing reads it too), the monotonic timer the budget is
        # kept on, the retry sleep and the jitter source.
        self._clock: Callable[[], float] = time.time
        self._timer: Callable[[], float] = time.monotonic
        self._rand: Callable[[], float] = random.random
        self.auth = XCoverAuth(
            options["api_key"],
            options["api_secret"],
            algorithm=options.get("algorithm", DEFAULT_ALGORITHM),
            signed_headers=options.get("signed_headers", DEFAULT_SIGNED_HEADERS),
            clock=lambda: self._clock(),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(partner_code={self.partner_code!r}, base_url={self.base_url!r})"

    def with_options(self, **changes: Unpack[ViewOptions]) -> Self:
        """A client of the same class over the same connection pool, auth (and the clock offset it
        learned) and circuit breaker, with some options changed: e.g. another partner code, or a
        shorter budget for one code path. Closing it does not close the shared pool, and it can be
        used while the client it came from is open.

        Keywords: partner_code, timeout, total_timeout, max_retries, max_response_bytes and headers
        (added to the default headers; the client's own headers cannot be replaced).
        """
        check_keywords(changes, ViewOptions, "with_options")
        view = copy.copy(self)
        view._owns_http = False
        view._set(changes)
        return view

    def _set(self, options: ViewOptions) -> None:
        """Apply (and check) the options a view may change; keys not given keep their value."""
        if "partner_code" in options:
            self.partner_code = to_partner_code(options["partner_code"])
        if "timeout" in options:
            self.timeout = to_timeout(options["timeout"])
        if "total_timeout" in options:
            self.total_timeout = to_total_timeout(options["total_timeout"])
        if "max_retries" in options:
            self.max_retries = to_count(options["max_retries"], "max_retries", minimum=0)
        if "max_response_bytes" in options:
            self.max_response_bytes = to_count(options["max_response_bytes"], "max_response_bytes", minimum=1)
        if "headers" in options:
            self.headers = {**self.headers, **to_headers(options["headers"])}

    @classmethod
    def _env_options(cls, environ: Mapping[str, str] | None, overrides: EnvOverrides) -> ClientOptions:
        environ = os.environ if environ is None else environ
        found: dict[str, Any] = {}
        missing: list[str] = []
        for arg, names in zip(("api_key", "api_secret", "partner_code", "base_url"), ENV_NAMES, strict=True):
            if arg in overrides:
                continue
            value = env_value(names, environ)
            if value is not None:
                found[arg] = value
            elif arg != "base_url":
                missing.append(f"{names[0]} (or {names[1]})")
        if missing:
            raise XCoverError(f"missing environment variables: {', '.join(missing)}")
        options: ClientOptions = {**found, **overrides}  # type: ignore[typeddict-item]
        return options

    # -- preparing a call --------------------------------------------------------------------------

    def _prepare(
        self,
        operation: Operation[Any],
        arguments: dict[str, Any],
        options: RequestOptions,
        hooks: Hooks = NO_HOOKS,
    ) -> Call:
        """Everything a call sends, built once: the endpoint's own arguments go through its generated
        builder (the partner code filled in from the client when the path has one), its body is
        checked against the spec, and the per-call options are checked, before anything is sent.
        `hooks` is what the operation's convenience method adds (see `Hooks`)."""
        if "partner_code" in operation.path_parameters and arguments.get("partner_code") is None:
            arguments["partner_code"] = self.partner_code
        for name in operation.path_parameters:
            if name in arguments:  # a missing one is the builder's TypeError, as for any function
                check_path_value(arguments[name], name)
        options = {**hooks.defaults, **options}  # type: ignore[typeddict-item]  # the same keys
        key_header = idempotency_header(operation)
        key_option = options.get("idempotency_key")
        key_argument = arguments.pop(key_header[1], None) if key_header else None
        if key_option is not None and key_argument is not None:
            raise TypeError(f"{operation.id}: pass the idempotency key once, as idempotency_key")
        if key_header is None and key_option is not None:
            raise TypeError(f"{operation.id} takes no idempotency key (its spec documents none)")
        given_key = key_option if key_option is not None else key_argument
        idempotency_key = to_idempotency_key(given_key) if key_header else None
        if key_header is not None and header_format(operation, key_header[0]) == "uuid":
            assert idempotency_key is not None
            check_uuid(idempotency_key, "idempotency_key")
        if operation.has_body and not isinstance(arguments.get("body"), Checked):
            schema = body_schema(operation)
            given = arguments.get("body")
            if schema is not None and given is not None:
                arguments["body"] = Checked(check_body(given, schema))
        problem = _argument_problem(operation.id, operation.build, frozenset(arguments))
        if problem is not None:
            raise TypeError(problem)
        kwargs = operation.build(**arguments)
        timeout = self.timeout
        if "timeout" in options:
            timeout = call_option(to_timeout, options["timeout"], "timeout")
        total = self.total_timeout
        if "total_timeout" in options:
            total = call_option(to_total_timeout, options["total_timeout"], "total_timeout")
        retries = self.max_retries
        if "max_retries" in options:
            retries = call_option(
                lambda v: to_count(v, "max_retries", minimum=0), options["max_retries"], "max_retries"
            )
        method = str(kwargs["method"]).upper()
        if method not in ("GET", "HEAD") and idempotency_key is None:
            retries = 0  # sent once: a second attempt could act twice
        headers = {
            str(k): str(v)
            for k, v in kwargs.get("headers", {}).items()
            if str(k).lower() != IDEMPOTENCY_FIELD
        }
        headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        headers.update(self.headers)  # a caller's default headers may replace those two, no others
        if "headers" in options:
            headers.update(call_option(to_headers, options["headers"], "headers"))
        headers["Accept-Encoding"] = ACCEPT_ENCODING  # what a bounded read can decode
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        target = _parse_url(self.base_url + kwargs["url"])
        query: dict[str, Any] | None = kwargs.get("params") or None
        if query is not None and not self._http.params:
            # What httpx would do on every attempt, done once. With client-wide params (a client
            # passed in) httpx keeps its own merge order, so the query is left to it.
            target, query = target.copy_merge_params(query), None
        body = kwargs.get("json")
        call = Call(
            operation=operation,
            method=method,
            target=target,
            params=query,
            content=None if "json" not in kwargs else serialise(body),  # once: every attempt sends it
            headers=headers,
            timeout=timeout,
            idempotency_key=idempotency_key,
            body=body,
            path=target.raw_path.decode("ascii").partition("?")[0],
            started=self._timer(),
            total_timeout=total,
            max_retries=retries,
            trace=NOOP_CALL,
            key_given=given_key is not None,
            hooks=hooks,
        )
        call.trace = start_call(
            operation_id=operation.id,
            url_template=self._base_path + operation.path,
            partner_code=str(arguments.get("partner_code", self.partner_code)),
            idempotency_key=idempotency_key,
            server=target,
        )
        return call

    # -- the policy --------------------------------------------------------------------------------

    def _run(self, call: Call) -> Generator[Step, Outcome, CallResult[Any]]:
        """The breaker (unless the call's hooks keep it out) and the call's trace around `_attempts`."""
        breaker = self.circuit_breaker if call.hooks.breaker else None
        details = call.hooks.details
        attempts = [0]
        admitted = False
        try:
            if breaker is not None:
                breaker.before_call()
            admitted = True
            result = yield from self._attempts(call, attempts)
        except BaseException as exc:
            if breaker is not None and admitted and isinstance(exc, XCoverError):
                breaker.record_outcome(exc)  # a cancelled call records nothing
            call.trace.end(attempts=attempts[0], error=exc)
            raise
        if breaker is not None:
            breaker.record_success()
        call.trace.end(
            attempts=result.attempts,
            request_id=result.request_id,
            replayed=result.replayed,
            details=details(result) if details is not None else None,
        )
        return result

    def _attempts(self, call: Call, attempts: list[int]) -> Generator[Step, Outcome, CallResult[Any]]:
        """Each attempt is a new request, so XCoverAuth signs it afresh with a fresh Date (and re-signs
        it once itself if XCover's 403 shows our clock is off); the idempotency key in `call.headers`
        is the same for all of them."""
        max_retries = call.max_retries
        retries_done = 0
        last: httpx.Response | None = None
        while True:
            remaining = call.remaining(self._timer)
            if remaining is not None and remaining <= 0:
                raise self._out_of_time(call, attempts[0], last)
            attempts[0] += 1
            attempt = attempts[0]
            request = self._http.build_request(
                call.method, call.target, params=call.params, content=call.content, headers=call.headers,
                timeout=call.attempt_timeout(remaining),
            )  # fmt: skip
            trace = call.trace.attempt(request, attempt)
            started = time.perf_counter()
            outcome = yield request
            if isinstance(outcome, BodyRefused):  # never retried: the same answer would come again
                trace.end(response=outcome.response, error=outcome)
                self._log(call, attempt, outcome, started, None)
                raise _refused(outcome) from None
            if not isinstance(outcome, httpx.Response):
                assert isinstance(outcome, httpx.HTTPError)
                trace.end(error=outcome)
                self._log(call, attempt, outcome, started, None)
                remaining = call.remaining(self._timer)
                if remaining is not None and remaining <= 0:
                    raise self._out_of_time(call, attempt, last) from None
                if should_retry_exception(outcome) and retries_done < max_retries:
                    delay = retry_delay(retries_done, None, now=self._clock(), rand=self._rand)
                    yield from self._backoff(call, delay, type(outcome).__name__, attempt, last)
                    retries_done += 1
                    continue
                # Not chained: httpx's error holds the live signed request, body and all.
                raise _connection_error(outcome, request) from None
            response = last = outcome
            trace.end(response=response)
            self._log(call, attempt, response, started, request_id(response.headers))
            if response.is_success:
                return success_result(call, response, attempt)
            if response.status_code == 409:
                replayed = replay_result(call, response, attempt)  # or raises the ConflictError
                call.trace.note("xcover.replayed", attempt=attempt)
                return replayed
            if should_retry_status(response.status_code) and retries_done < max_retries:
                # A Retry-After date is on the server's clock: measure it against the response's
                # Date, else our clock corrected by any skew learned so far.
                now = parse_http_date(response.headers.get("date")) or self._clock() + self.auth.clock_offset
                delay = retry_delay(
                    retries_done, response.headers.get("retry-after"), now=now, rand=self._rand
                )
                reason = f"status {response.status_code}"
                yield from self._backoff(call, delay, reason, attempt, last)
                retries_done += 1
                continue
            raise status_error(call.operation, response)

    def _backoff(
        self, call: Call, delay: float, reason: str, attempts: int, last: httpx.Response | None
    ) -> Generator[Step, Outcome, None]:
        """Sleep before a retry, unless the wait would not fit in what is left of the budget."""
        remaining = call.remaining(self._timer)
        if remaining is not None and delay >= remaining:
            raise self._out_of_time(call, attempts, last, waiting=delay)
        call.trace.backoff(delay, reason)
        yield delay

    def _out_of_time(
        self, call: Call, attempts: int, last: httpx.Response | None, *, waiting: float | None = None
    ) -> APITimeoutError:
        spent = self._timer() - call.started
        assert call.total_timeout is not None
        plural = "s" if attempts != 1 else ""
        if waiting is None:
            message = (
                f"total_timeout of {call.total_timeout:g} s ran out after {spent:.1f} s and "
                f"{attempts} attempt{plural}"
            )
        else:
            message = (
                f"total_timeout of {call.total_timeout:g} s cannot hold the {waiting:.1f} s wait before "
                f"the next retry ({spent:.1f} s spent, {attempts} attempt{plural})"
            )
        if last is not None:
            message += f"; last response: {last.status_code}"
        call.trace.note("xcover.budget_exhausted", spent=spent, attempts=attempts)
        kept = safe_response(last)[0] if last is not None else None
        request = kept.request if kept is not None else httpx.Request(call.method, call.target)
        return APITimeoutError(message, request=safe_request(request), response=kept)

    def _log(
        self,
        call: Call,
        attempt: int,
        outcome: httpx.Response | BaseException,
        started: float,
        rid: str | None,
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        log_attempt(
            logger,
            method=call.method,
            path=call.path,
            outcome=outcome,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            attempt=attempt,
            max_attempts=call.max_retries + 1,
            idempotency_key=call.idempotency_key,
            request_id=rid,
            body=json.dumps(mask_body(call.body), ensure_ascii=False)
            if self.log_bodies and call.content is not None
            else None,
        )


_URLS: dict[str, httpx.URL] = {}


def _parse_url(url: str) -> httpx.URL:
    # Create Offer's URL is the same every call (other operations' carry an id); parsing one costs
    # more than signing the request.
    parsed = _URLS.get(url)
    if parsed is None:
        if len(_URLS) > 64:
            _URLS.clear()
        parsed = _URLS[url] = httpx.URL(url)
    return parsed


def _refused(refused: BodyRefused) -> APIResponseValidationError:
    response = refused.response
    message = f"{response.status_code} response refused: {refused}"
    kept, rid = safe_response(response, read=False)[0], request_id(response.headers)
    if isinstance(refused, BodyTooLarge):
        return ResponseTooLargeError(
            message, response=kept, request_id=rid, limit=refused.limit, size=refused.size
        )
    return APIResponseValidationError(message, response=kept, request_id=rid)


def _connection_error(exc: httpx.HTTPError, request: httpx.Request) -> APIConnectionError:
    host = request.url.netloc.decode("ascii")  # host:port, so a local server's port shows too
    safe = safe_request(request)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{host} did not answer in time ({type(exc).__name__})", request=safe)
    return APIConnectionError(f"could not reach {host}: {type(exc).__name__}: {exc}", request=safe)
