from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviewapp.curation import ExportFilters
from reviewapp.errors import InvalidInput
from reviewapp.export import DEFAULT_MIN_EDIT_DISTANCE, EXTRA_FORMATS, FORMATS, ExportOptions
from reviewapp.models import ExportSnapshot
from reviewapp.snapshots import snapshot_request, snapshot_write


class Command(BaseCommand):
    help = (
        "Export de-identified clinician decisions as TRL JSONL (SFT, DPO or KTO): an immutable "
        "snapshot with a manifest and a dataset card, registered for train_adapter --snapshot."
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
        parser.add_argument("--since", type=date.fromisoformat, help="YYYY-MM-DD, inclusive")
        parser.add_argument("--until", type=date.fromisoformat, help="YYYY-MM-DD, inclusive")
        parser.add_argument("--profile", default="", help="profile name")
        parser.add_argument("--profile-version", type=int)
        parser.add_argument("--reviewer", default="", help="username of the reviewer")
        parser.add_argument("--reason", default="", help="a rejection reason key")
        parser.add_argument("--language", default="", help="e.g. fi or en")
        parser.add_argument("--risk-level", default="", help="none, elevated or crisis")
        parser.add_argument("--service", default="", help="a service's slug")
        parser.add_argument(
            "--min-agreement",
            type=float,
            help="share (0-1) of an item's reviewers who must agree on its verdict; "
            "items with one verdict pass",
        )
        parser.add_argument(
            "--also",
            action="append",
            choices=EXTRA_FORMATS,
            default=[],
            help="also write Parquet and/or a datasets save_to_disk folder (repeatable)",
        )
        parser.add_argument(
            "--validation",
            type=int,
            default=0,
            help="percent of conversations (0-50) written to the validation file",
        )

    def handle(self, *args, **options):
        try:
            filters = ExportFilters.from_values(options)
            export_options = ExportOptions(
                fmt=options["format"],
                filters=filters,
                min_edit_distance=options["min_edit_distance"],
                validation_percent=options["validation"],
                also=tuple(options["also"]),
            )
            snapshot = snapshot_request(export_options, folder=options["out"])
        except (FileExistsError, InvalidInput) as exc:
            raise CommandError(str(exc)) from None
        snapshot = snapshot_write(snapshot.pk)
        if snapshot.status != ExportSnapshot.Status.DONE:
            raise CommandError(f"export snapshot {snapshot.pk} failed: {snapshot.error}")
        self.stdout.write(
            json.dumps({"snapshot": snapshot.pk, "counts": snapshot.manifest["counts"]})
        )
