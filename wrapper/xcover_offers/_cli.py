"""The ``xcover-offers`` command (also ``python -m xcover_offers``).

    xcover-offers demo [--verbose]                       price a sample order in an in-process sandbox
    xcover-offers sandbox --port 8080                    serve the sandbox on 127.0.0.1 until Ctrl-C
    xcover-offers create-offer order.json --json         ask XCover (or a sandbox) for an offer

Credentials come from the environment (XCOVER_API_KEY / XCOVER_API_SECRET, or the vendor client's
XC_AUTH_API_KEY / XC_AUTH_API_SECRET), never from the command line of `create-offer`, where other
users of the machine could read them. A failure is one line on stderr and exit status 1, with a
traceback only under `--debug`; usage mistakes are argparse's usual exit status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import shlex
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any, Final

from ._constants import ENV_NAMES, env_value
from ._version import __version__

if TYPE_CHECKING:
    from .sandbox import SandboxRequest

PROG: Final = "xcover-offers"
ENV_CREDENTIALS: Final = ENV_NAMES[:2]  # (ours, the vendor client's) for the key and the secret
ENV_PARTNER_CODE: Final = ENV_NAMES[2]
ENV_BASE_URL: Final = ENV_NAMES[3]
DEMO_PARTNER_CODE: Final = "DEMO"
DEMO_API_KEY: Final = "demo-key"
DEMO_API_SECRET: Final = "demo-secret"  # noqa: S105 - the demo's own throwaway credential
REQUEST_KEYS: Final = frozenset({"customer", "context", "partner", "schema"})


class CommandError(Exception):
    """A failure to report as one line, exit status 1."""


# -- output ---------------------------------------------------------------------------------------


def _money(node: Any) -> str:
    """A finance entry as text: its formatted string, else its amount, else a dash."""
    if node is None:
        return "-"
    text = getattr(node, "total_amount_formatted", None)
    if isinstance(text, str) and text:
        return text
    amount = getattr(node, "total_amount", None)
    return str(amount) if isinstance(amount, int | float) else "-"


def _net(price: Any) -> str:
    text = getattr(price, "total_amount_without_tax_formatted", None)
    if isinstance(text, str) and text:
        return text
    amount = getattr(price, "total_amount_without_tax", None)
    return str(amount) if isinstance(amount, int | float) else "-"


def offer_table(offer: Any) -> str:
    """An `Offer` as a plain-text table: one row per product, optional columns only when present."""
    from xcover_offers_api.types import Unset

    def present(value: Any) -> Any:
        return None if isinstance(value, Unset) else value

    rows: list[dict[str, str]] = []
    for product in present(offer.products) or []:
        details = present(product.details)
        finance = present(details.finance) if details else None
        price = present(finance.price) if finance else None
        row = {
            "PRODUCT CONFIG": str(present(product.product_config_id) or "-"),
            "PRICE": _money(price),
            "WITHOUT TAX": _net(price),
        }
        for column, attr in (("TAX", "tax"), ("SURCHARGE", "surcharge"), ("COMMISSION", "commission")):
            node = present(getattr(finance, attr)) if finance else None
            if node is not None:
                row[column] = _money(node)
        benefits = present(details.benefits) if details else None
        if benefits is not None:
            row["BENEFITS"] = str(len(benefits))
        rows.append(row)
    header = f"Offer {present(offer.id) or '-'} in {present(offer.currency) or '-'}"
    reference = present(offer.provider_reference)
    if reference:
        header += f" (provider reference {reference})"
    if not rows:
        return header + "\nNo products offered."
    order = ("PRODUCT CONFIG", "PRICE", "WITHOUT TAX", "TAX", "SURCHARGE", "COMMISSION", "BENEFITS")
    columns = [c for c in order if any(c in r for r in rows)]
    widths = {c: max(len(c), *(len(r.get(c, "-")) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns).rstrip()]
    lines += ["  ".join(r.get(c, "-").ljust(widths[c]) for c in columns).rstrip() for r in rows]
    return header + "\n" + "\n".join(lines)


# -- create-offer ---------------------------------------------------------------------------------


def _read_request(source: str, stdin: IO[str]) -> dict[str, Any]:
    try:
        text = stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        request = json.loads(text)
    except ValueError as exc:
        raise CommandError(f"{'stdin' if source == '-' else source} is not valid JSON: {exc}") from None
    if not isinstance(request, dict):
        raise CommandError("the request must be a JSON object with 'customer' and 'context'")
    unknown = sorted(set(request) - REQUEST_KEYS)
    if unknown:
        raise CommandError(f"unexpected top-level keys {unknown}; a request has {sorted(REQUEST_KEYS)}")
    context = request.get("context")
    if not isinstance(context, dict) or not isinstance(context.get("events"), list):
        raise CommandError("the request needs 'context': {'events': [...]}")
    extra = sorted(set(context) - {"events"})
    if extra:
        raise CommandError(f"context keys {extra} are not supported; only 'events' is sent")
    return request


def _create_offer(args: argparse.Namespace, environ: Mapping[str, str], out: IO[str], stdin: IO[str]) -> int:
    from ._client import OffersClient
    from ._errors import APIResponseValidationError, APIStatusError
    from ._options import CreateOfferParams

    overrides: dict[str, Any] = {}
    for arg, names in zip(("api_key", "api_secret"), ENV_CREDENTIALS, strict=True):
        value = env_value(names, environ)
        if value is None:
            raise CommandError(f"set {names[0]} (or {names[1]}) in the environment")
        overrides[arg] = value
    if not args.partner_code and env_value(ENV_PARTNER_CODE, environ) is None:
        ours, vendors = ENV_PARTNER_CODE
        raise CommandError(f"no partner code: pass --partner-code CODE or set {ours} (or {vendors})")
    if not args.base_url:
        name = next((n for n in ENV_BASE_URL if environ.get(n, "").strip()), None)
        problem = _url_problem(environ[name].strip()) if name else None
        if problem:
            raise CommandError(f"{name}: {problem}")
    for name in ("partner_code", "base_url"):
        if getattr(args, name):
            overrides[name] = getattr(args, name)
    request = _read_request(args.request, stdin)
    # Typed against the one declaration of the parameters, so mypy checks this call like any caller's.
    params: CreateOfferParams = {
        "customer": request["customer"],
        "events": request["context"]["events"],
        "partner": request.get("partner"),
        "schema": request.get("schema"),
        # Raw strings: the library splits them and rejects empty or unknown values by position.
        "extra_fields": args.extra_fields,
        "exclude_offer_ids": args.exclude_offer_ids,
    }
    if args.active_only:
        params["active_only"] = True
    if args.no_content:
        params["include_content"] = False
    with OffersClient.from_env(environ=environ, **overrides) as client:
        try:
            offer = client.create_offer(**params)
        except (APIStatusError, APIResponseValidationError) as exc:
            # Name who answered: with --base-url or a sandbox it is not XCover.
            raise CommandError(f"{_netloc(client.base_url)} answered {exc}") from exc
    if args.json:
        out.write(json.dumps(offer.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(offer_table(offer) + "\n")
    return 0


def _url_problem(text: str) -> str | None:
    """Why `text` cannot be a base URL, or None; httpx would otherwise accept port 99999 and fail later."""
    import httpx

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


def _base_url(text: str) -> str:
    problem = _url_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _netloc(url: str) -> str:
    """`host[:port]` of a URL, as a person would name the server."""
    import httpx

    return httpx.URL(url).netloc.decode("ascii")


# -- sandbox --------------------------------------------------------------------------------------


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _sandbox(args: argparse.Namespace, environ: Mapping[str, str], out: IO[str], stdin: IO[str]) -> int:
    from .sandbox import DEFAULT_API_KEY, DEFAULT_API_SECRET, Faults, Sandbox, SandboxServer

    if args.api_secret:
        print(
            f"{PROG}: warning: --api-secret shows the secret to every user of this machine (ps); "
            f"set {ENV_CREDENTIALS[1][0]} instead",
            file=sys.stderr,
        )
    api_key = args.api_key or env_value(ENV_CREDENTIALS[0], environ) or DEFAULT_API_KEY
    api_secret = args.api_secret or env_value(ENV_CREDENTIALS[1], environ) or DEFAULT_API_SECRET
    if not args.quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log = logging.getLogger("xcover_offers.sandbox")
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    faults = Faults(
        latency=args.latency,
        clock_offset=args.clock_offset,
        queue=tuple(fault for group in args.fault for fault in group),
    )
    sandbox = Sandbox(
        api_key=api_key,
        api_secret=api_secret,
        faults=faults,
        max_body=args.max_body,
        idempotency_retention=args.idempotency_retention,
    )
    try:
        server = SandboxServer(
            sandbox,
            host=args.host,
            port=args.port,
            idle_timeout=args.idle_timeout,
            read_timeout=args.read_timeout,
            max_connections=args.max_connections,
            admin=not args.no_admin,
        )
    except OSError as exc:
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    secret_shown = api_secret if api_secret == DEFAULT_API_SECRET else "(as given)"
    admin = f" (admin: {server.admin_url})" if server.admin_url else ""
    out.write(
        f"XCover sandbox listening on {server.base_url}\n"
        f"  POST {server.base_url}/partners/{{partner_code}}/offers/{admin}\n"
        f"  api key {api_key}, secret {secret_shown}\n"
        "Press Ctrl-C to stop.\n"
    )
    out.flush()
    # SIGTERM (docker stop, systemd) ends the server like Ctrl-C; only the main thread may set it.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt) if in_main else None
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    out.write("XCover sandbox stopped.\n")
    out.flush()
    return 0


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use 0 to 65535 (0 picks a free one)")
    return port


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return value


def _positive_seconds(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _offset(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds")
    return value


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _fault(text: str) -> list[Any]:
    from .sandbox._faults import fault_spec_from_text, faults_from_spec

    try:
        return faults_from_spec(fault_spec_from_text(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


SANDBOX_EPILOG: Final = """\
faults (--fault NAME[:OPTION=VALUE,...] or a JSON object; every fault also takes times=N):
  rate_limited[:retry_after=S]       429 with Retry-After (default 1)
  unavailable[:retry_after=S]        503 with Retry-After (default 1)
  error:status=N[,message=TEXT]      any 4xx/5xx in the spec's error shape
  bad_gateway_html                   a proxy's HTML 502
  drop[:after_processing=true]       close without answering (after making the offer: the
                                     retry then gets a 409 replay)
  trickle[:chunk_size=B,interval=S]  the body B bytes at a time, S seconds apart
  replay                             answer 409 with the offer, as XCover answers a duplicate
  locked[:retry_after=S]             423: a request with this idempotency key is in flight
  e.g. --fault rate_limited:retry_after=2,times=3 --fault drop:after_processing=true
       --fault '{"fault": "unavailable", "retry_after": "Wed, 21 Oct 2037 07:28:00 GMT"}'

