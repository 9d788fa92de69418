"""Nothing identifying leaves: every kind of identifier, planted in patient messages and in
clinicians' replies, is absent from every file an export writes, from the command line
and from the curators' exports page."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from reviewapp import snapshots, workflow
from reviewapp.export import ExportOptions
from tests.factories import patient_message, ready_request
from tests.test_deid_kinds import PLANTED

pytestmark = pytest.mark.django_db

CASES = [case for cases in PLANTED.values() for case in cases]


def _plant_every_kind(clinician) -> list[str]:
    """One conversation per planted message: the patient writes it, a candidate echoes
    it, the clinician edits the reply to repeat it. Returns every secret planted."""
    secrets = []
    for _lang, text, planted in CASES:
        draft = ready_request([f"Candidate: {text}"], message=patient_message(text))
        workflow.draft_request_decide(
            request_id=draft.pk,
            user=clinician,
            action="edit",
            candidate_id=draft.candidates.get().pk,
            text=f"Thank you for writing. You said: {text}",
        )
        secrets += planted
    return secrets


def _leaks(written: str, secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if secret.lower() in written.lower()]


def test_export_dataset_writes_none_of_them(alice, tiny_profile, tmp_path):
    secrets = _plant_every_kind(alice)
    written = ""
    for fmt in ("sft", "dpo", "kto"):
        call_command(
            "export_dataset", "--format", fmt, "--out", str(tmp_path / fmt), stdout=StringIO()
        )
        written += "".join(path.read_text() for path in (tmp_path / fmt).iterdir())
    sft = (tmp_path / "sft" / "sft.jsonl").read_text()
    # Every planted conversation was exported (none held back, say, as a crisis).
    assert sft.count("You said") == len(CASES) and "[NAME_1]" in sft
    assert _leaks(written, secrets) == []


def test_a_download_from_the_exports_page_holds_none_of_them(client, alice, cora, tiny_profile):
    secrets = _plant_every_kind(alice)
    snapshot = snapshots.snapshot_write(
        snapshots.snapshot_request(ExportOptions(fmt="dpo"), actor=cora).pk
    )
    client.force_login(cora)
    page = client.get("/exports/").content.decode()
    assert f'id="snapshot-{snapshot.pk}"' in page
    written = ""
    for name in snapshot.manifest["files"]:
        response = client.get(f"/exports/{snapshot.pk}/files/{name}")
        assert response.status_code == 200
        written += b"".join(response.streaming_content).decode()
    assert written.count("You said") >= len(CASES)
    assert _leaks(written, secrets) == []
