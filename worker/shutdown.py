"""A bounded warm shutdown for a threads-pool worker.

Celery's warm shutdown (SIGTERM) waits for every running task however long it
takes, and a threads pool cannot enforce a time limit; its cold shutdown
(SIGQUIT) asks the pool to terminate each task, which a thread cannot do
(``NotImplementedError``). Here both become: take no new draft, let the batch
being generated finish for at most WORKER_SHUTDOWN_SECONDS (none for SIGQUIT),
and hand every draft not finished by then back to the queue (``ShuttingDown``:
the task puts its request back to queued and rejects its delivery for the
broker to redeliver, see ``worker.tasks``).

Nothing here imports Django, torch or Celery: ``begin`` runs in a signal handler.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ShuttingDown(Exception):
    """The worker is stopping: this draft is left for another worker."""


_stopping = threading.Event()
_lock = threading.RLock()  # re-entered if a second signal lands inside begin()
_deadline: float | None = None
# Called with the seconds left when shutdown begins, and again (with 0) if a cold
# shutdown shortens it.
_listeners: list[Callable[[float], None]] = []


def stopping() -> bool:
    return _stopping.is_set()


def seconds_left() -> float | None:
    """Until in-flight drafts are abandoned; None while not stopping."""
    return None if _deadline is None else max(0.0, _deadline - time.monotonic())


def on_begin(listener: Callable[[float], None]) -> None:
    """Call ``listener(seconds)`` when shutdown begins (at once if it has)."""
    with _lock:
        _listeners.append(listener)
        left = seconds_left()
    if left is not None:
        listener(left)


def begin(within: float) -> None:
    """Stop taking drafts; abandon those still running after ``within`` seconds.

    A second call may only shorten the bound (SIGQUIT after SIGTERM).
    """
    global _deadline
    with _lock:
        deadline = time.monotonic() + max(0.0, within)
        if _deadline is not None and _deadline <= deadline:
            return
        _deadline = deadline
        _stopping.set()
        listeners = list(_listeners)
    for listener in listeners:
        listener(max(0.0, within))


def reset() -> None:
    """Forget a shutdown (tests in one process)."""
    global _deadline
    with _lock:
        _deadline = None
        _stopping.clear()
