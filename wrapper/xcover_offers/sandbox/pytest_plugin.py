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

``xcover_sandbox_server`` serves on 127.0.0.1, on a free port, with no faults. To choose, override
``xcover_sandbox_server_options`` (in a test module or a conftest.py, the way pytest overrides any
fixture) with what `SandboxServer` takes (host, port, idle_timeout, read_timeout, max_connections,
admin) and ``faults``, a `Faults`; or parametrize it for one test::

    @pytest.fixture
    def xcover_sandbox_server_options():
        from xcover_offers.sandbox import Faults

        return {"port": 8089, "faults": Faults(latency=0.2)}

    @pytest.mark.parametrize("xcover_sandbox_server_options", [{"host": "::1"}])
    def test_over_ipv6(xcover_sandbox_server): ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._fixture import SandboxFixture, SandboxServerFixture, ServerFixtureOptions


@pytest.fixture
def xcover_sandbox() -> Iterator[SandboxFixture]:
    """An in-process XCover sandbox (no socket) and an `OffersClient` for it (``.client``)."""
    from ._fixture import SandboxFixture

    with SandboxFixture() as kit:
        yield kit


@pytest.fixture
def xcover_sandbox_server_options() -> ServerFixtureOptions:
    """How ``xcover_sandbox_server`` serves: override it to choose host, port, faults ... (above)."""
    return {}


@pytest.fixture
def xcover_sandbox_server(
    xcover_sandbox_server_options: ServerFixtureOptions,
) -> Iterator[SandboxServerFixture]:
    """The same, served over real HTTP/1.1 (127.0.0.1, a free port, unless the options say other);
    ``.base_url`` points at it and ``.server`` is the running `SandboxServer`."""
    from ._fixture import SandboxServerFixture

    with SandboxServerFixture(**xcover_sandbox_server_options) as kit:
        yield kit
