from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reviewapp.export import file_sha256
from reviewapp.models import ExportSnapshot, ModelProfile
from reviewapp.profiles import profile_next_version


def verified_train_file(snapshot: ExportSnapshot) -> Path:
    """The snapshot's SFT training file, checked against its manifest's sha256."""
    if snapshot.status != ExportSnapshot.Status.DONE:
        raise CommandError(f"snapshot {snapshot.pk} is {snapshot.status}, not done")
    if snapshot.format != "sft":
        raise CommandError(
            f"snapshot {snapshot.pk} is {snapshot.format.upper()}; train_adapter trains on SFT "
            "exports (export_dataset --format sft)"
        )
    path = Path(snapshot.folder) / "sft.jsonl"
    expected = snapshot.manifest["files"]["sft.jsonl"]["sha256"]
    if not path.is_file() or file_sha256(path) != expected:
        raise CommandError(f"{path} is missing or changed since snapshot {snapshot.pk} was written")
    return path


class Command(BaseCommand):
    help = (
        "Fine-tune a LoRA adapter (PEFT) on an SFT export snapshot and register it as the next "
        "version of a profile, with the snapshot it came from."
    )

    def add_arguments(self, parser):
        parser.add_argument("--snapshot", type=int, required=True, help="export snapshot id")
        parser.add_argument(
            "--profile", default="", help="profile name whose base it trains on (default profile)"
        )
        parser.add_argument("--epochs", type=float, default=1.0)
        parser.add_argument("--max-steps", type=int, help="stop after this many steps")
        parser.add_argument("--learning-rate", type=float, default=2e-4)
        parser.add_argument("--batch-size", type=int, default=4)
        parser.add_argument("--max-length", type=int, default=1024, help="tokens per row")
        parser.add_argument("--rank", type=int, help="LoRA r (default: the profile's card, or 16)")
        parser.add_argument("--alpha", type=int, help="LoRA alpha (default: the card's, or 2r)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--make-default",
            action="store_true",
            help="draft new requests with the trained version at once",
        )

    def handle(self, *args, **options):
        from worker.loading import QUANTISED, load_base
        from worker.tasks import profile_spec
        from worker.training import (
            TrainingRecipe,
            end_of_turn_id,
            sft_rows,
            tokenised,
            train_lora,
            training_card,
        )

        snapshot = ExportSnapshot.objects.filter(pk=options["snapshot"]).first()
        if snapshot is None:
            raise CommandError(f"no export snapshot {options['snapshot']}")
        train_file = verified_train_file(snapshot)
        base = self._base_profile(options["profile"])
        card = base.adapter_config or {}
        rank = options["rank"] or card.get("r", 16)
        try:
            recipe = TrainingRecipe(
                r=rank,
                alpha=options["alpha"] or card.get("alpha", 2 * rank),
                target_modules=tuple(card.get("target_modules") or TrainingRecipe.target_modules),
                epochs=options["epochs"],
                max_steps=options["max_steps"],
                learning_rate=options["learning_rate"],
                batch_size=options["batch_size"],
                max_length=options["max_length"],
                seed=options["seed"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None

        # A fresh adapter on the base weights, loaded as the worker loads them.
        spec = profile_spec(base)
        model, tokenizer, device, mode = load_base(
            spec, cache_dir=Path(settings.COUNTERSIGN["MODEL_CACHE_DIR"])
        )
        end_id = end_of_turn_id(model, tokenizer)
        examples, skipped = [], 0
        for messages in sft_rows(train_file):
            example = tokenised(
                messages,
                tokenizer,
                end_id=end_id,
                prompt_format=spec.prompt_format,
                system_prompt=spec.system_prompt,
                max_length=recipe.max_length,
            )
            if example is None:
                skipped += 1
            else:
                examples.append(example)
        try:
            model, result = train_lora(
                model, tokenizer, examples, recipe, device=device, quantised=mode in QUANTISED
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None

        folder = Path(settings.COUNTERSIGN["ADAPTER_ROOT"]) / (
            f"{base.name}-snapshot{snapshot.pk}-{timezone.now():%Y%m%dT%H%M%S}"
        )
        model.save_pretrained(folder)
        provenance = {"snapshot": snapshot.pk, "base_profile": str(base), "rows_skipped": skipped}
        (folder / "training_card.json").write_text(
            json.dumps(training_card(recipe, result, **provenance), indent=2) + "\n"
        )
        trained = profile_next_version(
            base,
            adapter=str(folder),
            adapter_config=recipe.adapter_config(),
            trained_from=snapshot,
            label=f"{base.label} (trained on snapshot {snapshot.pk})"[:200],
            is_default=options["make_default"] or False,
        )
        self.stdout.write(
            json.dumps(
                {
                    "profile": trained.name,
                    "version": trained.version,
                    "adapter": str(folder),
                    "examples": result.examples,
                    "steps": result.steps,
                    "first_loss": round(result.first_loss, 4),
                    "last_loss": round(result.last_loss, 4),
                    "seconds": round(result.seconds, 1),
                }
            )
        )

    def _base_profile(self, name: str) -> ModelProfile:
        profiles = ModelProfile.objects.order_by("-version")
        if name:
            profile = profiles.filter(name=name).first()
        else:
            default = ModelProfile.objects.filter(is_default=True).first()
            profile = default and profiles.filter(name=default.name).first()
        if profile is None:
            raise CommandError(f"no profile {name!r}" if name else "no default profile")
        return profile
