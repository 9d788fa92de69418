from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reviewapp.models import WorkerHeartbeat
from reviewapp.observability.beat import STALE_AFTER_SWEEPS, beat_state


class Command(BaseCommand):
    help = (
        "Exit 0 if the Celery worker named --hostname (gpu0@host) wrote a heartbeat "
        "within three intervals; the container health check of each worker. With "
        "--beat, also fail unless beat's sweeper ran within a few sweep intervals "
        "(the check of the one worker that runs beat). Either way a missing beat is "
        "reported on stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hostname", help="the worker's --hostname")
        parser.add_argument(
            "--beat", action="store_true", help="fail if beat's sweeper has not run lately"
        )

    def handle(self, *args, hostname: str | None, beat: bool, **options):
        if not hostname and not beat:
            raise CommandError("Name a worker with --hostname, or check beat with --beat.")
        now = timezone.now()
        beat_problem = self._beat_problem(now)
        if beat and beat_problem:
            raise CommandError(beat_problem)
        if beat_problem:
            self.stderr.write(f"warning: {beat_problem}")
        if hostname:
            self._check_worker(hostname, now)
        if beat:
            self.stdout.write("beat: the sweeper ran within its interval")

    def _beat_problem(self, now) -> str:
        state, ran_at = beat_state(now)
        if state == "missing":
            return (
                "beat: the sweeper has never run; run beat once "
                "(a worker with -B, or `celery -A worker.celery beat`)"
            )
        if state == "stale":
            seconds = (now - ran_at).total_seconds()
            return (
                f"beat: the sweeper last ran {seconds:.0f} s ago (every "
                f"{settings.SWEEP_INTERVAL_SECONDS} s expected; missing after "
                f"{STALE_AFTER_SWEEPS} intervals)"
            )
        return ""

    def _check_worker(self, hostname: str, now) -> None:
        # One row per process: a restarted worker writes under its new pid.
        heartbeat = (
            WorkerHeartbeat.objects.filter(worker__startswith=f"{hostname}:")
            .order_by("-last_seen")
            .first()
        )
        if heartbeat is None:
            raise CommandError(f"{hostname} has not reported yet")
        if heartbeat.silent(now):
            seconds = (now - heartbeat.last_seen).total_seconds()
            raise CommandError(f"{hostname} last reported {seconds:.0f} s ago")
        self.stdout.write(f"{heartbeat.worker} reported {heartbeat.last_seen:%H:%M:%S}")
