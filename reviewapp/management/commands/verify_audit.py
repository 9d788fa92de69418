from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from reviewapp.audit import audit_chain_breaks
from reviewapp.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain; name the first event whose link is broken "
        "(exit status 1), or report how many events hold."
    )

    def handle(self, *args, **options):
        for event_id, problem in audit_chain_breaks():
            raise CommandError(f"audit chain broken at event {event_id}: {problem}")
        self.stdout.write(json.dumps({"events": AuditEvent.objects.count(), "chain": "intact"}))