idempotency: a request whose X-Idempotency-Key and body were processed is answered 409 with the
stored offer (XCover keeps them 48 h); a duplicate during the first one's latency gets 423; the
same key with another body gets 422.

admin endpoint (same address; not signed, not recorded; POSTs need Content-Type: application/json):
  curl http://127.0.0.1:8080/_sandbox/faults
  curl --json '{"latency": 0.5, "queue": [{"fault": "unavailable", "times": 2}]}' \\
       http://127.0.0.1:8080/_sandbox/faults
  curl 'http://127.0.0.1:8080/_sandbox/requests?limit=1'
  curl --json '{}' http://127.0.0.1:8080/_sandbox/reset
"""


# -- demo -----------------------------------------------------------------------------------------


def demo_order(now: dt.datetime) -> dict[str, Any]:
    """A sample two-event order: a concert a month out and a three-day festival six weeks out."""
    from ._builders import event, ticket

    concert_start = (now + dt.timedelta(days=30)).replace(hour=19, minute=30, second=0, microsecond=0)
    festival_start = (now + dt.timedelta(days=44)).replace(hour=11, minute=0, second=0, microsecond=0)
    events = [
        event(
            id="EVT-1001",
            name="The Midnight Orchestra",
            start_date=concert_start,
            country="US",
            venue="Riverside Hall",
            city="Chicago",
            category="Music",
            tickets=[
                ticket(id="T-1", price="89.50", type_="GA"),
                ticket(id="T-2", price="89.50", type_="GA"),
            ],
        ),
        event(
            id="EVT-2002",
            name="Lakeside Folk Festival",
            start_date=festival_start,
            end_date=festival_start + dt.timedelta(days=2, hours=10),
            country="US",
            city="Madison",
            category="Music",
            tickets=[ticket(id="T-3", price="245.00", type_="3-day pass")],
        ),
    ]
    return {
        "customer": {"currency": "USD", "country": "US", "language": "en-us", "region": "IL"},
        "events": events,
    }


def _demo(args: argparse.Namespace, environ: Mapping[str, str], out: IO[str], stdin: IO[str]) -> int:
    import httpx

    from ._client import OffersClient
    from .sandbox import Sandbox

    sandbox = Sandbox(api_key=DEMO_API_KEY, api_secret=DEMO_API_SECRET, seed="demo")
    order = demo_order(dt.datetime.fromtimestamp(sandbox.now(), dt.UTC))
    extra_fields = ["tax", "surcharge", "commission", "benefits"]
    with (
        httpx.Client(transport=sandbox.transport()) as http,
        OffersClient(
            api_key=DEMO_API_KEY,
            api_secret=DEMO_API_SECRET,
            partner_code=DEMO_PARTNER_CODE,
            base_url=sandbox.base_url,
            http_client=http,
        ) as client,
    ):
        offer = client.create_offer(
            customer=order["customer"], events=order["events"], extra_fields=extra_fields
        )
    sent = sandbox.history[-1].request
    body = json.loads(sent.body)
    if args.save_order:
        # What was sent is exactly what `create-offer` reads; "x" so an existing file is never replaced.
        try:
            with open(args.save_order, "x", encoding="utf-8") as file:
                file.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        except FileExistsError:
            raise CommandError(f"{args.save_order} exists; name another file") from None
        except OSError as exc:
            raise CommandError(f"cannot write {args.save_order}: {exc.strerror or exc}") from None
    how = "The real OffersClient signed the request and the sandbox checked it against the spec"
    if not args.verbose:
        how += f";\n`{PROG} demo --verbose` shows the request and its signed headers"
    parts = [
        "XCover offers demo: a sample order priced by an in-process sandbox (nothing leaves this machine).",
        offer_table(offer),
        f"{_order_summary(body)}\n{how}.",
    ]
    if args.verbose:
        parts += _demo_exchange(sent, sandbox.base_url)
    parts.append(_next_step(args.save_order))
    out.write("\n\n".join(parts) + "\n")
    return 0


def _order_summary(body: Mapping[str, Any]) -> str:
    from decimal import Decimal

    events = body["context"]["events"]
    tickets = sum(len(e["tickets"]) for e in events)
    total = sum((Decimal(str(t["price"])) for e in events for t in e["tickets"]), Decimal(0))
    names = "; ".join(e["name"] for e in events)
    return (
        f"For {tickets} tickets to {len(events)} events ({names}), "
        f"{body['customer']['currency']} {total:.2f} in all."
    )


def _demo_exchange(sent: SandboxRequest, base_url: str) -> list[str]:
    """The request as sent and its headers, signature redacted: what `--verbose` adds."""
    from ._redaction import redact_headers

    headers = redact_headers(dict(sent.headers))
    first = ("authorization", "date", "x-api-key")  # what the signature covers or names, then the rest
    hidden = {"host", "accept-encoding", "connection", "content-length"}
    shown = sorted(
        ((k, v) for k, v in headers.items() if k.lower() not in hidden),
        key=lambda kv: first.index(kv[0].lower()) if kv[0].lower() in first else len(first),
    )
    body = json.dumps(json.loads(sent.body), indent=2, ensure_ascii=False)
    return [
        f"Request\n  {sent.method} {base_url.rsplit('/x', 1)[0]}{sent.target}\n"
        + "\n".join(f"  {line}" for line in body.splitlines()),
        "Signed headers (the secret is never sent; the signature is redacted here)\n"
        + "\n".join(f"  {name}: {value}" for name, value in shown),
    ]


def _next_step(saved: str | None) -> str:
    key, secret, partner = ENV_CREDENTIALS[0][0], ENV_CREDENTIALS[1][0], ENV_PARTNER_CODE[0]
    order = shlex.quote(saved) if saved else "order.json"
    rows = [
        (f"export {key}=your-key {partner}=your-partner-code", ""),
        (f"read -rs {secret} && export {secret}", "# type the secret: not echoed, not in history"),
    ]
    if not saved:
        rows.append((f"{PROG} demo --save-order {order}", "# this order as a request file"))
    rows.append((f"{PROG} create-offer {order}", ""))
    width = max(len(command) for command, note in rows if note)
    return "\n".join(
        [f"Next: the same call to XCover with your own keys ({ENV_BASE_URL[0]} picks another server):"]
        + [f"  {command.ljust(width)}   {note}".rstrip() for command, note in rows]
    )


# -- entry point ----------------------------------------------------------------------------------

Command = Callable[[argparse.Namespace, Mapping[str, str], IO[str], IO[str]], int]

MAIN_EPILOG: Final = """\
start here:
  xcover-offers demo                   price a sample order offline, then see the next step
