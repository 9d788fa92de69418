from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from reviewapp.workflow import requests_sweep_stale


class Command(BaseCommand):
    help = "Re-enqueue draft requests whose generation was lost (the beat schedule runs this too)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=None, help="seconds; default from settings"
        )

    def handle(self, *args, older_than: int | None, **options):
        age = timedelta(seconds=older_than) if older_than is not None else None
        requeued = requests_sweep_stale(older_than=age)
        self.stdout.write(f"re-enqueued {len(requeued)} request(s)")
