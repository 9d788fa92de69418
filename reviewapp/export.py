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

Annotation items (imported prompts, each reviewed by K annotators) are exported
the same way, one verdict per annotator: every text an annotator chose is a
chosen text, and a candidate one annotator chose is never also a rejected one.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Prefetch, Q
from django.utils import timezone

from reviewapp.audit import audit_record
from reviewapp.curation import ExportFilters, prompt_fingerprint, split_of
from reviewapp.deid import DEID_VERSION, Pseudonyms, deidentify
from reviewapp.diff import edit_distance
from reviewapp.models import Decision, DraftRequest, Message

FORMATS = ("sft", "dpo", "kto")
DEFAULT_MIN_EDIT_DISTANCE = 0.1
BATCH_SIZE = 500


@dataclass
class Example:
    """Everything the decisions on one message teach.

    A patient message has one released reply at most; an annotation item has
    one verdict per annotator, so several texts may be chosen.
    """

    prompt: list[dict[str, str]]
    chosen: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def _assistant(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def sft_rows(example: Example) -> Iterator[dict]:
    for chosen in example.chosen:
        yield {"messages": example.prompt + _assistant(chosen)}


def dpo_rows(example: Example) -> Iterator[dict]:
    for chosen in example.chosen:
        for rejected in example.rejected:
            yield {
                "prompt": example.prompt,
                "chosen": _assistant(chosen),
                "rejected": _assistant(rejected),
            }


def kto_rows(example: Example) -> Iterator[dict]:
    for chosen in example.chosen:
        yield {"prompt": example.prompt, "completion": _assistant(chosen), "label": True}
    for rejected in example.rejected:
        yield {"prompt": example.prompt, "completion": _assistant(rejected), "label": False}


ROW_BUILDERS = {"sft": sft_rows, "dpo": dpo_rows, "kto": kto_rows}


def is_substantive_edit(original: str, final: str, min_edit_distance: float) -> bool:
    return edit_distance(original, final) >= min_edit_distance


def _clean(text: str, pseudonyms: Pseudonyms) -> str:
    return deidentify(text, pseudonyms)[0]


def _verdicts(draft: DraftRequest) -> list:
    """A clinician's decision, or each annotator's annotation, on one candidate set."""
    decision = getattr(draft, "decision", None)
    if decision is not None:
        # A decision still waiting for sign-off, or sent back by the second
        # clinician, released nothing and teaches nothing yet.
        released_or_rejected = (DraftRequest.Status.RELEASED, DraftRequest.Status.REJECTED)
        return [decision] if draft.status in released_or_rejected else []
    item = getattr(draft, "annotation_item", None)
    return list(item.annotations.all()) if item is not None else []


def example_for(message: Message, *, min_edit_distance: float) -> Example:
    chosen: list[str] = []
    rejected: list[str] = []
    for draft in message.draft_requests.all():
        for verdict in _verdicts(draft):
            if verdict.action == Decision.Action.REJECT:
                rejected += [c.text for c in draft.candidates.all()]
                continue
            chosen.append(verdict.final_text)
            original = verdict.candidate.text if verdict.candidate else None
            if (
                verdict.action == Decision.Action.EDIT
                and original
                and is_substantive_edit(original, verdict.final_text, min_edit_distance)
            ):
                rejected.append(original)
    # One set of placeholders per example: "[NAME_1]" is the same person in the
    # prompt, the chosen reply and the rejected ones.
    pseudonyms = Pseudonyms()
    prompt = [
        {**turn, "content": _clean(turn["content"], pseudonyms)} for turn in message.history()
    ]
    # The same text twice would be the same training signal counted twice, and
    # a text one reviewer chose is not taught as rejected because another did not.
    chosen_clean = list(dict.fromkeys(_clean(text, pseudonyms) for text in chosen))
    rejected_clean = dict.fromkeys(_clean(text, pseudonyms) for text in rejected)
    return Example(
        prompt=prompt,
        chosen=chosen_clean,
        rejected=[text for text in rejected_clean if text not in chosen_clean],
    )


def decided_messages():
    drafts = DraftRequest.objects.select_related(
        "decision__candidate", "annotation_item"
    ).prefetch_related("candidates", "annotation_item__annotations__candidate")
    return (
        Message.objects.filter(
            Q(draft_requests__decision__isnull=False)
            | Q(draft_requests__annotation_item__annotations__isnull=False),
            role=Message.Role.PATIENT,
        )
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


EXTRA_FORMATS = ("parquet", "arrow")


def _converted(jsonl_paths, also: tuple[str, ...]) -> dict[str, tuple[Path, int]]:
    """Parquet files and ``datasets.Dataset.save_to_disk`` folders beside the JSONL.

    ``datasets`` reads the JSONL in Arrow blocks, so memory stays flat; its cache
    goes to a temporary folder that is removed afterwards.
    """
    import tempfile

    import datasets  # heavy: imported only when asked for

    written = {}
    with tempfile.TemporaryDirectory() as cache:
        for path in jsonl_paths:
            stem = path.name.removesuffix(".jsonl")
            table = datasets.Dataset.from_json(str(path), cache_dir=cache)
            if "parquet" in also:
                target = path.parent / f"{stem}.parquet"
                table.to_parquet(str(target))
                written[target.name] = (target, table.num_rows)
            if "arrow" in also:
                folder = path.parent / f"{stem}.dataset"
                table.save_to_disk(str(folder))
                for file in sorted(folder.iterdir()):
                    written[f"{folder.name}/{file.name}"] = (file, table.num_rows)
    return written


def _code_version() -> str:
    """The commit the code was exported from, when it runs from a git checkout."""
    head = Path(__file__).resolve().parent.parent / ".git" / "HEAD"
    try:
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            return (head.parent / ref[5:]).read_text().strip()[:12]
        return ref[:12]
    except OSError:
        return "unknown"


def dataset_export(
    *,
    fmt: str,
    out_dir: Path,
    min_edit_distance: float = DEFAULT_MIN_EDIT_DISTANCE,
    filters: ExportFilters | None = None,
    validation_percent: int = 0,
    also: tuple[str, ...] = (),
    actor=None,
) -> dict:
    """Write ``<fmt>.jsonl`` (and ``<fmt>.validation.jsonl``), a manifest and a dataset card
    into a new or empty ``out_dir``: an immutable snapshot.

    Rows are streamed to disk message by message, read in pk-ordered batches;
    what is held in memory is one fingerprint per prompt, for the duplicates.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if not 0 <= validation_percent <= 50:
        raise ValueError("validation_percent must be between 0 and 50")
    if set(also) - set(EXTRA_FORMATS):
        raise ValueError(f"also must be among {', '.join(EXTRA_FORMATS)}")
    filters = filters or ExportFilters()
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; an export is never written over another")
    build_rows = ROW_BUILDERS[fmt]
    paths = {"train": out_dir / f"{fmt}.jsonl"}
    if validation_percent:
        paths["validation"] = out_dir / f"{fmt}.validation.jsonl"
    counts: Counter[str] = Counter()
    seen_prompts: set[str] = set()
    files = {split: path.open("w", encoding="utf-8") for split, path in paths.items()}
    try:
        messages = filters.apply(decided_messages()).select_related("conversation")
        for message in messages.iterator(chunk_size=BATCH_SIZE):
            example = example_for(message, min_edit_distance=min_edit_distance)
            fingerprint = prompt_fingerprint(example.prompt)
            if fingerprint in seen_prompts:
                counts["duplicate_prompts_collapsed"] += 1
                continue
            seen_prompts.add(fingerprint)
            counts["messages"] += 1
            split = split_of(message.conversation_id, validation_percent)
            language = message.conversation.locale.split("-")[0]
            for row in build_rows(example):
                files[split].write(json.dumps(row, ensure_ascii=False) + "\n")
                counts[f"rows.{split}"] += 1
                counts[f"language.{language}"] += 1
                if fmt == "kto":
                    counts["desirable" if row["label"] else "undesirable"] += 1
    finally:
        for f in files.values():
            f.close()
    written = {path.name: (path, counts[f"rows.{split}"]) for split, path in paths.items()}
    if also:
        written.update(_converted(paths.values(), also))
    manifest = {
        "format": fmt,
        "snapshot": f"{fmt}-{timezone.now():%Y%m%dT%H%M%SZ}",
        "created_at": timezone.now().isoformat(),
        "filters": {"min_edit_distance": min_edit_distance, **filters.as_manifest()},
        "validation_percent": validation_percent,
        "counts": dict(counts),
        "files": {
            name: {"sha256": _sha256(path), "rows": rows} for name, (path, rows) in written.items()
        },
        "deidentification": DEID_VERSION,
        "code_version": _code_version(),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (out_dir / "README.md").write_text(dataset_card(manifest))
    audit_record(
        action="export.create",
        actor=actor,
        actor_kind="user" if actor else "cli",
        format=fmt,
        counts=dict(counts),
        sha256=manifest["files"][paths["train"].name]["sha256"],
    )
    return manifest


def dataset_card(manifest: dict) -> str:
    """A README for the snapshot: what it holds, how it was made, how to load it."""
    counts = manifest["counts"]
    lines = [
        f"# Countersign {manifest['format'].upper()} snapshot {manifest['snapshot']}",
        "",
        "Clinician-reviewed replies from supervised mental-health support, de-identified "
        f"({manifest['deidentification']}), in the format TRL reads for "
        f"{manifest['format'].upper()}. Exported {manifest['created_at']} from code "
        f"{manifest['code_version']}.",
        "",
        "## Files",
        "",
        *(
            f"- `{name}`: {meta['rows']} rows, sha256 `{meta['sha256']}`"
            for name, meta in manifest["files"].items()
        ),
        "",
        "## Statistics",
        "",
        *(f"- {key}: {value}" for key, value in sorted(counts.items())),
        "",
        "## How it was chosen",
        "",
        *(f"- {key}: {value}" for key, value in manifest["filters"].items()),
        f"- validation share: {manifest['validation_percent']}% of conversations "
        "(split by conversation; a conversation is never split)",
        "- prompts differing only in case, punctuation or spacing are kept once",
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        f'load_dataset("json", data_files="{next(iter(manifest["files"]))}")',
        "```",
        "",
        "Every text passed de-identification; identifiers are typed placeholders "
        "(`[NAME_1]`, `[PHONE_1]`), numbered consistently within each example.",
        "",
    ]
    return "\n".join(lines)
