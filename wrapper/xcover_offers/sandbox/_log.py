"""The sandbox's logger, whose every line has its control characters escaped.

Request lines, paths, header values and exception messages come from whoever sends the request. Raw,
an ``ESC [`` sequence rewrites the terminal that shows the log, and a CR or LF forges a log line, so
a filter on the logger escapes them before any handler formats the record.
"""

from __future__ import annotations

import logging
import re
from typing import Final

LOGGER_NAME: Final = "xcover_offers.sandbox"

# C0 and C1 controls (ESC, CSI, CR, LF, ...), DEL, lone surrogates (a handler cannot encode them)
# and the bidirectional overrides that reorder what a reader sees.
_UNSAFE: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with control characters written as ``\\xNN`` / ``\\uNNNN`` escapes."""
    return _UNSAFE.sub(_escape_one, text)


class EscapeControls(logging.Filter):
    """Escapes control characters in a record's message and in its formatted traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = escape_controls(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # A traceback keeps its line structure; what a line holds is escaped.
            record.exc_text = "\n".join(escape_controls(line) for line in record.exc_text.split("\n"))
        return True


logger = logging.getLogger(LOGGER_NAME)
if not any(isinstance(f, EscapeControls) for f in logger.filters):
    logger.addFilter(EscapeControls())
