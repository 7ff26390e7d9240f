"""What a new upstream document changes for users of this package: the semantic diff behind `update_spec`.

Both documents are compared after the spec fixes, with `$ref`s resolved (moving an inline schema into
`components` is not a change). Each change is classified by the direction its data flows, following
the breaking-change rules of oasdiff, in the one table `RULES` below: what we send (request bodies and
parameters) may not be narrowed, what we read (responses) may not be widened. The level maps to the
semantic-version bump:

    BREAKING  existing callers can fail                                     -> major
    WARNING   an addition that breaks readers handling every value          -> at least minor
    ADDITION  something new that existing callers can ignore                -> minor
    PATCH     no effect on callers (a guarantee got stronger, docs changed)  -> patch

Decision: a new enum value in a response is a WARNING, not BREAKING. Data-flow-wise it widens what we
read (oasdiff reports it for exhaustive readers), but most callers compare against the values they
know, and upgrading is what fixes the other danger: releases generated before the value existed reject
it when parsing (openapi-python-client enums are closed). So it forces at least a minor release and is
printed as a warning telling people to upgrade before XCover sends the value. Removing an enum value is
BREAKING on both sides: on the response side the generated enum loses a member code may refer to.

Everything here is pure except `scan_wrapper`, `generated_reexports`, `read_version`, `write_version`
and `explain`; `tools/codegen.py update-spec` drives it. `python tools/specdiff.py explain
build/spec-update.json` re-prints which wrapper modules use what changed (the nox session runs it when
the wrapper's tests fail against the regenerated code).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any, Literal

PACKAGE = "xcover_offers_api"
BUNDLED_SPEC = f"{PACKAGE}/openapi.json"
"""Pseudo-name for the patched document shipped inside the package (the wrapper reads it at run time)."""

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Bump = Literal["major", "minor", "patch", "none"]
Side = Literal["request", "response", "operation"]


class Level(IntEnum):
    PATCH = 1
    ADDITION = 2
    WARNING = 3
    BREAKING = 4


LEVEL_HEADINGS = {
    Level.BREAKING: "BREAKING: existing callers can fail (major)",
    Level.WARNING: "WARNING: breaks readers that handle every value exhaustively (at least minor)",
    Level.ADDITION: "ADDED: new things existing callers can ignore (minor)",
    Level.PATCH: "COMPATIBLE: no effect on callers (patch)",
}

B, W, A, P = Level.BREAKING, Level.WARNING, Level.ADDITION, Level.PATCH

# (what happened, side) -> (level, consequence shown after the change). The whole classification.
RULES: dict[tuple[str, Side], tuple[Level, str]] = {
    ("operation-added", "operation"): (A, ""),
    ("operation-removed", "operation"): (B, "calls to it break"),
    ("operation-deprecated", "operation"): (W, "plan for its removal"),
    ("security-changed", "operation"): (W, "check that XCoverAuth still signs what the server expects"),
    ("servers-changed", "operation"): (W, "check the default base URL"),
    ("document-changed", "operation"): (P, "no API change"),
    # what we send: request bodies and parameters
    ("parameter-added-required", "request"): (B, "existing calls lack it"),
    ("parameter-added", "request"): (A, ""),
    ("parameter-removed", "request"): (B, "calls that pass it break"),
    ("body-added-required", "request"): (B, "existing calls lack it"),
    ("body-added", "request"): (A, ""),
    ("body-removed", "request"): (B, "calls that send one break"),
    ("field-added-required", "request"): (B, "calls that do not send it are rejected"),
    ("field-added", "request"): (A, ""),
    ("field-removed", "request"): (B, "calls that send it break"),
    ("now-required", "request"): (B, "calls that omit it are rejected"),
    ("now-optional", "request"): (A, ""),
    ("type-widened", "request"): (A, ""),
    ("type-narrowed", "request"): (B, "calls sending the old type are rejected"),
    ("type-changed", "request"): (B, "calls sending the old type are rejected"),
    ("nullable-added", "request"): (A, ""),
    ("nullable-removed", "request"): (B, "calls sending null are rejected"),
    ("enum-value-added", "request"): (A, ""),
    ("enum-value-removed", "request"): (B, "calls sending it are rejected"),
    ("enum-added", "request"): (B, "calls sending other values are rejected"),
    ("enum-removed", "request"): (A, ""),
    ("constraint-tightened", "request"): (B, "calls outside it are rejected"),
    ("constraint-loosened", "request"): (A, ""),
    ("constraint-changed", "request"): (W, "the server may reject values it accepted"),
    ("format-changed", "request"): (W, "the server may reject values it accepted"),
    ("format-removed", "request"): (A, ""),
    ("additional-closed", "request"): (B, "calls sending properties the spec does not name are rejected"),
    ("additional-opened", "request"): (A, ""),
    ("media-type-added", "request"): (A, ""),
    ("media-type-removed", "request"): (B, "calls sending it break"),
    # what we read: responses
    ("response-added", "response"): (W, "the parsed result can be a new type"),
    ("response-removed", "response"): (B, "code handling it breaks (its generated model goes)"),
    ("field-added", "response"): (A, ""),
    ("field-removed", "response"): (B, "readers of it break"),
    ("now-required", "response"): (P, "now always present"),
    ("now-optional", "response"): (B, "may now be absent"),
    ("type-widened", "response"): (B, "readers get values of a type they do not expect"),
    ("type-narrowed", "response"): (P, ""),
    ("type-changed", "response"): (B, "readers get a different type"),
    ("nullable-added", "response"): (B, "readers that expect a value break"),
    ("nullable-removed", "response"): (P, ""),
    ("enum-value-added", "response"): (
        W,
        "breaks readers that handle every value; releases generated before this change reject the value "
        "when parsing, so upgrade before XCover sends it",
    ),
    ("enum-value-removed", "response"): (B, "the generated enum loses the member(s)"),
    ("enum-added", "response"): (W, "the generated type becomes an enum"),
    ("enum-removed", "response"): (B, "any value may arrive and the generated enum goes away"),
    ("constraint-tightened", "response"): (P, ""),
    ("constraint-loosened", "response"): (W, "values outside the old bounds may arrive"),
    ("constraint-changed", "response"): (W, "values the old rule excluded may arrive"),
    ("format-changed", "response"): (B, "the generated field changes Python type (e.g. datetime <-> str)"),
    ("format-removed", "response"): (B, "the generated field changes Python type (e.g. datetime -> str)"),
    ("additional-closed", "response"): (P, ""),
    ("additional-opened", "response"): (A, "kept in additional_properties"),
    ("media-type-added", "response"): (A, ""),
    ("media-type-removed", "response"): (B, "readers of it break"),
}


@dataclass(frozen=True)
class Change:
    """One semantic change. `operation` is e.g. ``POST /partners/{partner_code}/offers/``; `where` is
    ``request body``, ``response 200``, ``query parameter`` ...; `path` is the field path inside it,
    such as ``context.events[].tickets[].price``. `model` names the generated class the change lands in
    (the class holding the field, or the enum class) and `module` the endpoint module: hints for the
    wrapper-dependency mapping, derived with the generator's naming rules."""

    level: Level
    kind: str
    message: str
    operation: str = ""
    where: str = ""
    path: str = ""
    model: str | None = None
    module: str | None = None

    def describe(self) -> str:
        location = " ".join(part for part in (self.operation, self.where) if part)
        if self.path:
            location = f"{location} `{self.path}`" if location else f"`{self.path}`"
        text = f"{location}: {self.message}" if location else self.message
        return f"{text} [{self.model}]" if self.model else text

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["level"] = self.level.name
        data["text"] = self.describe()
        return data


