"""The document generation and the diff start from: upstream's, with the reviewed spec fixes applied
(spec-fixes.json, one JSON Patch per defect) and then the one rule, `declare_path_parameters`.

Fixes are applied strictly, one operation at a time, so that a failure names the member it could not
reach (a JSON pointer and a short excerpt of the nearest member that exists), never the document.
`update-spec` applies them to two documents: strictly to the new one (an obsolete fix is reported, not
raised), and where they apply to the stored one, which is only the diff's baseline.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .diff import HTTP_METHODS


class PipelineError(Exception):
    """A step of the pipeline failed; the message says which and what to do."""


class FixObsolete(PipelineError):
    """Upstream repaired the defect a fix corrects: the fix must be deleted from spec-fixes.json."""


class FixConflict(PipelineError):
    """A fix no longer matches the document: upstream changed the area it patches."""


Fix = Mapping[str, Any]


def show(value: Any, limit: int = 200) -> str:
    """A value in a message, briefly: an object by its member names, anything else as capped JSON."""
    if isinstance(value, Mapping):
        text = "an object with members " + ", ".join(json.dumps(str(k)) for k in value) if value else "{}"
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + " …"


def resolve(doc: Any, pointer: str) -> tuple[bool, Any]:
    """Follow a JSON Pointer; (found, value)."""
    import jsonpointer

    try:
        return True, jsonpointer.resolve_pointer(doc, pointer)
    except jsonpointer.JsonPointerException:
        return False, None


def unreachable(doc: Any, pointer: str) -> str | None:
    """Why `pointer` does not resolve in `doc`, naming the nearest member that exists; None if it does."""
    import jsonpointer

    try:
        parts = jsonpointer.JsonPointer(pointer).parts
    except jsonpointer.JsonPointerException:
        return f"{pointer!r} is not a JSON pointer"
    node = doc
    for i, token in enumerate(parts):
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            parent = jsonpointer.JsonPointer.from_parts(parts[:i]).path or "the document root"
            return f"{parent} has no {token!r}; it holds {show(node)}"
    return None


def _same_parameter(a: Any, b: Any) -> bool:
    return (
        isinstance(a, Mapping)
        and isinstance(b, Mapping)
        and "name" in a
        and a.get("name") == b.get("name")
        and a.get("in") == b.get("in")
    )


def _check_add_is_needed(doc: Any, fix: Fix, op: Mapping[str, Any]) -> None:
    """An `add` must add something missing; if upstream already has it the fix is obsolete.

    RFC 6902 would let `add` overwrite an object member or insert a duplicate array element, which
    would hide an upstream repair (or produce two parameters of one name). Here it is an error.
    """
    pointer: str = op["path"]
    parent_ptr, _, last = pointer.rpartition("/")
    found, parent = resolve(doc, parent_ptr)
    if isinstance(parent, Mapping) and last in parent:
        raise FixObsolete(
            f"fix {fix['id']!r} is obsolete: upstream now defines {pointer} (as {show(parent[last])}). "
            "Upstream repaired this defect: review the upstream value, then delete the fix from "
            "spec-fixes.json."
        )
    for element in parent if found and isinstance(parent, list) else ():
        if element == op.get("value") or _same_parameter(element, op.get("value")):
            raise FixObsolete(
                f"fix {fix['id']!r} is obsolete: {parent_ptr} already contains {show(element)}. Upstream "
                "repaired this defect: review the upstream value, then delete the fix from spec-fixes.json."
            )


def _why_it_fails(doc: Any, op: Mapping[str, Any], exc: Exception) -> str:
    kind, path = str(op.get("op")), str(op.get("path"))
    reached = [str(op["from"])] if "from" in op else []
    reached.append(path.rpartition("/")[0] if kind in ("add", "move", "copy") else path)
    for pointer in reached:
        if missing := unreachable(doc, pointer):
            return f"{kind} {path}: {missing}"
    if kind == "test":
        return f"test {path}: expects {show(op.get('value'))}, the document has {show(resolve(doc, path)[1])}"
    return f"{kind} {path}: {show(str(exc))}"  # e.g. an index past the end of a list


def apply_fix(doc: Any, fix: Fix) -> Any:
    """`fix` applied to a copy of `doc`, strictly. Raises FixObsolete when an `add` finds its target
    already there, FixConflict when the fix does not match the document."""
    import jsonpatch

    patched = copy.deepcopy(doc)
    for op in fix["patch"]:
        if op.get("op") == "add":
            _check_add_is_needed(patched, fix, op)
        try:
            patched = jsonpatch.apply_patch(patched, [op], in_place=True)
        except jsonpatch.InvalidJsonPatch as exc:
            raise PipelineError(
                f"fix {fix['id']!r}: {show(op)} is not a JSON Patch operation ({exc})"
            ) from exc
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            raise FixConflict(
                f"fix {fix['id']!r} no longer applies: {_why_it_fails(patched, op, exc)}. Upstream moved or "
                f"changed what this fix patches; review it against the new document. Reason it exists: "
                f"{fix['reason']}"
            ) from exc
    return patched


def apply_fixes(doc: Any, fixes: Iterable[Fix]) -> tuple[Any, list[str]]:
    """Apply each fix strictly, in order; the patched copy and the ids applied."""
    patched, applied = copy.deepcopy(doc), []
    for fix in fixes:
        patched = apply_fix(patched, fix)
        applied.append(str(fix["id"]))
    return patched, applied


def apply_fixes_reporting_obsolete(
    doc: Any, fixes: Iterable[Fix]
) -> tuple[Any, list[str], list[tuple[Fix, str]]]:
    """Like apply_fixes, but an obsolete fix is skipped and returned (with why) instead of raised, so the
    semantic diff can still run; a conflicting fix still raises."""
    patched, applied, obsolete = copy.deepcopy(doc), [], []
    for fix in fixes:
        try:
            patched = apply_fix(patched, fix)
        except FixObsolete:
            obsolete.append((fix, explain_obsolete(patched, fix)))
            continue
        applied.append(str(fix["id"]))
    return patched, applied, obsolete


def apply_fixes_where_they_apply(doc: Any, fixes: Iterable[Fix]) -> tuple[Any, list[str]]:
    """The stored document as the diff's baseline: the fixes that apply to it, applied; the ids of the
    others, skipped. Fixes are written against the new document, so one may patch what the stored one
    never had (a new operation) or match upstream's new wording; each is held to the new document,
    strictly (`apply_fixes_reporting_obsolete`). Raising here would only block that update."""
    patched, skipped = copy.deepcopy(doc), []
    for fix in fixes:
        try:
            patched = apply_fix(patched, fix)
        except (FixObsolete, FixConflict):
            skipped.append(str(fix["id"]))
    return patched, skipped


def operation_name(pointer: str) -> str:
    """`/paths/~1partners~1{partner_code}~1offers~1/post/...` -> `POST /partners/{partner_code}/offers/`."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if len(parts) >= 3 and parts[0] == "paths":
        return f"{parts[2].upper()} {parts[1]}"
    return pointer


