"""`Operation`: what a client needs to send one operation and read its answers.

Generated: copied into the package by tools/codegen.py; every endpoint module defines one as
`OPERATION`, from the same parse of the spec that wrote the module. The type parameter is the
success body's model (None for an answer without a body), so a caller that passes the endpoint
module gets its result typed.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def json_value(data: Any) -> Any:
    """The reader of a JSON body that has no generated model: the decoded JSON as it is."""
    return data


@dataclass(frozen=True, slots=True)
class Operation(Generic[T]):
    """One operation of the spec.

    Attributes:
        id: the operationId as a Python name ("create_offer").
        method: the HTTP method, upper case.
        path: the path template under the server URL ("/partners/{partner_code}/offers/").
        path_parameters: the builder's arguments for the names in `path`, in order.
        query_parameters: the query parameter names, as sent.
        header_parameters: each header parameter's name as the spec spells it, with the builder's
            argument for it: ("x-idempotency-key", "x_idempotency_key").
        has_body: whether the operation takes a request body.
        readers: the spec's response keys ("200", "4XX", "default") -> the reader of that answer's
            JSON body (a generated model's `from_dict`), or None when it has no body.
        build: the endpoint's request builder: its own arguments -> method, url, params, json, headers.
    """

    id: str
    method: str
    path: str
    path_parameters: tuple[str, ...]
    query_parameters: tuple[str, ...]
    header_parameters: tuple[tuple[str, str], ...]
    has_body: bool
    readers: Mapping[str, Callable[[Any], Any] | None]
    build: Callable[..., dict[str, Any]]

    def response_key(self, status: int) -> str | None:
        """The spec's key for `status`: the exact code, else its range ("4XX"), else "default"."""
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in self.readers:
                return key
        return None

    @property
    def success_keys(self) -> tuple[str, ...]:
        """The documented 2xx keys, in the spec's order."""
        return tuple(key for key in self.readers if key[0] == "2")
