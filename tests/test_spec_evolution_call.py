"""The day a new operation is generated, it is safe: update_spec stores a spec that adds two, and
`client.call` gives each the whole pipeline, with no wrapper code written for them.

The fixture spec (tests/fixtures/specs/keyed-post-and-get.json) adds a keyed POST answering 204 and
a GET with a path parameter, neither declaring its path parameters, as XCover's pages do. The
regenerated package and the repository copy's wrapper run in a subprocess, sync and async, against
the sandbox in process and over HTTP (the sandbox serves any operation of its spec from the
contract): a 503 retried under one key, a lost answer replayed, the budget against a trickle, an
open breaker, the operation's span, and NotFoundError.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import update_spec
from test_spec_evolution import base_repo, next_version, repo  # noqa: F401 - the fixtures

pytestmark = pytest.mark.once

SCRIPT = r"""
import asyncio, json
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)

from xcover_offers import (APITimeoutError, AsyncOffersClient, CircuitBreaker, CircuitOpenError,
                           NotFoundError, OffersClient)
from xcover_offers.sandbox import Fault, Sandbox
from xcover_offers_api.api.list_documents import list_documents
from xcover_offers_api.api.resend_documents import resend_documents

sandbox = Sandbox()
server = sandbox.serve()
KEYS = {"api_key": "sandbox-key", "api_secret": "sandbox-secret", "partner_code": "LLODT"}


def options(way, is_async, **more):
    if way == "http":
        return {**KEYS, "base_url": server.base_url, **more}
    transport = sandbox.async_transport() if is_async else sandbox.transport()
    return {**KEYS, "base_url": sandbox.base_url, "http_client": transport, **more}


def steps(way, is_async):
    # Each step: (faults to queue, client options, endpoint, arguments, what to record).
    return [
        ("retried", [Fault.unavailable(retry_after="0", operation="resend_documents")], {},
         resend_documents, {"booking_id": "B-1"}),
        ("replayed", [Fault.drop(after_processing=True, operation="resend_documents")], {},
         resend_documents, {"booking_id": "B-2"}),
        ("parsed", [], {}, list_documents, {"booking_id": "B-3"}),
        ("not_found", [Fault.error(404, operation="list_documents")], {}, list_documents,
         {"booking_id": "B-4"}),
        ("budget", [Fault.trickle(chunk_size=1, interval=0.3, operation="list_documents")]
         if way == "http" else [], {"total_timeout": 1.0, "max_retries": 0}, list_documents,
         {"booking_id": "B-5"}),
    ]


def outcome(result):
    if isinstance(result, BaseException):
        return type(result).__name__
    keys = {e.request.header("x-idempotency-key") for e in sandbox.history[-result.attempts:]}
    parsed = None if result.parsed is None else type(result.parsed).__name__
    return [result.status_code, result.attempts, result.replayed, parsed, len(keys)]


async def run_async(way):
    found = {}
    for name, faults, more, endpoint, arguments in steps(way, True):
        sandbox.queue(*faults)
        async with AsyncOffersClient(**options(way, True, **more)) as client:
            try:
                found[name] = outcome(await client.call(endpoint, **arguments))
            except Exception as exc:
                found[name] = outcome(exc)
    return found


def run_sync(way):
    found = {}
    for name, faults, more, endpoint, arguments in steps(way, False):
        sandbox.queue(*faults)
        with OffersClient(**options(way, False, **more)) as client:
            try:
                found[name] = outcome(client.call(endpoint, **arguments))
            except Exception as exc:
                found[name] = outcome(exc)
    return found


report = {}
for way in ("in-process", "http"):
    report[f"sync {way}"] = run_sync(way)
    report[f"async {way}"] = asyncio.run(run_async(way))
breaker = CircuitBreaker(failure_threshold=1, recovery_time=60.0)
sandbox.queue(Fault.error(500, operation="list_documents"))
with OffersClient(**options("http", False, circuit_breaker=breaker, max_retries=0)) as client:
    for _ in range(2):
        try:
            client.call(list_documents, booking_id="B-6")
        except Exception as exc:
            report.setdefault("breaker", []).append(type(exc).__name__)
server.close()
report["spans"] = sorted({s.name for s in exporter.get_finished_spans() if s.name.startswith("xcover.")})
print(json.dumps(report))
"""


def test_new_operations_get_the_whole_pipeline_through_call(
    repo: update_spec.Repo,  # noqa: F811 - the fixture
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert update_spec.update_spec(repo, next_version("keyed-post-and-get", tmp_path)) == 0
    summary = capsys.readouterr().out
    for name in ("resend_documents", "list_documents"):
        assert name in summary, "the update names each new operation"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(repo.generated.parent), str(repo.wrapper.parent)]),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.splitlines()[-1])
    for run in ("sync in-process", "async in-process", "sync http", "async http"):
        found = report[run]
        assert found["retried"] == [204, 2, False, None, 1], (run, found)  # two attempts, one key
        assert found["replayed"] == [409, 2, True, None, 1], (run, found)
        assert found["parsed"][:4] == [200, 1, False, "ListDocumentsResponse200"], (run, found)
        assert found["not_found"] == "NotFoundError", (run, found)
    assert report["sync http"]["budget"] == report["async http"]["budget"] == "APITimeoutError"
    assert report["breaker"] == ["InternalServerError", "CircuitOpenError"]
    assert report["spans"] == ["xcover.list_documents", "xcover.resend_documents"]
