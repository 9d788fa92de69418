"""Worker heartbeats: what each worker has loaded, on which device, using how much memory."""

from __future__ import annotations

import logging
import os
import socket
import threading

import psutil
from celery.signals import worker_ready
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from reviewapp.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

_identity = {"name": f"{socket.gethostname()}:{os.getpid()}"}


def _device_and_memory() -> tuple[str, int, int]:
    import sys

    torch = sys.modules.get("torch")  # only report CUDA if this process already uses torch
    if torch is not None and torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        return torch.cuda.get_device_name(), total - free, total
    return "cpu", psutil.Process().memory_info().rss, psutil.virtual_memory().total


def heartbeat_write() -> WorkerHeartbeat:
    from worker.engine_cache import loaded_engines

    device, used, total = _device_and_memory()
    engines = [
        {
            "base_model": engine.base_model,
            "loading_mode": engine.loading_mode,
            "adapters": sorted(engine.adapters),
            "profiles": sorted(engine.profiles_served),
            "batches": len(engine.batch_rows),
        }
        for engine in loaded_engines()
    ]
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        worker=_identity["name"],
        defaults={
            "device": device,
            "memory_used_bytes": used,
            "memory_total_bytes": total,
            "engines": engines,
            "last_seen": timezone.now(),
        },
    )
    return heartbeat


def _beat_forever(interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            close_old_connections()
            heartbeat_write()
        except Exception:  # a missed heartbeat must never stop the worker
            logger.exception("could not write the worker heartbeat")


@worker_ready.connect
def start_heartbeat(sender=None, **kwargs) -> None:
    if sender is not None and getattr(sender, "hostname", None):
        _identity["name"] = f"{sender.hostname}:{os.getpid()}"
    heartbeat_write()
    thread = threading.Thread(
        target=_beat_forever,
        args=(settings.COUNTERSIGN["HEARTBEAT_SECONDS"], threading.Event()),
        name="heartbeat",
        daemon=True,
    )
    thread.start()
