"""Publishing generation work. Used by the web process; imports no model code."""

from __future__ import annotations

import logging

from worker.celery import CRISIS_ALERT_TASK, GENERATE_TASK, app

logger = logging.getLogger(__name__)


def enqueue_generation(request_id: int, queue: str) -> bool:
    """Publish one generation task. Returns False, without raising, if the broker is down.

    The request is already committed, so nothing is lost: the sweeper finds it
    still queued and publishes it again once the broker answers.
    """
    try:
        app.send_task(GENERATE_TASK, args=[request_id], queue=queue)
    except Exception as exc:  # kombu raises several types for an unreachable broker
        logger.warning(
            "broker unavailable (%s); draft request %s stays queued for the sweeper",
            type(exc).__name__,
            request_id,
        )
        return False
    return True


def enqueue_crisis_alert(alert_id: int) -> bool:
    """Publish a crisis alert; if the broker is down, the sweeper sends it later."""
    try:
        app.send_task(CRISIS_ALERT_TASK, args=[alert_id], queue="maintenance")
    except Exception as exc:  # as above
        logger.warning(
            "broker unavailable (%s); crisis alert %s waits for the sweeper",
            type(exc).__name__,
            alert_id,
        )
        return False
    return True
