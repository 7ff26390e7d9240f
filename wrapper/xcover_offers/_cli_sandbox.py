"""``xcover-offers sandbox``: serve the offline XCover stand-in over HTTP until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import math
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import IO, Any, Final

from ._cli import ENV_CREDENTIALS, CommandError
from ._cli_webhook import add_webhook_option, webhook_banner, webhook_settings
from ._constants import env_value

SANDBOX_EPILOG: Final = """\
faults (--fault NAME[:OPTION=VALUE,...] or a JSON object; every fault also takes times=N, and
operation=ID to act only on requests for that operation of the spec, e.g. operation=create_offer):
  rate_limited[:retry_after=S]       429 with Retry-After (default 1)
  unavailable[:retry_after=S]        503 with Retry-After (default 1)
  error:status=N[,message=TEXT]      any 4xx/5xx in the spec's error shape
  bad_gateway_html                   a proxy's HTML 502
  drop[:after_processing=true]       close without answering (after making the offer: the
                                     retry then gets a 409 replay)
  trickle[:chunk_size=B,interval=S]  the body B bytes at a time, S seconds apart
  replay                             answer 409 with the success, as XCover answers a duplicate
  locked[:retry_after=S]             423: a request with this idempotency key is in flight
  latency:seconds=S                  one answer S seconds late (times=N: the next N)
  e.g. --fault rate_limited:retry_after=2,times=3 --fault drop:after_processing=true
       --fault error:status=503,operation=create_offer
       --fault '{"fault": "unavailable", "retry_after": "Wed, 21 Oct 2037 07:28:00 GMT"}'

operations: every operation of the spec is served; one without a model in the sandbox answers the
success its contract describes (its lowest 2xx, with the example or a minimal valid body).

purchase flow: offers made by Create Offer are kept (--offer-retention, --max-offers); Confirm
Offer books chosen quotes of one (201, a booking Get Booking then answers), Opt-out records a
refusal (204, safe to repeat). An unknown offer or booking is 404; a quote of another offer, a
confirm after an opt-out (or an opt-out after a confirm) and an offer too old are 422.

idempotency: a POST whose X-Idempotency-Key, path and body were processed is answered 409 with the
stored answer (XCover keeps them 48 h); a duplicate during the first one's latency gets 423; the
same key with another body or path gets 422.

admin endpoint (same address; not signed, not recorded; POSTs need Content-Type: application/json):
  curl http://127.0.0.1:8080/_sandbox/faults
  curl --json '{"latency": 0.5, "queue": [{"fault": "unavailable", "times": 2}]}' \\
       http://127.0.0.1:8080/_sandbox/faults
  curl 'http://127.0.0.1:8080/_sandbox/requests?limit=1'
  curl --json '{}' http://127.0.0.1:8080/_sandbox/reset
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``sandbox`` with its options; the defaults are the sandbox's own."""
    # Only the constants module: the sandbox itself (and openapi-core) loads when the command runs.
    from .sandbox import _defaults as sandbox_defaults

    serve = commands.add_parser(
        "sandbox",
        help="serve the offline XCover sandbox over HTTP until Ctrl-C",
        description="Serve the offline XCover sandbox, every operation of the spec, over HTTP/1.1 until "
        "Ctrl-C or SIGTERM.\n"
        "The API secret comes from --api-secret-file, else $XCOVER_API_SECRET, else the published "
        "sandbox-secret;\nnever from the command line, which ps shows to every user of the machine.",
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
        "--api-secret-file",
        metavar="FILE",
        help="file whose first line is the secret clients sign with (default: $XCOVER_API_SECRET, "
        "else sandbox-secret; e.g. --api-secret-file ~/.config/xcover/sandbox-secret)",
    )
    # Removed, not merely deprecated: a secret in argv is in /proc/PID/cmdline for every user. Kept
    # hidden to say so, and so that argparse does not read it as an abbreviation of --api-secret-file.
    serve.add_argument("--api-secret", nargs="?", action=_Removed, help=argparse.SUPPRESS)
    serve.add_argument(
        "--latency",
        type=_latency,
        default=0.0,
        metavar="SECONDS",
        help="seconds added before every answer (e.g. --latency 0.5)",
    )
    serve.add_argument(
        "--clock-offset",
        type=_clock_offset,
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
        help="how long a processed request is replayed as 409; 0 turns it off "
        "(default %(default)g, XCover's 48 h; e.g. --idempotency-retention 60)",
    )
    serve.add_argument(
        "--offer-retention",
        type=_positive_seconds,
        default=sandbox_defaults.OFFER_RETENTION,
        metavar="SECONDS",
        help="how long an offer can be confirmed or opted out of, and a booking read back "
        "(default %(default)g, a week; e.g. --offer-retention 3600)",
    )
    serve.add_argument(
        "--max-offers",
        type=_count,
        default=sandbox_defaults.MAX_OFFERS,
        metavar="N",
        help="offers kept at once, and bookings; the oldest go first "
        "(default %(default)s; e.g. --max-offers 100)",
    )
    serve.add_argument(
        "--max-body",
        type=_count,
        default=sandbox_defaults.MAX_BODY_BYTES,
        metavar="BYTES",
        help="largest body, 413 above (default %(default)s; e.g. --max-body 65536)",
    )
    serve.add_argument(
        "--max-connections",
        type=_count,
        default=sandbox_defaults.DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help="connections at once; one more gets a 503 (default %(default)s; e.g. --max-connections 64)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=_timeout,
        default=sandbox_defaults.DEFAULT_IDLE_TIMEOUT,
        metavar="SECONDS",
        help="how long a connection may wait for its next request, at most a day "
        "(default %(default)g; e.g. --idle-timeout 5)",
    )
    serve.add_argument(
        "--read-timeout",
        type=_timeout,
        default=sandbox_defaults.DEFAULT_READ_TIMEOUT,
        metavar="SECONDS",
        help="how long a request may take to arrive whole, from its first byte, at most a day "
        "(default %(default)g; e.g. --read-timeout 2)",
    )
    serve.add_argument(
        "--no-admin",
        action="store_true",
        help="do not serve /_sandbox (never served on a --host that is not loopback), e.g. --no-admin",
    )
    serve.add_argument(
        "--quiet", action="store_true", help="do not log each request to stderr (e.g. --quiet)"
    )
    add_webhook_option(serve)
    serve.set_defaults(func=_sandbox)
    return serve


