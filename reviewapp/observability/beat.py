"""Whether Celery beat runs: the sweeper records each run, health checks read it.

Beat must run somewhere, exactly once: it alone schedules the sweeper, and without
the sweeper a request whose worker was killed stays "generating" until a clinician
notices. A worker started without ``-B`` (or no beat container) says nothing by
itself, so the sweep task writes when it ran, and /healthz and ``worker_health``
call beat "missing" when it never ran and "stale" when that is older than a few
sweep intervals.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from reviewapp.models import PeriodicRun

SWEEP_TASK = "sweep_stale_requests"
# Sweeps a beat may miss (a busy maintenance queue, a restart) before it is reported.
STALE_AFTER_SWEEPS = 3


def sweep_run_record() -> None:
    PeriodicRun.objects.update_or_create(task=SWEEP_TASK, defaults={"ran_at": timezone.now()})


def beat_state(now: datetime) -> tuple[str, datetime | None]:
    """("ok" | "stale" | "missing", when the sweeper last ran)."""
    ran_at = PeriodicRun.objects.filter(task=SWEEP_TASK).values_list("ran_at", flat=True).first()
    if ran_at is None:
        return "missing", None
    allowed = timedelta(seconds=STALE_AFTER_SWEEPS * settings.SWEEP_INTERVAL_SECONDS)
    return ("stale" if now - ran_at > allowed else "ok"), ran_at
