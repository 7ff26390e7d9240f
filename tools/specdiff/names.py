"""Which generated class and module a change lands in, read from openapi-python-client's output.

The generator's naming rules (path-derived class names, `class_overrides`, inline schemas named after
their parent) are not restated here: the names are read from the generated code itself, so they follow
the pinned generator wherever it moves. `update-spec` reads the old tree and the freshly generated one;
a change is named from the new tree, or from the old one for what the new one no longer has.

What is read, with `ast` (never imported):
- each model class's fields: the JSON key its `from_dict` pops and the classes its annotation names;
- each endpoint module's method and URL, body, parameters (`_get_kwargs`) and the class parsed for each
  documented status (`_parse_response`).
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .diff import normal_path
from .rules import Change

# Kinds whose class is the value's own (an enum, an object's additional properties); every other field
# change lands in the class holding the field.
_OWN_CLASS_KINDS = frozenset(
    {"enum-added", "enum-removed", "enum-value-added", "enum-value-removed", "additional-opened",
     "additional-closed"}
)  # fmt: skip
_BODY_KEYS = frozenset({"json", "data", "files", "content"})  # where `_get_kwargs` puts the body
_PARAMETER_HOLDERS = frozenset({"params", "headers", "cookies"})


class GeneratedShapeError(Exception):
    """The generated code no longer has the shape read here (the generator or a template changed)."""


@dataclass(frozen=True)
class Endpoint:
    module: str  # e.g. xcover_offers_api.api.create_offer.create_offer
    body: frozenset[str]
    parameters: Mapping[str, frozenset[str]]  # parameter name as in the document -> classes
    responses: Mapping[str, frozenset[str]]  # status -> classes


@dataclass(frozen=True)
class GeneratedNames:
    endpoints: Mapping[tuple[str, str], Endpoint]  # (METHOD, normalised path) -> endpoint
    fields: Mapping[str, Mapping[str, frozenset[str]]]  # class -> JSON key -> classes of its value

    @classmethod
    def read(cls, package: Path) -> GeneratedNames:
        model_trees = {
            p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(package.glob("models/*.py"))
        }
        classes = frozenset(
            node.name for tree in model_trees.values() for node in tree.body if isinstance(node, ast.ClassDef)
        )
        fields: dict[str, dict[str, frozenset[str]]] = {}
        for path, tree in model_trees.items():
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    fields[node.name] = _model_fields(node, classes, path)
        endpoints: dict[tuple[str, str], Endpoint] = {}
        for path in sorted(package.glob("api/**/*.py")):
            module = ".".join(path.relative_to(package.parent).with_suffix("").parts)
            found = _endpoint(ast.parse(path.read_text(encoding="utf-8")), module, classes)
            if found:
                endpoints[found[0]] = found[1]
        return cls(endpoints, fields)

    def name(self, change: Change) -> tuple[str | None, str | None]:
        """(model, module) for `change`; None where this tree has no such thing."""
        method, _, path = change.operation.partition(" ")
        endpoint = self.endpoints.get((method, normal_path(path)))
        if endpoint is None:
            return None, None
        where = change.where.split(" (", 1)[0]  # "response 200 (application/json)": one class per status
        steps = [s for s in change.steps if s != "[]"]  # a list's items have the list's classes
        if where.endswith(" parameter"):
            # A parameter is a field of the endpoint, which is no class: its own classes are the root.
            roots = endpoint.parameters.get(steps[0], frozenset()) if steps else frozenset()
            inside, holds = steps[1:], len(steps) > 1
        elif where == "request body":
            roots, inside, holds = endpoint.body, steps, bool(steps)
        elif where.startswith("response "):
            roots = endpoint.responses.get(where.removeprefix("response "), frozenset())
            inside, holds = steps, bool(steps)
        else:
            return None, endpoint.module
        own = self._classes(roots, inside)
        holder = self._classes(roots, inside[:-1]) if holds else frozenset()
        chosen = (own or holder) if change.kind in _OWN_CLASS_KINDS else holder if steps else own
        # Several classes (a oneOf) cannot be told apart by the path: name none rather than guess.
        return (next(iter(chosen)) if len(chosen) == 1 else None), endpoint.module

    def _classes(self, roots: frozenset[str], steps: Sequence[str]) -> frozenset[str]:
        current = roots
        for step in steps:
            current = frozenset(c for cls in current for c in self.fields.get(cls, {}).get(step, ()))
        return current


def with_generated_names(changes: Iterable[Change], new: Path, old: Path | None = None) -> list[Change]:
    """`changes` with `model` and `module` read from the generated package `new` (then `old`, for what
    the new code no longer has, such as a removed response)."""
    trees = [GeneratedNames.read(p) for p in (new, old) if p is not None and p.is_dir()]
    named: list[Change] = []
    for change in changes:
        found = [tree.name(change) for tree in trees]
        model = next((m for m, _ in found if m), None)
        module = next((m for _, m in found if m), None)
        named.append(dataclasses.replace(change, model=model, module=module))
    return named


# --------------------------------------------------------------------------------------------------
# Reading the generated code


def _annotation_classes(annotation: ast.expr | None, classes: frozenset[str]) -> frozenset[str]:
    if annotation is None:
        return frozenset()
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        annotation = ast.parse(annotation.value, mode="eval").body  # a quoted forward reference
    return frozenset(n.id for n in ast.walk(annotation) if isinstance(n, ast.Name) and n.id in classes)


def _function(body: Iterable[ast.stmt], name: str) -> ast.FunctionDef | None:
    """The function (or method) `name` defined in a module's or class's body."""
    return next((n for n in body if isinstance(n, ast.FunctionDef) and n.name == name), None)


def _arguments(function: ast.FunctionDef) -> list[ast.arg]:
    return [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]


def _model_fields(node: ast.ClassDef, classes: frozenset[str], path: Path) -> dict[str, frozenset[str]]:
    """JSON key -> classes of the attribute it is parsed into. Enums (no `from_dict`) have none."""
    from_dict = _function(node.body, "from_dict")
    if from_dict is None:
        return {}
    annotations = {
        stmt.target.id: stmt.annotation
        for stmt in node.body
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
    }
    fields: dict[str, frozenset[str]] = {}
    parsed: set[str] = set()
    for stmt in from_dict.body:  # `name = ...d.pop("key"...)...` or `_name = d.pop("key", UNSET)`
        if not (
            isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        ):
            continue
        keys = [
            call.args[0].value
            for call in ast.walk(stmt.value)
            if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "pop"
            and call.args
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
        ]
        target = stmt.targets[0].id
        attribute = target if target in annotations else target.removeprefix("_")
        if keys and attribute in annotations:
            fields[keys[0]] = _annotation_classes(annotations[attribute], classes)
            parsed.add(attribute)
    if unread := sorted(annotations.keys() - parsed - {"additional_properties"}):
        raise GeneratedShapeError(
            f"{path}: {node.name}.from_dict parses no JSON key into {', '.join(unread)} the way this reader "
            "expects (`attribute = ...d.pop(key)...`); the generator's model template changed: update "
            "tools/specdiff/names.py"
        )
    return fields


def _url_template(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _url_template(node.func.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _feeding_arguments(function: ast.FunctionDef, expr: ast.expr) -> set[str]:
    """The function's arguments whose values flow into `expr`: through assignments, `for` loops and
    method calls on a name (`json_x.append(item)`)."""
    flows: dict[str, list[ast.expr]] = {}
    for node in ast.walk(function):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, source = node.targets, node.value
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
            targets, source = [node.target], node.value
        elif isinstance(node, ast.For):
            targets, source = [node.target], node.iter
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            targets, source = [node.func.value], ast.Tuple([*node.args, *(k.value for k in node.keywords)])
        for target in targets:
            for bound in ast.walk(target):
                if isinstance(bound, ast.Name):
                    flows.setdefault(bound.id, []).append(source)
    arguments = {a.arg for a in _arguments(function)}
    seen: set[str] = set()
    pending = [n.id for n in ast.walk(expr) if isinstance(n, ast.Name)]
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending += [n.id for src in flows.get(name, ()) for n in ast.walk(src) if isinstance(n, ast.Name)]
    return seen & arguments


def _endpoint(
    tree: ast.Module, module: str, classes: frozenset[str]
) -> tuple[tuple[str, str], Endpoint] | None:
    get_kwargs = _function(tree.body, "_get_kwargs")
    if get_kwargs is None:
        return None
    method = url = None
    for node in ast.walk(get_kwargs):
        if isinstance(node, ast.Dict):
            entries = {
                k.value: v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)
            }
            method_node = entries.get("method")
            if isinstance(method_node, ast.Constant) and "url" in entries:
                method = str(method_node.value).upper()
                url = _url_template(entries["url"])
    if method is None or url is None:
        raise GeneratedShapeError(
            f"{module}._get_kwargs has no {{'method': ..., 'url': ...}}; the generator's endpoint template "
            "changed, update tools/specdiff/names.py"
        )
    annotations = {a.arg: _annotation_classes(a.annotation, classes) for a in _arguments(get_kwargs)}

    def classes_of(arguments: Iterable[str]) -> frozenset[str]:
        return frozenset(c for a in arguments for c in annotations.get(a, ()))

    body: set[str] = set()
    parameters: dict[str, frozenset[str]] = {}
    for node in ast.walk(get_kwargs):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            for keyword in node.keywords:  # path parameters: "/x/{name}".format(name=quote(str(arg)))
                if keyword.arg:
                    parameters[keyword.arg] = classes_of(_feeding_arguments(get_kwargs, keyword.value))
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if not (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and isinstance(target.slice, ast.Constant)
                and isinstance(target.slice.value, str)
            ):
                continue
            arguments = _feeding_arguments(get_kwargs, node.value)
            if target.value.id in _PARAMETER_HOLDERS:  # params["name"] = ...
                parameters[target.slice.value] = classes_of(arguments)
            elif target.slice.value in _BODY_KEYS:  # _kwargs["json"] = body.to_dict()
                body |= classes_of(arguments)
    return (method, normal_path(url)), Endpoint(
        module, frozenset(body), parameters, _responses(tree, classes)
    )


def _responses(tree: ast.Module, classes: frozenset[str]) -> dict[str, frozenset[str]]:
    """status -> the classes `_parse_response` builds under `if response.status_code == status:`."""
    parse = _function(tree.body, "_parse_response")
    responses: dict[str, frozenset[str]] = {}
    for node in ast.walk(parse) if parse else ():
        if not (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Attribute)
            and node.test.left.attr == "status_code"
            and len(node.test.comparators) == 1
            and isinstance(node.test.comparators[0], ast.Constant)
        ):
            continue
        built: set[str] = set()
        for call in (n for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Call)):
            func = (
                call.func.value
                if isinstance(call.func, ast.Attribute) and call.func.attr == "from_dict"
                else call.func
            )
            if isinstance(func, ast.Name) and func.id in classes:  # Model.from_dict(...) or Enum(...)
                built.add(func.id)
        responses[str(node.test.comparators[0].value)] = frozenset(built)
    return responses
