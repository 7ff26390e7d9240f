"""The package logger: safe by default.

One DEBUG line per attempt, never a secret: signatures are redacted by a filter on the logger itself
(so even a caller's own format that dumps headers cannot leak one), and request bodies, which carry
personal data, are logged only on request and with those fields masked. `XCOVER_LOG=debug` turns
the package's own stderr handler on.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any, Final

import httpx

from ._constants import LOG_BODIES_ENV, LOG_ENV, LOGGED_BODY_FIELDS, LOGGER_NAME, MASKED_BODY_SUBTREES

logger: Final = logging.getLogger(LOGGER_NAME)

_SIGNATURE = re.compile(r'(signature\s*=\s*)("[^"]*"|[^,\s"]+)', re.I)
MASK: Final = "***"


class RedactingFilter(logging.Filter):
    """Scrubs signatures from every record on the package logger, whatever its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _SIGNATURE.sub(r"\1<redacted>", message)  # any `signature=...` value
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def mask_body(value: Any, key: str | None = None) -> Any:
    """A copy of a JSON body for logging: objects and arrays kept, every value masked except those
    of keys known not to be personal data (`LOGGED_BODY_FIELDS`); people and free-form objects
    (`MASKED_BODY_SUBTREES`) masked whole."""
    if key in MASKED_BODY_SUBTREES and value is not None:
        return MASK
    if isinstance(value, Mapping):
        return {k: mask_body(v, str(k).lower()) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_body(v, key) for v in value]
    if value is None or key in LOGGED_BODY_FIELDS:
        return value
    return MASK


def bodies_enabled_by_env() -> bool:
    return os.environ.get(LOG_BODIES_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def setup_from_env() -> None:
    """Honour XCOVER_LOG=debug|info|warning: attach one stderr handler at that level."""
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    level = os.environ.get(LOG_ENV, "").strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        return
    logger.setLevel(level)
    if not any(getattr(h, "_xcover", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._xcover = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def log_attempt(
    logger: logging.Logger,
    *,
    method: str,
    path: str,
    outcome: httpx.Response | BaseException,
    elapsed_ms: float,
    attempt: int,
    max_attempts: int,
    idempotency_key: str | None,
    request_id: str | None,
    body: str | None,
) -> None:
    """The DEBUG line for one attempt, its facts also as `extra=` fields for structured handlers.

    `body` is the request body as it may be logged (personal data masked), or None. Headers are
    never logged.
    """
    if not logger.isEnabledFor(logging.DEBUG):
        return
    status: int | None
    if isinstance(outcome, httpx.Response):
        status, error_type = outcome.status_code, None
        result = f"{status} ({request_id})"
    else:
        status, error_type = None, type(outcome).__qualname__
        result = error_type
    extra: dict[str, object] = {
        "http_request_method": method,
        "url_path": path,
        "xcover_status": status,
        "xcover_error_type": error_type,
        "xcover_request_id": request_id,
        "xcover_elapsed_ms": round(elapsed_ms, 1),
        "xcover_attempt": attempt,
        "xcover_max_attempts": max_attempts,
        "xcover_idempotency_key": idempotency_key,
    }
    if body is not None:
        extra["xcover_body"] = body
    logger.debug(
        "%s %s -> %s in %.1f ms (attempt %d/%d%s)%s",
        method,
        path,
        result,
        elapsed_ms,
        attempt,
        max_attempts,
        f", idempotency key {idempotency_key}" if idempotency_key is not None else "",
        f" body={body}" if body is not None else "",
        extra=extra,
        stacklevel=2,
    )
