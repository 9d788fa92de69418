"""Export snapshots: started by curators on the web page or the command line, written
once by a worker, downloadable by curators only, every step audited."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from reviewapp import annotation, export, snapshots, workflow
from reviewapp.annotation_import import ImportRow
from reviewapp.curation import ExportFilters
from reviewapp.export import ExportOptions, dataset_export
from reviewapp.models import AuditEvent, ExportSnapshot
from tests.factories import patient_message, ready_request
from tests.test_annotation import _batch, _drafted

pytestmark = pytest.mark.django_db


def _released(user, text, *, conversation=None, reply="A reply."):
    draft = ready_request([reply], message=patient_message(text, conversation=conversation))
    workflow.draft_request_decide(
        request_id=draft.pk, user=user, action="approve", candidate_id=draft.candidates.get().pk
    )


def _wait_for(snapshot_id, timeout=30.0) -> ExportSnapshot:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshot = ExportSnapshot.objects.get(pk=snapshot_id)
        if snapshot.status in (ExportSnapshot.Status.DONE, ExportSnapshot.Status.FAILED):
            return snapshot
        time.sleep(0.2)
    raise AssertionError(f"snapshot {snapshot_id} still {snapshot.status}")


FORM = {"format": "sft", "validation_percent": "0", "min_edit_distance": "0.1"}


@pytest.mark.django_db(transaction=True)
def test_a_curator_starts_an_export_that_a_worker_writes(
    client, cora, alice, tiny_profile, celery_worker
):
    _released(alice, "Work is heavy. Call me on 040 718 2293.", reply="That sounds like a lot.")
    client.force_login(cora)
    response = client.post("/exports/", {**FORM, "language": "en"})
    assert response.status_code == 302
    snapshot = _wait_for(ExportSnapshot.objects.get().pk)
    assert snapshot.status == "done", snapshot.error
    assert snapshot.created_by == cora and snapshot.options["filters"] == {"language": "en"}

    rows = (snapshot_path := snapshots.snapshot_file(snapshot, "sft.jsonl")).read_text()
    assert "[PHONE_1]" in rows and "2293" not in rows
    listed = snapshot.manifest["files"]["sft.jsonl"]["sha256"]
    assert listed == hashlib.sha256(snapshot_path.read_bytes()).hexdigest()

    page = client.get("/exports/").content.decode()
    assert f'id="snapshot-{snapshot.pk}"' in page and "sft.jsonl</a> (1)" in page
    download = client.get(f"/exports/{snapshot.pk}/files/sft.jsonl")
    assert b"".join(download.streaming_content).decode() == rows
    assert download["Content-Disposition"].startswith("attachment")
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["export.request", "export.create", "export.download"]


@pytest.mark.parametrize("persona", ["alice", "sam", "ann", "mallory"])
def test_only_curators_see_the_page_or_the_files(client, persona, request, cora):
    snapshot = snapshots.snapshot_request(ExportOptions(fmt="sft"), actor=cora)
    snapshots.snapshot_write(snapshot.pk)
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/exports/").status_code == 403
    assert client.post("/exports/", FORM).status_code == 403
    assert client.get(f"/exports/{snapshot.pk}/files/sft.jsonl").status_code == 403
    assert not ExportSnapshot.objects.exclude(pk=snapshot.pk).exists()


def test_a_download_names_a_listed_file_or_nothing(client, cora):
    snapshot = snapshots.snapshot_write(
        snapshots.snapshot_request(ExportOptions(fmt="sft"), actor=cora).pk
    )
    client.force_login(cora)
    assert client.get(f"/exports/{snapshot.pk}/files/README.md").status_code == 200
    for name in ("../../../etc/passwd", "sft.jsonl/../manifest.json", "other.txt"):
        assert client.get(f"/exports/{snapshot.pk}/files/{name}").status_code == 404
    assert client.get("/exports/999/files/sft.jsonl").status_code == 404


def test_the_page_explains_bad_options_and_starts_nothing(client, cora):
    client.force_login(cora)
    response = client.post(
        "/exports/", {**FORM, "since": "2026-02-01", "until": "2026-01-01", "min_agreement": "2"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 1" in page
    response = client.post("/exports/", {**FORM, "since": "2026-02-01", "until": "2026-01-01"})
    assert (
        response.status_code == 400 and "since must not be after until" in response.content.decode()
    )
    assert not ExportSnapshot.objects.exists()


def test_a_snapshot_is_written_once_however_often_it_is_delivered(cora):
    snapshot = snapshots.snapshot_request(ExportOptions(fmt="kto"), actor=cora)
    first = snapshots.snapshot_write(snapshot.pk)
    second = snapshots.snapshot_write(snapshot.pk)
    assert first.status == second.status == "done"
    assert AuditEvent.objects.filter(action="export.create").count() == 1


def test_a_failed_export_says_why_without_patient_text(cora, monkeypatch, caplog, tmp_path):
    def boom(*args, **kwargs):
        raise RuntimeError("row: I want to die, call 040 718 2293")

    monkeypatch.setattr(snapshots, "dataset_export", boom)
    snapshot = snapshots.snapshot_request(ExportOptions(fmt="sft"), actor=cora)
    with caplog.at_level(logging.INFO):
        failed = snapshots.snapshot_write(snapshot.pk)
    assert failed.status == "failed" and failed.error == "RuntimeError"
    assert "2293" not in caplog.text and "die" not in caplog.text
    assert not (tmp_path / "exports").exists() or not any((tmp_path / "exports").iterdir())

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    with pytest.raises(FileExistsError):
        snapshots.snapshot_request(ExportOptions(fmt="sft"), folder=busy)


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_publishes_a_snapshot_the_broker_lost(cora, celery_worker):
    snapshot = snapshots.snapshot_request(ExportOptions(fmt="sft"), actor=cora)
    assert snapshots.snapshots_resend() == 0  # too recent: may still be on its way
    assert snapshots.snapshots_resend(older_than=timedelta(0)) == 1
    assert _wait_for(snapshot.pk).status == "done"


def test_the_command_registers_its_snapshot(alice, tmp_path):
    _released(alice, "Work is heavy.")
    out = StringIO()
    call_command("export_dataset", "--format", "sft", "--out", str(tmp_path / "x"), stdout=out)
    result = json.loads(out.getvalue())
    snapshot = ExportSnapshot.objects.get(pk=result["snapshot"])
    assert snapshot.status == "done" and snapshot.created_by is None
    assert snapshot.folder == str((tmp_path / "x").resolve())
    assert result["counts"]["messages"] == 1 == snapshot.manifest["counts"]["messages"]
    assert snapshot.manifest["snapshot"] == snapshot.pk


def test_placeholders_hold_across_a_conversation_and_batches_change_nothing(
    alice, tmp_path, monkeypatch
):
    conversation, _ = workflow.conversation_start(locale="en")
    _released(alice, "Sanna said I should write.", conversation=conversation, reply="Good.")
    _released(alice, "Sanna called me again.", conversation=conversation, reply="And then?")
    for n in range(3):
        _released(alice, f"Another day {n}.")
    whole = dataset_export(ExportOptions(fmt="sft"), out_dir=tmp_path / "whole")
    monkeypatch.setattr(export, "BATCH_SIZE", 1)
    small = dataset_export(ExportOptions(fmt="sft"), out_dir=tmp_path / "small")
    rows = (tmp_path / "whole" / "sft.jsonl").read_text()
    assert rows == (tmp_path / "small" / "sft.jsonl").read_text()
    assert whole["counts"] == small["counts"]
    second = json.loads(rows.splitlines()[1])["messages"]
    assert [t["content"] for t in second] == [
        "[NAME_1] said I should write.",
        "Good.",
        "[NAME_1] called me again.",
        "And then?",
    ]


def test_the_agreement_filter_keeps_items_enough_reviewers_agree_on(
    sam, ann, andy, alice, tmp_path
):
    batch = _drafted(_batch(sam, [ImportRow("Prompt one."), ImportRow("Prompt two.")], k=2))
    agreed, split = batch.items.order_by("position")
    for item, verdicts in ((agreed, ("approve", "approve")), (split, ("approve", "reject"))):
        for user, action in zip((ann, andy), verdicts, strict=True):
            kwargs = (
                {"candidate_id": item.draft_request.candidates.get(position=0).pk}
                if action == "approve"
                else {"reasons": ["too_long"]}
            )
            annotation.annotation_record(item_id=item.pk, user=user, action=action, **kwargs)
    _released(alice, "A patient's message, decided once.")

    def prompts(min_agreement, name):
        options = ExportOptions(fmt="sft", filters=ExportFilters(min_agreement=min_agreement))
        manifest = dataset_export(options, out_dir=tmp_path / name)
        rows = (tmp_path / name / "sft.jsonl").read_text().splitlines()
        return [json.loads(r)["messages"][-2]["content"] for r in rows], manifest

    everything, _ = prompts(None, "all")
    strict, manifest = prompts(1.0, "strict")
    assert sorted(everything) == [
        "A patient's message, decided once.",
        "Prompt one.",
        "Prompt two.",
    ]
    assert sorted(strict) == ["A patient's message, decided once.", "Prompt one."]
    assert manifest["counts"]["below_agreement"] == 1
    assert manifest["filters"]["min_agreement"] == 1.0
