"""`same`: two builds of one commit are byte-identical, or the entries that differ are named (the
archive bytes alone would say only that something does)."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path


def same_builds(first: Path, second: Path) -> list[str]:
    """The files of two dist folders, compared byte for byte."""
    a = {p.name: p for p in first.iterdir()}
    b = {p.name: p for p in second.iterdir()}
    if set(a) != set(b):
        return [f"different files: {sorted(a)} and {sorted(b)}"]
    return [
        f"{name} differs between builds: {', '.join(differing_entries(a[name], b[name]))}"
        for name in sorted(a)
        if a[name].read_bytes() != b[name].read_bytes()
    ]


def differing_entries(a: Path, b: Path) -> list[str]:
    """Why two archives are not byte-identical: the entries whose content or metadata differ."""
    ea, eb = _entries(a), _entries(b)
    names = sorted(set(ea) | set(eb))
    return [name for name in names if ea.get(name) != eb.get(name)] or ["(archive headers or order)"]


def _entries(path: Path) -> dict[str, tuple[object, ...]]:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            return {i.filename: (i.date_time, i.external_attr, zf.read(i)) for i in zf.infolist()}
    with tarfile.open(path) as tf:
        found: dict[str, tuple[object, ...]] = {}
        for m in tf.getmembers():
            content = tf.extractfile(m) if m.isfile() else None
            found[m.name] = (m.mtime, m.mode, m.uid, m.gid, m.uname, m.gname, content and content.read())
        return found
