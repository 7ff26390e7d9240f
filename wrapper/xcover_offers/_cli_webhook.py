"""``xcover-offers verify-webhook``: check a saved XCover webhook delivery, as a listener would; and
the ``sandbox`` command's ``--webhook-url``, whose key and secret come from the same variables."""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any, Final

from ._cli import CommandError, read_input
from ._constants import DEFAULT_MAX_SKEW

if TYPE_CHECKING:
    from .sandbox import Sandbox

ENV_WEBHOOK_KEY: Final = "XCOVER_WEBHOOK_KEY"
ENV_WEBHOOK_SECRET: Final = "XCOVER_WEBHOOK_SECRET"  # noqa: S105 - the name of a variable
_REQUEST_LINE: Final = re.compile(r"[A-Z]+ \S+ HTTP/\d(\.\d)?")

WEBHOOK_EPILOG: Final = f"""\
the listener key and secret come from {ENV_WEBHOOK_KEY} and {ENV_WEBHOOK_SECRET} (environment only).

headers file: a JSON object {{"Date": "...", "X-Api-Key": "...", "Authorization": "Signature ..."}}, or
raw "Name: value" lines as captured (a leading request line such as "POST /hook HTTP/1.1" is skipped,
and a blank line ends them).

prints "valid: EVENT booking ID" (exit 0) or "invalid: REASON" (exit 1), e.g.
  {ENV_WEBHOOK_KEY}=k {ENV_WEBHOOK_SECRET}=s xcover-offers verify-webhook --headers h.txt --body b.json
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``verify-webhook`` with its options."""
    verify = commands.add_parser(
        "verify-webhook",
        help=f"check a saved webhook delivery; key and secret from {ENV_WEBHOOK_KEY} / {ENV_WEBHOOK_SECRET}",
        description="Check a webhook delivery's key, signature and Date as xcover_offers.webhooks."
        "construct_event does, and print its event.",
        epilog=WEBHOOK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("--headers", required=True, metavar="FILE", help="the headers; '-' for stdin")
    verify.add_argument("--body", default="-", metavar="FILE", help="the raw body; '-' or nothing for stdin")
    verify.add_argument(
        "--tolerance",
        type=_tolerance,
        default=float(DEFAULT_MAX_SKEW),  # webhooks.DEFAULT_TOLERANCE, without importing it for --help
        metavar="SECONDS",
        help="how far Date may be from now (default %(default)g; e.g. --tolerance 3600 for an old capture)",
    )
    verify.set_defaults(func=_verify_webhook)
    return verify


def _verify_webhook(
    args: argparse.Namespace, environ: Mapping[str, str], out: IO[str], stdin: IO[str]
) -> int:
    from . import webhooks
    from ._errors import WebhookSignatureError
    from ._text import printable

    key, secret = environ.get(ENV_WEBHOOK_KEY, ""), environ.get(ENV_WEBHOOK_SECRET, "")
    if not key or not secret:
        raise CommandError(f"set {ENV_WEBHOOK_KEY} and {ENV_WEBHOOK_SECRET} in the environment")
    if args.headers == "-" and args.body == "-":
        raise CommandError("only one of --headers and --body can be read from stdin")
    headers = parse_headers(
        read_input(args.headers, stdin, what="a delivery's headers").decode("utf-8", "replace")
    )
    body = read_input(args.body, stdin, what="a delivery's body")
    try:
        event = webhooks.construct_event(
            headers, body, api_key=key, api_secret=secret, tolerance=args.tolerance
        )
    except WebhookSignatureError as exc:
        out.write(f"invalid: {printable(str(exc))}\n")  # it may quote what the sender sent
        return 1
    booking = f"booking {event.booking_id}" if event.booking_id else "(no booking id)"
    out.write(printable(f"valid: {event.event} {booking}") + "\n")
    return 0


def parse_headers(text: str) -> dict[str, str]:
    """Headers from a JSON object, or from ``Name: value`` lines (repeats joined with ", ")."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CommandError(f"the headers file is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise CommandError("the headers JSON must be an object of names to string values")
        return data
    headers: dict[str, str] = {}
    lines = text.splitlines()
    if lines and _REQUEST_LINE.fullmatch(lines[0].strip()):
        lines = lines[1:]
    for number, line in enumerate(lines, 1):
        if not line.strip():
            break
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise CommandError(f"headers line {number} is not 'Name: value': {line[:60]!r}")
        key = name.strip()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return headers


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return value


# -- `xcover-offers sandbox --webhook-url URL` ------------------------------------------------------


def add_webhook_option(serve: argparse.ArgumentParser) -> None:
    """``--webhook-url`` for the ``sandbox`` command; the key and secret come from the environment."""
    serve.add_argument(
        "--webhook-url",
        type=_webhook_url,
        metavar="URL",
        help="POST XCover's BOOKING_CREATED webhook there after each booking, signed with "
        f"${ENV_WEBHOOK_KEY} / ${ENV_WEBHOOK_SECRET} (else the sandbox's published defaults; "
        "e.g. --webhook-url http://127.0.0.1:9000/xcover)",
    )


def webhook_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, Any]:
    """`Sandbox`'s webhook arguments from ``--webhook-url`` and the environment (never argv's secret)."""
    if not args.webhook_url:
        return {}
    from .sandbox import DEFAULT_WEBHOOK_KEY, DEFAULT_WEBHOOK_SECRET

    return {
        "webhook_url": args.webhook_url,
        "webhook_key": environ.get(ENV_WEBHOOK_KEY, "").strip() or DEFAULT_WEBHOOK_KEY,
        "webhook_secret": environ.get(ENV_WEBHOOK_SECRET, "") or DEFAULT_WEBHOOK_SECRET,
    }


def webhook_banner(sandbox: Sandbox) -> str:
    """The start-up line about webhooks ("" without them); a secret that was given is not shown."""
    from .sandbox import DEFAULT_WEBHOOK_SECRET

    sender = sandbox.webhooks
    if sender is None:
        return ""
    default = sender.has_secret(DEFAULT_WEBHOOK_SECRET)
    secret = DEFAULT_WEBHOOK_SECRET if default else f"from ${ENV_WEBHOOK_SECRET}"
    return f"  webhooks BOOKING_CREATED -> {sender.url} (key {sender.key}, secret {secret})\n"


def _webhook_url(text: str) -> str:
    from .sandbox._webhooks import webhook_url_problem  # the sender's own rule

    problem = webhook_url_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)  # not the URL: it may carry a password
    return text
