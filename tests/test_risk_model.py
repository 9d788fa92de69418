"""The learned layer: built from the repository, reproducibly, and what the screen loads."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from reviewapp.risk import model as risk_model_module
from reviewapp.risk.model import RiskModel, windows
from reviewapp.risk.screen import risk_screen, screen_text
from reviewapp.risk.training import CORPUS, author_of, corpus_examples, corpus_files

SHIPPED = Path(settings.COUNTERSIGN["RISK_MODEL_DIR"])
# Floors on the test split (never used for a choice); the measured figures are in
# BENCHMARKS.md. A build that falls below one of these has regressed.
TEST_SPLIT_FLOORS = {"crisis_as_crisis": 0.93, "risk_at_least_elevated": 0.96}
TEST_SPLIT_CEILING = {"ordinary_as_crisis": 0.06}


def _small_corpus(root: Path, writers: str = "ab") -> Path:
    """Two writers' batches only: a corpus small enough to build in seconds."""
    (root / "batches").mkdir(parents=True)
    splits = json.loads((CORPUS / "splits.json").read_text())
    for path in sorted((CORPUS / "batches").glob("*.jsonl")):
        if path.stem.rstrip("0123456789") in writers:
            shutil.copy(path, root / "batches" / path.name)
    kept = {b: s for b, s in splits["batches"].items() if b.rstrip("0123456789") in writers}
    (root / "splits.json").write_text(json.dumps({"batches": kept}))
    return root


def test_the_corpus_is_split_by_construction_batch_and_covers_every_kind():
    examples = corpus_examples()
    assert len(examples) >= 3000
    splits_of_batch: dict[str, set[str]] = {}
    for e in examples:
        splits_of_batch.setdefault(e.batch, set()).add(e.split)
    assert all(len(splits) == 1 for splits in splits_of_batch.values())
    for split in ("train", "dev", "test"):
        rows = [e for e in examples if e.split == split]
        assert {(e.lang, e.level) for e in rows} == {
            (lang, level) for lang in ("fi", "en") for level in ("none", "elevated", "crisis")
        }
    categories = {e.category for e in examples}
    assert {"acting_now_substance", "preparation", "neg_hyperbole", "neg_goodbye"} <= categories
    # Every writer has batches in test: the test split is not one writer's style.
    assert {author_of(e) for e in examples if e.split == "test"} == {author_of(e) for e in examples}


def test_the_shipped_artefact_is_rebuilt_byte_for_byte_from_the_repository(tmp_path):
    out = StringIO()
    call_command("train_risk_model", "--out", str(tmp_path), "--no-corrections", stdout=out)
    rebuilt = json.loads((tmp_path / "meta.json").read_text())
    shipped = json.loads((SHIPPED / "meta.json").read_text())
    assert rebuilt["arrays_sha256"] == shipped["arrays_sha256"]
    assert rebuilt["thresholds"] == shipped["thresholds"]
    assert json.loads(out.getvalue())["arrays_sha256"] == rebuilt["arrays_sha256"]
    got = rebuilt["figures"]["test"]["all"]
    for name, floor in TEST_SPLIT_FLOORS.items():
        assert got[name]["rate"] >= floor, name
    for name, ceiling in TEST_SPLIT_CEILING.items():
        assert got[name]["rate"] <= ceiling, name
    # The model alone, and the rules, are reported too.
    assert {"model_only", "rules_only", "fi", "en"} <= set(rebuilt["figures"]["test"])


def test_the_system_check_names_a_missing_or_stale_model(settings, tmp_path):
    from reviewapp.checks import risk_model_built

    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "RISK_MODEL_DIR": str(tmp_path)}
    assert [e.id for e in risk_model_built(None)] == ["countersign.E003"]
    meta = json.loads((SHIPPED / "meta.json").read_text())
    (tmp_path / "meta.json").write_text(json.dumps({**meta, "corpus_sha256": "0" * 64}))
    assert [e.id for e in risk_model_built(None)] == ["countersign.W002"]
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "RISK_MODEL_DIR": str(SHIPPED)}
    assert risk_model_built(None) == []
    assert corpus_files()[-1].name == "splits.json"


