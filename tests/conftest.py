"""Shared test set-up: hypothesis runs bounded. (tools/ is importable through pytest's `pythonpath`.)"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("default")

# tests/service/ is a service's own project: `nox -s installed_wheel` runs it against the built wheel in a
# new environment, outside this tree. Collected here it would import the tree instead.
collect_ignore = ["service"]
