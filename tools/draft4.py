"""The spec's body schemas as JSON Schema Draft 4, the draft the wrapper's validators compile (jsonschema-rs).

OpenAPI 3.0's Schema Object extends Draft 4 (its `integer` is a number without a fraction part, as the
generated models read it: 2.0 is a float), so little changes. codegen writes one document per direction
into the generated package, request.schema.json and response.schema.json, and the wrapper compiles
them as they are:

    {"$schema": DRAFT, "id": IDS[direction],
     "unbounded": ["/components/...", ...],   the pointers of the schemas whose data can nest without end
     "paths": {...}, "components": {...}}     each request body (or response) of each operation and of
                                              `components` where the spec has it (its schema converted,
                                              `{}` when it has none, or its `$ref`), and every component
                                              schema, converted for this direction

Each schema keeps its JSON pointer, and a `$ref` names the document by its `id`, so any schema of it
compiles on its own with the document in the validator's registry, and means what it meant in the spec.

Every keyword of every body schema (the request bodies' and responses' `content` schemas, and every
component schema) is accounted for: Draft 4 enforces it as written (ENFORCED), it is converted here
(CONVERTED), or it changes no answer (ANNOTATIONS). Anything else fails generation, and with it
`update_spec`, naming the keyword and where: a spec update must not bring a rule the validators silently
skip (`discriminator`'s mapping, `readOnly`'s effect on `required`). Decide how it is enforced, then add it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final
from urllib.parse import unquote

from specdiff.diff import HTTP_METHODS
from specdiff.fixes import PipelineError

DRAFT: Final = "http://json-schema.org/draft-04/schema#"
IDS: Final = {"request": "urn:xcover-offers:request", "response": "urn:xcover-offers:response"}
ENFORCED: Final = frozenset({
    "$ref", "type", "enum", "required", "properties", "additionalProperties", "items", "allOf", "anyOf",
    "oneOf", "not", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
    "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
})  # fmt: skip
"""Draft 4's validation keywords that OpenAPI 3.0 takes over with the same meaning."""
CONVERTED: Final = frozenset({"nullable", "format"})
ANNOTATIONS: Final = frozenset(
    {"title", "description", "default", "example", "deprecated", "externalDocs", "xml"}
)
"""Dropped, with every `x-` extension: they change no answer (a `default` is what XCover assumes when the
field is absent)."""
CHECKED_FORMATS: Final = ("date-time", "date")
"""The formats the wrapper checks (`FORMATS` in wrapper/xcover_offers/_schema_check.py): the ones the
generated models parse. Kept in the schema; the check itself is a Python callable given at compile time."""
LEFT_TO_XCOVER: Final = frozenset({"email", "uri"})
"""Formats the generated models keep as text: XCover checks them (a 422), so they are dropped here."""
USUAL_DATE_TIME: Final = (
    r"^(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-"
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
"""The usual date-time form (RFC 3339 with an offset, no 29 February), matched in Rust before the
`date-time` check is called in Python, which costs a call per value: a strict subset of what
`datetime.fromisoformat` accepts with an offset (tests/test_draft4.py proves it)."""
_SCHEMA_LISTS: Final = ("allOf", "anyOf", "oneOf")

Pointer = tuple[str, ...]


def pointer_text(tokens: Pointer) -> str:
    """RFC 6901: "" for the whole document, else "/" and the tokens, "~" and "/" escaped."""
    return "".join("/" + token.replace("~", "~0").replace("/", "~1") for token in tokens)


def bodies(doc: Mapping[str, Any]) -> Iterator[tuple[str, Pointer, Any]]:
    """Every request body ("request") and response ("response"): of an operation, or of `components`."""
    components = _mapping(doc.get("components"))
    for group, direction in (("requestBodies", "request"), ("responses", "response")):
        for name, body in _mapping(components.get(group)).items():
            yield direction, ("components", group, name), body
    for path, item in _mapping(doc.get("paths")).items():
        for method, operation in _mapping(item).items():
            if method not in HTTP_METHODS or not isinstance(operation, Mapping):
                continue
            if "requestBody" in operation:
                yield "request", ("paths", path, method, "requestBody"), operation["requestBody"]
            for key, response in _mapping(operation.get("responses")).items():
                yield "response", ("paths", path, method, "responses", str(key)), response


def body_schemas(doc: Mapping[str, Any]) -> Iterator[tuple[tuple[str, ...], Pointer, Any]]:
    """Every component schema, for both directions, and the schema of every request body's and
    response's content, for its own."""
    for name, schema in _mapping(_mapping(doc.get("components")).get("schemas")).items():
        yield ("request", "response"), ("components", "schemas", name), schema
    for direction, at, body in bodies(doc):
        for media, content in _mapping(_mapping(body).get("content")).items():
            if isinstance(content, Mapping) and "schema" in content:
                yield (direction,), (*at, "content", media, "schema"), content["schema"]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def convert(schema: Any, *, request: bool, at: Pointer, problems: list[str]) -> Any:
    """One OpenAPI 3.0 Schema Object as Draft 4, for requests or responses; what cannot be converted
    is appended to `problems`.

    - `nullable: true` adds "null" to the type, and to the enum if there is one (OpenAPI 3.0.3: only
      where the same schema gives a `type`).
    - `format` is kept where the wrapper checks it (CHECKED_FORMATS); a date-time tries USUAL_DATE_TIME
      first. The formats LEFT_TO_XCOVER are dropped.
    - For a response, `additionalProperties: false` is dropped: XCover adding a field must not break
      clients already deployed (a schema given for additional properties still applies).
    - A `$ref` is kept alone (OpenAPI 3.0 and Draft 4 both ignore what stands beside one), made
      absolute: "#/components/schemas/Offer" becomes "urn:xcover-offers:request#/components/schemas/Offer".
    """
    if not isinstance(schema, Mapping):
        return schema  # `additionalProperties: false`; anything else is the OpenAPI validator's to refuse
    where = "#" + pointer_text(at)
    for key in schema:
        if (
            key not in ENFORCED
            and key not in CONVERTED
            and key not in ANNOTATIONS
            and not key.startswith("x-")
        ):
            problems.append(f"{where}: keyword {key!r} is not one the validators enforce")
    if "$ref" in schema:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            problems.append(f"{where}: only local $refs are supported, got {ref!r}")
            return {"$ref": ref}
        return {"$ref": IDS["request" if request else "response"] + ref}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties" and isinstance(value, Mapping):  # names, each with a schema
            out[key] = {
                name: convert(sub, request=request, at=(*at, key, name), problems=problems)
                for name, sub in value.items()
            }
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [
                convert(sub, request=request, at=(*at, key, str(i)), problems=problems)
                for i, sub in enumerate(value)
            ]
        elif key in ("items", "not", "additionalProperties"):
            out[key] = convert(value, request=request, at=(*at, key), problems=problems)
        elif key in ENFORCED:
            out[key] = value
    fmt = schema.get("format")
    if fmt in CHECKED_FORMATS:
        out["format"] = fmt
    elif fmt is not None and fmt not in LEFT_TO_XCOVER:
        problems.append(
            f"{where}: format {fmt!r} is neither checked by the wrapper (CHECKED_FORMATS) nor known to be "
            "kept as text by the generated models (LEFT_TO_XCOVER)"
        )
    if out.get("format") == "date-time" and "anyOf" not in out:
        out["anyOf"] = [{"pattern": USUAL_DATE_TIME}, {"format": out.pop("format")}]
    if not request and out.get("additionalProperties") is False:
        del out["additionalProperties"]
    if schema.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def _place(tree: dict[str, Any], at: Pointer, value: Any) -> None:
    for token in at[:-1]:
        tree = tree.setdefault(token, {})
    tree[at[-1]] = value


def _find(tree: Any, at: Pointer) -> Any:
    for token in at:
        if not isinstance(tree, Mapping) or token not in tree:
            return None
        tree = tree[token]
    return tree


def _target(ref: str) -> Pointer:
    """The tokens of a `$ref`'s fragment ("#/components/schemas/Offer"), percent- and ~-decoded."""
    fragment = unquote(ref.partition("#")[2])
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in fragment.split("/")[1:])


