"""Finding the OpenTelemetry providers an application configured, cheaply, and the instruments
(tracer, histograms) of a provider pair, built once. Used by `_telemetry`; nothing here records.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Final

from ._version import __version__

try:
    from opentelemetry import metrics as _metrics
    from opentelemetry import trace as _trace
except ImportError:  # the otel extra is not installed: `_telemetry` never calls in here
    _OTEL = False
else:
    _OTEL = True

if TYPE_CHECKING:
    from opentelemetry.metrics import Histogram, Meter, MeterProvider
    from opentelemetry.trace import Tracer, TracerProvider

INSTRUMENTATION_NAME: Final = "xcover_offers"

# The semantic conventions' advice for http.client.request.duration; the call's own histogram goes on
# to cover a whole retry budget (30 s by default).
_REQUEST_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_OPERATION_BUCKETS: Final = (*_REQUEST_BUCKETS, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0)

# -- finding the SDK, cheaply -----------------------------------------------------------------------------

if _OTEL:
    try:  # the proxy the API hands out before an SDK is set has no public name
        from opentelemetry.metrics._internal import _ProxyMeterProvider as _proxy_meter_provider_type

        _UNSET_METER_TYPES: tuple[type, ...] = (_metrics.NoOpMeterProvider, _proxy_meter_provider_type)
    except ImportError:  # pragma: no cover - a future API; then only an explicit no-op is skipped
        _UNSET_METER_TYPES = (_metrics.NoOpMeterProvider,)
    _UNSET_TRACER_TYPES: tuple[type, ...] = (_trace.NoOpTracerProvider, _trace.ProxyTracerProvider)
    try:
        from opentelemetry.metrics import _internal as _metrics_internal

        # The public getters look an environment variable up on every call, which alone would
        # spend much of the budget of a call without an SDK (BENCHMARKS.md, telemetry), so the
        # globals they return are read directly. Only when a provider is named by environment
        # variable (which the getters load) are the getters used; and if the names ever go.
        _FAST_LOOKUP = hasattr(_trace, "_TRACER_PROVIDER") and hasattr(_metrics_internal, "_METER_PROVIDER")
    except ImportError:  # pragma: no cover
        _FAST_LOOKUP = False
    _PROVIDERS_FROM_ENV = (
        "OTEL_PYTHON_TRACER_PROVIDER" in os.environ or "OTEL_PYTHON_METER_PROVIDER" in os.environ
    )


def _global_providers() -> tuple[TracerProvider | None, MeterProvider | None]:
    """The global providers an application configured; None for each still at the API's default."""
    if _FAST_LOOKUP and not _PROVIDERS_FROM_ENV:
        tracer_provider: TracerProvider | None = _trace._TRACER_PROVIDER
        meter_provider: MeterProvider | None = _metrics_internal._METER_PROVIDER
    else:
        tracer_provider, meter_provider = _trace.get_tracer_provider(), _metrics.get_meter_provider()
    if tracer_provider is not None and isinstance(tracer_provider, _UNSET_TRACER_TYPES):
        tracer_provider = None
    if meter_provider is not None and isinstance(meter_provider, _UNSET_METER_TYPES):
        meter_provider = None
    return tracer_provider, meter_provider


class _Instruments:
    """The tracer and histograms of one (tracer provider, meter provider) pair."""

    __slots__ = ("meter_provider", "operation_duration", "request_duration", "tracer", "tracer_provider")

    def __init__(self, tracer_provider: TracerProvider | None, meter_provider: MeterProvider | None) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        # Without a tracer provider, the API's no-op tracer still carries a parent context through.
        self.tracer: Tracer = (
            _trace.NoOpTracer()
            if tracer_provider is None
            else tracer_provider.get_tracer(INSTRUMENTATION_NAME, __version__)
        )
        self.request_duration: Histogram | None = None
        self.operation_duration: Histogram | None = None
        if meter_provider is not None:
            meter = meter_provider.get_meter(INSTRUMENTATION_NAME, __version__)
            self.request_duration = _histogram(
                meter, "http.client.request.duration", "Duration of HTTP client requests.", _REQUEST_BUCKETS
            )
            self.operation_duration = _histogram(
                meter,
                "xcover.client.operation.duration",
                "Duration of one create_offer call, retries and their waits included.",
                _OPERATION_BUCKETS,
            )


def _histogram(meter: Meter, name: str, description: str, buckets: tuple[float, ...]) -> Histogram:
    try:
        return meter.create_histogram(
            name, unit="s", description=description, explicit_bucket_boundaries_advisory=buckets
        )
    except TypeError:  # an API or SDK older than 1.30, without bucket advice: its default buckets
        return meter.create_histogram(name, unit="s", description=description)


_cache: _Instruments | None = None
_cache_lock = threading.Lock()


def _instruments(
    tracer_provider: TracerProvider | None, meter_provider: MeterProvider | None
) -> _Instruments:
    # One entry: a process has one pair of global providers; tests that pass their own rebuild it.
    global _cache
    cached = _cache
    if _fits(cached, tracer_provider, meter_provider):
        return cached  # type: ignore[return-value]  # _fits is False for None
    with _cache_lock:  # one build when threads start together
        if not _fits(_cache, tracer_provider, meter_provider):
            _cache = _Instruments(tracer_provider, meter_provider)
        return _cache  # type: ignore[return-value]


def _fits(
    cached: _Instruments | None, tracer_provider: TracerProvider | None, meter_provider: MeterProvider | None
) -> bool:
    return (
        cached is not None
        and cached.tracer_provider is tracer_provider
        and cached.meter_provider is meter_provider
    )
