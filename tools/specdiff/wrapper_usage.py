"""Which wrapper code uses what changed: a static scan of the wrapper's imports and attribute chains,
matched against the generated names a spec update changes. Pure except `scan_wrapper` and
`generated_reexports`, which read files."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .rules import Change

PACKAGE = "xcover_offers_api"
BUNDLED_SPEC = f"{PACKAGE}/openapi.json"
"""Pseudo-name for the patched document shipped inside the package (the wrapper reads it at run time)."""


@dataclass(frozen=True)
class Use:
    name: str  # fully qualified, e.g. xcover_offers_api.models.Customer
    line: int


def scan_wrapper(wrapper: Path, *, known_paths: Iterable[str] = ()) -> dict[str, list[Use]]:
    """Wrapper file (relative to the wrapper's parent's parent, e.g. wrapper/xcover_offers/_client.py)
    -> what it uses of the generated package. `known_paths`: the spec's paths, found as string literals."""
    paths = frozenset(known_paths)
    return {
        path.relative_to(wrapper.parent.parent).as_posix(): uses
        for path in sorted(wrapper.rglob("*.py"))
        if (uses := uses_in_source(path.read_text(encoding="utf-8"), known_paths=paths))
    }


def uses_in_source(source: str, *, known_paths: Iterable[str] = ()) -> list[Use]:
    """What one module uses of the generated package, found statically.

    `from xcover_offers_api.models import Customer` then `Customer(...)` is a use of
    `xcover_offers_api.models.Customer`; `import xcover_offers_api.models as m` then `m.Event` is a use
    of `xcover_offers_api.models.Event`. A string constant naming the package (as in
    `resources.files("xcover_offers_api")`) is a use of the bundled openapi.json; one equal to a path of
    the spec (e.g. "/partners/{partner_code}/offers/") is a use of that path (`spec-path:...`).
    """
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").split(".")[0] == PACKAGE
        ):
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                first_line.setdefault(aliases[alias.asname or alias.name], node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    bound = alias.asname or alias.name.split(".")[0]
                    aliases[bound] = alias.name if alias.asname else PACKAGE
                    first_line.setdefault(aliases[bound], node.lineno)
    paths = set(known_paths)
    uses: dict[str, int] = {}
    consumed: set[int] = set()

    def record(name: str, line: int) -> None:
        uses[name] = min(uses.get(name, line), line)

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain: list[str] = []
            base: ast.expr = node
            while isinstance(base, ast.Attribute):
                chain.append(base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in aliases and id(base) not in consumed:
                consumed.add(id(base))
                chain.reverse()
                # `models.Customer.from_dict`: the use is of Customer (its members follow the class)
                record(".".join([aliases[base.id], *chain[:2]]), node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value == PACKAGE:
                record(BUNDLED_SPEC, node.lineno)
            elif node.value in paths:
                record(f"spec-path:{node.value}", node.lineno)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in aliases and id(node) not in consumed:
            record(aliases[node.id], node.lineno)
    for name, line in first_line.items():  # imported but only re-exported
        if not any(u == name or u.startswith(name + ".") for u in uses):
            record(name, line)
    return [Use(n, line) for n, line in sorted(uses.items(), key=lambda kv: (kv[1], kv[0]))]


def generated_reexports(package: Path) -> dict[str, str]:
    """Public alias -> defining name, from the `from .x import Y` lines of the package's __init__ files
    (inside `if TYPE_CHECKING:` too: the models package imports each model on first use)."""
    out: dict[str, str] = {}
    for init in sorted(package.rglob("__init__.py")):
        module = ".".join(init.parent.relative_to(package.parent).parts)
        for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                for alias in node.names:
                    out[f"{module}.{alias.asname or alias.name}"] = f"{module}.{node.module}.{alias.name}"
    return out


def canonical(name: str, reexports: Mapping[str, str]) -> str:
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        head = ".".join(parts[:i])
        if head in reexports:
            return ".".join([reexports[head], *parts[i:]])
    return name


@dataclass(frozen=True)
class Dependency:
    line: int
    used: str
    changed: str
    reasons: tuple[str, ...]


def wrapper_dependents(
    uses: Mapping[str, Sequence[Use]],
    changed: Mapping[str, Sequence[str]],
    reexports: Mapping[str, str],
) -> dict[str, list[Dependency]]:
    """Wrapper file -> its uses of a changed generated name (pure: no file access).

    `changed` maps qualified generated names (modules, classes, functions, the bundled document,
    `spec-path:` pseudo-names) to why they changed. A use matches a changed name when one contains the
    other (a changed class used through its module, or a removed module a name is imported from),
    after re-exports such as `xcover_offers_api.models.Customer` are resolved to their definition.
    """
    canon: dict[str, list[str]] = {}
    for name, reasons in changed.items():  # a class can arrive under its module and its re-export
        merged = canon.setdefault(canonical(name, reexports), [])
        merged += [r for r in reasons if r not in merged]
    result: dict[str, list[Dependency]] = {}
    for file, file_uses in sorted(uses.items()):
        found: list[Dependency] = []
        for use in file_uses:
            u = canonical(use.name, reexports)
            for c, reasons in sorted(canon.items()):
                if u == c or c.startswith(u + ".") or u.startswith(c + "."):
                    shown = use.name if u == c else c
                    found.append(Dependency(use.line, use.name, shown, tuple(reasons)))
        if found:
            result[file] = found
    return result


def changed_names(
    changes: Sequence[Change],
    old_surface: Mapping[str, Mapping[str, str]],
    new_surface: Mapping[str, Mapping[str, str]],
    *,
    reexports: Mapping[str, str],
    documents_differ: bool,
) -> dict[str, list[str]]:
    """Qualified generated names that changed, each with why: from the generated API surface diff
    (modules and public names removed, added or changed) and from the semantic changes' model hints."""
    out: dict[str, list[str]] = {}

    def add(name: str, reason: str) -> None:
        reasons = out.setdefault(name, [])
        if reason not in reasons:
            reasons.append(reason)

    for module in sorted(old_surface.keys() | new_surface.keys()):
        before, after = old_surface.get(module), new_surface.get(module)
        if before is None:
            add(module, "module added")
        elif after is None:
            add(module, "module removed")
        else:
            for name in sorted(before.keys() | after.keys()):
                if name not in after:
                    add(f"{module}.{name}", "removed")
                elif name not in before:
                    add(f"{module}.{name}", "added")
                elif before[name] != after[name]:
                    add(f"{module}.{name}", "signature changed")
    models = {alias.rsplit(".", 1)[1]: alias for alias in reexports if alias.startswith(f"{PACKAGE}.models.")}
    for change in changes:
        # The model a field change lands in; otherwise (parameters, operations) the endpoint module.
        target = models.get(change.model or "") or change.module
        if target:
            add(target, change.describe())
        if change.operation:
            add(f"spec-path:{change.operation.split(' ', 1)[1]}", change.describe())
    if documents_differ:
        add(BUNDLED_SPEC, "the bundled patched document changed (read at run time)")
    return out


def render_dependents(dependents: Mapping[str, Sequence[Dependency]]) -> str:
    if not dependents:
        return "No wrapper module uses anything that changed."
    lines: list[str] = []
    for file, deps in dependents.items():
        lines.append(f"  {file}")
        for dep in deps:
            target = dep.changed if dep.changed == dep.used else f"{dep.used} -> {dep.changed}"
            lines.append(f"    line {dep.line}: {target}")
            lines.extend(f"        {reason}" for reason in dep.reasons[:4])
            if len(dep.reasons) > 4:
                lines.append(f"        ... and {len(dep.reasons) - 4} more")
    return "\n".join(lines)
