"""The answer to an operation the sandbox has no model for: the success its contract describes.

The operation's lowest documented 2xx status (`Operation.success_status`). Without content (a 204,
say) the answer has no body. With JSON content, the body is the first of these that validates against
the response schema (the caller's `problems` check, openapi-core's):

1. the media type's ``example``, then each of its ``examples`` (``$ref`` resolved);
2. the schema's ``example``;
3. a minimal instance generated from the schema (`instance`).

What the contract leaves the sandbox no valid answer for (no 2xx, content that is not JSON, no
candidate that validates) is `NotModelled`; the pipeline answers it with a 4xx, never a 5xx.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from .._spec import resolve
from ._answers import encode
from ._routes import Operation

MAX_DEPTH: Final = 32
"""How deeply a generated instance may nest; a required field that refers back to its own schema
would otherwise never end."""
STRINGS: Final[Mapping[str, str]] = {
    "email": "sandbox@example.com",
    "uri": "https://xcover-sandbox.invalid/",
    "hostname": "xcover-sandbox.invalid",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "byte": "",
}
"""Fixed values for string formats; date-time, date and uuid are made per answer."""


class NotModelled(Exception):
    """The contract gives the sandbox no valid answer to send; the message says why."""


def success_answer(
    operation: Operation,
    document: Mapping[str, Any],
    *,
    now: dt.datetime,
    new_uuid: Callable[[], str],
    problems: Callable[[int, bytes, str], Sequence[str]],
) -> tuple[int, bytes, str | None]:
    """(status, body, content type) of the operation's success; b"" and None when it has no body.

    Args:
        operation: the operation answered.
        document: the document it belongs to, for ``$ref``.
        now: the sandbox's clock, for generated dates.
        new_uuid: makes the values of ``format: uuid`` strings.
        problems: ``(status, body, content type) -> problems``, empty when the answer conforms.

    Raises:
        NotModelled: no candidate conforms, or the contract has no JSON success.
    """
    status = operation.success_status
    if status is None:
        raise NotModelled(f"{operation.id} documents no 2xx answer")
    responses = operation.definition.get("responses") or {}
    key = str(status) if str(status) in responses else next(k for k in responses if str(k).upper() == "2XX")
    response = resolve(responses[key], document)
    content = response.get("content") or {}
    if status == 204 or not content:
        return status, b"", None
    media_type = next((k for k in content if _is_json(k)), None)
    if media_type is None:
        raise NotModelled(f"its {status} answer is {', '.join(content)}, which the sandbox does not write")
    media = resolve(content[media_type], document)
    found: list[str] = []
    for candidate in _candidates(media, document, now=now, new_uuid=new_uuid):
        payload = encode(candidate)
        trouble = problems(status, payload, media_type)
        if not trouble:
            return status, payload, media_type
        found.append(trouble[0])
    raise NotModelled(f"no {status} answer it could build conforms: {'; '.join(found)}"[:500])


def _is_json(media_type: str) -> bool:
    kind = media_type.partition(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def _candidates(
    media: Mapping[str, Any], document: Mapping[str, Any], *, now: dt.datetime, new_uuid: Callable[[], str]
) -> Iterator[Any]:
    if "example" in media:
        yield media["example"]
    for example in (media.get("examples") or {}).values():
        example = resolve(example, document)
        if "value" in example:
            yield example["value"]
    schema = resolve(media.get("schema") or {}, document)
    if "example" in schema:
        yield schema["example"]
    yield instance(schema, document, now=now, new_uuid=new_uuid)


def instance(
    schema: Mapping[str, Any],
    document: Mapping[str, Any],
    *,
    now: dt.datetime,
    new_uuid: Callable[[], str],
    depth: int = 0,
) -> Any:
    """A small value valid against an OpenAPI 3.0 schema: required properties only, the first enum
    value, the first of oneOf/anyOf, allOf merged, the bounds honoured; a nullable schema still gets
    a value of its type (what a client's happy path reads). Not a validator: the caller checks it.
    """
    if depth > MAX_DEPTH:
        raise NotModelled(f"its schema nests more than {MAX_DEPTH} levels (a required field refers back?)")
    schema = _flat(schema, document)

    def sub(part: Any) -> Any:
        return instance(part, document, now=now, new_uuid=new_uuid, depth=depth + 1)

    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = _type(schema)
    if kind == "object":
        return _object(schema, sub)
    if kind == "array":
        return [sub(schema.get("items") or {}) for _ in range(int(schema.get("minItems", 0)))]
    if kind == "string":
        return _string(schema, now, new_uuid)
    if kind in ("integer", "number"):
        return _number(schema, integer=kind == "integer")
    if kind == "boolean":
        return False
    return None if kind == "null" or schema.get("nullable") else {}


def _flat(schema: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema with ``$ref`` followed and allOf (and the first of oneOf / anyOf) merged in."""
    schema = resolve(schema, document)
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            rest = {k: v for k, v in schema.items() if k != key}
            return _flat({"allOf": [rest, schema[key][0]]}, document)
    if not schema.get("allOf"):
        return schema
    merged: dict[str, Any] = {}
    parts = [{k: v for k, v in schema.items() if k != "allOf"}, *schema["allOf"]]
    for part in (_flat(p, document) for p in parts):
        for key, value in part.items():
            if key == "properties":
                properties = merged.setdefault("properties", {})
                for name, prop in value.items():
                    properties[name] = {"allOf": [properties[name], prop]} if name in properties else prop
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1's ["string", "null"]
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            return "object"
        if "items" in schema:
            return "array"
    return kind if isinstance(kind, str) else None


def _object(schema: Mapping[str, Any], sub: Callable[[Any], Any]) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    extra = schema.get("additionalProperties", True)
    extra_schema = extra if isinstance(extra, Mapping) else {}
    out = {
        name: sub(properties.get(name, extra_schema)) for name in dict.fromkeys(schema.get("required") or ())
    }
    wanted = int(schema.get("minProperties", 0))
    for name in properties:
        if len(out) >= wanted:
            break
        out.setdefault(name, sub(properties[name]))
    while len(out) < wanted:
        out[f"key{len(out)}"] = sub(extra_schema)
    return out


def _string(schema: Mapping[str, Any], now: dt.datetime, new_uuid: Callable[[], str]) -> str:
    fmt = schema.get("format")
    utc = now.astimezone(dt.UTC).replace(microsecond=0)
    if fmt == "date-time":
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "date":
        return utc.date().isoformat()
    if fmt == "uuid":
        return new_uuid()
    if isinstance(fmt, str) and fmt in STRINGS:
        return STRINGS[fmt]
    text = "string"
    shortest, longest = int(schema.get("minLength", 0)), schema.get("maxLength")
    text = text.ljust(shortest, "x")
    return text[: int(longest)] if longest is not None else text


def _number(schema: Mapping[str, Any], *, integer: bool) -> int | float:
    low, high = schema.get("minimum"), schema.get("maximum")
    # OpenAPI 3.0 writes exclusive bounds as booleans beside minimum / maximum; 3.1 as numbers.
    above, below = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if not isinstance(above, bool) and above is not None:
        low, above = above, True
    if not isinstance(below, bool) and below is not None:
        high, below = below, True
    step = 1 if integer else 0.5
    value: float = 0
    if low is not None and (value < low or (value == low and above)):
        value = (
            (math.floor(low) + 1 if above else math.ceil(low)) if integer else (low + step if above else low)
        )
    if high is not None and (value > high or (value == high and below)):
        value = (
            (math.ceil(high) - 1 if below else math.floor(high))
            if integer
            else (high - step if below else high)
        )
        if low is not None and value <= low and not integer:
            value = (low + high) / 2
    multiple = schema.get("multipleOf")
    if multiple:
        value = math.ceil(value / multiple) * multiple
    return int(value) if integer else value
