from __future__ import annotations

import json
from itertools import islice

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reviewapp.audit import audit_chain_breaks
from reviewapp.audit_anchors import (
    anchor_breaks,
    anchor_file,
    anchoring_overdue,
    anchors_read,
    unanchored_events,
)
from reviewapp.models import AuditEvent

# A log rewritten from its start breaks every link: the first ones say enough.
MAX_REPORTED = 50


class Command(BaseCommand):
    help = (
        "Check the audit log's keyed hash chain (with AUDIT_CHAIN_KEY) and that every anchor "
        "in AUDIT_ANCHOR_FILE still matches it; name each broken link or anchor (exit status "
        "1), or report how many events and anchors hold."
    )

    def handle(self, *args, **options):
        problems = [
            f"audit chain broken at event {event_id}: {problem}"
            for event_id, problem in islice(audit_chain_breaks(), MAX_REPORTED)
        ]
        anchors, file_problems = anchors_read()
        problems += file_problems[:MAX_REPORTED]
        problems += islice(anchor_breaks(anchors), MAX_REPORTED)
        if overdue := anchoring_overdue(anchors, timezone.now()):
            problems.append(overdue)
        if len(problems) > 1:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{problems[0]} ({len(problems) - 1} more above)")
        if problems:
            raise CommandError(problems[0])
        self.stdout.write(
            json.dumps(
                {
                    "events": AuditEvent.objects.count(),
                    "chain": "intact",
                    "anchors": len(anchors),
                    # What an attacker could still remove unseen: written since the last anchor.
                    "unanchored_events": unanchored_events(anchors),
                    "anchor_file": str(anchor_file()),
                }
            )
        )
