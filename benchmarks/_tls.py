"""A throwaway certificate authority for HTTPS on loopback (trustme), and a CA bundle that trusts it.

The bundle is the public roots the clients trust by default (certifi's, which both httpx and requests
use) plus the throwaway CA, so that loading it costs what loading the default roots costs: a client
that builds a new TLS context per call pays that price for real, and the comparison keeps it.
"""

from __future__ import annotations

import contextlib
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def available() -> str | None:
    """None when HTTPS can be benchmarked here, else why not."""
    try:
        import certifi  # noqa: F401
        import trustme  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed"
    return None


@dataclass(frozen=True)
class Tls:
    cert_chain: Path
    """The server's certificate (for 127.0.0.1) and its chain, PEM."""
    key: Path
    bundle: Path
    """certifi's roots plus the throwaway CA, PEM: what the clients trust."""
    key_type: str

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.bundle))


@contextlib.contextmanager
def throwaway() -> Iterator[Tls]:
    import certifi
    import trustme

    # ECDSA, trustme's default: the cheaper handshake, so the per-connection cost is not overstated.
    ca = trustme.CA(key_type=trustme.KeyType.ECDSA)
    cert = ca.issue_cert("127.0.0.1", key_type=trustme.KeyType.ECDSA)
    with tempfile.TemporaryDirectory(prefix="xcover-bench-tls-") as tmp:
        root = Path(tmp)
        chain, key, bundle = root / "server.pem", root / "server.key", root / "bundle.pem"
        chain.write_bytes(b"".join(pem.bytes() for pem in cert.cert_chain_pems))
        key.write_bytes(cert.private_key_pem.bytes())
        bundle.write_bytes(Path(certifi.where()).read_bytes().rstrip(b"\n") + b"\n" + ca.cert_pem.bytes())
        yield Tls(chain, key, bundle, key_type="ECDSA P-256")
