"""``xcover-offers confirm-offer`` and ``xcover-offers opt-out``: the rest of the purchase flow."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import IO, Final, cast

from ._cli import CommandError, read_json_object
from ._cli_create import add_connection_options, answered, open_client
from ._cli_output import booking_table, json_text

CONFIRM_FORMAT: Final = """\
request file: the Confirm Offer body as JSON:
  {"quotes": ["<quote id>", ...],        quote ids are the offer's products[].id; or objects:
                                          {"id": "<quote id>", "insured": [...]}
   "policyholder": {"first_name": "Jo", "last_name": "Doe", "email": "jo@example.com",
                    "phone": "+61400000000", "country": "AU"},
   "partner_transaction_id": "ORDER-1",   optional
   "payment_details": {"provider": "stripe"}}   optional
Pass --idempotency-key (a UUID) and keep it: running the same command again with it returns the
same booking instead of selling twice.
"""


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> list[argparse.ArgumentParser]:
    """Register ``confirm-offer`` and ``opt-out``."""
    confirm = commands.add_parser(
        "confirm-offer",
        help="confirm an offer after payment (sells the protection); prints the booking",
        description="Confirm an offer: XCover books the chosen quotes for the policyholder.",
        epilog=CONFIRM_FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    confirm.add_argument("offer_id", help="the offer's id, from create-offer")
    confirm.add_argument(
        "request", nargs="?", default="-", help="request JSON file; '-' or nothing for stdin"
    )
    confirm.add_argument("--idempotency-key", help="a UUID; the same key returns the same booking")
    confirm.add_argument("--json", action="store_true", help="print the booking as JSON instead of a table")
    add_connection_options(confirm)
    confirm.set_defaults(func=_confirm)
    opt_out = commands.add_parser(
        "opt-out",
        help="record that the customer declined the offer (XCover asks for it every time)",
        description="Opt out of an offer: tells XCover protection was offered and not taken.",
    )
    opt_out.add_argument("offer_id", help="the offer's id, from create-offer")
    add_connection_options(opt_out)
    opt_out.set_defaults(func=_opt_out)
    return [confirm, opt_out]


def _confirm(args: argparse.Namespace, environ: Mapping[str, str], out: IO[str], stdin: IO[str]) -> int:
    from ._errors import APIResponseValidationError, APIStatusError
    from ._options import REQUEST_OPTIONS, ConfirmOfferParams

    with open_client(args, environ) as client:  # the configuration first: what a first run gets wrong
        request = read_json_object(args.request, stdin, what="a Confirm Offer request")
        # The file holds confirm_offer's own keywords (the body's fields); the library checks them.
        required = ConfirmOfferParams.__required_keys__
        known = required | (ConfirmOfferParams.__optional_keys__ - REQUEST_OPTIONS)
        unknown = sorted(set(request) - known)
        if unknown:
            raise CommandError(f"unexpected top-level keys {unknown}; a request has {sorted(known)}")
        missing = sorted(required - request.keys())
        if missing:
            raise CommandError(f"the request needs {missing[0]!r} (see --help)")
        params = cast("ConfirmOfferParams", request)
        if args.idempotency_key:
            params["idempotency_key"] = args.idempotency_key
        try:
            booking = client.confirm_offer(args.offer_id, **params)
        except (APIStatusError, APIResponseValidationError) as exc:
            raise answered(client, exc) from exc
    if args.json:
        out.write(json_text(booking.to_dict()) + "\n")  # server text: escapes kept as escapes
    else:
        out.write(booking_table(booking) + "\n")
    return 0


def _opt_out(args: argparse.Namespace, environ: Mapping[str, str], out: IO[str], stdin: IO[str]) -> int:
    from ._errors import APIResponseValidationError, APIStatusError

    with open_client(args, environ) as client:
        try:
            client.opt_out(args.offer_id)
        except (APIStatusError, APIResponseValidationError) as exc:
            raise answered(client, exc) from exc
    out.write(f"opted out of offer {args.offer_id}\n")
    return 0