# --------------------------------------------------------------------------------------------------
# Generated names: openapi-python-client 0.29's naming rules plus generator.yaml's class_overrides.
# Only used to say which generated class a change lands in; the generated API surface diff stays the
# authority on what the code looks like.

_DELIMITERS = r"\. _-"


def _words(value: str) -> list[str]:
    value = "".join(c for c in value if c.isidentifier() or c.isdecimal() or c in _DELIMITERS)
    if any(c.isupper() for c in value):
        value = " ".join(re.split("([A-Z]?[a-z]+)", value))
    return re.findall(rf"[^{re.escape(_DELIMITERS)}]+", value)


def pascal_case(value: str) -> str:
    return "".join(w if w.isupper() else w.capitalize() for w in _words(value))


def snake_case(value: str) -> str:
    return "_".join(_words(value)).lower()


@dataclass(frozen=True)
class Naming:
    """`class_overrides` from generator.yaml: generated class name -> the name we give it."""

    overrides: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Naming:
        raw = config.get("class_overrides") or {}
        return cls({k: v["class_name"] for k, v in raw.items() if v and v.get("class_name")})

    def cls(self, raw: str) -> str:
        name = pascal_case(raw)
        return self.overrides.get(name, name)

    def child(self, parent: str | None, prop: str, title: str | None) -> str | None:
        """An inline schema is named after its parent's final name: OfferRequest + customer."""
        return self.cls(f"{parent}_{title or prop}") if parent else None


