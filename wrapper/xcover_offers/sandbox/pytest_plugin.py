"""pytest plugin: the ``xcover_sandbox`` and ``xcover_sandbox_server`` fixtures.

Registered through the ``pytest11`` entry point, so pytest loads this module in every project that
installs xcover-offers, with or without the ``sandbox`` extra: it imports nothing beyond pytest at
load time, and the sandbox (openapi-core) only inside a fixture that a test asks for.

Example::

    def test_checkout_offers_protection(xcover_sandbox):
        offer = xcover_sandbox.client.create_offer(customer=..., events=[...])
        assert offer.products

    def test_survives_rate_limiting(xcover_sandbox):
        from xcover_offers.sandbox import Fault

        xcover_sandbox.queue(Fault.rate_limited(retry_after="0"))
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._fixture import SandboxFixture


@pytest.fixture
def xcover_sandbox() -> Iterator[SandboxFixture]:
    """An in-process XCover sandbox (no socket) and an `OffersClient` for it (``.client``)."""
    from ._fixture import SandboxFixture

    with SandboxFixture() as kit:
        yield kit


@pytest.fixture
def xcover_sandbox_server() -> Iterator[SandboxFixture]:
    """The same, served over real HTTP/1.1 on 127.0.0.1 (a free port); ``.base_url`` points at it."""
    from ._fixture import SandboxFixture

    with SandboxFixture(serve=True) as kit:
        yield kit
