"""Every option of the clients and of `create_offer`, declared once.

The typed signatures users see come from these TypedDicts through `**kwargs: Unpack[...]`, so mypy and
IDEs check each keyword exactly, and adding an option is one line here plus its use. A key left out
means "not given": that is how a per-call `total_timeout=None` (no limit) differs from no
`total_timeout` at all (the client's).

Annotations here are evaluated (no `from __future__ import annotations`): TypedDict reads `Required`
from them at run time, and `check_keywords` relies on its `__required_keys__`. The generated models
are named as strings, so this module does not import them.
"""

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Required, TypedDict, Union

import httpx

from ._breaker import CircuitBreaker
from ._constants import DEFAULT_TIMEOUT, MAX_DURATION, PROTECTED_HEADERS
from ._errors import RequestValidationError
from ._json_data import utf8_ok
from ._params import ExtraField

if TYPE_CHECKING:
    from xcover_offers_api.models import (
        Customer,
        Event,
        Offer,
        Partner,
        Policyholder,
        Product,
        QuoteSelection,
    )

Timeout = float | httpx.Timeout
"""Seconds for every socket operation (connect capped at the default's 5 s), or an `httpx.Timeout`."""
CustomerInput = Union["Customer", Mapping[str, Any]]
"""A generated `Customer` (see `xcover_offers.customer`) or a mapping with the same keys."""
EventInput = Union["Event", Mapping[str, Any]]
"""A generated `Event` (see `xcover_offers.event`) or a mapping with the same keys."""
PartnerInput = Union["Partner", Mapping[str, Any]]
"""A generated `Partner` or a mapping with the same keys."""
PolicyholderInput = Union["Policyholder", Mapping[str, Any]]
"""A generated `Policyholder` (see `xcover_offers.policyholder`) or a mapping with the same keys."""
QuoteInput = Union[str, "Product", "QuoteSelection", Mapping[str, Any]]
"""A chosen quote: its id (Create Offer's `products[].id`), the `Product`, a `QuoteSelection`, or a
mapping with the documented fields (`{"id": ..., "insured": [...]}`)."""
OfferRef = Union[str, "Offer"]
"""An offer: its id, or the `Offer` Create Offer returned."""


class CallOptions(TypedDict, total=False):
    """Per-call transport options: `create_offer` and `with_options` both take these."""

    timeout: Timeout
    total_timeout: float | None


class RequestOptions(CallOptions, total=False):
    """What every operation's call takes besides its own arguments: `call`, `create_offer` ...

    idempotency_key: 1-255 visible ASCII characters, for an operation that takes one (every POST
        XCover documents `x-idempotency-key` for); one is generated per call otherwise. Every retry
        of the call sends the same key. Never put personal data in it: it is recorded on spans.
    max_retries: retries after the first attempt, for this call (the client's when not given).
    headers: extra headers for this call, added to the client's (the same ones are refused).
    """

    idempotency_key: str | None
    max_retries: int
    headers: Mapping[str, str]


REQUEST_OPTIONS: Final = frozenset(RequestOptions.__optional_keys__)
"""The keywords `call` takes as options; every other keyword is the operation's own argument."""


class CreateOfferParams(RequestOptions, total=False):
    """The keyword arguments of `create_offer` and `create_offer_with_response`.

    What each one means, with an example, is in `OffersClient.create_offer`'s docstring; a test keeps
    the two in step.
    """

    customer: Required[CustomerInput]
    events: Required[Sequence[EventInput]]
    partner: PartnerInput | None
    schema: str | None
    extra_fields: Iterable[ExtraField | str] | str | None
    exclude_offer_ids: Iterable[str] | str | None
    active_only: bool | None
    include_content: bool | None


class ConfirmOfferParams(RequestOptions, total=False):
    """The keyword arguments of `confirm_offer` and `confirm_offer_with_response`, after the offer."""

    quotes: Required[Sequence[QuoteInput]]
    policyholder: Required[PolicyholderInput]
    partner_transaction_id: str | None
    payment_details: Mapping[str, Any] | None


class _Tunables(CallOptions, total=False):
    max_retries: int
    max_response_bytes: int
    headers: Mapping[str, str]


class ViewOptions(_Tunables, total=False):
    """What `with_options` may change; the pool, the auth and the breaker stay shared."""

    partner_code: str


class ClientSettings(_Tunables, total=False):
    """Constructor options other than the credentials."""

    base_url: str | None
    algorithm: str
    signed_headers: Sequence[str]
    log_bodies: bool | None
    circuit_breaker: CircuitBreaker | None


class EnvOverrides(ClientSettings, total=False):
    """`from_env` keywords: anything a constructor takes, each overriding the environment."""

    api_key: str
    api_secret: str
    partner_code: str


class ClientOptions(ClientSettings, total=False):
    """The keyword arguments common to both constructors."""

    api_key: Required[str]
    api_secret: Required[str]
    partner_code: Required[str]


