"""One retry rule for SQLite's "database is locked" (the demo's embedded database).

SQLite allows one writer at a time. Its busy timeout (settings: OPTIONS["timeout"])
already makes a writer wait for the lock; a holder slower than that (the worker's
task threads storing candidates while the web server writes) raises
``OperationalError: database is locked``. A function wrapped here runs again, after
a growing pause, a bounded number of times. PostgreSQL never raises it, so there
the wrapper does nothing. The wrapped function must be one whole transaction:
a retry inside a caller's open transaction would repeat only half of it.
"""

from __future__ import annotations

import functools
import logging
import time

from django.db import OperationalError

logger = logging.getLogger(__name__)

ATTEMPTS = 5
FIRST_PAUSE_SECONDS = 0.5


def _locked(exc: OperationalError) -> bool:
    return "database is locked" in str(exc)


def retry_when_locked(function):
    @functools.wraps(function)
    def retried(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return function(*args, **kwargs)
            except OperationalError as exc:
                if not _locked(exc) or attempt == ATTEMPTS:
                    raise
                logger.warning(
                    "%s: database is locked, attempt %d of %d",
                    function.__name__,
                    attempt,
                    ATTEMPTS,
                )
                time.sleep(FIRST_PAUSE_SECONDS * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    return retried
