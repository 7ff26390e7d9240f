"""The README's Python examples run as written (against the offline sandbox they use)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(BLOCKS[index], f"README.md example {index + 1}", "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.strip(), "each example prints what it got"


def test_readme_fixture_example_passes_through_the_installed_plugin(tmp_path: Path) -> None:
    """The fixture example, run by a separate pytest that finds `xcover_sandbox` via the entry point."""
    import subprocess
    import sys

    (block,) = [
        b
        for b in re.findall(r"```text\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
        if "def test_" in b
    ]
    test_file = tmp_path / "test_from_readme.py"
    test_file.write_text(block, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


@pytest.mark.once
def test_every_nox_session_the_readme_names_exists() -> None:
    """`nox -s NAME` in the README (set-up, releasing, regenerating) names a session of the noxfile."""
    import ast

    noxfile = ast.parse((README.parent / "noxfile.py").read_text(encoding="utf-8"))
    sessions = {
        node.name
        for node in ast.walk(noxfile)
        if isinstance(node, ast.FunctionDef)
        and any("nox.session" in ast.unparse(d) for d in node.decorator_list)
    }
    named = set(re.findall(r"nox -s (\w+)", README.read_text(encoding="utf-8")))
    assert named, "the README names nox sessions"
    assert named <= sessions, named - sessions
