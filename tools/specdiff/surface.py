"""The generated API surface: each module's public functions and classes with their signatures, read
with `ast`, and what a regeneration changed in it, as a user of the package sees it."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Surface:
    """module -> {public name -> signature text}"""

    modules: dict[str, dict[str, str]]


def _signature(node: ast.AST) -> str:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        returns = ast.unparse(node.returns) if node.returns else "None"
        return f"def {node.name}({ast.unparse(node.args)}) -> {returns}"
    if isinstance(node, ast.ClassDef):
        fields = [
            f"{stmt.target.id}: {ast.unparse(stmt.annotation)}"
            for stmt in node.body
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
        ]
        return f"class {node.name}({', '.join(fields)})"
    return ast.unparse(node)


def api_surface(package: Path) -> Surface:
    modules: dict[str, dict[str, str]] = {}
    for path in sorted(package.rglob("*.py")):
        module = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: dict[str, str] = {}
        for node in tree.body:
            if isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ) and not node.name.startswith("_"):
                names[node.name] = _signature(node)
        modules[module] = names
    return Surface(modules)


def surface_report(old: Surface, new: Surface) -> str:
    lines: list[str] = []
    for module in sorted(old.modules.keys() | new.modules.keys()):
        if module not in new.modules:
            lines.append(f"- module removed: {module}")
            continue
        if module not in old.modules:
            names = ", ".join(sorted(new.modules[module])) or "no public names"
            lines.append(f"+ module added:   {module} ({names})")
            continue
        before, after = old.modules[module], new.modules[module]
        for name in sorted(before.keys() | after.keys()):
            if name not in after:
                lines.append(f"- removed: {module}.{name}")
            elif name not in before:
                lines.append(f"+ added:   {module}.{name}")
            elif before[name] != after[name]:
                lines.append(f"~ changed: {module}.{name}")
                lines.append(f"    was: {before[name]}\n    now: {after[name]}")
    return "\n".join(lines) if lines else "no change to the generated API surface"
