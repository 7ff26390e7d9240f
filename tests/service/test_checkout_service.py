"""The service's own tests, with the `xcover_sandbox` fixtures the installed wheel registers with pytest."""

from __future__ import annotations

from checkout_service import protection_offer
from xcover_offers.sandbox import Fault, SandboxFixture


def test_checkout_shows_the_offer(xcover_sandbox: SandboxFixture) -> None:
    offer = protection_offer(xcover_sandbox.client, "ORDER-1", "100.00")
    assert offer is not None
    assert offer.products[0].details.finance.price.total_amount == 5.5


def test_checkout_goes_on_without_protection_when_xcover_fails(xcover_sandbox: SandboxFixture) -> None:
    for _ in range(3):  # the first attempt and both retries
        xcover_sandbox.queue(Fault.unavailable(retry_after="0"))
    assert protection_offer(xcover_sandbox.client, "ORDER-2", "100.00") is None


def test_over_real_http(xcover_sandbox_server: SandboxFixture) -> None:
    offer = protection_offer(xcover_sandbox_server.client, "ORDER-3", "80.00")
    assert offer is not None
    assert offer.id
