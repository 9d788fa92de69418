"""The Celery app. Importing it must stay cheap: no torch, no model, no CUDA.

The web process imports it only to publish; workers load the model lazily in
their own (child) process, see ``worker.engine_cache``.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")

app = Celery("countersign")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ("worker.tasks", "worker.health")

GENERATE_TASK = "worker.tasks.generate_candidates"
CRISIS_ALERT_TASK = "worker.tasks.send_crisis_alert"
EXPORT_TASK = "worker.tasks.write_export_snapshot"
