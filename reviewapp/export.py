"""Clinician decisions as TRL training data: SFT, DPO and KTO JSONL plus a manifest.

Per patient message that has at least one decision:
- prompt: the conversation the patient saw up to that message (``Message.history``);
- chosen: the released text (an approved candidate, an edit, or the clinician's own);
- rejected: every candidate of a rejected set for that message, and the original
  candidate of an edit when the edit is substantive (normalised Levenshtein
  distance at least ``min_edit_distance``; near-identical pairs teach nothing).

KTO labels: an approved-unchanged candidate is true; a rejected candidate is
false; a substantive edit gives its original as false and its final text as
true; a written reply is true. Every text is de-identified before it is written,
once per conversation, with placeholders numbered per conversation.

Messages are read a batch of whole conversations at a time, in a few queries of
plain values: an export of 100,000 requests runs at thousands of items a second
in flat memory (``bench/export.py``). ``docs/training-data.md`` has the mapping.

Annotation items (imported prompts, each reviewed by K annotators) are exported
the same way, one verdict per annotator: every text an annotator chose is a
chosen text, and a candidate one annotator chose is never also a rejected one.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Q, QuerySet
from django.utils import timezone

from reviewapp.agreement import verdict_key
from reviewapp.audit import audit_record
from reviewapp.curation import ExportFilters, prompt_fingerprint, split_of
from reviewapp.deid import DEID_VERSION, Pseudonyms, deidentify
from reviewapp.diff import edit_distance
from reviewapp.errors import InvalidInput
from reviewapp.models import Annotation, Candidate, Decision, DraftRequest, Message

# "risk": the reviewers' verdicts on the risk screen, a labelled set for
# ``train_risk_model`` (``reviewapp.risk.corrections``), not a TRL format.
RISK_FORMAT = "risk"
FORMATS = ("sft", "dpo", "kto", RISK_FORMAT)
EXTRA_FORMATS = ("parquet", "arrow")
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


@dataclass(frozen=True)
class Verdict:
    """A clinician's decision or one annotator's verdict on a candidate set, as read
    for export: plain values, since building model instances costs more than the rest."""

    action: str
    final_text: str
    candidate_text: str | None  # the candidate approved or edited
    candidate_position: int | None
    candidate_texts: tuple[str, ...]  # the whole set, rejected together

    @property
    def key(self) -> str:
        return verdict_key(self.action, self.candidate_position)


class ConversationTexts:
    """One conversation's turns, each text de-identified once for all its examples.

    Placeholders are numbered per conversation: "[NAME_1]" is the same person in
    every prompt, chosen and rejected reply drawn from it.
    """

    def __init__(self, conversation_id, turns: list[tuple[int, str, str]]) -> None:
        self.conversation_id = conversation_id
        self._turns = turns  # (message id, role, text) in conversation order
        self._position = {message_id: i for i, (message_id, _, _) in enumerate(turns)}
        self._pseudonyms = Pseudonyms()
        self._cleaned: dict[str, str] = {}

    def clean(self, text: str) -> str:
        if text not in self._cleaned:
            self._cleaned[text] = deidentify(text, self._pseudonyms)[0]
        return self._cleaned[text]

    def prompt_until(self, message_id: int) -> list[dict[str, str]]:
        """What the patient saw up to and including this message (``Message.history``)."""
        return [
            {"role": Message.chat_role(role), "content": self.clean(text)}
            for _, role, text in self._turns[: self._position[message_id] + 1]
        ]


def example_from(
    prompt: list[dict[str, str]],
    verdicts: list[Verdict],
    texts: ConversationTexts,
    *,
    min_edit_distance: float,
) -> Example:
    """What every verdict on one message teaches."""
    chosen: list[str] = []
    rejected: list[str] = []
    for verdict in verdicts:
        if verdict.action == Decision.Action.REJECT:
            rejected += verdict.candidate_texts
            continue
        chosen.append(verdict.final_text)
        original = verdict.candidate_text
        if (
            verdict.action == Decision.Action.EDIT
            and original
            and is_substantive_edit(original, verdict.final_text, min_edit_distance)
        ):
            rejected.append(original)
    # The same text twice would be the same training signal counted twice, and
    # a text one reviewer chose is not taught as rejected because another did not.
    chosen_clean = list(dict.fromkeys(texts.clean(text) for text in chosen))
    rejected_clean = dict.fromkeys(texts.clean(text) for text in rejected)
    return Example(
        prompt=prompt,
        chosen=chosen_clean,
        rejected=[text for text in rejected_clean if text not in chosen_clean],
    )


def decided_messages() -> QuerySet:
    """Patient messages with a clinician's decision or an annotator's verdict."""
    return Message.objects.filter(
        Q(draft_requests__decision__isnull=False)
        | Q(draft_requests__annotation_item__annotations__isnull=False),
        role=Message.Role.PATIENT,
    ).distinct()


def _message_batches(filters: ExportFilters) -> Iterator[list[tuple]]:
    """(message id, conversation id, locale) of every chosen message, in batches of
    about BATCH_SIZE that never split a conversation, read through a server-side cursor."""
    chosen = filters.apply(decided_messages()).values("pk")
    ordered = (
        Message.objects.filter(pk__in=chosen)
        .order_by("conversation__created_at", "conversation_id", "created_at", "id")
        .values_list("id", "conversation_id", "conversation__locale")
    )
    batch: list[tuple] = []
    for row in ordered.iterator(chunk_size=BATCH_SIZE):
        if len(batch) >= BATCH_SIZE and row[1] != batch[-1][1]:
            yield batch
            batch = []
        batch.append(row)
    if batch:
        yield batch


def _turns_by_conversation(conversation_ids) -> dict:
    turns = defaultdict(list)
    rows = (
        Message.objects.prompt_turns()
        .filter(conversation_id__in=conversation_ids)
        .order_by("conversation_id", "created_at", "id")
        .values_list("conversation_id", "id", "role", "text")
    )
    for conversation_id, message_id, role, text in rows:
        turns[conversation_id].append((message_id, role, text))
    return turns


def _verdicts_by_message(message_ids) -> dict[int, list[Verdict]]:
    """Every verdict on these messages, in four queries of plain values.

    A decision still waiting for sign-off, or sent back by the second
    clinician, released nothing and teaches nothing yet.
    """
    teaching = DraftRequest.FINAL_STATUSES
    drafts = dict(
        DraftRequest.objects.filter(message_id__in=message_ids).values_list("id", "message_id")
    )
    candidates: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for draft_id, candidate_id, position, text in (
        Candidate.objects.filter(draft_request_id__in=drafts)
        .order_by("draft_request_id", "position")
        .values_list("draft_request_id", "id", "position", "text")
    ):
        candidates[draft_id].append((candidate_id, position, text))
    decisions = Decision.objects.filter(
        draft_request_id__in=drafts, draft_request__status__in=teaching
    ).values_list("draft_request_id", "action", "candidate_id", "final_text")
    annotations = (
        Annotation.objects.filter(item__draft_request_id__in=drafts)
        .order_by("pk")
        .values_list("item__draft_request_id", "action", "candidate_id", "final_text")
    )
    verdicts: dict[int, list[Verdict]] = defaultdict(list)
    for draft_id, action, candidate_id, final_text in [*decisions, *annotations]:
        of_set = candidates[draft_id]
        chosen = next((c for c in of_set if c[0] == candidate_id), None)
        verdicts[drafts[draft_id]].append(
            Verdict(
                action=action,
                final_text=final_text,
                candidate_text=chosen[2] if chosen else None,
                candidate_position=chosen[1] if chosen else None,
                candidate_texts=tuple(text for _, _, text in of_set),
            )
        )
    return verdicts


def examples(filters: ExportFilters, *, min_edit_distance: float, counts: Counter) -> Iterator:
    """(conversation id, language, Example) for every chosen message, a batch of
    conversations at a time: a few queries per batch, each text de-identified once."""
    for batch in _message_batches(filters):
        turns = _turns_by_conversation({conversation_id for _, conversation_id, _ in batch})
        verdicts = _verdicts_by_message([message_id for message_id, _, _ in batch])
        texts = None
        for message_id, conversation_id, locale in batch:
            if texts is None or texts.conversation_id != conversation_id:
                texts = ConversationTexts(conversation_id, turns[conversation_id])
            if not filters.agreement_ok([verdict.key for verdict in verdicts[message_id]]):
                counts["below_agreement"] += 1
                continue
            prompt = texts.prompt_until(message_id)
            example = example_from(
                prompt, verdicts[message_id], texts, min_edit_distance=min_edit_distance
            )
            yield conversation_id, locale.split("-")[0], example


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


@dataclass(frozen=True)
class ExportOptions:
    fmt: str
    filters: ExportFilters = field(default_factory=ExportFilters)
    min_edit_distance: float = DEFAULT_MIN_EDIT_DISTANCE
    validation_percent: int = 0
    also: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise InvalidInput("format must be one of " + ", ".join(FORMATS))
        if not 0 <= self.min_edit_distance <= 1:
            raise InvalidInput("the edit threshold must be between 0 and 1")
        if not 0 <= self.validation_percent <= 50:
            raise InvalidInput("the validation share must be between 0 and 50")
        if set(self.also) - set(EXTRA_FORMATS):
            raise InvalidInput("extra formats must be among " + ", ".join(EXTRA_FORMATS))

    def as_json(self) -> dict:
        return {
            "filters": self.filters.as_manifest(),
            "min_edit_distance": self.min_edit_distance,
            "validation_percent": self.validation_percent,
            "also": list(self.also),
        }

    @classmethod
    def of(cls, fmt: str, options: dict) -> ExportOptions:
        """The options ``as_json`` wrote (an ``ExportSnapshot`` row keeps them)."""
        return cls(
            fmt=fmt,
            filters=ExportFilters.from_values(options.get("filters", {})),
            min_edit_distance=options.get("min_edit_distance", DEFAULT_MIN_EDIT_DISTANCE),
            validation_percent=options.get("validation_percent", 0),
            also=tuple(options.get("also", ())),
        )


def refuse_written(folder: Path) -> None:
    """An export is never written over another."""
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty; an export is never written over another")


def _decision_rows(options: ExportOptions, counts: Counter, build_rows) -> Iterator:
    """(conversation id, language, rows) per decided message; a prompt seen before
    (in case, punctuation or spacing only different) is kept once."""
    seen_prompts: set[str] = set()
    for conversation_id, language, example in examples(
        options.filters, min_edit_distance=options.min_edit_distance, counts=counts
    ):
        fingerprint = prompt_fingerprint(example.prompt)
        if fingerprint in seen_prompts:
            counts["duplicate_prompts_collapsed"] += 1
            continue
        seen_prompts.add(fingerprint)
        counts["messages"] += 1
        yield conversation_id, language, list(build_rows(example))


def _risk_rows(filters: ExportFilters, counts: Counter) -> Iterator:
    """(conversation id, language, [row]) per reviewer's verdict on the risk screen."""
    from reviewapp.risk.corrections import labelled_texts, reviews_for

    for labelled in labelled_texts(reviews_for(filters)):
        counts["messages"] += 1
        counts["changed" if labelled.level != labelled.screened_level else "confirmed"] += 1
        yield labelled.conversation_id, labelled.lang, [labelled.as_row()]


