"""Publishing work for the workers. Used by the web process; imports no model code."""

from __future__ import annotations

import logging

from reviewapp.observability.events import failure
from worker.celery import CRISIS_ALERT_TASK, EXPORT_TASK, GENERATE_TASK, app

logger = logging.getLogger(__name__)


# Where the sweeper, crisis alerts and exports go (every deployment runs a worker on it).
MAINTENANCE_QUEUE = "maintenance"

# Drafting lanes. Redis pops a queue's priority 0 first (kombu keeps one list per
# step of priority_steps 0, 3, 6, 9, and BRPOPs them in that order across every
# queue a worker consumes), so a crisis is drafted before the routine backlog on
# the same worker, and annotation batches, on their own queue, after everything.
# The demo's filesystem broker has no priorities: there it is first come, first served.
DRAFTING_PRIORITY = {"crisis": 0, "elevated": 3, "none": 6}
ANNOTATION_PRIORITY = 9
# A profile's annotation work goes to "<its queue>.annotation", which every worker
# consuming "<its queue>" also consumes (``worker.celery``): same model, lower lane.
ANNOTATION_QUEUE_SUFFIX = ".annotation"


def drafting_lane(*, queue: str, risk_level: str, annotation: bool) -> tuple[str, int]:
    """The queue and broker priority a draft request is published with."""
    if annotation:
        return queue + ANNOTATION_QUEUE_SUFFIX, ANNOTATION_PRIORITY  # see annotation_queue
    return queue, DRAFTING_PRIORITY.get(risk_level, DRAFTING_PRIORITY["none"])


def annotation_queue(queue: str) -> str | None:
    """The annotation queue a worker consuming ``queue`` also consumes (None: none)."""
    if queue == MAINTENANCE_QUEUE or queue.endswith(ANNOTATION_QUEUE_SUFFIX):
        return None
    return queue + ANNOTATION_QUEUE_SUFFIX


def _publish(task: str, object_id: int, queue: str, what: str, *, priority: int = 0) -> bool:
    """Publish a task for a committed row. Returns False, without raising, if the
    broker is down: the row says what is left to do, and the sweeper publishes
    it again once the broker answers."""
    try:
        app.send_task(task, args=[object_id], queue=queue, priority=priority)
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


def enqueue_generation(
    request_id: int, queue: str, *, risk_level: str = "none", annotation: bool = False
) -> bool:
    lane, priority = drafting_lane(queue=queue, risk_level=risk_level, annotation=annotation)
    return _publish(GENERATE_TASK, request_id, lane, "draft request", priority=priority)


def enqueue_crisis_alert(alert_id: int) -> bool:
    return _publish(CRISIS_ALERT_TASK, alert_id, MAINTENANCE_QUEUE, "crisis alert")


def enqueue_export(snapshot_id: int) -> bool:
    return _publish(EXPORT_TASK, snapshot_id, MAINTENANCE_QUEUE, "export snapshot")
