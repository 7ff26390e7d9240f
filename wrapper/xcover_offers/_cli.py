"""The ``xcover-offers`` command (also ``python -m xcover_offers``).

    xcover-offers demo [--verbose]                       price a sample order in an in-process sandbox
    xcover-offers sandbox --port 8080                    serve the sandbox on 127.0.0.1 until Ctrl-C
    xcover-offers create-offer order.json --json         ask XCover (or a sandbox) for an offer
    xcover-offers confirm-offer OFFER_ID confirm.json    after payment: book the chosen quotes
    xcover-offers opt-out OFFER_ID                       the customer declined the offer
    xcover-offers verify-webhook --headers h.txt --body b.json   check a saved XCover webhook delivery

Credentials come from the environment (XCOVER_API_KEY / XCOVER_API_SECRET, or the vendor client's
XC_AUTH_API_KEY / XC_AUTH_API_SECRET), never from the command line of `create-offer`, where other
users of the machine could read them. A failure is one line on stderr and exit status 1, with a
traceback only under `--debug`; usage mistakes are argparse's usual exit status 2.

This module parses the command line and reports failures; each command lives in its own module
(`_cli_demo`, `_cli_sandbox`, `_cli_create`, `_cli_purchase`, `_cli_webhook`), which registers its
options and runs it. Those modules import what they need (httpx, the client, the sandbox) only when
their command runs, so `--help` stays quick.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any, Final

from ._constants import ENV_NAMES
from ._version import __version__

PROG: Final = "xcover-offers"
ENV_CREDENTIALS: Final = ENV_NAMES[:2]  # (ours, the vendor client's) for the key and the secret
ENV_PARTNER_CODE: Final = ENV_NAMES[2]
ENV_BASE_URL: Final = ENV_NAMES[3]

Command = Callable[[argparse.Namespace, Mapping[str, str], IO[str], IO[str]], int]

MAIN_EPILOG: Final = """\
start here:
  xcover-offers demo                   price a sample order offline, then see the next step
credentials for create-offer, confirm-offer and opt-out: XCOVER_API_KEY, XCOVER_API_SECRET,
XCOVER_PARTNER_CODE (environment)
"""


class CommandError(Exception):
    """A failure to report as one line, exit status 1."""


MAX_INPUT_BYTES: Final = 1024 * 1024
"""What a command reads from a file or stdin at most: a request or a captured webhook is KiBs; more
is the wrong file (or /dev/zero), refused before it is read whole, let alone parsed."""


def read_input(source: str, stdin: IO[str], *, what: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of file `source` ('-' for stdin), at most `limit` of them (a CommandError past it)."""
    name = "stdin" if source == "-" else source
    try:
        if source == "-":
            buffer = getattr(stdin, "buffer", None)  # a test's StringIO has none
            data = buffer.read(limit + 1) if buffer is not None else stdin.read(limit + 1).encode("utf-8")
        else:
            with open(source, "rb") as file:
                data = file.read(limit + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > limit:
        size = f"{limit >> 20} MiB" if limit % (1 << 20) == 0 else f"{limit:,} bytes"
        raise CommandError(f"{name} is larger than {size}: {what} is far smaller")
    return data


def read_json_object(source: str, stdin: IO[str], *, what: str) -> dict[str, Any]:
    """A JSON object from file `source` ('-' for stdin), UTF-8, at most MAX_INPUT_BYTES."""
    name = "stdin" if source == "-" else source
    try:
        value = json.loads(read_input(source, stdin, what=what).decode("utf-8"))
    except UnicodeDecodeError:
        raise CommandError(f"{name} is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply to parse
        raise CommandError(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise CommandError(f"{name} must hold a JSON object: {what} (see --help)")
    return value


def _parser() -> argparse.ArgumentParser:
    # Imported here: the command modules import PROG and CommandError from this one.
    from . import _cli_create, _cli_demo, _cli_purchase, _cli_sandbox, _cli_webhook

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Cover Genius XCover offers: client and sandbox.",
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_debug(parser, default=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (_cli_demo, _cli_sandbox, _cli_create):
        _add_debug(command.add_parser(commands))
    for sub in _cli_purchase.add_parsers(commands):
        _add_debug(sub)
    _add_debug(_cli_webhook.add_parser(commands))
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
        from ._text import printable

        known = isinstance(exc, CommandError | XCoverError | ValueError | OSError | ImportError)
        # A message may quote the server: shown escaped, it cannot drive the terminal.
        text = printable(" ".join(str(exc).split())) or type(exc).__name__
        if args.debug:
            traceback.print_exception(exc, file=sys.stderr)
        elif not known:
            text += " (--debug shows the traceback)"
        prefix = "" if known else f"unexpected {type(exc).__name__}: "
        print(f"{PROG}: error: {prefix}{text}", file=sys.stderr)
        return 1
