"""A worker stops within its bound and leaves no draft stuck "generating".

Real ``celery worker --pool threads`` processes (the pool every deployment runs) on a
private redis-server and the test database. Each draft is made slow on purpose (the
worker is started through a launcher that wraps ``Engine.draft_batch`` in a sleep), so
a signal always lands mid-draft.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from reviewapp.models import AuditEvent, Candidate, DraftRequest
from tests.factories import patient_message
from tests.processes import RedisServer, WorkerProcess
from tests.test_full_loop import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(150)]

BOUND_SECONDS = 3
SLOW_DRAFT_SECONDS = 120  # far past any bound: only the shutdown can end it

LAUNCHER = """
import os, sys, time
import django
django.setup()
from worker import engine

slow_for = float(os.environ.get("SLOW_DRAFT_SECONDS", "0"))
draft_batch = engine.Engine.draft_batch


def slow_draft_batch(self, jobs, *, seed):
    print("slow draft started", flush=True)
    time.sleep(slow_for)
    return draft_batch(self, jobs, seed=seed)


if slow_for:
    engine.Engine.draft_batch = slow_draft_batch
from celery.__main__ import main

sys.argv = ["celery", *sys.argv[1:]]
main()
"""


class ThreadsWorker(WorkerProcess):
    """The deployments' worker command (``--pool threads``), through the launcher."""

    pool_args = ("--pool", "threads", "--concurrency", "4")

    def command(self) -> list[str]:
        launcher = self.workdir / "launch_worker.py"
        launcher.write_text(LAUNCHER)
        return [sys.executable, str(launcher)]

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def exited_within(self, seconds: float) -> float:
        """Seconds the process took to exit; fails if it is still running after ``seconds``."""
        assert self.process is not None
        started = time.monotonic()
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the worker was still running {seconds}s after the signal")
        return time.monotonic() - started


@pytest.fixture
def start_threads_worker(start_worker):
    def start(**env: str) -> ThreadsWorker:
        return start_worker(ThreadsWorker, WORKER_SHUTDOWN_SECONDS=str(BOUND_SECONDS), **env)

    return start


def _mid_draft(worker: ThreadsWorker, draft: DraftRequest) -> None:
    wait_for(
        lambda: "slow draft started" in worker.log(),
        timeout=60,
        what="the worker to be generating",
    )
    assert DraftRequest.objects.get(pk=draft.pk).status == "generating"


def _handed_back(draft: DraftRequest, broker: RedisServer, queue: str) -> None:
    """Queued again in the database, and its delivery back in the broker (not unacked)."""
    draft.refresh_from_db()
    assert draft.status == "queued" and not Candidate.objects.filter(draft_request=draft)
    assert broker.queued(queue) == 1 and broker.unacked() == 0
    assert AuditEvent.objects.filter(action="generation.requeue", object_id=str(draft.pk))


def _drafted_by_a_new_worker(start_threads_worker, draft: DraftRequest, broker, queue: str) -> None:
    start_threads_worker()
    wait_for(
        lambda: DraftRequest.objects.get(pk=draft.pk).status == "ready",
        timeout=60,
        what="the handed-back request to be drafted by a new worker",
    )
    assert Candidate.objects.filter(draft_request=draft).count() == 3
    wait_for(lambda: broker.queued(queue) == 0 and broker.unacked() == 0, timeout=15)


def test_sigterm_mid_draft_stops_within_the_bound_and_the_draft_is_redelivered(
    tiny_profile, broker, start_threads_worker
):
    worker = start_threads_worker(SLOW_DRAFT_SECONDS=str(SLOW_DRAFT_SECONDS))
    draft = patient_message("I can't sleep again.").draft_requests.get()
    _mid_draft(worker, draft)

    worker.signal(signal.SIGTERM)
    took = worker.exited_within(BOUND_SECONDS + 12)
    print(f"SIGTERM to exit: {took:.1f}s (bound {BOUND_SECONDS}s)")
    assert worker.process.returncode == 0, worker.log()[-3000:]
    assert "Traceback" not in worker.log()
    _handed_back(draft, broker, tiny_profile.queue)
    _drafted_by_a_new_worker(start_threads_worker, draft, broker, tiny_profile.queue)


def test_sigquit_mid_draft_hands_the_draft_back_without_a_traceback(
    tiny_profile, broker, start_threads_worker
):
    worker = start_threads_worker(SLOW_DRAFT_SECONDS=str(SLOW_DRAFT_SECONDS))
    draft = patient_message("Nobody answers me.").draft_requests.get()
    _mid_draft(worker, draft)

    worker.signal(signal.SIGQUIT)
    took = worker.exited_within(12)
    print(f"SIGQUIT to exit: {took:.1f}s")
    log = worker.log()
    assert "NotImplementedError" not in log and "Traceback" not in log, log[-3000:]
    _handed_back(draft, broker, tiny_profile.queue)
    _drafted_by_a_new_worker(start_threads_worker, draft, broker, tiny_profile.queue)


def test_the_batcher_answers_every_job_within_the_bound():
    """In-process: a batch still generating at the bound, and a job waiting behind it,
    both fail with ShuttingDown by the bound; a job submitted after fails at once."""
    import threading
    from concurrent.futures import wait

    from worker import shutdown
    from worker.batching import Batcher

    release = threading.Event()

    def run(key, jobs):
        release.wait(30)  # a generation far longer than the bound
        return [f"done {job}" for job in jobs]

    batcher = Batcher(run, window_s=0, max_rows=1)
    try:
        running = batcher.submit("k", "a", rows=1)
        waiting = batcher.submit("k", "b", rows=1)
        started = time.monotonic()
        shutdown.begin(0.5)
        done, _ = wait([running, waiting], timeout=10)
        assert len(done) == 2 and time.monotonic() - started < 5
        for future in (running, waiting):
            assert isinstance(future.exception(), shutdown.ShuttingDown)
        assert isinstance(batcher.submit("k", "c", rows=1).exception(0), shutdown.ShuttingDown)
    finally:
        release.set()
        shutdown.reset()
