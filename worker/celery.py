"""The Celery app. Importing it must stay cheap: no torch, no model, no CUDA.

The web process imports it only to publish; workers load the model lazily in
their own (child) process, see ``worker.engine_cache``.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import celeryd_after_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")

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
