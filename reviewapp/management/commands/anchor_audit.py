from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from reviewapp.audit_anchors import anchor_file, anchor_write


class Command(BaseCommand):
    help = (
        "Append the audit chain's head (event count, last id and MAC) to AUDIT_ANCHOR_FILE "
        "and send it to AUDIT_ANCHOR_WEBHOOK_URL if set; beat does this every "
        "AUDIT_ANCHOR_INTERVAL_SECONDS. Prints the anchor."
    )

    def handle(self, *args, **options):
        anchor = anchor_write()
        self.stdout.write(json.dumps({**anchor.as_json(), "file": str(anchor_file())}))
