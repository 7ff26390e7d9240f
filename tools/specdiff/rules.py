"""The classification: what each kind of change means for callers, in the one table `RULES`.

Each change is classified by the direction its data flows, following the breaking-change rules of
oasdiff: what we send (request bodies and parameters) may not be narrowed, what we read (responses)
may not be widened. The level maps to the semantic-version bump:

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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any, Literal

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


def render_path(steps: tuple[str, ...]) -> str:
    """("context", "events", "[]", "price") -> ``context.events[].price``."""
    out = ""
    for step in steps:
        out = f"{out}[]" if step == "[]" else f"{out}.{step}" if out else step
    return out


@dataclass(frozen=True)
class Change:
    """One semantic change. `operation` is e.g. ``POST /partners/{partner_code}/offers/`` (and
    `operation_id` its operationId, if it has one); `where` is
    ``request body``, ``response 200``, ``query parameter`` ...; `steps` is the field path inside it,
    one property name or ``[]`` (array items) per step, shown as `path`, e.g.
    ``context.events[].tickets[].price``. `model` names the generated class the change lands in (the
    class holding the field, or the enum class) and `module` the endpoint module, both read from the
    generated code by `names.with_generated_names`: hints for the wrapper-dependency mapping."""

    level: Level
    kind: str
    message: str
    operation: str = ""
    where: str = ""
    steps: tuple[str, ...] = ()
    model: str | None = None
    module: str | None = None
    operation_id: str = ""
    path: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", render_path(self.steps))

    def describe(self) -> str:
        location = " ".join(part for part in (self.operation, self.where) if part)
        if self.path:
            location = f"{location} `{self.path}`" if location else f"`{self.path}`"
        text = f"{location}: {self.message}" if location else self.message
        # A change to a whole operation lands in its endpoint module: the name callers import.
        label = self.model or (self.module if self.kind.startswith("operation-") else None)
        return f"{text} [{label}]" if label else text

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["steps"]  # `path` says the same for people
        data["level"] = self.level.name
        data["text"] = self.describe()
        return data