def test_without_its_model_the_screen_fails_safe_and_keeps_the_rules(settings, tmp_path, caplog):
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "RISK_MODEL_DIR": str(tmp_path / "none")}
    routine = risk_screen("Work was long today.")
    assert routine.level == "elevated" and routine.rule_names() == ["learned_model_unavailable"]
    assert "train_risk_model" in caplog.text
    # What the rules name stays: a crisis is not lowered to elevated by a missing model.
    crisis = risk_screen("I'm going to kill myself tonight.")
    assert crisis.level == "crisis" and "intent" in crisis.rule_names()


def test_the_model_reads_windows_so_a_buried_sentence_counts():
    text = ("We went to the shop and then to the park. " * 6) + "I want to die tonight."
    pieces = windows(text)
    assert pieces[0][0] == text.strip() and any("want to die" in w for w, _ in pieces[1:])
    verdict = RiskModel.load(SHIPPED).score(text)
    assert verdict.level == "crisis" and "die" in verdict.window


def test_either_layer_raises_the_level(monkeypatch):
    from reviewapp.risk import screen

    text = "Work was long today."
    assert screen_text(text).level == "none"
    monkeypatch.setattr(
        screen, "learned_screen", lambda t: screen.RiskScreen(level="crisis", reasons=[])
    )
    assert screen_text(text).level == "crisis"
    monkeypatch.setattr(screen, "learned_screen", lambda t: screen.RiskScreen(level="none"))
    # The rules alone find this one; the model saying none cannot lower it.
    assert screen_text("I'm going to kill myself tonight.").level == "crisis"


def test_a_build_refuses_a_corpus_it_cannot_read(tmp_path):
    root = _small_corpus(tmp_path / "corpus")
    (root / "batches" / "zz1.jsonl").write_text('{"text": "hi", "level": "maybe", "lang": "en"}\n')
    with pytest.raises(CommandError, match="cannot build"):
        call_command("train_risk_model", "--out", str(tmp_path / "out"), "--corpus", str(root))


@pytest.mark.django_db
def test_reviewers_verdicts_become_training_data_where_the_site_opts_in(alice, tmp_path, settings):
    from reviewapp import workflow
    from tests.factories import patient_message, ready_request

    draft = ready_request(
        ["Hi."], message=patient_message("Olen Matti ja tänään kaikki tuntuu turhalta.")
    )
    workflow.draft_request_decide(
        request_id=draft.pk,
        user=alice,
        action="approve",
        candidate_id=draft.candidates.get().pk,
        risk_level="elevated",
    )
    root = _small_corpus(tmp_path / "corpus")
    without, with_ = tmp_path / "without", tmp_path / "with"
    call_command("train_risk_model", "--out", str(without), "--corpus", str(root))
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "RISK_TRAIN_ON_CORRECTIONS": True}
    out = StringIO()
    call_command("train_risk_model", "--out", str(with_), "--corpus", str(root), stdout=out)
    assert json.loads(out.getvalue())["extra_train"] == 1
    meta = {p: json.loads((p / "meta.json").read_text()) for p in (without, with_)}
    assert meta[without]["extra_train"] == 0 and meta[with_]["extra_train"] == 1
    assert meta[without]["arrays_sha256"] != meta[with_]["arrays_sha256"]
    from reviewapp.management.commands.train_risk_model import _corrections

    (row,) = _corrections()
    assert row.level == "elevated" and "Matti" not in row.text and row.split == "train"


def test_a_labelled_file_can_be_added_to_training(tmp_path):
    root = _small_corpus(tmp_path / "corpus")
    extra = tmp_path / "risk.jsonl"
    extra.write_text(
        json.dumps({"text": "en jaksa enää mitään", "level": "elevated", "lang": "fi"}) + "\n"
    )
    out = StringIO()
    call_command(
        "train_risk_model", "--out", str(tmp_path / "o"), "--corpus", str(root),
        "--extra", str(extra), "--no-corrections", stdout=out,
    )  # fmt: skip
    assert json.loads(out.getvalue())["extra_train"] == 1
    extra.write_text("{not json\n")
    with pytest.raises(CommandError, match="not a labelled row"):
        call_command(
            "train_risk_model", "--out", str(tmp_path / "p"), "--corpus", str(root),
            "--extra", str(extra), "--no-corrections",
        )  # fmt: skip


def test_the_model_is_loaded_once_per_process():
    risk_model_module.risk_model_forget()
    first = risk_model_module.risk_model(SHIPPED)
    assert risk_model_module.risk_model(SHIPPED) is first
