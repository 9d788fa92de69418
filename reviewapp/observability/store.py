"""Counters and histograms kept in Redis, written off the request path.

Recording only puts the update on this process's queue; a daemon thread writes
what is queued to Redis in one pipeline. A patient's request never waits on the
metrics store, and a store that is down loses counts (logged once a minute),
never work. Redis (the broker's, unless METRICS_REDIS_URL names another) is the
one place every web and worker process, on every host, adds to.
"""

from __future__ import annotations

import atexit
import bisect
import json
import logging
import os
import queue
import threading
import time

import redis
from django.conf import settings

from reviewapp.observability.definitions import Recorded

logger = logging.getLogger(__name__)

KEY_PREFIX = "countersign:metrics:"
COMPLAINT_INTERVAL = 60.0
# Updates waiting for the writer; beyond this (a store down for long) new ones are
# dropped rather than held in memory without bound.
MAX_PENDING = 10_000


def redis_client(url: str, *, timeout: float) -> redis.Redis:
    """A client that gives up after ``timeout`` seconds: a Redis that is down or hung
    must cost a probe, a scrape or the writer seconds, never hang them."""
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def metric_key(metric: Recorded) -> str:
    return KEY_PREFIX + metric.name


def labels_key(metric: Recorded, labels: dict[str, str]) -> str:
    if set(labels) != set(metric.labels):
        raise ValueError(f"{metric.name} takes labels {metric.labels}, not {tuple(labels)}")
    return json.dumps(labels, sort_keys=True)


def bucket_key(bound: float) -> str:
    return f"le={bound:g}"


def bucket_field(metric: Recorded, value: float) -> str:
    """The one bucket ``value`` falls in (stored per bucket; made cumulative when read)."""
    index = bisect.bisect_left(metric.buckets, value)
    return bucket_key(metric.buckets[index]) if index < len(metric.buckets) else "le=+Inf"


class _Writer:
    def __init__(self) -> None:
        self._pid: int | None = None
        self._queue: queue.Queue = queue.Queue(MAX_PENDING)
        self._last_complaint = 0.0
        self._guard = threading.Lock()

    def put(self, key: str, increments: list[tuple[str, float]]) -> None:
        if not settings.METRICS_REDIS_URL:  # the demo's filesystem broker: no store
            return
        try:
            self._started().put_nowait((key, increments))
        except queue.Full:
            self._complain("too many pending", 1)

    def forget_parent(self) -> None:
        """In a forked child: the parent's thread is gone and its lock may be held."""
        self._guard = threading.Lock()
        self._pid = None

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything recorded so far was written (or dropped)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def _started(self) -> queue.Queue:
        # After a fork (a prefork worker, a gunicorn worker) the parent's thread is gone.
        with self._guard:
            if self._pid != os.getpid():
                self._pid, self._queue = os.getpid(), queue.Queue(MAX_PENDING)
                threading.Thread(
                    target=self._write_forever, args=(self._queue,), name="metrics", daemon=True
                ).start()
        return self._queue

    def _write_forever(self, updates: queue.Queue) -> None:
        url, client = None, None
        while True:
            batch = [updates.get()]
            while len(batch) < 500:
                try:
                    batch.append(updates.get_nowait())
                except queue.Empty:
                    break
            try:
                if url != settings.METRICS_REDIS_URL:
                    url = settings.METRICS_REDIS_URL
                    client = redis_client(url, timeout=2)
                pipeline = client.pipeline(transaction=True)
                for key, increments in batch:
                    for field, amount in increments:
                        pipeline.hincrbyfloat(key, field, amount)
                pipeline.execute()
            except Exception as exc:  # noqa: BLE001 - this thread must outlive any failure
                url = None  # a bad URL is read again next time
                self._complain(type(exc).__name__, len(batch))
            finally:
                for _ in batch:
                    updates.task_done()

    def _complain(self, why: str, dropped: int) -> None:
        now = time.monotonic()
        if now - self._last_complaint >= COMPLAINT_INTERVAL:
            self._last_complaint = now
            logger.warning("metrics store unreachable (%s); %d update(s) dropped", why, dropped)


_writer = _Writer()
flush = _writer.flush
os.register_at_fork(after_in_child=_writer.forget_parent)
# What was recorded just before a worker or web process exits is still written.
atexit.register(_writer.flush, 2.0)


def counter_add(metric: Recorded, amount: float = 1, **labels: str) -> None:
    if amount:
        _writer.put(metric_key(metric), [(labels_key(metric, labels), amount)])


def histogram_observe(metric: Recorded, value: float, **labels: str) -> None:
    prefix = labels_key(metric, labels)
    _writer.put(
        metric_key(metric),
        [
            (f"{prefix}|{bucket_field(metric, value)}", 1),
            (f"{prefix}|count", 1),
            (f"{prefix}|sum", value),
        ],
    )


def stored_values(client: redis.Redis, metric: Recorded) -> dict[str, float]:
    """Raw stored fields of one metric; raises ``redis.RedisError`` if the store is down."""
    raw = client.hgetall(metric_key(metric))
    return {field.decode(): float(value) for field, value in raw.items()}