def endpoint_name(method: str, path: str, op: Mapping[str, Any]) -> str:
    if op.get("operationId"):
        return snake_case(str(op["operationId"]))
    unsafe = path.replace("{", "").replace("}", "").replace("/", "_").strip("_")
    return snake_case(f"{method}_{unsafe}")


def endpoint_module(method: str, path: str, op: Mapping[str, Any]) -> str:
    tag = snake_case(str((op.get("tags") or ["default"])[0]))
    return f"{PACKAGE}.api.{tag}.{endpoint_name(method, path, op)}"


# --------------------------------------------------------------------------------------------------
# Schemas, flattened: $ref resolved, allOf merged, nullability in one flag, whatever the OpenAPI version


@dataclass(frozen=True)
class Shape:
    types: frozenset[str]  # JSON types; empty means any
    format: str | None
    nullable: bool
    enum: tuple[Any, ...] | None  # non-null values
    properties: Mapping[str, Any]  # name -> raw sub-schema
    required: frozenset[str]
    items: Any | None
    additional: bool
    constraints: Mapping[str, Any]
    ref: str | None
    title: str | None


# Constraint -> +1 when a larger value loosens it, -1 when a larger value tightens it.
_BOUNDS = {
    "minLength": -1, "maxLength": 1, "minimum": -1, "maximum": 1, "exclusiveMinimum": -1,
    "exclusiveMaximum": 1, "minItems": -1, "maxItems": 1, "minProperties": -1, "maxProperties": 1,
}  # fmt: skip
# Formats that change the Python type the generator emits; others (email, uri ...) stay `str`.
_TYPED_FORMATS = {"date", "date-time", "binary", "uuid"}


