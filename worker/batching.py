"""Gathering concurrent requests into one batch.

Task threads submit jobs and wait on a future; one dispatcher thread takes the
oldest job, waits at most ``window_s`` from that job's arrival for batch-mates
with the same key (same base model and sampling settings), and runs them
together. Jobs with another key wait for the next round, in arrival order.

When the worker stops (``worker.shutdown``) no new batch starts: waiting jobs
fail with ``ShuttingDown`` at once, and the batch being generated has until the
shutdown's bound to finish before its jobs fail the same way (the generation
itself runs on in this daemon thread, its result dropped, until the process exits).
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field

from worker import shutdown


@dataclass(eq=False)  # hashed by identity: kept in a set while outstanding
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
        # Every job submitted and not yet answered, so a shutdown can answer them all.
        self._outstanding: set[_Pending] = set()
        self._outstanding_lock = threading.Lock()
        shutdown.on_begin(self._stop)

    def submit(self, key: Hashable, job, *, rows: int) -> Future:
        pending = _Pending(key=key, job=job, rows=rows)
        with self._outstanding_lock:
            self._outstanding.add(pending)
        if shutdown.stopping():
            self._settle(pending, exc=shutdown.ShuttingDown())
            return pending.future
        self._ensure_started()
        self._inbox.put(pending)
        return pending.future

    def _settle(self, pending: _Pending, *, result=None, exc: BaseException | None = None) -> None:
        """Answer a job once: a late result of an abandoned batch is dropped."""
        with self._outstanding_lock:
            if pending not in self._outstanding:
                return
            self._outstanding.discard(pending)
        if exc is not None:
            pending.future.set_exception(exc)
        else:
            pending.future.set_result(result)

    def _stop(self, within: float) -> None:
        """The worker is stopping: jobs not answered within ``within`` seconds fail."""
        timer = threading.Timer(within, self._abandon_outstanding)
        timer.daemon = True
        timer.start()

    def _abandon_outstanding(self) -> None:
        with self._outstanding_lock:
            abandoned = list(self._outstanding)
        for pending in abandoned:
            self._settle(pending, exc=shutdown.ShuttingDown())

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="batcher", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            batch = self._gather()
            if shutdown.stopping():  # no new batch once the worker is stopping
                for pending in batch:
                    self._settle(pending, exc=shutdown.ShuttingDown())
                continue
            try:
                results = self._run(batch[0].key, [p.job for p in batch])
            except BaseException as exc:  # every waiting task must hear of it
                for pending in batch:
                    self._settle(pending, exc=exc)
                continue
            for pending, result in zip(batch, results, strict=True):
                self._settle(pending, result=result)

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