def _sandbox(args: argparse.Namespace, environ: Mapping[str, str], out: IO[str], stdin: IO[str]) -> int:
    from .sandbox import DEFAULT_API_KEY, DEFAULT_API_SECRET, Faults, Sandbox, SandboxServer

    api_key = args.api_key or env_value(ENV_CREDENTIALS[0], environ) or DEFAULT_API_KEY
    if args.api_secret_file:
        api_secret = _read_secret(args.api_secret_file)
    else:
        api_secret = env_value(ENV_CREDENTIALS[1], environ) or DEFAULT_API_SECRET
    if not args.quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        from .sandbox._log import LOGGER_NAME

        log = logging.getLogger(LOGGER_NAME)
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
        offer_retention=args.offer_retention,
        max_offers=args.max_offers,
        **webhook_settings(args, environ),
    )
    try:
        server = SandboxServer(
            sandbox,
            host=args.host,
            port=args.port,
            idle_timeout=args.idle_timeout,
            read_timeout=args.read_timeout,
            max_connections=args.max_connections,
            admin=False if args.no_admin else None,
        )
    except OSError as exc:
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    secret_shown = api_secret if api_secret == DEFAULT_API_SECRET else "(as given)"
    admin = f" (admin: {server.admin_url})" if server.admin_url else ""
    out.write(
        f"XCover sandbox listening on {server.base_url}\n"
        f"  serves {sandbox.spec.routes.describe()}{admin}\n"
        f"  api key {api_key}, secret {secret_shown}\n"
        f"{webhook_banner(sandbox)}"
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
        sandbox.close()
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    out.write("XCover sandbox stopped.\n")
    out.flush()
    return 0


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


MAX_SECRET_FILE: Final = 4096


def _read_secret(path: str) -> str:
    """The first line of a secret file, without its line ending; the file is read 4 KiB at most."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_SECRET_FILE + 1)
    except OSError as exc:
        raise CommandError(f"cannot read the API secret file {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_SECRET_FILE:
        raise CommandError(f"{path} is larger than {MAX_SECRET_FILE} bytes; it should hold one line")
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text") from None
    secret = lines[0] if lines else ""
    if not secret.strip():
        raise CommandError(f"{path} holds no API secret on its first line")
    return secret


class _Removed(argparse.Action):
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option: str | None = None,
    ) -> None:
        parser.error(
            f"{option} was removed: ps shows a secret given on the command line to every user of the "
            f"machine; set {ENV_CREDENTIALS[1][0]} or use --api-secret-file FILE"
        )


# -- option values (an ArgumentTypeError is a usage error naming the option) ---------------------


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use 0 to 65535 (0 picks a free one)")
    return port


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _finite(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _fault_setting(check: Callable[[object], float], text: str) -> float:
    """A setting the admin endpoint takes too, checked by the same rule (`Faults`' own)."""
    value = _finite(text)
    try:
        return check(text if value is None else value)
    except ValueError as exc:  # its message gives the range, e.g. "latency must be ... 0 to 3600"
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds it takes: {exc}") from None


def _latency(text: str) -> float:
    from .sandbox._faults import check_latency

    return _fault_setting(check_latency, text)


def _clock_offset(text: str) -> float:
    from .sandbox._faults import check_clock_offset

    return _fault_setting(check_clock_offset, text)


def _seconds(text: str) -> float:
    value = _finite(text)
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return value


def _positive_seconds(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _timeout(text: str) -> float:
    from .sandbox._defaults import MAX_TIMEOUT

    value = _positive_seconds(text)
    if value > MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"{text!r} is more than a day: use at most {MAX_TIMEOUT:g} seconds")
    return value


def _fault(text: str) -> list[Any]:
    from ._spec import document
    from .sandbox._faults import check_operations, fault_spec_from_text, faults_from_spec
    from .sandbox._routes import operation_ids

    try:
        faults = faults_from_spec(fault_spec_from_text(text))
        check_operations(faults[:1], operation_ids(document()))
        return faults
    except ValueError as exc:  # its message names the option and the rule, e.g. "fault.fault must be one of"
        raise argparse.ArgumentTypeError(f"{text!r} is not a fault: {exc}") from None
