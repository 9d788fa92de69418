from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from reviewapp.lib.jsonlines import process_lines
from reviewapp.risk.screen import screen_text


class Command(BaseCommand):
    help = (
        'Screen messages for risk: reads {"id","text","lang"?} JSON lines on stdin, writes '
        '{"id","level","reasons"} lines (level none, elevated or crisis), the screen the '
        "review desk runs on every patient message."
    )

    def handle(self, *args, **options):
        def screen(text: str, lang: str | None) -> dict:
            # Rules and model cover Finnish and English at once; lang is accepted for the contract.
            # No time limit here: a batch tool wants the full screen of every line.
            result = screen_text(text)
            return {"level": result.level, "reasons": result.reasons}

        errors = process_lines(sys.stdin, self.stdout, screen)
        if errors:
            self.stderr.write(f"{errors} line(s) could not be read; see their error lines.")