def check_keywords(given: Mapping[str, object], declared: Any, where: str) -> None:
    """What Python does for an explicit signature, for `**kwargs: Unpack[...]`: TypeError on an
    unknown or a missing keyword (mypy reports both too, but not every caller runs mypy)."""
    unknown = given.keys() - declared.__required_keys__ - declared.__optional_keys__
    if unknown:
        raise TypeError(f"{where}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    missing = declared.__required_keys__ - given.keys()
    if missing:
        raise TypeError(f"{where}() missing required keyword argument {sorted(missing)[0]!r}")


def url_problem(text: str) -> str | None:
    """Why `text` cannot be a base URL, or None: the one rule, for the constructors and the CLI
    (httpx alone would take port 99999 and fail only when connecting)."""
    try:
        url = httpx.URL(text)
        port = url.port
    except httpx.InvalidURL as exc:
        return f"{text!r} is not a URL ({exc})"
    if url.scheme not in {"http", "https"} or not url.host:
        return f"{text!r} is not an absolute http(s) URL, e.g. https://api.xcover.com/x"
    if port is not None and not 1 <= port <= 65535:
        return f"{text!r} has port {port}: use 1 to 65535"
    return None


def to_timeout(value: object) -> httpx.Timeout:
    """A per-operation timeout from seconds or an `httpx.Timeout`; ValueError naming `timeout` (and
    the field of an `httpx.Timeout`) when one is not a duration up to MAX_DURATION."""
    if isinstance(value, httpx.Timeout):
        for field in ("connect", "read", "write", "pool"):
            seconds = getattr(value, field)
            if seconds is not None and not _duration(seconds):  # None: no limit, as httpx means it
                raise ValueError(f"timeout {field} {_DURATION_RULE} or None, got {seconds!r}")
        return value
    if not _duration(value):
        raise ValueError(f"timeout {_DURATION_RULE} or an httpx.Timeout, got {value!r}")
    seconds = float(value)  # type: ignore[arg-type]  # checked by _duration
    return httpx.Timeout(seconds, connect=min(seconds, DEFAULT_TIMEOUT.connect or seconds))


def to_total_timeout(value: object) -> float | None:
    """The whole-call budget in seconds, or None for no limit."""
    if value is None:
        return None
    if not _duration(value):
        raise ValueError(f"total_timeout {_DURATION_RULE} or None, got {value!r}")
    return float(value)  # type: ignore[arg-type]


_DURATION_RULE: Final = f"must be a positive number of seconds up to {MAX_DURATION:,.0f} (a day)"


def _duration(value: object) -> bool:
    """Seconds a socket or a budget can wait: positive and at most MAX_DURATION, which also refuses
    NaN and inf (a socket timeout of inf or 1e300 overflows) and an int too large for a float."""
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 < value <= MAX_DURATION


def to_count(value: object, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def to_partner_code(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("partner_code must be a non-empty string")
    if value.strip() in {".", ".."}:
        # Percent-encoding leaves dots alone, and a dot segment would send the request elsewhere.
        raise ValueError("partner_code cannot be '.' or '..'")
    if not utf8_ok(value):
        raise ValueError("partner_code is not valid Unicode text (a lone surrogate)")
    return value


def check_path_value(value: object, name: str) -> None:
    """A path parameter's value: text that stays one path segment (it is percent-encoded, but
    encoding leaves "." and "..", which would send the request to another path)."""
    if not isinstance(value, str):
        raise RequestValidationError(name, f"expected text, got {type(value).__name__}")
    if not value.strip():
        raise RequestValidationError(name, "cannot be empty (it is a path segment)")
    if value.strip() in {".", ".."}:
        raise RequestValidationError(name, "cannot be '.' or '..' (it is a path segment)")
    if not utf8_ok(value):
        raise RequestValidationError(name, "not valid Unicode text (a lone surrogate)")


def check_uuid(value: str, name: str) -> None:
    """A value the spec types as a uuid: the canonical 8-4-4-4-12 hex form."""
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        canonical = None
    if canonical != value.lower():
        raise RequestValidationError(
            name, "must be a UUID such as 3f0c8f4e-5b1a-4c52-9a55-2f1f2b6a7d10 (the spec types it so)"
        )


_HEADER_NAME: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE: Final = re.compile(r"[\x20-\x7e\t]*")


def to_headers(headers: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("headers must map strings to strings")
        if name.strip().lower() in PROTECTED_HEADERS:
            raise ValueError(f"headers cannot set {name!r}: the client sets it on every request")
        if not _HEADER_NAME.fullmatch(name) or not _HEADER_VALUE.fullmatch(value):
            # Checked here, once: a bad header would otherwise fail every call, each failure
            # counting against a shared circuit breaker as if XCover were down.
            raise ValueError(f"headers: {name!r} is not a valid header (visible ASCII, no line breaks)")
        out[name] = value
    return out


def call_option(convert: Callable[[Any], Any], value: object, name: str) -> Any:
    try:
        return convert(value)
    except ValueError as exc:
        raise RequestValidationError(name, str(exc).removeprefix(f"{name} ")) from None


def to_idempotency_key(value: object) -> str:
    if value is None:
        return str(uuid.uuid4())
    if isinstance(value, uuid.UUID):  # what the generated builder's own signature asks for
        return str(value)
    if not isinstance(value, str) or not 0 < len(value) <= 255 or not all("!" <= c <= "~" for c in value):
        raise RequestValidationError(
            "idempotency_key", "must be 1 to 255 visible ASCII characters (it is sent as a header)"
        )
    return value
