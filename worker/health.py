"""Worker heartbeats: what each worker has loaded, on which device, using how much memory."""

from __future__ import annotations

import logging
import os
import socket
import threading

import psutil
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from reviewapp.models import WorkerHeartbeat
from worker.throughput import tokens_per_second

logger = logging.getLogger(__name__)

_identity: dict = {"name": f"{socket.gethostname()}:{os.getpid()}", "queues": []}


def _device_and_memory() -> tuple[str, int, int]:
    import sys

    torch = sys.modules.get("torch")  # only report CUDA if this process already uses torch
    if torch is not None and torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        return torch.cuda.get_device_name(), total - free, total
    return "cpu", psutil.Process().memory_info().rss, psutil.virtual_memory().total


_writing = threading.Lock()


def heartbeat_write() -> WorkerHeartbeat:
    # Task threads and the heartbeat thread all write: one at a time, reading the
    # totals inside the lock, so a stale reading is never written last (Prometheus
    # would take a token total that went down for a restart).
    with _writing:
        return _heartbeat_write()


def _heartbeat_write() -> WorkerHeartbeat:
    from worker.engine_cache import loaded_engines

    device, used, total = _device_and_memory()
    loaded = loaded_engines()
    seconds = sum(engine.throughput.seconds for engine in loaded)
    tokens = sum(engine.throughput.tokens for engine in loaded)
    engines = [
        {
            "base_model": engine.base_model,
            "loading_mode": engine.loading_mode,
            "adapters": sorted(engine.adapters),
            "profiles": sorted(engine.profiles_served),
            "batches": len(engine.batch_rows),
            "tokens_per_second": round(tokens_per_second([engine.throughput]), 1),
        }
        for engine in loaded
    ]
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        worker=_identity["name"],
        defaults={
            "device": device,
            "memory_used_bytes": used,
            "memory_total_bytes": total,
            "engines": engines,
            "queues": _identity["queues"],
            "tokens_generated": tokens,
            "generation_seconds": seconds,
            "tokens_per_second": tokens_per_second([engine.throughput for engine in loaded]),
            "last_seen": timezone.now(),
        },
    )
    return heartbeat


def heartbeat_write_safely() -> None:
    """A heartbeat that fails is logged; it never fails the work it reports on."""
    try:
        heartbeat_write()
    except Exception:
        logger.exception("could not write the worker heartbeat")


def _beat_until(stop: threading.Event, interval: float) -> None:
    try:
        while not stop.wait(interval):
            close_old_connections()
            heartbeat_write_safely()
    finally:
        connections.close_all()


_stop = threading.Event()


@worker_ready.connect
def start_heartbeat(sender=None, **kwargs) -> None:
    if sender is not None and getattr(sender, "hostname", None):
        _identity["name"] = f"{sender.hostname}:{os.getpid()}"
        _identity["queues"] = sorted(sender.app.amqp.queues.consume_from or ())
    heartbeat_write_safely()
    _stop.clear()
    threading.Thread(
        target=_beat_until,
        args=(_stop, settings.COUNTERSIGN["HEARTBEAT_SECONDS"]),
        name="heartbeat",
        daemon=True,
    ).start()


@worker_shutdown.connect
def stop_heartbeat(**kwargs) -> None:
    _stop.set()
