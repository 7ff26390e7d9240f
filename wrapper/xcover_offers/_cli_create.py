"""``xcover-offers create-offer``: send a request file to XCover (or a sandbox) and print the offer."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any, Final

from ._cli import ENV_BASE_URL, ENV_CREDENTIALS, ENV_PARTNER_CODE, CommandError, read_json_object
from ._cli_output import json_text, offer_table
from ._constants import env_value

if TYPE_CHECKING:
    from ._client import OffersClient

REQUEST_KEYS: Final = frozenset({"customer", "context", "partner", "schema"})
REQUEST_FORMAT: Final = """\
request file: the Create Offer body as JSON (`xcover-offers demo --save-order FILE` writes one):
  {"customer": {"currency": "USD", "country": "US", "language": "en-us"},
   "context": {"events": [{"id": "ev-1", "name": "Concert", "country": "US",
                           "start_date": "2027-06-01T19:30:00+00:00",
                           "tickets": [{"id": "t-1", "price": 80.0}]}]},
   "partner": {...}, "schema": "..."}   (partner and schema optional)
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``create-offer`` with its options."""
    create = commands.add_parser(
        "create-offer",
        help="create an offer; credentials from XCOVER_API_KEY / XCOVER_API_SECRET",
        description="Send a Create Offer request read from a JSON file (or stdin) and print the offer.",
        epilog=REQUEST_FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument("request", nargs="?", default="-", help="request JSON file; '-' or nothing for stdin")
    add_connection_options(create)
    create.add_argument("--extra-fields", help="comma-separated: tax,commission,benefits,surcharge")
    create.add_argument("--exclude-offer-ids", help="comma-separated offer config ids to leave out")
    create.add_argument("--active-only", action="store_true", help="only active offers (test keys)")
    create.add_argument("--no-content", action="store_true", help="omit the localized content")
    create.add_argument("--json", action="store_true", help="print the offer as JSON instead of a table")
    create.set_defaults(func=_create_offer)
    return create


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """--partner-code and --base-url, for every command that calls XCover."""
    parser.add_argument("--partner-code", help="default: $XCOVER_PARTNER_CODE (or $XC_PARTNER_CODE)")
    parser.add_argument(
        "--base-url", type=_base_url, help="default: $XCOVER_BASE_URL, else the spec's server"
    )


def open_client(args: argparse.Namespace, environ: Mapping[str, str]) -> OffersClient:
    """The client a command calls XCover with: credentials from the environment, never argv."""
    from ._client import OffersClient
    from ._options import url_problem

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
        problem = url_problem(environ[name].strip()) if name else None
        if problem:
            raise CommandError(f"{name}: {problem}")
    for name in ("partner_code", "base_url"):
        if getattr(args, name):
            overrides[name] = getattr(args, name)
    return OffersClient.from_env(environ=environ, **overrides)


def answered(client: OffersClient, exc: Exception) -> CommandError:
    """An error status or a refused answer, naming who answered: with --base-url or a sandbox it
    is not XCover."""
    return CommandError(f"{_netloc(client.base_url)} answered {exc}")


def _create_offer(args: argparse.Namespace, environ: Mapping[str, str], out: IO[str], stdin: IO[str]) -> int:
    from ._errors import APIResponseValidationError, APIStatusError
    from ._options import CreateOfferParams

    with open_client(args, environ) as client:  # the configuration first: what a first run gets wrong
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
        try:
            offer = client.create_offer(**params)
        except (APIStatusError, APIResponseValidationError) as exc:
            raise answered(client, exc) from exc
    if args.json:
        out.write(json_text(offer.to_dict()) + "\n")  # server text: escapes kept as escapes
    else:
        out.write(offer_table(offer) + "\n")
    return 0


def _read_request(source: str, stdin: IO[str]) -> dict[str, Any]:
    request = read_json_object(source, stdin, what="a Create Offer request")
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


def _base_url(text: str) -> str:
    from ._options import url_problem

    problem = url_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _netloc(url: str) -> str:
    """`host[:port]` of a URL, as a person would name the server."""
    import httpx

    return httpx.URL(url).netloc.decode("ascii")
