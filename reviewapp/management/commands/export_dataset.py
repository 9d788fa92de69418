from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviewapp.export import DEFAULT_MIN_EDIT_DISTANCE, FORMATS, dataset_export


class Command(BaseCommand):
    help = (
        "Export de-identified clinician decisions as TRL JSONL (SFT, DPO or KTO) with a manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--out", required=True, type=Path, help="a new or empty folder")
        parser.add_argument(
            "--min-edit-distance",
            type=float,
            default=DEFAULT_MIN_EDIT_DISTANCE,
            help="normalised edit distance from which an edit's original counts as rejected",
        )

    def handle(self, *args, format: str, out: Path, min_edit_distance: float, **options):
        if not 0 <= min_edit_distance <= 1:
            raise CommandError("--min-edit-distance must be between 0 and 1.")
        try:
            manifest = dataset_export(fmt=format, out_dir=out, min_edit_distance=min_edit_distance)
        except FileExistsError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(manifest["counts"]))
