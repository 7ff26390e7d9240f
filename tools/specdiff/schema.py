"""Schemas flattened for comparison: `$ref` resolved, allOf merged, nullability in one flag, whatever
the OpenAPI version (3.0 `nullable`, 3.1 `type: [..., "null"]`, `anyOf: [X, {type: null}]`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


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
    ref: str | None  # the component it came from: recursion is detected on it


# Constraint -> +1 when a larger value loosens it, -1 when a larger value tightens it.
BOUNDS = {
    "minLength": -1, "maxLength": 1, "minimum": -1, "maximum": 1, "exclusiveMinimum": -1,
    "exclusiveMaximum": 1, "minItems": -1, "maxItems": 1, "minProperties": -1, "maxProperties": 1,
}  # fmt: skip
# Formats that change the Python type the generator emits; others (email, uri ...) stay `str`.
_TYPED_FORMATS = {"date", "date-time", "binary", "uuid"}


def deref(doc: Any, schema: Any) -> tuple[Mapping[str, Any], str | None]:
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
    schema, ref = deref(doc, raw)
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
    constraints = {k: schema[k] for k in (*BOUNDS, "pattern", "multipleOf") if k in schema}
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
            )  # fmt: skip
        for variant in variants:
            types |= variant.types
            nullable = nullable or variant.nullable
            for name, prop in variant.properties.items():
                properties.setdefault(name, prop)
    return Shape(
        frozenset(types), fmt, nullable, tuple(enum) if enum is not None else None, properties,
        frozenset(required), items, additional, constraints, ref,
    )  # fmt: skip


def python_types(s: Shape) -> frozenset[str]:
    """The types as the generated Python sees them: a date-time string is a datetime."""
    fmt = s.format if s.format in _TYPED_FORMATS else None
    return frozenset(f"string({fmt})" if fmt and t == "string" else t for t in s.types)


def covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """Every value of `narrow` is a value of `wide` (empty = any; an integer is a number)."""
    if not wide:
        return True
    return bool(narrow) and all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def show_values(values: Iterable[Any]) -> str:
    return ", ".join(json.dumps(v) for v in values)


def show_value(value: Any) -> str:
    return "none" if value is None else json.dumps(value)
