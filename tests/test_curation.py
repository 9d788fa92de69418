"""Curated exports: filters, duplicates kept once, a split by conversation, manifest and card."""

from __future__ import annotations

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reviewapp import workflow
from reviewapp.curation import ExportFilters, split_of
from reviewapp.deid import DEID_VERSION
from reviewapp.export import ExportOptions, dataset_export
from tests.factories import patient_message, ready_request

pytestmark = pytest.mark.django_db


def _released(user, text, *, locale="en", conversation=None, reply="A reply.") -> None:
    if conversation is None:
        conversation, _ = workflow.conversation_start(locale=locale)
    draft = ready_request([reply], message=patient_message(text, conversation=conversation))
    workflow.draft_request_decide(
        request_id=draft.pk, user=user, action="approve", candidate_id=draft.candidates.get().pk
    )


def _rows(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _prompts(out, fmt="sft") -> list[str]:
    return [r["messages"][-2]["content"] for r in _rows(out / f"{fmt}.jsonl")]


def test_it_filters_by_language_risk_and_reviewer(alice, bob, tmp_path):
    _released(alice, "Work is heavy.", locale="en")
    _released(bob, "Työ painaa.", locale="fi-fi")
    _released(alice, "I have a rope and will end my life tonight.", reply="Call 988 now.")
    dataset_export(
        ExportOptions(fmt="sft", filters=ExportFilters(language="fi")), out_dir=tmp_path / "fi"
    )
    assert _prompts(tmp_path / "fi") == ["Työ painaa."]
    dataset_export(
        ExportOptions(fmt="sft", filters=ExportFilters(reviewer="bob")), out_dir=tmp_path / "bob"
    )
    assert _prompts(tmp_path / "bob") == ["Työ painaa."]


def test_it_filters_by_rejection_reason(alice, tmp_path):
    draft = ready_request(["Too long a reply."], message=patient_message("Keep it short."))
    workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="reject", reasons=["too_long"]
    )
    _released(alice, "Something else.")
    manifest = dataset_export(
        ExportOptions(fmt="kto", filters=ExportFilters(reason="too_long")), out_dir=tmp_path / "kto"
    )
    rows = _rows(tmp_path / "kto" / "kto.jsonl")
    assert [r["completion"][0]["content"] for r in rows] == ["Too long a reply."]
    assert manifest["filters"]["reason"] == "too_long"


def test_it_keeps_a_prompt_once_whatever_its_case_and_punctuation(alice, tmp_path):
    _released(alice, "I can't sleep.")
    _released(alice, "i cant sleep!!")
    _released(alice, "Something else.")
    manifest = dataset_export(ExportOptions(fmt="sft"), out_dir=tmp_path)
    assert _prompts(tmp_path) == ["I can't sleep.", "Something else."]
    assert manifest["counts"]["duplicate_prompts_collapsed"] == 1


def test_it_never_splits_a_conversation_between_train_and_validation(alice, tmp_path):
    conversations = [workflow.conversation_start()[0] for _ in range(12)]
    # Words, not digits: a bare number is masked by de-identification.
    tags = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
    ]
    for tag, conversation in zip(tags, conversations, strict=True):
        _released(alice, f"First message {tag}.", conversation=conversation)
        _released(alice, f"Second message {tag}.", conversation=conversation)
    manifest = dataset_export(ExportOptions(fmt="sft", validation_percent=50), out_dir=tmp_path)
    train, validation = _rows(tmp_path / "sft.jsonl"), _rows(tmp_path / "sft.validation.jsonl")
    assert train and validation and len(train) + len(validation) == 24

    def numbers(rows):
        return {r["messages"][-2]["content"].split()[-1] for r in rows}

    assert not numbers(train) & numbers(validation)
    assert {split_of(c.pk, 50) for c in conversations} == {"train", "validation"}
    assert set(manifest["files"]) == {"sft.jsonl", "sft.validation.jsonl"}


def test_it_writes_a_manifest_and_a_dataset_card_for_each_snapshot(alice, tmp_path):
    _released(alice, "Work is heavy.")
    _released(alice, "Työ painaa.", locale="fi")
    manifest = dataset_export(
        ExportOptions(fmt="sft", validation_percent=10), out_dir=tmp_path, snapshot_id=7
    )
    on_disk = json.loads((tmp_path / "manifest.json").read_text())
    assert on_disk == manifest
    for name, meta in manifest["files"].items():
        assert meta["sha256"] == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
    assert manifest["counts"]["language.en"] == 1 and manifest["counts"]["language.fi"] == 1
    assert manifest["code_version"] and manifest["deidentification"] == DEID_VERSION
    card = (tmp_path / "README.md").read_text()
    assert "# Countersign SFT snapshot 7" in card and "sha256" in card and "language.fi: 1" in card


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reason", "rude"], "reason must be one of"),
        (["--risk-level", "high"], "risk level must be one of"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "since must not be after"),
        (["--validation", "80"], "between 0 and 50"),
    ],
)
def test_the_command_explains_bad_options(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "export_dataset",
            "--format",
            "sft",
            "--out",
            str(tmp_path / "x"),
            *args,
            stdout=StringIO(),
        )


def test_it_also_writes_parquet_and_a_datasets_folder_that_load_back(alice, tmp_path):
    import datasets

    _released(alice, "Work is heavy.", reply="That sounds like a lot.")
    _released(alice, "Työ painaa.", locale="fi", reply="Kerro lisää.")
    manifest = dataset_export(ExportOptions(fmt="sft", also=("parquet", "arrow")), out_dir=tmp_path)
    jsonl = _rows(tmp_path / "sft.jsonl")
    from_parquet = datasets.Dataset.from_parquet(str(tmp_path / "sft.parquet"))
    from_disk = datasets.load_from_disk(str(tmp_path / "sft.dataset"))
    assert from_parquet.to_list() == jsonl == from_disk.to_list()
    assert manifest["files"]["sft.parquet"]["rows"] == 2
    assert any(name.startswith("sft.dataset/") for name in manifest["files"])
    for name, meta in manifest["files"].items():
        assert meta["sha256"] == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()


def test_it_filters_by_service(alice, tmp_path):
    from reviewapp.models import Service

    north = Service.objects.create(slug="north", name="North")
    conversation, _ = workflow.conversation_start(service=north)
    _released(alice, "North's message.", conversation=conversation)
    _released(alice, "Main's message.")
    dataset_export(
        ExportOptions(fmt="sft", filters=ExportFilters(service="north")), out_dir=tmp_path / "n"
    )
    assert _prompts(tmp_path / "n") == ["North's message."]
