"""Celery's threads pool, able to stop its tasks the only way a thread can.

Celery's cold shutdown (SIGQUIT, or a second Ctrl+C) "terminates" each running
task through ``terminate_job``, which the threads pool does not implement: the
worker printed a ``NotImplementedError`` traceback and then waited for every
draft anyway. A thread cannot be killed; here terminating means ending the
worker's shutdown bound now (``worker.shutdown``): each draft still running is
handed back to the queue at once and its task returns.
"""

from __future__ import annotations

from celery.concurrency.thread import TaskPool as CeleryThreadPool
from celery.utils import log as celery_log

from worker import shutdown


class TaskPool(CeleryThreadPool):
    def terminate_job(self, pid, signal=None) -> None:
        # Celery asks this from its shutdown signal handlers, and for `revoke
        # --terminate` of one task, which a thread cannot honour: only the first
        # stops this worker's drafting (the second must not).
        if not celery_log._in_sighandler:
            super().terminate_job(pid, signal)
        shutdown.begin(0)