def explain_obsolete(doc: Any, fix: Fix) -> str:
    """What upstream now has that makes `fix` unnecessary, in words."""
    for op in fix["patch"]:
        if op.get("op") != "add":
            continue
        parent_ptr, _, last = op["path"].rpartition("/")
        found, parent = resolve(doc, parent_ptr)
        where = operation_name(parent_ptr)
        if found and isinstance(parent, Mapping) and last in parent:
            return f"upstream now defines {last} {show(parent[last], 120)} on {where}"
        for element in parent if found and isinstance(parent, list) else ():
            if _same_parameter(element, op["value"]):
                return f"upstream now declares {element['in']} parameter {element['name']!r} on {where}"
            if element == op["value"]:
                return f"upstream now has {show(element, 120)} in {where}"
    return "upstream repaired the defect it corrects"


# --------------------------------------------------------------------------------------------------
# The rule, applied after the fixes

TEMPLATE_PARAMETER = re.compile(r"\{([^{}/]+)\}")


def _local(doc: Any, raw: Any) -> Any:
    """A parameter, its local `$ref` followed."""
    ref = raw.get("$ref") if isinstance(raw, Mapping) else None
    return resolve(doc, ref[1:])[1] if isinstance(ref, str) and ref.startswith("#") else raw


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}


def declare_path_parameters(doc: Any) -> tuple[Any, list[str]]:
    """Declare each path-template parameter that neither the path item nor the operation declares.

    XCover's per-operation pages share this defect (Create Offer, Opt-out Offer, Get Booking). It makes
    the document invalid OpenAPI, and openapi-python-client skips such an operation. A rule rather than
    a fix per path: it recurs with every new page, and once upstream declares a parameter the rule has
    nothing to do (no fix to become obsolete). Each is declared on its operation, in template order, as
    a required non-empty string (an empty segment, `//`, never names anything; the sandbox answers it
    with the spec's 422). Returns the patched copy and "METHOD path: name" for each declaration.
    """
    patched = copy.deepcopy(doc)
    declared: list[str] = []
    for path, item in (patched.get("paths") or {}).items():
        names = list(dict.fromkeys(TEMPLATE_PARAMETER.findall(path)))
        for method in HTTP_METHODS if names and isinstance(item, dict) else ():
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            declarations = [*(item.get("parameters") or ()), *(op.get("parameters") or ())]
            params = [_local(patched, p) for p in declarations]
            have = {p.get("name") for p in params if isinstance(p, Mapping) and p.get("in") == "path"}
            missing = [name for name in names if name not in have]
            if missing:
                op["parameters"] = [*map(_path_parameter, missing), *(op.get("parameters") or ())]
                declared += [f"{method.upper()} {path}: {name}" for name in missing]
    return patched, declared
