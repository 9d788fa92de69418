"""Which workers are alive and which queues they serve, from their heartbeats.

Read by the Workers page and by /metrics, so both say the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from reviewapp.models import DraftRequest, WorkerHeartbeat
from reviewapp.routing import routed_queues

# A worker not heard from for this long is left out (one taken out of service on
# purpose stops showing as down after a day).
FORGET_AFTER = timedelta(hours=24)


def latest_heartbeats(now) -> dict[str, WorkerHeartbeat]:
    """Each worker's last heartbeat, by its Celery name (gpu0@host), not by process:
    a restarted worker is the same worker, and a dead one stays visible as silent."""
    latest: dict[str, WorkerHeartbeat] = {}
    recent = WorkerHeartbeat.objects.filter(last_seen__gte=now - FORGET_AFTER)
    for heartbeat in recent.order_by("last_seen"):
        latest[heartbeat.celery_name] = heartbeat
    return dict(sorted(latest.items()))


def waiting_queues() -> set[str]:
    """Queues with requests waiting for a worker: an annotation batch's profile is
    one no route reaches, and its batch would wait unseen."""
    waiting = DraftRequest.objects.filter(status=DraftRequest.Status.QUEUED)
    return set(waiting.values_list("profile__queue", flat=True).distinct())


def queue_consumers(
    latest: dict[str, WorkerHeartbeat], now, queues: Iterable[str] | None = None
) -> dict[str, int]:
    """Live workers per queue (by default the queues new requests are routed to and
    those with requests waiting); 0 where nobody would draft them. (Profiles nothing
    reaches, such as unused presets, are left out.)"""
    live: dict[str, int] = defaultdict(int)
    for heartbeat in latest.values():
        if not heartbeat.silent(now):
            for queue in heartbeat.queues:
                live[queue] += 1
    wanted = routed_queues() | waiting_queues() if queues is None else set(queues)
    return {queue: live[queue] for queue in sorted(wanted)}
