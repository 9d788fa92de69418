"""One JSON object per log line (LOG_FORMAT=json), for a log pipeline to index.

Each line holds the time, level, logger, process, message, the exception (as the
redaction filters left it: frames and type, never its text) and only those
``extra`` fields named below. Anything else a library attaches is dropped: Django
attaches the whole request object to ``django.request`` records, and its
representation carries the path, with a patient's chat token in it.
"""

from __future__ import annotations

from pythonjsonlogger.json import JsonFormatter

FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
# Structured fields our own code logs with: IDs, counts and timings, never text.
SAFE_EXTRAS = frozenset(
    {"status_code", "draft_request", "task_id", "queue", "worker", "tokens", "seconds"}
)


class JsonLogFormatter(JsonFormatter):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("fmt", FIELDS)
        kwargs.setdefault("rename_fields", RENAMED)
        super().__init__(*args, **kwargs)
        self._kept = (
            {RENAMED.get(f, f) for f in self._required_fields}
            | {"exc_info", "stack_info"}
            | SAFE_EXTRAS
        )

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        for key in [key for key in log_data if key not in self._kept]:
            del log_data[key]
