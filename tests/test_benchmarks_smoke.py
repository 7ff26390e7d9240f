"""The benchmarks still run: `benchmarks/run.py --quick`, end to end, asserting nothing about speed.

It starts its own server on 127.0.0.1 in a child process and writes no file. Timings are for people
to read in BENCHMARKS.md (`nox -s bench`); here only a crash fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
SECTIONS = (
    "## Targets",
    "## 1. Sync",
    "## 2. Signing",
    "## 3. Async",
    "## 4. Scaling",
    "## 5. Import",
    "## 6. Memory",
)


@pytest.mark.skipif(not RUNNER.exists(), reason="benchmarks/ is not shipped in the sdist")
def test_quick_benchmark_runs_and_reports(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(RUNNER), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    for heading in SECTIONS:
        assert heading in result.stdout
    assert list(tmp_path.iterdir()) == [], "the quick mode must not write files"
