"""Keep secrets that travel in URL paths out of the logs.

A patient's chat link carries their conversation token in its path, and Django
logs paths: every 4xx (``django.request``), refused CSRF checks
(``django.security.csrf``) and, in development, every request (``django.server``).
This filter sits on the console handler, so every record is rewritten on its way out.
"""

from __future__ import annotations

import logging
import re

SECRET_IN_PATH = re.compile(r"(/chat/)[^/\s?#\"']+")


class RedactPathSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET_IN_PATH.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
