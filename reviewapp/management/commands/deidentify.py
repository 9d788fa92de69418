from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from reviewapp.deid import deidentify
from reviewapp.lib.jsonlines import process_lines


class Command(BaseCommand):
    help = (
        'De-identify text: reads {"id","text","lang"?} JSON lines on stdin, writes '
        '{"id","text","entities"} lines, every identifier replaced by a typed placeholder '
        "([NAME], [PHONE], ...) and entities as {type, start, end} in the input text."
    )

    def handle(self, *args, **options):
        def clean(text: str, lang: str | None) -> dict:
            # Finnish and English are handled together; lang is accepted for the contract.
            cleaned, entities = deidentify(text)
            return {
                "text": cleaned,
                "entities": [{"type": e.type, "start": e.start, "end": e.end} for e in entities],
            }

        errors = process_lines(sys.stdin, self.stdout, clean)
        if errors:
            self.stderr.write(f"{errors} line(s) could not be read; see their error lines.")
