"""Publishing work for the workers. Used by the web process; imports no model code."""

from __future__ import annotations

import logging

from reviewapp.observability.events import failure
from worker.celery import CRISIS_ALERT_TASK, EXPORT_TASK, GENERATE_TASK, app

logger = logging.getLogger(__name__)


def _publish(task: str, object_id: int, queue: str, what: str) -> bool:
    """Publish a task for a committed row. Returns False, without raising, if the
    broker is down: the row says what is left to do, and the sweeper publishes
    it again once the broker answers."""
    try:
        app.send_task(task, args=[object_id], queue=queue)
    except Exception as exc:  # kombu raises several types for an unreachable broker
        failure("enqueue")
        logger.warning(
            "broker unavailable (%s); %s %s waits for the sweeper",
            type(exc).__name__,
            what,
            object_id,
        )
        return False
    return True


def enqueue_generation(request_id: int, queue: str) -> bool:
    return _publish(GENERATE_TASK, request_id, queue, "draft request")


def enqueue_crisis_alert(alert_id: int) -> bool:
    return _publish(CRISIS_ALERT_TASK, alert_id, "maintenance", "crisis alert")


def enqueue_export(snapshot_id: int) -> bool:
    return _publish(EXPORT_TASK, snapshot_id, "maintenance", "export snapshot")
