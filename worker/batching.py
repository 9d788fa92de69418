"""Gathering concurrent requests into one batch.

Task threads submit jobs and wait on a future; one dispatcher thread takes the
oldest job, waits at most ``window_s`` from that job's arrival for batch-mates
with the same key (same base model and sampling settings), and runs them
together. Jobs with another key wait for the next round, in arrival order.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field


@dataclass
class _Pending:
    key: Hashable
    job: object
    rows: int
    future: Future = field(default_factory=Future)
    arrived: float = field(default_factory=time.monotonic)


class Batcher:
    def __init__(
        self,
        run: Callable[[Hashable, list], list],
        *,
        window_s: float,
        max_rows: int,
    ):
        self._run = run
        self._window_s = window_s
        self._max_rows = max_rows
        self._inbox: queue.Queue[_Pending] = queue.Queue()
        self._held: deque[_Pending] = deque()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, key: Hashable, job, *, rows: int) -> Future:
        pending = _Pending(key=key, job=job, rows=rows)
        self._ensure_started()
        self._inbox.put(pending)
        return pending.future

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="batcher", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            batch = self._gather()
            try:
                results = self._run(batch[0].key, [p.job for p in batch])
            except BaseException as exc:  # every waiting task must hear of it
                for pending in batch:
                    pending.future.set_exception(exc)
                continue
            for pending, result in zip(batch, results, strict=True):
                pending.future.set_result(result)

    def _gather(self) -> list[_Pending]:
        first = self._held.popleft() if self._held else self._inbox.get()
        batch, rows = [first], first.rows

        def take(pending: _Pending) -> bool:
            """Add ``pending`` to the batch if it shares the key and fits; else False."""
            nonlocal rows
            if pending.key != first.key or rows + pending.rows > self._max_rows:
                return False
            batch.append(pending)
            rows += pending.rows
            return True

        self._held = deque(pending for pending in self._held if not take(pending))
        deadline = first.arrived + self._window_s
        while rows < self._max_rows:
            remaining = deadline - time.monotonic()
            try:
                pending = (
                    self._inbox.get(timeout=remaining)
                    if remaining > 0
                    else self._inbox.get_nowait()
                )
            except queue.Empty:
                break
            if not take(pending):
                self._held.append(pending)
        return batch