def _deref(doc: Any, schema: Any) -> tuple[Mapping[str, Any], str | None]:
    """Follow local `$ref`s; (the schema, the last component name on the way)."""
    ref_name = None
    seen: set[str] = set()
    while isinstance(schema, Mapping) and "$ref" in schema:
        ref = str(schema["$ref"])
        if not ref.startswith("#/") or ref in seen:
            return {}, ref_name  # remote or circular: treat as "any"
        seen.add(ref)
        ref_name = ref.rsplit("/", 1)[-1]
        target: Any = doc
        for part in ref[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            target = target.get(key, {}) if isinstance(target, Mapping) else {}
        schema = target
    return (schema if isinstance(schema, Mapping) else {}), ref_name


def shape(doc: Any, raw: Any) -> Shape:
    schema, ref = _deref(doc, raw)
    raw_type = schema.get("type")
    types = set(raw_type if isinstance(raw_type, list) else [raw_type] if raw_type else [])
    nullable = bool(schema.get("nullable")) or "null" in types
    types.discard("null")
    enum: list[Any] | None = list(schema["enum"]) if "enum" in schema else None
    if "const" in schema:
        enum = [schema["const"]]
    if enum is not None and None in enum:
        nullable = True
        enum = [v for v in enum if v is not None]
    properties: dict[str, Any] = dict(schema.get("properties") or {})
    required = set(schema.get("required") or ())
    items = schema.get("items")
    additional = schema.get("additionalProperties", True) is not False
    constraints = {k: schema[k] for k in (*_BOUNDS, "pattern", "multipleOf") if k in schema}
    fmt = schema.get("format")

    for part in schema.get("allOf") or ():
        sub = shape(doc, part)
        properties.update(sub.properties)
        required |= sub.required
        types = (types & set(sub.types)) if types and sub.types else types or set(sub.types)
        items = items if items is not None else sub.items
        fmt = fmt or sub.format
        additional = additional and sub.additional
        enum = enum if enum is not None else (list(sub.enum) if sub.enum is not None else None)
    variants = [shape(doc, v) for v in (*(schema.get("oneOf") or ()), *(schema.get("anyOf") or ()))]
    if variants:
        nullable = nullable or any(v.nullable and not v.types for v in variants)
        variants = [v for v in variants if v.types or v.properties or v.enum is not None]
        if len(variants) == 1:  # `anyOf: [X, {type: null}]` is a nullable X
            only = variants[0]
            return Shape(
                only.types, only.format, nullable or only.nullable, only.enum, only.properties,
                only.required, only.items, only.additional, only.constraints, ref or only.ref,
                schema.get("title") or only.title,
            )  # fmt: skip
        for variant in variants:
            types |= variant.types
            nullable = nullable or variant.nullable
            for name, prop in variant.properties.items():
                properties.setdefault(name, prop)
    return Shape(
        frozenset(types), fmt, nullable, tuple(enum) if enum is not None else None, properties,
        frozenset(required), items, additional, constraints, ref, schema.get("title"),
    )  # fmt: skip


def _ptypes(s: Shape) -> frozenset[str]:
    """The types as the generated Python sees them: a date-time string is a datetime."""
    fmt = s.format if s.format in _TYPED_FORMATS else None
    return frozenset(f"string({fmt})" if fmt and t == "string" else t for t in s.types)


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """Every value of `narrow` is a value of `wide` (empty = any; an integer is a number)."""
    if not wide:
        return True
    return bool(narrow) and all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _values(values: Iterable[Any]) -> str:
    return ", ".join(json.dumps(v) for v in values)


def _json(value: Any) -> str:
    return "none" if value is None else json.dumps(value)


# --------------------------------------------------------------------------------------------------
# The diff


@dataclass
class _Ctx:
    old_doc: Any
    new_doc: Any
    naming: Naming
    changes: list[Change]
    operation: str = ""
    where: str = ""
    module: str | None = None

    def add(self, kind: str, side: Side, path: str, what: str, model: str | None = None) -> None:
        level, consequence = RULES[(kind, side)]
        message = f"{what}: {consequence}" if consequence else what
        self.changes.append(
            Change(level, kind, message, self.operation, self.where, path, model, self.module)
        )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


@dataclass(frozen=True)
class _Models:
    """Generated class names at one point of the walk: `own` is the class the value itself becomes
    (object, enum), `holder` the class holding the field, `items_parent` what array-item classes are
    prefixed with (the holder, or the endpoint for parameters)."""

    own: str | None
    holder: str | None
    items_parent: str | None


def _compare_schema(
    ctx: _Ctx,
    old_raw: Any,
    new_raw: Any,
    path: str,
    side: Side,
    models: _Models,
    stack: frozenset[tuple[str | None, str | None]] = frozenset(),
) -> None:
    old, new = shape(ctx.old_doc, old_raw), shape(ctx.new_doc, new_raw)
    if old.ref or new.ref:
        if (old.ref, new.ref) in stack:
            return  # a recursive schema, already being compared further up
        stack = stack | {(old.ref, new.ref)}
    holder = models.holder

    old_t, new_t = _ptypes(old), _ptypes(new)
    if old_t != new_t:
        what = f"type {' | '.join(sorted(old_t)) or 'any'} -> {' | '.join(sorted(new_t)) or 'any'}"
        kind = "type-changed"
        if _covers(new_t, old_t):
            kind = "type-widened"
        elif _covers(old_t, new_t):
            kind = "type-narrowed"
        ctx.add(kind, side, path, what, holder)
    elif old.format != new.format:
        kind = "format-removed" if new.format is None else "format-changed"
        ctx.add(kind, side, path, f"format {_json(old.format)} -> {_json(new.format)}", holder)

    if old.nullable != new.nullable:
        what = "now nullable" if new.nullable else "no longer nullable"
        ctx.add("nullable-added" if new.nullable else "nullable-removed", side, path, what, holder)

    enum_model = models.own or holder
    if old.enum is None and new.enum is not None:
        ctx.add("enum-added", side, path, f"now restricted to {_values(new.enum)}", enum_model)
    elif new.enum is None and old.enum is not None:
        ctx.add("enum-removed", side, path, "no longer restricted to a list of values", enum_model)
    elif old.enum is not None and new.enum is not None:
        if added := [v for v in new.enum if v not in old.enum]:
            ctx.add("enum-value-added", side, path, f"new enum value(s) {_values(added)}", enum_model)
        if removed := [v for v in old.enum if v not in new.enum]:
            ctx.add("enum-value-removed", side, path, f"enum value(s) {_values(removed)} removed", enum_model)

    for key in sorted(old.constraints.keys() | new.constraints.keys()):
        a, b = old.constraints.get(key), new.constraints.get(key)
        if a == b:
            continue
        direction = _BOUNDS.get(key)
        if b is None:
            kind = "constraint-loosened"
        elif a is None:
            kind = "constraint-tightened" if direction else "constraint-changed"
        elif direction and not isinstance(a, bool) and not isinstance(b, bool):
            kind = "constraint-loosened" if (b - a) * direction > 0 else "constraint-tightened"
        else:
            kind = "constraint-changed"
        ctx.add(kind, side, path, f"{key} {_json(a)} -> {_json(b)}", holder)

    if old.additional != new.additional and (old.properties or new.properties):
        what = "properties the spec does not name " + (
            "now allowed" if new.additional else "no longer allowed"
        )
        ctx.add("additional-opened" if new.additional else "additional-closed", side, path, what, models.own)

    for name in [*old.properties, *(n for n in new.properties if n not in old.properties)]:
        sub = _join(path, name)
        if name not in new.properties:
            ctx.add("field-removed", side, sub, "field removed", models.own)
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
            ctx.add(kind, side, sub, what, models.own)
        else:
            if (name in old.required) != (name in new.required):
                now = name in new.required
                what = "optional -> required" if now else "required -> optional"
                ctx.add("now-required" if now else "now-optional", side, sub, what, models.own)
            child = _child_model(ctx, new.properties[name], models.own, name)
            _compare_schema(
                ctx, old.properties[name], new.properties[name], sub, side,
                _Models(child, models.own, models.own), stack,
            )  # fmt: skip

    if old.items is not None and new.items is not None:
        leaf = path.rsplit(".", 1)[-1].removesuffix("[]") or "items"
        item = _child_model(ctx, new.items, models.items_parent, f"{leaf}_item")
        _compare_schema(
            ctx, old.items, new.items, f"{path}[]", side, _Models(item, holder, models.items_parent), stack
        )


def _child_model(ctx: _Ctx, raw: Any, parent: str | None, prop: str) -> str | None:
    s = shape(ctx.new_doc, raw)
    if s.ref:
        return ctx.naming.cls(s.title or s.ref)
    return ctx.naming.child(parent, prop, s.title)


def _normal_path(path: str) -> str:
    """Paths that differ only in parameter names are the same operation (`{id}` vs `{offer_id}`)."""
    return re.sub(r"\{[^}]*\}", "{}", path)


_Op = tuple[str, Mapping[str, Any], Mapping[str, Any]]  # path as written, path item, operation


def _operations(doc: Any) -> dict[tuple[str, str], _Op]:
    ops: dict[tuple[str, str], _Op] = {}
    for path, raw_item in (doc.get("paths") or {}).items():
        item, _ = _deref(doc, raw_item)
        for method in HTTP_METHODS:
            if isinstance(item.get(method), Mapping):
                ops[(method.upper(), _normal_path(path))] = (path, item, item[method])
    return ops


def _parameters(doc: Any, item: Mapping[str, Any], op: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
    params: dict[tuple[str, str], Any] = {}
    for raw in [*(item.get("parameters") or ()), *(op.get("parameters") or ())]:
        param, _ = _deref(doc, raw)
        if "name" in param:
            params[(str(param.get("in")), str(param["name"]))] = param
    return params


def _content(doc: Any, holder: Any) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    holder, _ = _deref(doc, holder)
    return holder, holder.get("content") or {}


def _security(doc: Any, op: Mapping[str, Any]) -> Any:
    """What signing depends on: the requirements and the schemes they name, descriptions aside."""
    requirements = op.get("security", doc.get("security"))
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    used = sorted({name for req in requirements or () for name in req})
    return requirements, {
        name: {k: v for k, v in (schemes.get(name) or {}).items() if k != "description"} for name in used
    }


def _compare_operation(ctx: _Ctx, method: str, old: _Op, new: _Op) -> None:
    (_, old_item, old_op), (path, new_item, new_op) = old, new
    endpoint = pascal_case(endpoint_name(method.lower(), path, new_op))
    if new_op.get("deprecated") and not old_op.get("deprecated"):
        ctx.add("operation-deprecated", "operation", "", "operation deprecated")
    if _security(ctx.old_doc, old_op) != _security(ctx.new_doc, new_op):
        ctx.add("security-changed", "operation", "", "security requirements changed")

    old_params = _parameters(ctx.old_doc, old_item, old_op)
    new_params = _parameters(ctx.new_doc, new_item, new_op)
    for key in [*old_params, *(k for k in new_params if k not in old_params)]:
        location, name = key
        ctx.where = f"{location} parameter"
        required = bool(new_params.get(key, {}).get("required"))
        if key not in new_params:
            ctx.add("parameter-removed", "request", name, "parameter removed")
        elif key not in old_params:
            kind = "parameter-added-required" if required else "parameter-added"
            ctx.add(kind, "request", name, "new required parameter" if required else "new parameter")
        else:
            if bool(old_params[key].get("required")) != required:
                what = "optional -> required" if required else "required -> optional"
                ctx.add("now-required" if required else "now-optional", "request", name, what)
            old_schema, new_schema = old_params[key].get("schema", {}), new_params[key].get("schema", {})
            models = _Models(_child_model(ctx, new_schema, endpoint, name), None, endpoint)
            _compare_schema(ctx, old_schema, new_schema, name, "request", models)

    ctx.where = "request body"
    old_body, old_media = _content(ctx.old_doc, old_op.get("requestBody") or {})
    new_body, new_media = _content(ctx.new_doc, new_op.get("requestBody") or {})
    body_model = ctx.naming.cls(f"{endpoint}_body")
    required = bool(new_body.get("required"))
    if old_media and not new_media:
        ctx.add("body-removed", "request", "", "request body removed")
    elif new_media and not old_media:
        kind = "body-added-required" if required else "body-added"
        ctx.add(kind, "request", "", "new request body", body_model)
    elif old_media:
        if bool(old_body.get("required")) != required:
            what = "optional -> required" if required else "required -> optional"
            ctx.add("now-required" if required else "now-optional", "request", "", what, body_model)
        _compare_media(ctx, old_media, new_media, "request", body_model)

    old_responses = {str(k): v for k, v in (old_op.get("responses") or {}).items()}
    new_responses = {str(k): v for k, v in (new_op.get("responses") or {}).items()}
    for status in [*old_responses, *(s for s in new_responses if s not in old_responses)]:
        ctx.where = f"response {status}"
        model = ctx.naming.cls(f"{endpoint}_response_{status}")
        if status not in new_responses:
            ctx.add("response-removed", "response", "", "response removed", model)
        elif status not in old_responses:
            ctx.add("response-added", "response", "", "new documented response", model)
        else:
            _, old_media = _content(ctx.old_doc, old_responses[status])
            _, new_media = _content(ctx.new_doc, new_responses[status])
            _compare_media(ctx, old_media, new_media, "response", model)


def _compare_media(
    ctx: _Ctx, old_media: Mapping[str, Any], new_media: Mapping[str, Any], side: Side, model: str
) -> None:
    where = ctx.where
    for media in [*old_media, *(m for m in new_media if m not in old_media)]:
        if media not in new_media:
            ctx.add("media-type-removed", side, "", f"{media} removed")
        elif media not in old_media:
            ctx.add("media-type-added", side, "", f"{media} added")
        else:
            if len(old_media) > 1 or len(new_media) > 1:
                ctx.where = f"{where} ({media})"
            old_schema, new_schema = old_media[media].get("schema", {}), new_media[media].get("schema", {})
            root = _child_model(ctx, new_schema, None, "") or model
            _compare_schema(ctx, old_schema, new_schema, "", side, _Models(root, root, root))
            ctx.where = where


def _comparable(doc: Any) -> Any:
    """The document without the provenance stamps the pipeline adds to `info`."""
    return {**doc, "info": {k: v for k, v in (doc.get("info") or {}).items() if not str(k).startswith("x-")}}


def semantic_diff(old_doc: Any, new_doc: Any, *, naming: Naming | None = None) -> list[Change]:
    """The semantic changes from `old_doc` to `new_doc` (both already patched by the spec fixes),
    most severe first."""
    ctx = _Ctx(old_doc, new_doc, naming or Naming(), [])
    old_ops, new_ops = _operations(old_doc), _operations(new_doc)
    for key in [*old_ops, *(k for k in new_ops if k not in old_ops)]:
        method = key[0]
        path, _, op = new_ops.get(key) or old_ops[key]
        ctx.operation, ctx.where = f"{method} {path}", ""
        ctx.module = endpoint_module(method.lower(), path, op)
        if key not in new_ops:
            ctx.add("operation-removed", "operation", "", "operation removed")
        elif key not in old_ops:
            ctx.add("operation-added", "operation", "", "new operation")
        else:
            _compare_operation(ctx, method, old_ops[key], new_ops[key])
    ctx.operation, ctx.where, ctx.module = "", "", None
    urls = [s.get("url") for s in new_doc.get("servers") or ()]
    if [s.get("url") for s in old_doc.get("servers") or ()] != urls:
        ctx.add("servers-changed", "operation", "", f"servers changed to {urls}")
    if not ctx.changes and _comparable(old_doc) != _comparable(new_doc):
        ctx.add("document-changed", "operation", "", "descriptions, examples or metadata changed")
    return sorted(ctx.changes, key=lambda c: -c.level)


def advice(new_doc: Any, changes: Sequence[Change]) -> list[str]:
    """Suggestions that are not changes: e.g. a new operation without an operationId."""
    notes: list[str] = []
    ops = {f"{m} {p}": op for (m, _), (p, _, op) in _operations(new_doc).items()}
    for change in changes:
        if change.kind == "operation-added" and not ops.get(change.operation, {}).get("operationId"):
            notes.append(
                f"{change.operation} has no operationId, so its module name ({change.module}) is derived "
                "from the path and changes with it; consider pinning it with a fix like "
                "'create-offer-operation-id' in spec-fixes.json."
            )
    return notes


# --------------------------------------------------------------------------------------------------
# Versions


def propose_bump(changes: Sequence[Change], *, documents_differ: bool) -> Bump:
    top = max((c.level for c in changes), default=None)
    if top == Level.BREAKING:
        return "major"
    if top in (Level.WARNING, Level.ADDITION):
        return "minor"
    return "patch" if top == Level.PATCH or documents_differ else "none"


def bumped(version: str, bump: Bump) -> str:
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if not match:
        raise ValueError(f"version {version!r} is not MAJOR.MINOR.PATCH; set it by hand")
    major, minor, patch = (int(g) for g in match.groups())
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return version


_VERSION_LINE = re.compile(r'^__version__ = "([^"]*)"$', re.MULTILINE)


def read_version(version_file: Path) -> str:
    matches = _VERSION_LINE.findall(version_file.read_text(encoding="utf-8"))
    if len(matches) != 1:
        raise ValueError(f'{version_file}: expected exactly one line `__version__ = "X.Y.Z"`')
    return str(matches[0])


def write_version(version_file: Path, version: str) -> None:
    read_version(version_file)  # exactly one line to rewrite
    text = version_file.read_text(encoding="utf-8")
    version_file.write_text(_VERSION_LINE.sub(f'__version__ = "{version}"', text), encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# Which wrapper code uses what changed


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
    """Public alias -> defining name, from the `from .x import Y` lines of the package's __init__ files."""
    out: dict[str, str] = {}
    for init in sorted(package.rglob("__init__.py")):
        module = ".".join(init.parent.relative_to(package.parent).parts)
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
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


# --------------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class ObsoleteFix:
    fix_id: str
    explanation: str  # "upstream now declares path parameter 'partner_code' on POST /partners/..."

    def describe(self) -> str:
        return f"{self.explanation}; delete fix {self.fix_id!r} from spec-fixes.json"


@dataclass
class Report:
    old_version: str  # the spec's info.version
    new_version: str
    old_sha256: str
    new_sha256: str
    changes: list[Change]
    package_version: str
    bump: Bump
    obsolete_fixes: list[ObsoleteFix] = field(default_factory=list)
    fixes_applied: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    surface: str = ""
    dependents: dict[str, list[Dependency]] = field(default_factory=dict)

    @property
    def proposed_version(self) -> str:
        return bumped(self.package_version, self.bump)

    def render(self) -> str:
        lines = [
            f"Spec update: {self.old_version} -> {self.new_version}",
            f"  upstream sha256 {self.old_sha256[:12]} -> {self.new_sha256[:12]}",
            f"  spec fixes applied to the new document: {', '.join(self.fixes_applied) or 'none'}",
        ]
        if self.obsolete_fixes:
            lines += ["", "OBSOLETE SPEC FIXES: upstream repaired what they correct"]
            lines += [f"  - {fix.describe()}" for fix in self.obsolete_fixes]
            lines.append("  The diff below was computed with these fixes skipped.")
        lines.append("")
        if not self.changes:
            lines.append("No change to operations, parameters or schemas; the documents are identical.")
        for level in sorted(Level, reverse=True):
            group = [c for c in self.changes if c.level == level]
            if group:
                lines.append(f"{LEVEL_HEADINGS[level]}: {len(group)}")
                lines += [f"  - {c.describe()}" for c in group]
        if self.advice:
            lines += ["", "Advice:"] + [f"  - {note}" for note in self.advice]
        if self.surface:
            lines += ["", "Generated API surface:", self.surface]
        lines += ["", "Wrapper code that uses what changed:", render_dependents(self.dependents)]
        counts = ", ".join(
            f"{sum(c.level == level for c in self.changes)} {level.name.lower()}"
            for level in sorted(Level, reverse=True)
            if any(c.level == level for c in self.changes)
        )
        lines += [
            "",
            f"Proposed version: {self.package_version} -> {self.proposed_version} "
            f"({self.bump}{': ' + counts if counts else ''})",
        ]
        return "\n".join(lines)

    def changelog(self) -> str:
        """A draft entry in the CHANGELOG's Keep a Changelog format, to review and paste."""
        sections: dict[str, list[str]] = {"Added": [], "Changed": [], "Removed": []}
        for c in self.changes:
            prefix = {Level.BREAKING: "**Breaking:** ", Level.WARNING: "**Warning:** "}.get(c.level, "")
            section = "Added" if c.kind.endswith("-added") and c.level <= Level.ADDITION else (
                "Removed" if c.kind.endswith("-removed") else "Changed"
            )  # fmt: skip
            sections[section].append(f"- {prefix}{c.describe()}")
        for fix in self.obsolete_fixes:
            sections["Removed"].append(f"- Spec fix `{fix.fix_id}`: upstream repaired the defect.")
        lines = [
            f"## [{self.proposed_version}]",
            "",
            f"Regenerated from spec {self.new_version} (was {self.old_version}; upstream sha256 "
            f"{self.new_sha256[:12]}). Proposed bump: {self.bump}.",
        ]
        for title, items in sections.items():
            if items:
                lines += ["", f"### {title}", *items]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "package_version": self.package_version,
            "bump": self.bump,
            "proposed_version": self.proposed_version,
            "changes": [c.to_json() for c in self.changes],
            "obsolete_fixes": [asdict(f) for f in self.obsolete_fixes],
            "dependents": {f: [asdict(d) for d in deps] for f, deps in self.dependents.items()},
        }


def surface_removals(
    old_surface: Mapping[str, Mapping[str, str]], new_surface: Mapping[str, Mapping[str, str]]
) -> list[str]:
    removed = [m for m in old_surface if m not in new_surface]
    removed += [
        f"{m}.{n}"
        for m, names in old_surface.items()
        if m in new_surface
        for n in names
        if n not in new_surface[m]
    ]
    return sorted(removed)


def with_surface_safety_net(changes: list[Change], removed_names: Sequence[str]) -> list[Change]:
    """Generated names that disappear break code importing them even when the spec diff saw nothing
    breaking (a schema renamed upstream, an enum dropped): count them, unless a breaking change already
    explains the release."""
    if any(c.level == Level.BREAKING for c in changes):
        return changes
    extra = [
        Change(Level.BREAKING, "generated-name-removed", f"`{name}` removed from the generated code")
        for name in removed_names
    ]
    return extra + changes


# --------------------------------------------------------------------------------------------------
# CLI: re-print the dependency section after the wrapper's tests failed


def explain(report_json: Path) -> str:
    data = json.loads(report_json.read_text(encoding="utf-8"))
    deps = {
        file: [Dependency(d["line"], d["used"], d["changed"], tuple(d["reasons"])) for d in found]
        for file, found in data["dependents"].items()
    }
    breaking = [c["text"] for c in data["changes"] if c["level"] == "BREAKING"]
    lines = [
        f"The wrapper's tests fail against the code regenerated from spec {data['new_version']}.",
        "Wrapper code that uses what changed:",
        render_dependents(deps),
    ]
    if breaking:
        lines += ["Breaking changes in this update:"]
        lines += [f"  - {text}" for text in breaking]
    return "\n".join(lines)


def apply_bump(report_json: Path, version_file: Path) -> str:
    """Write the version a report proposed, once: only while the package still has the version the
    report was made against."""
    data = json.loads(report_json.read_text(encoding="utf-8"))
    current = read_version(version_file)
    if current != data["package_version"]:
        raise ValueError(
            f"{version_file.name} says {current}, but the report was made against {data['package_version']}: "
            "already applied, or the version was changed by hand"
        )
    write_version(version_file, data["proposed_version"])
    return f"{current} -> {data['proposed_version']} written to {version_file}"


def main(argv: Sequence[str]) -> int:
    usage = "usage: specdiff.py {explain,apply-bump} build/spec-update.json"
    if len(argv) != 2 or argv[0] not in ("explain", "apply-bump"):
        print(usage, file=sys.stderr)
        return 2
    if argv[0] == "explain":
        print(explain(Path(argv[1])))
        return 0
    version_file = Path(__file__).resolve().parent.parent / "wrapper" / "xcover_offers" / "_version.py"
    try:
        print(apply_bump(Path(argv[1]), version_file))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
