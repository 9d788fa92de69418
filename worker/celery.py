"""The Celery app. Importing it must stay cheap: no torch, no model, no CUDA.

The web process imports it only to publish; workers load the model lazily in
their own (child) process, see ``worker.engine_cache``.
"""

from __future__ import annotations

import logging
import os

from celery import Celery, concurrency
from celery.signals import celeryd_after_setup, worker_shutting_down

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")

# `--pool threads` gets the threads pool that can stop its tasks on a cold shutdown
# (worker.thread_pool). Celery resolves the pool's name after loading this app.
concurrency.ALIASES["threads"] = "worker.thread_pool:TaskPool"

app = Celery("countersign")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ("worker.tasks", "worker.health")

GENERATE_TASK = "worker.tasks.generate_candidates"
CRISIS_ALERT_TASK = "worker.tasks.send_crisis_alert"
EXPORT_TASK = "worker.tasks.write_export_snapshot"


@celeryd_after_setup.connect
def _consume_annotation_lanes(sender, instance, **_kwargs) -> None:
    """A worker drafting for a queue also drafts that queue's annotation batches,
    from their own queue at the lowest priority, so a batch of thousands of
    imported prompts never stands in front of a patient's message."""
    from worker.dispatch import annotation_queue

    queues = instance.app.amqp.queues
    for name in list(queues.consume_from or queues):
        companion = annotation_queue(name)
        if companion:
            queues.select_add(companion)


@worker_shutting_down.connect
def _bounded_shutdown(sig, how, exitcode, **_kwargs) -> None:
    """SIGTERM (warm): drafts running get WORKER_SHUTDOWN_SECONDS to finish, then go
    back to the queue; SIGQUIT (cold): back at once. Runs in the signal handler."""
    from django.conf import settings

    from worker import shutdown

    bound = settings.COUNTERSIGN["WORKER_SHUTDOWN_SECONDS"] if how == "Warm" else 0
    shutdown.begin(bound)


# What a task says when it hands its draft back (worker.tasks).
HANDED_BACK = "worker stopping"


class _HandBackWithoutTraceback(logging.Filter):
    """Celery logs every rejected task with the Reject's traceback; a draft handed
    back because the worker is stopping is expected, so its one WARNING line is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if getattr(exc, "reason", None) == HANDED_BACK:
            record.exc_info, record.exc_text = None, None
        return True


logging.getLogger("celery.app.trace").addFilter(_HandBackWithoutTraceback())
