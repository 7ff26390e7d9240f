"""What the benchmarks ran on: CPU, OS, Python and library versions, and how busy the machine was."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess

import xcover_offers

LIBRARIES = (
    "httpx", "httpcore", "h11", "attrs", "jsonschema-rs", "aiohttp", "httpx-aiohttp", "xcover-python",
    "requests", "urllib3", "trustme", "opentelemetry-api", "opentelemetry-sdk",
)  # fmt: skip


def describe() -> dict[str, str]:
    """The machine, as the report prints it; `load` is the load average when this was called."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    return {
        "nproc": nproc,
        "cpu": model,
        "os": platform.platform(),
        "python": platform.python_version() + " (" + platform.python_implementation() + ")",
        "load": load_average(),
        "xcover-offers": xcover_offers.__version__,
        **{dist: version(dist) for dist in LIBRARIES},
    }


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or "n/a" where the system has none."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"
