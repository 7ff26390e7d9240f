"""The sandbox sends XCover's BOOKING_CREATED webhook: end to end to a real listener, and its bounds.

The end-to-end test runs a tiny WSGI listener (wsgiref on 127.0.0.1, a free port, in a thread) that
does what the README's recipe does: verify with construct_event, re-fetch with refresh, upsert by
booking id. The sender's bounds (retries, a dead or slow listener, the queue, close) are driven
through an `httpx.MockTransport`, with no delays between retries.
"""

from __future__ import annotations

import inspect
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from xcover_offers import OffersClient, webhooks
from xcover_offers._cli import _parser
from xcover_offers._cli_webhook import webhook_banner, webhook_settings
from xcover_offers.sandbox import (
    DEFAULT_WEBHOOK_KEY,
    DEFAULT_WEBHOOK_SECRET,
    Sandbox,
    SandboxApp,
    SandboxFixture,
    WebhookDelivery,
)
from xcover_offers.sandbox._sandbox import AppOptions
from xcover_offers.sandbox._webhooks import WebhookSender
from xcover_offers_api.models import Booking

KEY, SECRET = "listener-key", "listener-secret"
CUSTOMER = {"currency": "USD", "country": "US", "language": "en-us"}
EVENTS = [{"id": "e1", "name": "Concert", "start_date": "2031-06-01T19:00:00+02:00", "country": "US",
           "tickets": [{"id": "t1", "price": 100}]}]  # fmt: skip
POLICYHOLDER = {
    "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org", "phone": "+44 20 7946 0958",
    "country": "GB",
}  # fmt: skip


def book(client: OffersClient) -> Booking:
    offer = client.create_offer(customer=CUSTOMER, events=EVENTS)
    return client.confirm_offer(offer, quotes=offer.products[:1], policyholder=POLICYHOLDER)


# -- end to end: a real listener ------------------------------------------------------------------


class Listener:
    """The recipe, as a WSGI app: verify, re-fetch, upsert by booking id; answers 500 the first time."""

    def __init__(self) -> None:
        self.client: OffersClient | None = None
        self.bookings: dict[str, Booking] = {}
        self.deliveries: list[tuple[str, str]] = []  # (event, outcome)
        self.fail_first = True

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {
            key[5:].replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        try:
            event = webhooks.construct_event(headers, body, api_key=KEY, api_secret=SECRET)
        except webhooks.WebhookSignatureError as exc:
            self.deliveries.append(("?", f"refused: {exc.check}"))
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"refused"]
        assert self.client is not None
        booking = webhooks.refresh(event, self.client)
        self.bookings[booking.id] = booking  # an upsert: a redelivery changes nothing
        status = "500 Internal Server Error" if self.fail_first else "200 OK"
        self.fail_first = False
        self.deliveries.append((str(event.event), status))
        start_response(status, [("Content-Type", "text/plain")])
        return [b"ok"]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[Listener, str]]:
    app = Listener()
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}/xcover-webhook"
    finally:
        server.shutdown()
        server.server_close()


def test_booking_created_reaches_the_listener_and_a_redelivery_is_idempotent(
    listener: tuple[Listener, str],
) -> None:
    app, url = listener
    with SandboxFixture(serve=True, webhook_url=url, webhook_key=KEY, webhook_secret=SECRET) as kit:
        app.client = kit.client
        booking = book(kit.client)
        assert kit.sandbox.wait_for_webhooks(timeout=10)
        assert app.deliveries == [
            ("BOOKING_CREATED", "500 Internal Server Error"),  # processed, not acknowledged: retried
            ("BOOKING_CREATED", "200 OK"),
        ]
        assert list(app.bookings) == [booking.id]
        assert app.bookings[booking.id].to_dict() == booking.to_dict()
        assert kit.webhooks_sent == [WebhookDelivery("BOOKING_CREATED", booking.id, 200, 2)]

        # Confirming again makes no booking (409 from the sandbox), so no webhook.
        again = kit.client.confirm_offer(
            _offer_id(kit), quotes=[booking.quotes[0].id], policyholder=POLICYHOLDER
        )
        assert again.id == booking.id
        assert kit.sandbox.wait_for_webhooks(timeout=10)
        assert len(kit.webhooks_sent) == 1
        assert len(app.deliveries) == 2


def _offer_id(kit: SandboxFixture) -> str:
    confirm = next(e for e in kit.history if e.request.path.endswith("/confirm/"))
    return confirm.request.path.rstrip("/").split("/")[-2]


