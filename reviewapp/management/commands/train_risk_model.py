from __future__ import annotations

import argparse
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviewapp.risk.model import risk_model_forget
from reviewapp.risk.training import CORPUS, Example, build, labelled_examples, write


def _corrections() -> list[Example]:
    from reviewapp.risk.corrections import labelled_texts

    return [
        Example(text=row.text, level=row.level, lang=row.lang, split="train", batch="corrections")
        for row in labelled_texts()
        if row.lang in ("fi", "en") and row.text.strip()
    ]


class Command(BaseCommand):
    help = (
        "Build the learned layer of the risk screen from reviewapp/risk/corpus (train split), "
        "choosing its settings on the dev split and reporting dev and test figures; writes the "
        "artefact the screen loads (RISK_MODEL_DIR). Deterministic: the same files give the "
        "same artefact."
    )
    # Runs before the artefact exists: the check that asks for it must not stop it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="folder to write (default RISK_MODEL_DIR)")
        parser.add_argument(
            "--corpus",
            type=Path,
            default=CORPUS,
            help="the labelled corpus: batches/*.jsonl and splits.json (default: the repository's)",
        )
        parser.add_argument(
            "--corrections",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="add the reviewers' risk verdicts (de-identified) to the training split "
            "(default: the RISK_TRAIN_ON_CORRECTIONS setting)",
        )
        parser.add_argument(
            "--extra",
            type=Path,
            action="append",
            default=[],
            help="a labelled JSONL file ({text, level, lang} rows) added to the training split",
        )

    def handle(self, *args, **options):
        from reviewapp.risk.screen import rules_screen

        out = options["out"] or Path(settings.COUNTERSIGN["RISK_MODEL_DIR"])
        with_corrections = options["corrections"]
        if with_corrections is None:
            with_corrections = settings.COUNTERSIGN["RISK_TRAIN_ON_CORRECTIONS"]
        extra = _corrections() if with_corrections else []
        try:
            for path in options["extra"]:
                extra += labelled_examples(path, split="train", batch=path.stem)
            built = build(
                rules=lambda text: rules_screen(text).level,
                extra_train=extra,
                root=options["corpus"],
                log=lambda line: self.stderr.write(line),
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot build the risk model: {exc}") from None
        digest = write(built, out)
        risk_model_forget()
        report = built.meta["figures"]
        for split in ("dev_across_writers", "dev", "test"):
            got = report[split]["all"]
            self.stderr.write(
                f"{split}: crisis as crisis {got['crisis_as_crisis']['rate']}, "
                f"risk as >= elevated {got['risk_at_least_elevated']['rate']}, "
                f"ordinary as crisis {got['ordinary_as_crisis']['rate']} "
                f"(n={got['n']})"
            )
        self.stdout.write(
            json.dumps(
                {
                    "out": str(out),
                    "arrays_sha256": digest,
                    "thresholds": built.meta["thresholds"],
                    "extra_train": len(extra),
                }
            )
        )
