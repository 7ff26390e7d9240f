"""The HTTP server's admin endpoint: script faults and read what arrived, over HTTP.

For a service under test that talks to ``xcover-offers sandbox`` as it would to XCover, the test
drives the sandbox through these routes on the same address (in the manner of stripe-mock and moto's
server mode). They are not signed, not recorded in the history, and never delayed or failed by the
faults they set::

    GET  /_sandbox/faults     the settings: {"latency", "clock_offset", "queue": [fault, ...]}
    POST /_sandbox/faults     change them; any of
                              {"latency": 0.5, "clock_offset": -600, "clear_queue": true,
                               "queue": [{"fault": "rate_limited", "retry_after": 2, "times": 3},
                                         {"fault": "drop", "after_processing": true,
                                          "operation": "create_offer"}]}
    GET  /_sandbox/requests   what the API was sent and answered, oldest first: the last 100
                              (?limit=N for the last N, at most 1000); header names lower-cased,
                              signatures redacted, request bodies masked (below), and only
                              described for a request refused before its signature was verified
    POST /_sandbox/reset      no faults, no history, no idempotency keys, offers or bookings

Faults (each also takes ``times``, and ``operation``: an operationId of the spec, the only operation
whose requests take it): ``rate_limited`` / ``unavailable`` (``retry_after``, default 1), ``error``
(``status``, ``message``, ``retry_after``), ``bad_gateway_html``, ``drop`` (``after_processing``),
``trickle`` (``chunk_size``, ``interval``), ``replay`` (a 409 with the success), ``locked`` (a 423;
``retry_after``), ``latency`` (``seconds``). See `Fault` for what each does.

Request bodies carry personal data (a policyholder's name, email, phone and address, a customer's
email and IP address), so a listed request body keeps only the values of keys known not to be
personal (ids, codes, amounts, dates: the client's own `mask_body` and `LOGGED_BODY_FIELDS`), every
other value shown as ``***``; a body that is not JSON the sandbox can read that way (too large, not
JSON) is only described. The sandbox's answers hold no personal data and are listed as they were.

A POST must say ``Content-Type: application/json`` (a body is optional for reset): a web page
cannot send that to 127.0.0.1 without the browser asking first, which this server never allows. And
every admin request must name this machine in its ``Host`` header (localhost, 127.0.0.0/8 or [::1],
with any port, or the address the server is bound to), else it is a 403: a page whose domain an
attacker re-points at 127.0.0.1 (DNS rebinding) sends its own name there, and reads nothing.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import parse_qsl

from .. import redact_headers
from .._constants import MAX_BODY_DEPTH
from .._logging import mask_body
from .._redaction import redact_target
from ._answers import error_body, reject_constant
from ._app import SandboxApp
from ._exchange import Exchange, SandboxRequest, SandboxResponse
from ._log import logger
from ._openapi import JSON, too_deep_at

PREFIX: Final = "/_sandbox"
MAX_SHOWN_BODY: Final = 16 * 1024
"""Bodies up to this size are shown parsed; larger or non-JSON ones as text, cut to 4 KiB. With at
most 1,000 exchanges listed, one answer stays in the tens of MiB however large the requests were."""
DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 1000


def is_admin(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def local_host_header(request: SandboxRequest, bound: str) -> bool:
    """Whether the request has one ``Host`` that names this machine (or `bound`), with any port."""
    values = [v for k, v in request.headers if k.lower() == "host"]
    if len(values) != 1:
        return False
    host = values[0].strip().lower()
    if host.startswith("["):  # [::1] or [::1]:8080
        name, close, port = host[1:].partition("]")
        if not close or (port and not port.startswith(":")):
            return False
        port = port[1:]
    else:
        name, _, port = host.partition(":")
    if port and not (port.isascii() and port.isdigit()):
        return False
    return bool(name) and (is_loopback(name) or name == bound.strip("[]").lower())


def admin_answer(app: SandboxApp, request: SandboxRequest, *, bound: str = "127.0.0.1") -> SandboxResponse:
    """The answer to an admin request (a path under ``/_sandbox``) to a server bound to `bound`."""
    if not local_host_header(request, bound):
        logger.warning("admin request refused: its Host header does not name this machine")
        return app.render_json(403, error_body("forbidden", "Forbidden."))
    route = request.path.rstrip("/")
    handlers: dict[str, dict[str, Callable[[SandboxApp, SandboxRequest], Any]]] = {
        PREFIX + "/faults": {"GET": _get_faults, "POST": _set_faults},
        PREFIX + "/requests": {"GET": _requests},
        PREFIX + "/reset": {"POST": _reset},
    }
    methods = handlers.get(route)
    if methods is None:
        routes = ", ".join(sorted(handlers))
        return app.render_json(404, error_body("not_found", f"No such admin route; there are {routes}."))
    handler = methods.get(request.method.upper())
    if handler is None:
        allowed = ", ".join(methods)
        return app.render_json(405, error_body("method_not_allowed", f"Use {allowed} on {route}."))
    if request.method.upper() == "POST":
        media = (request.header("content-type") or "").partition(";")[0].strip().lower()
        if media != JSON:
            return app.render_json(
                415, error_body("unsupported_media_type", f"Send admin requests as {JSON}.")
            )
    try:
        return app.render_json(200, handler(app, request))
    except ValueError as exc:
        return app.render_json(400, error_body("bad_request", str(exc)))


def _get_faults(app: SandboxApp, request: SandboxRequest) -> Any:
    return app.faults.describe()


def _set_faults(app: SandboxApp, request: SandboxRequest) -> Any:
    app.faults.update(_json_body(request))
    return app.faults.describe()


def _reset(app: SandboxApp, request: SandboxRequest) -> Any:
    app.reset()
    return {"reset": True, **app.faults.describe()}


def _requests(app: SandboxApp, request: SandboxRequest) -> Any:
    query = dict(parse_qsl(request.query))
    raw = query.get("limit", str(DEFAULT_LIMIT))
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise ValueError("limit must be a whole number")
    limit = min(int(raw), MAX_LIMIT)
    history = app.history[-limit:] if limit else []
    return {"requests": [_exchange(e) for e in history]}


def _json_body(request: SandboxRequest) -> Any:
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"the body is not valid JSON: {str(exc)[:120]}") from None


def _exchange(exchange: Exchange) -> dict[str, Any]:
    request, response = exchange.request, exchange.response
    return {
        "request_id": exchange.request_id,
        "at": dt.datetime.fromtimestamp(exchange.at, dt.UTC).isoformat(),
        "request": {
            "method": request.method,
            "target": redact_target(request.target),
            "headers": {k.lower(): v for k, v in redact_headers(dict(request.headers)).items()},
            "body": _unkept(exchange.unkept_body) if exchange.unkept_body else _masked(request.body),
        },
        "response": {
            "status": response.status,
            "dropped": response.drop,
            "headers": dict(response.headers),
            "body": _shown(response.body),
        },
    }


def _json(body: bytes) -> tuple[bool, Any]:
    """(True, the value) for JSON that can be sent back as JSON and is small enough to show."""
    if len(body) <= MAX_SHOWN_BODY:
        try:
            value = json.loads(body, parse_constant=reject_constant)
        except (ValueError, RecursionError):
            pass
        else:
            if not isinstance(value, dict | list) or too_deep_at(value, MAX_BODY_DEPTH) is None:
                return True, value
    return False, None


def _shown(body: bytes) -> Any:
    """An answer's body as JSON when it can be; else as (cut) text."""
    if not body:
        return None
    readable, value = _json(body)
    return value if readable else body[:4096].decode("utf-8", "replace")


def _unkept(size: int) -> str:
    return f"({size} bytes, not kept: the request was refused before its signature was verified)"


def _masked(body: bytes) -> Any:
    """A request's body with its personal data masked; one that cannot be masked is only described."""
    if not body:
        return None
    readable, value = _json(body)
    if readable:
        return mask_body(value)
    return f"({len(body)} bytes, not shown: only JSON of at most {MAX_SHOWN_BODY} bytes is shown, masked)"
