"""Server text made safe to show: the one function between what a server sends and a terminal or a log.

A request id, an error `message` or an offer field is the server's to choose. Printed raw, `ESC]0;…BEL`
retitles the terminal, `ESC[2J` clears it, a bidi override (U+202E) makes `gpj.exe` read `exe.jpg`, a
newline forges a log line, and a lone surrogate (JSON can carry `\\ud800`) makes `print` itself raise.
`printable` shows each such character as its escape instead, so the text stays readable and exact.
"""

from __future__ import annotations

import re
from typing import Final

_C0: Final = "\x00-\x1f"  # C0 controls, tab and newline included
_OTHERS: Final = (
    "\x7f-\x9f"  # DEL and the C1 controls (0x9b is a CSI to some terminals)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
    "\u2028\u2029"  # line and paragraph separators: a line break to many log viewers
    "\ud800-\udfff"  # lone surrogates: not encodable, so not printable
)
_UNSAFE: Final = re.compile(f"[{_C0}{_OTHERS}]")
_UNSAFE_IN_JSON: Final = re.compile(f"[{_OTHERS}]")  # json.dumps escapes C0 itself


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control, bidi and line-separator character (and lone surrogate) shown as an
    escape: `"\\x1b[2J"` becomes the six characters `\\x1b[2J`. Idempotent; the common case (visible
    ASCII) costs one check."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_escape, text)


def printable_json(text: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with the same characters written as
    `\\uXXXX` escapes: the same data, safe on a terminal. json.dumps escapes C0 controls itself (a raw
    newline in its output is indentation, left alone), not DEL, C1 controls, bidi characters or lone
    surrogates."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
