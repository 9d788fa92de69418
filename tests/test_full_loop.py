"""The whole loop on real parts: patient → worker drafts → clinician edits → release → export."""

from __future__ import annotations

import json
import time
from io import StringIO

import pytest
from django.core.management import call_command

from reviewapp.deid import Pseudonyms, deidentify
from reviewapp.models import AuditEvent, DraftRequest


def wait_for(predicate, *, timeout: float = 90.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def api_token_for(username: str) -> str:
    out = StringIO()
    call_command("createapitoken", username, stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db(transaction=True)
def test_it_runs_the_whole_loop(client, tiny_profile, alice, celery_worker, tmp_path):
    """A patient's message is drafted by the worker, edited and approved by a clinician,
    seen by the patient exactly as approved, and exported as a DPO pair."""
    created = client.post(
        "/api/v1/conversations", {"locale": "en"}, content_type="application/json"
    )
    assert created.status_code == 201
    conversation_id, token = created.json()["id"], created.json()["token"]
    patient = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    posted = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"text": "I have not slept properly for a week and I feel on edge."},
        content_type="application/json",
        **patient,
    )
    assert posted.status_code == 201

    draft = wait_for(lambda: DraftRequest.objects.filter(status="ready").first(), what="candidates")
    candidates = list(draft.candidates.all())
    assert len(candidates) == 3
    for c in candidates:
        assert c.profile_id == tiny_profile.pk
        assert c.loading_mode == "fp32"
        assert c.completion_tokens >= 4 and c.prompt_tokens > 0
        assert c.generation_params["max_new_tokens"] == 12

    # Candidates exist, but the patient sees only their own message.
    seen = client.get(f"/api/v1/conversations/{conversation_id}/messages", **patient).json()
    assert [m["role"] for m in seen["messages"]] == ["patient"]
    assert seen["awaiting_reply"] is True

    clinician = {"HTTP_AUTHORIZATION": f"Token {api_token_for('alice')}"}
    queue = client.get("/api/v1/queue", **clinician).json()
    assert [item["id"] for item in queue["items"]] == [draft.pk]
    detail = client.get(f"/api/v1/drafts/{draft.pk}", **clinician).json()
    assert [c["id"] for c in detail["candidates"]] == [c.pk for c in candidates]

    assert (
        client.generic("POST", f"/api/v1/drafts/{draft.pk}/claim", b"", **clinician).status_code
        == 200
    )
    edited_text = "That sounds exhausting. What has been keeping you awake at night?"
    decided = client.post(
        f"/api/v1/drafts/{draft.pk}/decision",
        {"action": "edit", "candidate_id": candidates[1].pk, "text": edited_text},
        content_type="application/json",
        **clinician,
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["status"] == "released"

    seen = client.get(f"/api/v1/conversations/{conversation_id}/messages", **patient).json()
    assert [(m["role"], m["text"]) for m in seen["messages"]][-1] == ("clinician", edited_text)
    assert seen["awaiting_reply"] is False

    call_command("export_dataset", "--format", "dpo", "--out", str(tmp_path), stdout=StringIO())
    rows = [json.loads(line) for line in (tmp_path / "dpo.jsonl").read_text().splitlines()]
    assert len(rows) == 1
    assert rows[0]["prompt"] == [
        {"role": "user", "content": "I have not slept properly for a week and I feel on edge."}
    ]
    assert rows[0]["chosen"] == [{"role": "assistant", "content": edited_text}]
    # Placeholders are numbered per conversation; nothing before it names anyone.
    original = deidentify(candidates[1].text, Pseudonyms())[0]
    assert rows[0]["rejected"] == [{"role": "assistant", "content": original}]

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "message.receive",
        "candidates.store",
        "draft.view",
        "draft.claim",
        "decision.edit",
        "reply.release",
        "export.create",
    } <= actions
