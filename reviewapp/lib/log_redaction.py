"""Keep secrets that travel in URL paths out of the logs.

A patient's chat link carries their conversation token in its path, and Django
logs paths: every 4xx (``django.request``), refused CSRF checks
(``django.security.csrf``) and, in development, every request (``django.server``).
This filter sits on the console handler, so every record is rewritten on its way out.
"""

from __future__ import annotations

import logging
import re
import traceback

SECRET_IN_PATH = re.compile(r"(/chat/)[^/\s?#\"']+")


class RedactPathSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET_IN_PATH.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class WithholdExceptionText(logging.Filter):
    """Log where an error happened, never what its message says.

    An exception's message may quote what it failed on, a patient's words
    included (a database error quotes the row). The traceback's frames stay;
    the message is replaced by the exception's type.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, tb = record.exc_info
            frames = "".join(traceback.format_tb(tb))
            record.exc_text = (
                f"Traceback (most recent call last):\n{frames}{kind.__name__}: [withheld]"
            )
            record.exc_info = None
        return True