# -- the sender's bounds ----------------------------------------------------------------------------


def sender(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> WebhookSender:
    kwargs.setdefault("retry_delays", (0, 0, 0))
    return WebhookSender(
        "http://listener.invalid/hook",
        key=KEY,
        secret=SECRET,
        clock=time.time,
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def test_retried_three_times_each_attempt_signed_afresh() -> None:
    seen: list[httpx.Request] = []

    def unavailable(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503)

    hooks = sender(unavailable)
    hooks.send("BOOKING_CREATED", {"id": "B-1", "status": "CONFIRMED"})
    assert hooks.wait_idle(5)
    assert hooks.sent == [WebhookDelivery("BOOKING_CREATED", "B-1", 503, 4, "status 503")]
    assert len(seen) == 4
    for request in seen:
        event = webhooks.construct_event(request.headers, request.content, api_key=KEY, api_secret=SECRET)
        assert (event.event, event.booking_id, event.payload) == (
            "BOOKING_CREATED",
            "B-1",
            {"id": "B-1", "status": "CONFIRMED"},
        )
        assert request.headers["content-type"] == "application/json"
        assert 'algorithm="hmac-sha256"' in request.headers["authorization"]
        assert SECRET not in str(request.headers)
    hooks.close()


def test_a_dead_listener_is_given_up_on() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    hooks = sender(refused)
    hooks.send("BOOKING_CREATED", {"id": "B-1"})
    assert hooks.wait_idle(5)
    assert hooks.sent == [WebhookDelivery("BOOKING_CREATED", "B-1", None, 4, "ConnectError")]
    hooks.close()


def test_a_slow_listener_never_holds_up_the_sandbox_and_the_queue_is_bounded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = threading.Event()
    arrived: list[str] = []

    def stuck(request: httpx.Request) -> httpx.Response:
        arrived.append(json.loads(request.content)["payload"]["id"])
        release.wait(10)
        return httpx.Response(200)

    transport = httpx.MockTransport(stuck)
    with SandboxFixture(webhook_url="http://listener.invalid/hook", webhook_transport=transport) as kit:
        hooks = kit.sandbox.webhooks
        assert hooks is not None
        hooks.capacity = 2
        first = book(kit.client).id
        deadline = time.monotonic() + 5
        while not arrived and time.monotonic() < deadline:
            time.sleep(0.01)
        assert arrived == [first]  # the sender now hangs on the listener
        started = time.monotonic()
        second = book(kit.client).id
        assert time.monotonic() - started < 2  # the sandbox answered all the same
        hooks.send("BOOKING_CREATED", {"id": "B-1"})
        hooks.send("BOOKING_CREATED", {"id": "B-2"})  # a third waiting: the oldest waiting one goes
        assert kit.webhooks_sent == [
            WebhookDelivery("BOOKING_CREATED", second, None, 0, "dropped: queue full")
        ]
        assert f"webhook queue full (2): dropped BOOKING_CREATED for booking {second}" in caplog.text
        release.set()
        assert kit.sandbox.wait_for_webhooks(5)
        assert arrived == [first, "B-1", "B-2"]
        assert [d.delivered for d in kit.webhooks_sent] == [False, True, True, True]


def test_close_drops_what_waits_and_stops_the_thread() -> None:
    release = threading.Event()

    def stuck(request: httpx.Request) -> httpx.Response:
        release.wait(10)
        return httpx.Response(500)

    hooks = sender(stuck, retry_delays=(30, 30, 30))
    hooks.send("BOOKING_CREATED", {"id": "B-1"})
    hooks.send("BOOKING_CREATED", {"id": "B-2"})
    assert not hooks.wait_idle(0.2)
    hooks.close(timeout=0.1)  # B-1 is in flight; B-2 waits
    assert hooks.sent == [WebhookDelivery("BOOKING_CREATED", "B-2", None, 0, "dropped: sandbox closed")]
    release.set()  # B-1's answer (500) comes; its 30 s retry wait is cut short by the close
    thread = hooks._thread
    assert thread is not None
    thread.join(5)
    assert not thread.is_alive()
    assert hooks.sent[-1] == WebhookDelivery("BOOKING_CREATED", "B-1", 500, 1, "sandbox closed")
    hooks.send("BOOKING_CREATED", {"id": "B-3"})  # ignored once closed
    assert len(hooks.sent) == 2


def test_no_url_no_webhooks_and_reset_forgets_them() -> None:
    with SandboxFixture() as kit:
        book(kit.client)
        assert kit.sandbox.webhooks is None
        assert kit.webhooks_sent == []
        assert kit.sandbox.wait_for_webhooks(0)
    with SandboxFixture(
        webhook_url="http://listener.invalid/",
        webhook_transport=httpx.MockTransport(lambda r: httpx.Response(200)),
    ) as kit:
        book(kit.client)
        assert kit.sandbox.wait_for_webhooks(5)
        assert [d.delivered for d in kit.webhooks_sent] == [True]
        kit.sandbox.reset()
        assert kit.webhooks_sent == []


def test_settings_are_checked() -> None:
    for url in ("ftp://x/", "not a url", "http:///nohost"):
        with pytest.raises(ValueError, match="http:// or https:// URL"):
            Sandbox(webhook_url=url)
    with pytest.raises(ValueError, match="visible ASCII"):
        Sandbox(webhook_url="http://x/", webhook_key='a"b')
    with pytest.raises(ValueError, match="non-empty"):
        Sandbox(webhook_url="http://x/", webhook_secret="")
    assert "secret" not in repr(Sandbox(webhook_url="http://x/").webhooks)
    # httpx would send user:password as Basic auth in place of the webhook's signature, and show it.
    with pytest.raises(ValueError, match="must not carry a user or password") as refused:
        Sandbox(webhook_url="http://u:pw@x/")
    assert "pw" not in str(refused.value)


def test_app_options_are_sandbox_apps_arguments() -> None:
    """`Sandbox` passes `AppOptions` on to `SandboxApp`: the two must list the same names."""
    parameters = set(inspect.signature(SandboxApp.__init__).parameters) - {"self"}
    assert set(AppOptions.__annotations__) == parameters


# -- xcover-offers sandbox --webhook-url ---------------------------------------------------------


def test_cli_takes_the_url_from_argv_and_the_secret_from_the_environment() -> None:
    args = _parser().parse_args(["sandbox", "--webhook-url", "http://127.0.0.1:9000/hook"])
    assert webhook_settings(args, {}) == {
        "webhook_url": "http://127.0.0.1:9000/hook",
        "webhook_key": DEFAULT_WEBHOOK_KEY,
        "webhook_secret": DEFAULT_WEBHOOK_SECRET,
    }
    environ = {"XCOVER_WEBHOOK_KEY": KEY, "XCOVER_WEBHOOK_SECRET": SECRET}
    settings = webhook_settings(args, environ)
    assert (settings["webhook_key"], settings["webhook_secret"]) == (KEY, SECRET)
    banner = webhook_banner(Sandbox(**settings))
    assert banner == (
        f"  webhooks BOOKING_CREATED -> http://127.0.0.1:9000/hook (key {KEY}, "
        "secret from $XCOVER_WEBHOOK_SECRET)\n"
    )
    assert DEFAULT_WEBHOOK_SECRET in webhook_banner(Sandbox(**webhook_settings(args, {})))
    assert webhook_settings(_parser().parse_args(["sandbox"]), environ) == {}
    with pytest.raises(SystemExit):  # there is no option for the secret: ps would show it
        _parser().parse_args(["sandbox", "--webhook-secret", "x"])
    for url in ("ftp://x/", "http://u:pw@x/", "http://x:port/"):  # the sender's rule, in argparse
        with pytest.raises(SystemExit):
            _parser().parse_args(["sandbox", "--webhook-url", url])


def test_a_listener_dripping_its_answer_is_cut_off_at_the_attempts_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each byte comes within the read timeout; only the one deadline per attempt stops it."""
    from xcover_offers.sandbox import _webhooks

    monkeypatch.setattr(_webhooks, "WEBHOOK_TIMEOUT", 0.3)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                if stop.wait(0.2):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    sender = WebhookSender(
        f"http://127.0.0.1:{listener.getsockname()[1]}/",
        key="k",
        secret="s",
        clock=time.time,
        retry_delays=(),
    )
    try:
        sender.send("BOOKING_CREATED", {"id": "B-1"})
        assert sender.wait_idle(5.0), "the attempt outlived its deadline"
        (delivery,) = sender.sent
        assert (delivery.status, delivery.error) == (None, "ReadTimeout")
    finally:
        stop.set()
        sender.close()
        thread.join(5)
        listener.close()