def dataset_export(
    options: ExportOptions, *, out_dir: Path, actor=None, snapshot_id: int | None = None
) -> dict:
    """Write ``<fmt>.jsonl`` (and ``<fmt>.validation.jsonl``), a manifest and a dataset card
    into a new or empty ``out_dir``.

    Rows are streamed to disk a batch of conversations at a time; what is held
    in memory across batches is one fingerprint per prompt, for the duplicates.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    refuse_written(out_dir)
    fmt, filters, validation_percent = options.fmt, options.filters, options.validation_percent
    paths = {"train": out_dir / f"{fmt}.jsonl"}
    if validation_percent:
        paths["validation"] = out_dir / f"{fmt}.validation.jsonl"
    counts: Counter[str] = Counter()
    source = (
        _risk_rows(filters, counts)
        if fmt == RISK_FORMAT
        else _decision_rows(options, counts, ROW_BUILDERS[fmt])
    )
    files = {split: path.open("w", encoding="utf-8") for split, path in paths.items()}
    try:
        for conversation_id, language, rows in source:
            split = split_of(conversation_id, validation_percent)
            for row in rows:
                files[split].write(json.dumps(row, ensure_ascii=False) + "\n")
                counts[f"rows.{split}"] += 1
                counts[f"language.{language}"] += 1
                if fmt == "kto":
                    counts["desirable" if row["label"] else "undesirable"] += 1
                if fmt == RISK_FORMAT:
                    counts[f"level.{row['level']}"] += 1
    finally:
        for f in files.values():
            f.close()
    written = {path.name: (path, counts[f"rows.{split}"]) for split, path in paths.items()}
    if options.also:
        written.update(_converted(paths.values(), options.also))
    manifest = {
        "format": fmt,
        "snapshot": snapshot_id,
        "created_at": timezone.now().isoformat(),
        "filters": {"min_edit_distance": options.min_edit_distance, **filters.as_manifest()},
        "validation_percent": validation_percent,
        "counts": dict(counts),
        "files": {
            name: {"sha256": file_sha256(path), "rows": rows}
            for name, (path, rows) in written.items()
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
        snapshot=snapshot_id,
        format=fmt,
        counts=dict(counts),
        sha256=manifest["files"][paths["train"].name]["sha256"],
    )
    return manifest


def _what_it_holds(manifest: dict) -> str:
    made = f"Exported {manifest['created_at']} from code {manifest['code_version']}."
    if manifest["format"] == RISK_FORMAT:
        return (
            "Reviewers' verdicts on the risk screen: the patient messages each reply "
            f"answered, de-identified ({manifest['deidentification']}), with the level the "
            "reviewer gave (`level`) and the screen's (`screened_level`); verdicts whose "
            "level was carried from earlier in the conversation are left out. Rows are "
            "`{text, level, screened_level, lang, week}`; `train_risk_model --extra FILE` "
            f"reads them. {made}"
        )
    return (
        "Clinician-reviewed replies from supervised mental-health support, de-identified "
        f"({manifest['deidentification']}), in the format TRL reads for "
        f"{manifest['format'].upper()}. {made}"
    )


def dataset_card(manifest: dict) -> str:
    """A README for the snapshot: what it holds, how it was made, how to load it."""
    counts = manifest["counts"]
    title = f"Countersign {manifest['format'].upper()} snapshot {manifest['snapshot'] or ''}"
    lines = [
        f"# {title.strip()}",
        "",
        _what_it_holds(manifest),
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
        "(`[NAME_1]`, `[PHONE_1]`), numbered consistently within each conversation.",
        "",
    ]
    return "\n".join(lines)
