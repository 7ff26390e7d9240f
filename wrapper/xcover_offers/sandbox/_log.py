"""The sandbox's logger, whose every line has its control characters escaped.

Request lines, paths, header values and exception messages come from whoever sends the request. Raw,
an ``ESC [`` sequence rewrites the terminal that shows the log, and a CR or LF forges a log line, so
a filter on the logger escapes them before any handler formats the record.
"""

from __future__ import annotations

import logging
from typing import Final

from .._text import printable

LOGGER_NAME: Final = "xcover_offers.sandbox"

escape_controls: Final = printable
"""The client's one escape of server text (`_text.printable`): controls, bidi and line separators."""


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
