"""Old import path, kept for `_client.py` and tests/test_spec_evolution.py; new code imports from the
modules by job: `_signature` (the scheme), `_signing`, `_verify`, `_redaction`."""

from ._signing import XCoverAuth
from ._verify import verify_signature

__all__ = ["XCoverAuth", "verify_signature"]
