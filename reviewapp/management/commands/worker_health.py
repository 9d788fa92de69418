from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reviewapp.models import WorkerHeartbeat


class Command(BaseCommand):
    help = (
        "Exit 0 if the Celery worker named --hostname (gpu0@host) wrote a heartbeat "
        "within three intervals; the container health check of each worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hostname", required=True, help="the worker's --hostname")

    def handle(self, *args, hostname: str, **options):
        now = timezone.now()
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
