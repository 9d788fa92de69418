"""Clinician decisions as TRL training data: SFT, DPO and KTO JSONL plus a manifest.

Per patient message that has at least one decision:
- prompt: the conversation the patient saw up to that message (``Message.history``);
- chosen: the released text (an approved candidate, an edit, or the clinician's own);
- rejected: every candidate of a rejected set for that message, and the original
  candidate of an edit when the edit is substantive (normalised Levenshtein
  distance at least ``min_edit_distance``; near-identical pairs teach nothing).

KTO labels: an approved-unchanged candidate is true; a rejected candidate is
false; a substantive edit gives its original as false and its final text as
true; a written reply is true. Every text is de-identified before it is written.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Prefetch
from django.utils import timezone
from rapidfuzz.distance import Levenshtein

from reviewapp.audit import audit_record
from reviewapp.deid import DEID_VERSION, deidentify
from reviewapp.models import Decision, DraftRequest, Message

FORMATS = ("sft", "dpo", "kto")
DEFAULT_MIN_EDIT_DISTANCE = 0.1
BATCH_SIZE = 500


@dataclass
class Example:
    """Everything the decisions on one patient message teach."""

    prompt: list[dict[str, str]]
    chosen: str | None = None
    approved_unchanged: bool = False
    rejected: list[str] = field(default_factory=list)


def _assistant(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def sft_rows(example: Example) -> Iterator[dict]:
    if example.chosen:
        yield {"messages": example.prompt + _assistant(example.chosen)}


def dpo_rows(example: Example) -> Iterator[dict]:
    if example.chosen:
        for rejected in example.rejected:
            yield {
                "prompt": example.prompt,
                "chosen": _assistant(example.chosen),
                "rejected": _assistant(rejected),
            }


def kto_rows(example: Example) -> Iterator[dict]:
    if example.chosen:
        yield {"prompt": example.prompt, "completion": _assistant(example.chosen), "label": True}
    for rejected in example.rejected:
        yield {"prompt": example.prompt, "completion": _assistant(rejected), "label": False}


ROW_BUILDERS = {"sft": sft_rows, "dpo": dpo_rows, "kto": kto_rows}


def is_substantive_edit(original: str, final: str, min_edit_distance: float) -> bool:
    return Levenshtein.normalized_distance(original, final) >= min_edit_distance


def _clean(text: str) -> str:
    return deidentify(text)[0]


def example_for(message: Message, *, min_edit_distance: float) -> Example:
    example = Example(
        prompt=[{**turn, "content": _clean(turn["content"])} for turn in message.history()]
    )
    rejected: list[str] = []
    for draft in message.draft_requests.all():
        decision = getattr(draft, "decision", None)
        if decision is None:
            continue
        if decision.action == Decision.Action.REJECT:
            rejected += [c.text for c in draft.candidates.all()]
        elif decision.action in Decision.RELEASING_ACTIONS:
            example.chosen = _clean(decision.final_text)
            example.approved_unchanged = decision.action == Decision.Action.APPROVE
            original = decision.candidate.text if decision.candidate else None
            if (
                decision.action == Decision.Action.EDIT
                and original
                and is_substantive_edit(original, decision.final_text, min_edit_distance)
            ):
                rejected.append(original)
    # The same text twice would be the same training signal counted twice.
    cleaned = dict.fromkeys(_clean(text) for text in rejected)
    example.rejected = [text for text in cleaned if text != example.chosen]
    return example


def decided_messages():
    drafts = DraftRequest.objects.select_related("decision__candidate").prefetch_related(
        "candidates"
    )
    return (
        Message.objects.filter(role=Message.Role.PATIENT, draft_requests__decision__isnull=False)
        .distinct()
        .order_by("pk")
        .prefetch_related(Prefetch("draft_requests", queryset=drafts))
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dataset_export(
    *, fmt: str, out_dir: Path, min_edit_distance: float = DEFAULT_MIN_EDIT_DISTANCE, actor=None
) -> dict:
    """Write ``<fmt>.jsonl`` and ``manifest.json`` into a new or empty ``out_dir``.

    Rows are streamed to disk message by message, read in pk-ordered batches.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; an export is never written over another")
    build_rows = ROW_BUILDERS[fmt]
    data_path = out_dir / f"{fmt}.jsonl"
    counts: Counter[str] = Counter()
    with data_path.open("w", encoding="utf-8") as f:
        for message in decided_messages().iterator(chunk_size=BATCH_SIZE):
            counts["messages"] += 1
            for row in build_rows(example_for(message, min_edit_distance=min_edit_distance)):
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                counts["rows"] += 1
                if fmt == "kto":
                    counts["desirable" if row["label"] else "undesirable"] += 1
    manifest = {
        "format": fmt,
        "created_at": timezone.now().isoformat(),
        "filters": {"min_edit_distance": min_edit_distance},
        "counts": dict(counts),
        "files": {data_path.name: {"sha256": _sha256(data_path), "rows": counts["rows"]}},
        "deidentification": DEID_VERSION,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    audit_record(
        action="export.create",
        actor=actor,
        actor_kind="user" if actor else "cli",
        format=fmt,
        counts=dict(counts),
        sha256=manifest["files"][data_path.name]["sha256"],
    )
    return manifest
