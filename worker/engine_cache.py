"""One engine per base model per worker process, and the batcher that feeds them.

Loading happens in the process that runs tasks, on first use, never at import:
a prefork parent never initialises CUDA before it forks, and the web process
never imports torch at all.
"""

from __future__ import annotations

import random
import threading
from pathlib import Path

from django.conf import settings

from worker.batching import Batcher
from worker.engine import DraftJob, Engine, load_engine
from worker.generated import GeneratedCandidate
from worker.spec import ProfileSpec

_engines: dict[tuple[str, str], Engine] = {}
_lock = threading.Lock()
_batcher: Batcher | None = None


def get_engine(spec: ProfileSpec) -> Engine:
    with _lock:
        engine = _engines.get(spec.base_key)
        if engine is None:
            engine = load_engine(spec, cache_dir=Path(settings.COUNTERSIGN["MODEL_CACHE_DIR"]))
            _engines[spec.base_key] = engine
    engine.ensure_adapter(spec)
    return engine


def loaded_engines() -> list[Engine]:
    # Not under _lock: get_engine holds it for a whole model load (minutes for a
    # download), and the heartbeat must go on meanwhile. Copying a dict is atomic.
    return list(_engines.values())


def _run_batch(key, jobs: list[DraftJob]) -> list[list[GeneratedCandidate]]:
    engine = get_engine(jobs[0].spec)
    return engine.draft_batch(jobs, seed=random.SystemRandom().randrange(2**31))


def batcher() -> Batcher:
    global _batcher
    with _lock:
        if _batcher is None:
            _batcher = Batcher(
                _run_batch,
                window_s=settings.COUNTERSIGN["BATCH_WINDOW_MS"] / 1000,
                max_rows=settings.COUNTERSIGN["MAX_BATCH_ROWS"],
            )
        return _batcher


def draft(job: DraftJob, *, timeout: float) -> list[GeneratedCandidate]:
    """Draft one request's candidates, batched with whatever else arrives meanwhile."""
    # Load and check in this task's own thread: loading never eats the batch
    # window, and a job that cannot be drafted fails alone, not its batch-mates.
    get_engine(job.spec).check_job(job)
    future = batcher().submit(job.spec.batch_key(job.overrides), job, rows=job.n)
    return future.result(timeout=timeout)