def _children(schema: Mapping[str, Any]) -> Iterator[tuple[Pointer, Any]]:
    for key in ("items", "not", "additionalProperties"):
        if isinstance(schema.get(key), Mapping):
            yield (key,), schema[key]
    for name, sub in _mapping(schema.get("properties")).items():
        yield ("properties", name), sub
    for key in _SCHEMA_LISTS:
        for i, sub in enumerate(schema.get(key) or ()):
            yield (key, str(i)), sub


def _refs(schema: Any, at: Pointer) -> Iterator[tuple[Pointer, str]]:
    if not isinstance(schema, Mapping):
        return
    if isinstance(schema.get("$ref"), str):
        yield at, schema["$ref"]
    for step, sub in _children(schema):
        yield from _refs(sub, (*at, *step))


def _unbounded(tree: Mapping[str, Any], schema: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether `schema` reaches a `$ref` that leads back to it: only then can the data it fits nest
    as deep as it likes."""
    if not isinstance(schema, Mapping):
        return False
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref in seen or _unbounded(tree, _find(tree, _target(ref)), seen | {ref})
    return any(_unbounded(tree, sub, seen) for _, sub in _children(schema))


def json_schemas(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The JSON Schema document of each direction ("request", "response") for the patched document `doc`.

    Raises:
        PipelineError: a keyword, format or `$ref` the validators would not enforce as the spec means
            it, each named with where it is.
    """
    problems: list[str] = []
    found = list(body_schemas(doc))
    out: dict[str, Any] = {d: {"$schema": DRAFT, "id": uri, "unbounded": []} for d, uri in IDS.items()}
    for direction, at, body in bodies(doc):  # where the wrapper looks for it; a `$ref` to one, absolute
        ref = _mapping(body).get("$ref")
        if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
            problems.append(f"#{pointer_text(at)}: only local $refs are supported, got {ref!r}")
        _place(out[direction], at, {} if ref is None else {"$ref": f"{IDS[direction]}{ref}"})
    for directions, at, schema in found:
        for i, direction in enumerate(directions):  # the problems once
            converted = convert(schema, request=direction == "request", at=at, problems=[] if i else problems)
            _place(out[direction], at, converted)
    places = {at: set(directions) for directions, at, _ in found}
    for directions, at, schema in found:
        for where, ref in _refs(schema, at):
            target = _target(ref)
            seen = any(target[: len(p)] == p and set(directions) <= d for p, d in places.items())
            if ref.startswith("#") and not (seen and isinstance(_find(doc, target), Mapping)):
                problems.append(
                    f"#{pointer_text(where)}: $ref {ref!r} does not point to a component schema, or to a "
                    "body schema of its own direction"
                )
    if problems:
        raise PipelineError(
            "the spec's schemas use what the request and response validators would not enforce as the "
            "spec means it (tools/draft4.py says what each keyword becomes):\n  " + "\n  ".join(problems)
        )
    for directions, at, _ in found:
        for direction in directions:
            if _unbounded(out[direction], _find(out[direction], at)):
                out[direction]["unbounded"].append(pointer_text(at))
    return out