credentials for create-offer: XCOVER_API_KEY, XCOVER_API_SECRET, XCOVER_PARTNER_CODE (environment)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Cover Genius XCover offers: client and sandbox.",
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_debug(parser, default=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="price a sample order in an in-process sandbox (nothing leaves this machine)",
        description="Price a sample order with the real OffersClient against an in-process sandbox, "
        "and show how to ask XCover with your own keys.",
    )
    demo.add_argument(
        "--verbose", "-v", action="store_true", help="also show the request and its signed headers"
    )
    demo.add_argument(
        "--save-order",
        metavar="FILE",
        help="write the order as a create-offer request file (e.g. --save-order order.json)",
    )
    _add_debug(demo)
    demo.set_defaults(func=_demo)

    from .sandbox import _defaults as sandbox_defaults

    serve = commands.add_parser(
        "sandbox",
        help="serve the offline XCover sandbox over HTTP until Ctrl-C",
        description="Serve the offline XCover Create Offer sandbox over HTTP/1.1 until Ctrl-C or SIGTERM.\n"
        "The API secret comes from $XCOVER_API_SECRET (else the published sandbox-secret).",
        epilog=SANDBOX_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; e.g. --host ::1)"
    )
    serve.add_argument(
        "--port", type=_port, default=8080, help="port; 0 picks a free one (default 8080; e.g. --port 0)"
    )
    serve.add_argument(
        "--api-key",
        help="key clients sign with (default: $XCOVER_API_KEY, else sandbox-key; e.g. --api-key test-key)",
    )
    serve.add_argument(
        "--api-secret",
        help="deprecated: ps shows it to every user; set the environment instead "
        "(e.g. XCOVER_API_SECRET=my-secret xcover-offers sandbox)",
    )
    serve.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="seconds added before every answer (e.g. --latency 0.5)",
    )
    serve.add_argument(
        "--clock-offset",
        type=_offset,
        default=0.0,
        metavar="SECONDS",
        help="seconds added to the sandbox's clock, to test skew correction (e.g. --clock-offset -600)",
    )
    serve.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="SPEC",
        help="queue a one-shot fault, repeatable, in order (e.g. --fault unavailable:times=2); see below",
    )
    serve.add_argument(
        "--idempotency-retention",
        type=_seconds,
        default=sandbox_defaults.IDEMPOTENCY_RETENTION,
        metavar="SECONDS",
        help="how long a processed request is replayed as 409; 0 turns it off (default "
        f"{sandbox_defaults.IDEMPOTENCY_RETENTION:g}, XCover's 48 h; e.g. --idempotency-retention 60)",
    )
    serve.add_argument(
        "--max-body",
        type=_count,
        default=sandbox_defaults.MAX_BODY_BYTES,
        metavar="BYTES",
        help=f"largest body, 413 above (default {sandbox_defaults.MAX_BODY_BYTES}; e.g. --max-body 65536)",
    )
    serve.add_argument(
        "--max-connections",
        type=_count,
        default=sandbox_defaults.DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help="connections at once; one more gets a 503 "
        f"(default {sandbox_defaults.DEFAULT_MAX_CONNECTIONS}; e.g. --max-connections 64)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=_positive_seconds,
        default=sandbox_defaults.DEFAULT_IDLE_TIMEOUT,
        metavar="SECONDS",
        help="how long a connection may wait for its next request "
        f"(default {sandbox_defaults.DEFAULT_IDLE_TIMEOUT:g}; e.g. --idle-timeout 5)",
    )
    serve.add_argument(
        "--read-timeout",
        type=_positive_seconds,
        default=sandbox_defaults.DEFAULT_READ_TIMEOUT,
        metavar="SECONDS",
        help="how long a request may take to arrive whole, from its first byte "
        f"(default {sandbox_defaults.DEFAULT_READ_TIMEOUT:g}; e.g. --read-timeout 2)",
    )
    serve.add_argument(
        "--no-admin", action="store_true", help="do not serve /_sandbox (e.g. when --host is not loopback)"
    )
    serve.add_argument(
        "--quiet", action="store_true", help="do not log each request to stderr (e.g. --quiet)"
    )
    _add_debug(serve)
    serve.set_defaults(func=_sandbox)

    create = commands.add_parser(
        "create-offer",
        help="create an offer; credentials from XCOVER_API_KEY / XCOVER_API_SECRET",
        description="Send a Create Offer request read from a JSON file (or stdin) and print the offer.",
    )
    create.add_argument("request", nargs="?", default="-", help="request JSON file; '-' or nothing for stdin")
    create.add_argument("--partner-code", help="default: $XCOVER_PARTNER_CODE (or $XC_PARTNER_CODE)")
    create.add_argument(
        "--base-url", type=_base_url, help="default: $XCOVER_BASE_URL, else the spec's server"
    )
    create.add_argument("--extra-fields", help="comma-separated: tax,commission,benefits,surcharge")
    create.add_argument("--exclude-offer-ids", help="comma-separated offer config ids to leave out")
    create.add_argument("--active-only", action="store_true", help="only active offers (test keys)")
    create.add_argument("--no-content", action="store_true", help="omit the localized content")
    create.add_argument("--json", action="store_true", help="print the offer as JSON instead of a table")
    _add_debug(create)
    create.set_defaults(func=_create_offer)
    return parser


def _add_debug(parser: argparse.ArgumentParser, default: Any = argparse.SUPPRESS) -> None:
    # Accepted before or after the command; SUPPRESS keeps a subcommand from resetting the global one.
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="on failure, show the traceback too (e.g. --debug; XCOVER_LOG=debug also logs each attempt)",
    )


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: IO[str] | None = None,
    stdin: IO[str] | None = None,
) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    out = stdout if stdout is not None else sys.stdout
    func: Command = args.func
    try:
        return func(
            args, os.environ if environ is None else environ, out, stdin if stdin is not None else sys.stdin
        )
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, whatever failed; the traceback only when asked for
        from ._errors import XCoverError

        known = isinstance(exc, CommandError | XCoverError | ValueError | OSError | ImportError)
        text = " ".join(str(exc).split()) or type(exc).__name__
        if args.debug:
            traceback.print_exception(exc, file=sys.stderr)
        elif not known:
            text += " (--debug shows the traceback)"
        prefix = "" if known else f"unexpected {type(exc).__name__}: "
        print(f"{PROG}: error: {prefix}{text}", file=sys.stderr)
        return 1
