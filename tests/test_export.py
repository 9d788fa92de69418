"""Exports: each decision becomes the right SFT / DPO / KTO rows, de-identified, with a manifest."""

from __future__ import annotations

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reviewapp import workflow
from reviewapp.models import AuditEvent
from tests.factories import patient_message, ready_request

pytestmark = pytest.mark.django_db

USER = "user"
ASSISTANT = "assistant"


def export(fmt, out, *extra):
    call_command("export_dataset", "--format", fmt, "--out", str(out), *extra, stdout=StringIO())
    return [json.loads(line) for line in (out / f"{fmt}.jsonl").read_text().splitlines()]


def decide(draft, user, action, **kwargs):
    return workflow.draft_request_decide(request_id=draft.pk, user=user, action=action, **kwargs)


def first_candidate(draft):
    return draft.candidates.order_by("position").first()


def turn(role, text):
    return {"role": role, "content": text}


@pytest.fixture
def decided(alice, tiny_profile):
    """One conversation per decision kind, each with a known outcome."""
    approved = ready_request(["Approved as is."], message=patient_message("Approve me."))
    decide(approved, alice, "approve", candidate_id=first_candidate(approved).pk)

    edited = ready_request(["Too cold a reply."], message=patient_message("Edit me."))
    decide(
        edited,
        alice,
        "edit",
        candidate_id=first_candidate(edited).pk,
        text="A warmer reply that says much more.",
    )

    touched = ready_request(["Nearly right"], message=patient_message("Touch me."))
    decide(touched, alice, "edit", candidate_id=first_candidate(touched).pk, text="Nearly right.")

    rejected = ready_request(["Bad one.", "Bad two."], message=patient_message("Reject me."))
    decide(rejected, alice, "reject", reasons=["safety"])
    retry = ready_request(["Good on retry."], message=rejected.message, task_id="retry")
    decide(retry, alice, "approve", candidate_id=first_candidate(retry).pk)

    only_rejected = ready_request(["Never good."], message=patient_message("Still waiting."))
    decide(only_rejected, alice, "reject", reasons=["tone_empathy"])

    written = ready_request(["Unused."], message=patient_message("Write for me."))
    decide(written, alice, "write", text="Written by the clinician.")


def test_it_exports_sft_rows_for_every_released_reply(decided, tmp_path):
    rows = export("sft", tmp_path)
    assert [r["messages"] for r in rows] == [
        [turn(USER, "Approve me."), turn(ASSISTANT, "Approved as is.")],
        [turn(USER, "Edit me."), turn(ASSISTANT, "A warmer reply that says much more.")],
        [turn(USER, "Touch me."), turn(ASSISTANT, "Nearly right.")],
        [turn(USER, "Reject me."), turn(ASSISTANT, "Good on retry.")],
        [turn(USER, "Write for me."), turn(ASSISTANT, "Written by the clinician.")],
    ]


def test_it_pairs_released_text_with_rejected_and_substantively_edited_candidates(
    decided, tmp_path
):
    rows = export("dpo", tmp_path)
    pairs = [
        (r["prompt"][-1]["content"], r["chosen"][0]["content"], r["rejected"][0]["content"])
        for r in rows
    ]
    assert pairs == [
        ("Edit me.", "A warmer reply that says much more.", "Too cold a reply."),
        ("Reject me.", "Good on retry.", "Bad one."),
        ("Reject me.", "Good on retry.", "Bad two."),
    ]
    assert all(set(r) == {"prompt", "chosen", "rejected"} for r in rows)


def test_it_treats_small_edits_as_substantive_when_the_threshold_is_zero(decided, tmp_path):
    rows = export("dpo", tmp_path, "--min-edit-distance", "0.01")
    assert ("Nearly right.", "Nearly right") in [
        (r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in rows
    ]


def test_it_labels_kto_rows(decided, tmp_path):
    rows = export("kto", tmp_path)
    labelled = [
        (r["prompt"][-1]["content"], r["completion"][0]["content"], r["label"]) for r in rows
    ]
    assert labelled == [
        ("Approve me.", "Approved as is.", True),
        ("Edit me.", "A warmer reply that says much more.", True),
        ("Edit me.", "Too cold a reply.", False),
        ("Touch me.", "Nearly right.", True),
        ("Reject me.", "Good on retry.", True),
        ("Reject me.", "Bad one.", False),
        ("Reject me.", "Bad two.", False),
        ("Still waiting.", "Never good.", False),
        ("Write for me.", "Written by the clinician.", True),
    ]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"] == {
        "messages": 6,
        "rows.train": 9,
        "language.en": 9,
        "desirable": 5,
        "undesirable": 4,
    }


def test_it_uses_the_conversation_so_far_as_the_prompt(alice, tiny_profile, tmp_path):
    first = ready_request(["First reply."], message=patient_message("First message."))
    decide(first, alice, "approve", candidate_id=first_candidate(first).pk)
    conversation = first.message.conversation
    second = ready_request(
        ["Second reply."], message=patient_message("Second message.", conversation=conversation)
    )
    decide(second, alice, "approve", candidate_id=first_candidate(second).pk)
    rows = export("sft", tmp_path)
    assert rows[1]["messages"] == [
        turn(USER, "First message."),
        turn(ASSISTANT, "First reply."),
        turn(USER, "Second message."),
        turn(ASSISTANT, "Second reply."),
    ]


def test_it_removes_structured_identifiers_from_everything_it_writes(alice, tiny_profile, tmp_path):
    message = patient_message(
        "Call me on 040 123 4567 or mail maija.meikalainen@example.fi, hetu 131052-308T."
    )
    draft = ready_request(
        ["Your SSN 123-45-6789 is safe; see https://clinic.example/a."], message=message
    )
    decide(
        draft,
        alice,
        "edit",
        candidate_id=first_candidate(draft).pk,
        text="I will call +358 40 765 4321 tomorrow.",
    )
    written = ""
    for fmt in ("sft", "dpo", "kto"):
        export(fmt, tmp_path / fmt)
        written += (tmp_path / fmt / f"{fmt}.jsonl").read_text()
    for identifier in (
        "040 123 4567",
        "maija.meikalainen@example.fi",
        "131052-308T",
        "123-45-6789",
        "https://clinic.example/a",
        "+358 40 765 4321",
    ):
        assert identifier not in written
    for placeholder in ("[PHONE_1]", "[EMAIL_1]", "[HETU_1]", "[SSN_1]", "[URL_1]"):
        assert placeholder in written


def test_it_writes_a_manifest_with_the_files_sha256(decided, tmp_path):
    export("dpo", tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    data = (tmp_path / "dpo.jsonl").read_bytes()
    assert manifest["files"] == {
        "dpo.jsonl": {"sha256": hashlib.sha256(data).hexdigest(), "rows": 3}
    }
    assert manifest["format"] == "dpo" and manifest["deidentification"]
    event = AuditEvent.objects.get(action="export.create")
    assert event.details["sha256"] == manifest["files"]["dpo.jsonl"]["sha256"]


def test_it_never_writes_over_an_earlier_export(decided, tmp_path):
    export("sft", tmp_path)
    with pytest.raises(CommandError, match="is not empty"):
        export("sft", tmp_path)


def test_it_refuses_an_edit_threshold_outside_zero_to_one(tmp_path):
    with pytest.raises(CommandError, match="between 0 and 1"):
        export("sft", tmp_path, "--min-edit-distance", "2")
