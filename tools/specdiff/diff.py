"""The semantic diff of two OpenAPI documents (both already patched by the spec fixes), as `Change`s.

Documents are compared after `$ref`s are resolved, so moving an inline schema into `components` is not
a change. The diff says where a change is in the document (operation, site, field path); which
generated class and module that is, is read from the generated code afterwards (`names`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .rules import RULES, Change, Side
from .schema import BOUNDS, covers, deref, python_types, shape, show_value, show_values

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Steps = tuple[str, ...]


@dataclass
class _Ctx:
    old_doc: Any
    new_doc: Any
    changes: list[Change]
    operation: str = ""
    operation_id: str = ""
    where: str = ""

    def add(self, kind: str, side: Side, steps: Steps, what: str) -> None:
        level, consequence = RULES[(kind, side)]
        message = f"{what}: {consequence}" if consequence else what
        self.changes.append(
            Change(level, kind, message, self.operation, self.where, steps, operation_id=self.operation_id)
        )


def _compare_schema(
    ctx: _Ctx,
    old_raw: Any,
    new_raw: Any,
    steps: Steps,
    side: Side,
    stack: frozenset[tuple[str | None, str | None]] = frozenset(),
) -> None:
    old, new = shape(ctx.old_doc, old_raw), shape(ctx.new_doc, new_raw)
    if old.ref or new.ref:
        if (old.ref, new.ref) in stack:
            return  # a recursive schema, already being compared further up
        stack = stack | {(old.ref, new.ref)}

    old_t, new_t = python_types(old), python_types(new)
    if old_t != new_t:
        what = f"type {' | '.join(sorted(old_t)) or 'any'} -> {' | '.join(sorted(new_t)) or 'any'}"
        kind = "type-changed"
        if covers(new_t, old_t):
            kind = "type-widened"
        elif covers(old_t, new_t):
            kind = "type-narrowed"
        ctx.add(kind, side, steps, what)
    elif old.format != new.format:
        kind = "format-removed" if new.format is None else "format-changed"
        ctx.add(kind, side, steps, f"format {show_value(old.format)} -> {show_value(new.format)}")

    if old.nullable != new.nullable:
        what = "now nullable" if new.nullable else "no longer nullable"
        ctx.add("nullable-added" if new.nullable else "nullable-removed", side, steps, what)

    if old.enum is None and new.enum is not None:
        ctx.add("enum-added", side, steps, f"now restricted to {show_values(new.enum)}")
    elif new.enum is None and old.enum is not None:
        ctx.add("enum-removed", side, steps, "no longer restricted to a list of values")
    elif old.enum is not None and new.enum is not None:
        if added := [v for v in new.enum if v not in old.enum]:
            ctx.add("enum-value-added", side, steps, f"new enum value(s) {show_values(added)}")
        if removed := [v for v in old.enum if v not in new.enum]:
            ctx.add("enum-value-removed", side, steps, f"enum value(s) {show_values(removed)} removed")

    for key in sorted(old.constraints.keys() | new.constraints.keys()):
        a, b = old.constraints.get(key), new.constraints.get(key)
        if a == b:
            continue
        direction = BOUNDS.get(key)
        if b is None:
            kind = "constraint-loosened"
        elif a is None:
            kind = "constraint-tightened" if direction else "constraint-changed"
        elif direction and not isinstance(a, bool) and not isinstance(b, bool):
            kind = "constraint-loosened" if (b - a) * direction > 0 else "constraint-tightened"
        else:
            kind = "constraint-changed"
        ctx.add(kind, side, steps, f"{key} {show_value(a)} -> {show_value(b)}")

    if old.additional != new.additional and (old.properties or new.properties):
        what = "properties the spec does not name " + (
            "now allowed" if new.additional else "no longer allowed"
        )
        ctx.add("additional-opened" if new.additional else "additional-closed", side, steps, what)

    for name in [*old.properties, *(n for n in new.properties if n not in old.properties)]:
        sub = (*steps, name)
        if name not in new.properties:
            ctx.add("field-removed", side, sub, "field removed")
        elif name not in old.properties:
            required = side == "request" and name in new.required
            kind = "field-added-required" if required else "field-added"
            what = (
                "new required field"
                if required
                else "new optional field"
                if side == "request"
                else "new field"
            )
            ctx.add(kind, side, sub, what)
        else:
            if (name in old.required) != (name in new.required):
                now = name in new.required
                what = "optional -> required" if now else "required -> optional"
                ctx.add("now-required" if now else "now-optional", side, sub, what)
            _compare_schema(ctx, old.properties[name], new.properties[name], sub, side, stack)

    if old.items is not None and new.items is not None:
        _compare_schema(ctx, old.items, new.items, (*steps, "[]"), side, stack)


def normal_path(path: str) -> str:
    """Paths that differ only in parameter names are the same operation (`{id}` vs `{offer_id}`)."""
    return re.sub(r"\{[^}]*\}", "{}", path)


_Op = tuple[str, Mapping[str, Any], Mapping[str, Any]]  # path as written, path item, operation


def operations(doc: Any) -> dict[tuple[str, str], _Op]:
    """(METHOD, normalised path) -> the operation."""
    ops: dict[tuple[str, str], _Op] = {}
    for path, raw_item in (doc.get("paths") or {}).items():
        item, _ = deref(doc, raw_item)
        for method in HTTP_METHODS:
            if isinstance(item.get(method), Mapping):
                ops[(method.upper(), normal_path(path))] = (path, item, item[method])
    return ops


def _parameters(doc: Any, item: Mapping[str, Any], op: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
    params: dict[tuple[str, str], Any] = {}
    for raw in [*(item.get("parameters") or ()), *(op.get("parameters") or ())]:
        param, _ = deref(doc, raw)
        if "name" in param:
            params[(str(param.get("in")), str(param["name"]))] = param
    return params


def _content(doc: Any, holder: Any) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    holder, _ = deref(doc, holder)
    return holder, holder.get("content") or {}


def _security(doc: Any, op: Mapping[str, Any]) -> Any:
    """What signing depends on: the requirements and the schemes they name, descriptions aside."""
    requirements = op.get("security", doc.get("security"))
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    used = sorted({name for req in requirements or () for name in req})
    return requirements, {
        name: {k: v for k, v in (schemes.get(name) or {}).items() if k != "description"} for name in used
    }


def _compare_operation(ctx: _Ctx, old: _Op, new: _Op) -> None:
    (_, old_item, old_op), (_, new_item, new_op) = old, new
    if new_op.get("deprecated") and not old_op.get("deprecated"):
        ctx.add("operation-deprecated", "operation", (), "operation deprecated")
    if _security(ctx.old_doc, old_op) != _security(ctx.new_doc, new_op):
        ctx.add("security-changed", "operation", (), "security requirements changed")

    old_params = _parameters(ctx.old_doc, old_item, old_op)
    new_params = _parameters(ctx.new_doc, new_item, new_op)
    for key in [*old_params, *(k for k in new_params if k not in old_params)]:
        location, name = key
        ctx.where = f"{location} parameter"
        required = bool(new_params.get(key, {}).get("required"))
        if key not in new_params:
            ctx.add("parameter-removed", "request", (name,), "parameter removed")
        elif key not in old_params:
            kind = "parameter-added-required" if required else "parameter-added"
            ctx.add(kind, "request", (name,), "new required parameter" if required else "new parameter")
        else:
            if bool(old_params[key].get("required")) != required:
                what = "optional -> required" if required else "required -> optional"
                ctx.add("now-required" if required else "now-optional", "request", (name,), what)
            old_schema, new_schema = old_params[key].get("schema", {}), new_params[key].get("schema", {})
            _compare_schema(ctx, old_schema, new_schema, (name,), "request")

    ctx.where = "request body"
    old_body, old_media = _content(ctx.old_doc, old_op.get("requestBody") or {})
    new_body, new_media = _content(ctx.new_doc, new_op.get("requestBody") or {})
    required = bool(new_body.get("required"))
    if old_media and not new_media:
        ctx.add("body-removed", "request", (), "request body removed")
    elif new_media and not old_media:
        kind = "body-added-required" if required else "body-added"
        ctx.add(kind, "request", (), "new request body")
    elif old_media:
        if bool(old_body.get("required")) != required:
            what = "optional -> required" if required else "required -> optional"
            ctx.add("now-required" if required else "now-optional", "request", (), what)
        _compare_media(ctx, old_media, new_media, "request")

    old_responses = {str(k): v for k, v in (old_op.get("responses") or {}).items()}
    new_responses = {str(k): v for k, v in (new_op.get("responses") or {}).items()}
    for status in [*old_responses, *(s for s in new_responses if s not in old_responses)]:
        ctx.where = f"response {status}"
        if status not in new_responses:
            ctx.add("response-removed", "response", (), "response removed")
        elif status not in old_responses:
            ctx.add("response-added", "response", (), "new documented response")
        else:
            _, old_media = _content(ctx.old_doc, old_responses[status])
            _, new_media = _content(ctx.new_doc, new_responses[status])
            _compare_media(ctx, old_media, new_media, "response")


def _compare_media(ctx: _Ctx, old_media: Mapping[str, Any], new_media: Mapping[str, Any], side: Side) -> None:
    where = ctx.where
    for media in [*old_media, *(m for m in new_media if m not in old_media)]:
        if media not in new_media:
            ctx.add("media-type-removed", side, (), f"{media} removed")
        elif media not in old_media:
            ctx.add("media-type-added", side, (), f"{media} added")
        else:
            if len(old_media) > 1 or len(new_media) > 1:
                ctx.where = f"{where} ({media})"
            old_schema, new_schema = old_media[media].get("schema", {}), new_media[media].get("schema", {})
            _compare_schema(ctx, old_schema, new_schema, (), side)
            ctx.where = where


def _comparable(doc: Any) -> Any:
    """The document without the provenance stamps the pipeline adds to `info`."""
    return {**doc, "info": {k: v for k, v in (doc.get("info") or {}).items() if not str(k).startswith("x-")}}


def semantic_diff(old_doc: Any, new_doc: Any) -> list[Change]:
    """The semantic changes from `old_doc` to `new_doc` (both already patched by the spec fixes),
    most severe first, without generated names (see `names.with_generated_names`)."""
    ctx = _Ctx(old_doc, new_doc, [])
    old_ops, new_ops = operations(old_doc), operations(new_doc)
    for key in [*old_ops, *(k for k in new_ops if k not in old_ops)]:
        path, _, op = new_ops.get(key) or old_ops[key]
        ctx.operation, ctx.where = f"{key[0]} {path}", ""
        ctx.operation_id = str(op.get("operationId") or "")
        named = f"operationId `{ctx.operation_id}`" if ctx.operation_id else "no operationId"
        if key not in new_ops:
            ctx.add("operation-removed", "operation", (), f"operation removed ({named})")
        elif key not in old_ops:
            ctx.add("operation-added", "operation", (), f"new operation ({named})")
        else:
            _compare_operation(ctx, old_ops[key], new_ops[key])
    ctx.operation, ctx.operation_id, ctx.where = "", "", ""
    urls = [s.get("url") for s in new_doc.get("servers") or ()]
    if [s.get("url") for s in old_doc.get("servers") or ()] != urls:
        ctx.add("servers-changed", "operation", (), f"servers changed to {urls}")
    if not ctx.changes and _comparable(old_doc) != _comparable(new_doc):
        ctx.add("document-changed", "operation", (), "descriptions, examples or metadata changed")
    return sorted(ctx.changes, key=lambda c: -c.level)


def advice(new_doc: Any, changes: Sequence[Change]) -> list[str]:
    """Suggestions that are not changes: e.g. a new operation without an operationId."""
    notes: list[str] = []
    ops = {f"{m} {p}": op for (m, _), (p, _, op) in operations(new_doc).items()}
    for change in changes:
        if change.kind == "operation-added" and not ops.get(change.operation, {}).get("operationId"):
            notes.append(
                f"{change.operation} has no operationId, so its module name ({change.module}) is derived "
                "from the path and changes with it; consider pinning it with a fix like "
                "'create-offer-operation-id' in spec-fixes.json."
            )
    return notes
