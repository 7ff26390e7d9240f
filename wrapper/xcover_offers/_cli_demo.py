"""``xcover-offers demo``: price a sample order with the real client against an in-process sandbox,
then confirm it, and opt out of a second one."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any, Final

from ._cli import ENV_BASE_URL, ENV_CREDENTIALS, ENV_PARTNER_CODE, PROG, CommandError
from ._cli_output import booking_table, offer_table

if TYPE_CHECKING:
    from xcover_offers_api.models import Offer

    from ._client import OffersClient
    from .sandbox import SandboxRequest

DEMO_PARTNER_CODE: Final = "DEMO"
DEMO_API_KEY: Final = "demo-key"
DEMO_API_SECRET: Final = "demo-secret"  # noqa: S105 - the demo's own throwaway credential


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``demo`` with its options."""
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
    demo.set_defaults(func=_demo)
    return demo


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
        flow = _purchase_flow(client, offer, order)
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
        flow,
    ]
    if args.verbose:
        parts += _demo_exchange(sent, sandbox.base_url.removesuffix(sandbox.base_path))
    parts.append(_next_step(args.save_order))
    out.write("\n\n".join(parts) + "\n")
    return 0


def _purchase_flow(client: OffersClient, offer: Offer, order: Mapping[str, Any]) -> str:
    """The rest of the flow on the same sandbox: confirm after payment, or opt out on a decline."""
    import uuid

    from ._builders import policyholder
    from ._values import value

    chosen = offer.products[:1]
    booking = client.confirm_offer(
        offer,
        quotes=chosen,
        policyholder=policyholder(
            first_name="Jo", last_name="Doe", email="jo@example.com", phone="+13125550100", country="US"
        ),
        idempotency_key=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo/confirm/{offer.id}")),
    )
    declined = client.create_offer(customer=order["customer"], events=order["events"])
    client.opt_out(declined)
    rows = [
        ("after payment", f"confirm_offer(quotes=[{value(chosen[0].product_config_id, chosen[0].id)}])",
         booking_table(booking).splitlines()[0]),
        ("on a decline", "opt_out(a second offer)", "recorded (204)"),
    ]  # fmt: skip
    width = max(len(call) for _, call, _ in rows)
    return "Then the purchase flow, on the same sandbox:\n" + "\n".join(
        f"  {when:<15}{call:<{width}}  -> {what}" for when, call, what in rows
    )


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


def _demo_exchange(sent: SandboxRequest, origin: str) -> list[str]:
    """The request as sent (its target holds the base path) and its headers, signature redacted:
    what `--verbose` adds."""
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
        f"Request\n  {sent.method} {origin}{sent.target}\n"
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
