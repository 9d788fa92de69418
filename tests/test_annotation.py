"""Annotation mode: imported prompts, drafted by the real worker, reviewed by K annotators."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from reviewapp import annotation, workflow
from reviewapp.annotation_import import ImportRow, parse_annotation_file
from reviewapp.export import ExportOptions, dataset_export
from reviewapp.models import (
    Annotation,
    AnnotationBatch,
    AuditEvent,
    DraftRequest,
    Message,
    ModelProfile,
)
from reviewapp.tokens import conversation_for_token, hash_secret
from tests.factories import candidate
from tests.test_full_loop import wait_for

pytestmark = pytest.mark.django_db

JSONL = "\n".join(
    json.dumps(row)
    for row in [
        {"prompt": "I can't focus at work.", "id": "a-1"},
        {
            "prompt": "It got worse this week.",
            "history": [
                {"role": "user", "content": "I have been sleeping badly."},
                {"role": "assistant", "content": "That sounds exhausting."},
            ],
        },
    ]
).encode()


def _batch(user, rows=None, *, k=2) -> AnnotationBatch:
    rows = rows or parse_annotation_file(JSONL, filename="batch.jsonl")
    return annotation.annotation_batch_import(
        name="Sleep set",
        profile=ModelProfile.objects.get(is_default=True),
        annotators_per_item=k,
        rows=rows,
        user=user,
    )


def _drafted(batch: AnnotationBatch) -> AnnotationBatch:
    """As the worker leaves it: every item with a candidate set."""
    for item in batch.items.all():
        draft = item.draft_request
        workflow.generation_start(request_id=draft.pk, task_id=f"t{draft.pk}")
        workflow.candidates_store(
            request_id=draft.pk,
            candidates=[candidate(f"Reply {n} to item {item.position}.") for n in (1, 2, 3)],
        )
    return batch


def test_it_reads_jsonl_and_csv_with_optional_history():
    rows = parse_annotation_file(JSONL, filename="x.jsonl")
    assert rows[0] == ImportRow(prompt="I can't focus at work.", external_id="a-1")
    assert rows[1].history[1] == {"role": "assistant", "content": "That sounds exhausting."}
    csv_text = (
        'id,prompt,history\n7,"Hello, I feel flat.","[{""role"": ""user"", ""content"": ""Hi""}]"\n'
    )
    (row,) = parse_annotation_file(csv_text.encode(), filename="x.CSV")
    assert row == ImportRow("Hello, I feel flat.", [{"role": "user", "content": "Hi"}], "7")


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b'{"prompt": "ok"}\nnot json\n', "x.jsonl", "Line 2 is not valid JSON"),
        (b'{"prompt": ""}', "x.jsonl", "Line 1: The prompt must not be empty"),
        (b'{"prompt": "a", "colour": 1}', "x.jsonl", "Line 1: unknown field"),
        (b'{"prompt": "a", "history": [{"role": "system", "content": "x"}]}', "x.jsonl", "role"),
        (b"text\nhello\n", "x.csv", "prompt column"),
        (b"\xff\xfe", "x.jsonl", "not UTF-8"),
        (b"\n\n", "x.jsonl", "no prompts"),
    ],
)
def test_it_explains_a_bad_file_by_line(content, filename, message):
    with pytest.raises(workflow.InvalidInput, match=message):
        parse_annotation_file(content, filename=filename)


def test_it_caps_the_batch_size(settings):
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "ANNOTATION_MAX_ITEMS": 1}
    with pytest.raises(workflow.InvalidInput, match="at most 1"):
        parse_annotation_file(JSONL, filename="x.jsonl")


def test_it_imports_prompts_that_never_reach_a_patient_or_the_clinician_queue(sam, alice):
    batch = _batch(sam)
    items = list(batch.items.order_by("position"))
    assert [i.external_id for i in items] == ["a-1", ""]
    second = items[1].draft_request
    assert second.purpose == "annotation" and second.status == "queued"
    assert second.message.history() == [
        {"role": "user", "content": "I have been sleeping badly."},
        {"role": "assistant", "content": "That sounds exhausting."},
        {"role": "user", "content": "It got worse this week."},
    ]
    conversation = second.message.conversation
    assert conversation.kind == "annotation"
    assert list(conversation.messages.patient_visible()) == list(
        conversation.messages.filter(role="patient")
    )
    assert not DraftRequest.objects.for_review().exists()
    with pytest.raises(workflow.InvalidInput):
        workflow.draft_request_claim(request_id=second.pk, user=alice)
    assert AuditEvent.objects.filter(action="annotation.import", actor=sam).exists()


def test_it_refuses_patient_tokens_for_annotation_conversations(sam, client):
    batch = _batch(sam)
    conversation = batch.items.first().draft_request.message.conversation
    # Even someone holding the token would not reach it as a patient.
    conversation.token_hash = hash_secret("leaked")
    conversation.save()
    assert conversation_for_token("leaked") is None
    assert client.get("/chat/leaked/").status_code == 404


def test_it_lets_only_annotation_managers_import(ann, alice):
    for user in (ann, alice):
        with pytest.raises(PermissionDenied):
            _batch(user)
    assert not AnnotationBatch.objects.exists()


def test_it_collects_k_independent_annotations_per_item(sam, ann, andy, mallory):
    batch = _drafted(_batch(sam, k=2))
    first = batch.items.get(position=1)
    chosen = first.draft_request.candidates.get(position=1)
    annotation.annotation_record(
        item_id=first.pk, user=ann, action="approve", candidate_id=chosen.pk, rubric={"empathy": 5}
    )
    with pytest.raises(workflow.Conflict, match="already annotated"):
        annotation.annotation_record(item_id=first.pk, user=ann, action="write", text="Again.")
    annotation.annotation_record(
        item_id=first.pk, user=andy, action="reject", reasons=["tone_empathy"]
    )
    # A third annotator would exceed K.
    sam.groups.add(*ann.groups.all())
    sam = type(sam).objects.get(pk=sam.pk)  # a fresh permission cache
    with pytest.raises(workflow.Conflict, match="all its annotations"):
        annotation.annotation_record(item_id=first.pk, user=sam, action="write", text="Mine.")
    assert [i.position for i in annotation.items_open_to(ann, batch)] == [2]
    assert [i.position for i in annotation.items_open_to(sam, batch)] == [2]
    progress = annotation.batch_progress(batch)
    assert (progress.items, progress.drafted, progress.complete, progress.verdicts) == (2, 2, 1, 2)
    assert progress.per_annotator == [("andy", 1), ("ann", 1)] and progress.percent == 50
    # Annotations release nothing.
    assert not Message.objects.filter(role="clinician").exists()
    with pytest.raises(PermissionDenied):
        annotation.annotation_record(item_id=first.pk, user=mallory, action="write", text="x")


def test_it_exports_annotations_with_the_same_mapping(sam, ann, andy, tmp_path):
    batch = _drafted(_batch(sam, k=2))
    item = batch.items.get(position=2)
    original = item.draft_request.candidates.get(position=0)
    annotation.annotation_record(
        item_id=item.pk,
        user=ann,
        action="edit",
        candidate_id=original.pk,
        text="A completely different and much warmer reply.",
    )
    annotation.annotation_record(item_id=item.pk, user=andy, action="reject", reasons=["too_long"])
    dataset_export(ExportOptions(fmt="kto"), out_dir=tmp_path / "kto")
    rows = [json.loads(line) for line in (tmp_path / "kto" / "kto.jsonl").read_text().splitlines()]
    labelled = {r["completion"][0]["content"]: r["label"] for r in rows}
    assert labelled == {
        "A completely different and much warmer reply.": True,
        "Reply 1 to item 2.": False,
        "Reply 2 to item 2.": False,
        "Reply 3 to item 2.": False,
    }
    assert rows[0]["prompt"][0] == {"role": "user", "content": "I have been sleeping badly."}


def test_it_serves_the_annotation_desk_to_annotators_only(client, sam, ann, alice):
    batch = _drafted(_batch(sam, k=1))
    client.force_login(alice)
    assert client.get("/annotation/").status_code == 403
    client.force_login(ann)
    assert client.get("/queue/").status_code == 403
    listing = client.get("/annotation/").content.decode()
    assert "Sleep set" in listing and "Import a batch" not in listing
    item_url = client.get(f"/annotation/{batch.pk}/next/")["Location"]
    page = client.get(item_url).content.decode()
    assert "I can&#x27;t focus at work." in page and "Reply 2 to item 1." in page
    assert 'data-key="g"' not in page
    chosen = batch.items.get(position=1).draft_request.candidates.get(position=1)
    reply = client.post(item_url, {"action": "approve", "candidate_id": chosen.pk})
    assert reply["Location"] == f"/annotation/{batch.pk}/next/"
    assert Annotation.objects.get().candidate == chosen
    assert client.get(f"/annotation/{batch.pk}/").status_code == 403


def test_it_imports_a_file_from_the_page_and_shows_progress(client, sam):
    client.force_login(sam)
    upload = SimpleUploadedFile("prompts.jsonl", JSONL)
    profile = ModelProfile.objects.get(is_default=True)
    reply = client.post(
        "/annotation/import/",
        {"name": "Week 47", "profile": profile.pk, "annotators_per_item": "3", "file": upload},
    )
    batch = AnnotationBatch.objects.get()
    assert reply["Location"] == f"/annotation/{batch.pk}/"
    assert batch.annotators_per_item == 3 and batch.source_name == "prompts.jsonl"
    page = client.get(f"/annotation/{batch.pk}/").content.decode()
    assert "2 items" in page and "0 of 6 annotations" in page
    bad = client.post(
        "/annotation/import/",
        {
            "name": "Bad",
            "profile": profile.pk,
            "annotators_per_item": "0",
            "file": SimpleUploadedFile("p.jsonl", JSONL),
        },
    )
    assert bad.status_code == 400 and "between 1 and 10" in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_it_drafts_imported_prompts_with_the_real_worker(sam, tiny_profile, celery_worker):
    batch = _batch(sam, k=1)
    wait_for(
        lambda: batch.items.filter(draft_request__status="ready").count() == 2,
        what="annotation candidates",
    )
    for item in batch.items.all():
        assert item.draft_request.candidates.count() == 3


def test_the_release_path_itself_refuses_an_annotation_item(sam, ann):
    """Even a decision forced onto an annotation request never reaches a conversation."""
    from reviewapp.models import Decision, sha256_text

    batch = _drafted(_batch(sam, k=1))
    draft = batch.items.first().draft_request
    decision = Decision(
        draft_request=draft,
        action="write",
        final_text="x",
        final_text_sha256=sha256_text("x"),
        reviewer=sam,
    )
    with pytest.raises(workflow.ReleaseRefused, match="patient"):
        workflow.reply_release(decision=decision)
    assert not Message.objects.filter(role="clinician").exists()


def test_it_refuses_a_csv_row_with_more_fields_than_its_header():
    with pytest.raises(workflow.InvalidInput, match="Line 2 has more fields"):
        parse_annotation_file(b"prompt,id\nI feel sad, and tired,42\n", filename="x.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # Left open, the quote would take every later line into one prompt.
        (
            b'prompt,id\nI slept badly,1\n"I feel low, and tired,2\nIt is worse today,3\n',
            "Line 3 opens a quoted field that is never closed",
        ),
        (b'prompt,id\n"I said "no" to her",1\n', "Line 2 is not valid CSV"),
    ],
)
def test_it_refuses_a_csv_with_a_quote_left_open(content, message):
    with pytest.raises(workflow.InvalidInput, match=message) as refused:
        parse_annotation_file(content, filename="x.csv")
    # Named by line, never quoted.
    assert "tired" not in str(refused.value) and "said" not in str(refused.value)


def _profile_no_route_reaches() -> ModelProfile:
    return ModelProfile.objects.create(
        name="batch-only", label="Batch only", base_model="x", queue="gen-batch-only"
    )


def _live_worker(*queues: str) -> None:
    from django.utils import timezone

    from reviewapp.models import WorkerHeartbeat

    WorkerHeartbeat.objects.create(
        worker="gpu0@host:1", device="cpu", queues=list(queues), last_seen=timezone.now()
    )


def test_it_never_preselects_a_profile_no_live_worker_drafts(client, sam):
    client.force_login(sam)
    page = client.get("/annotation/import/").content.decode()
    assert '<option value="" selected>Choose a profile</option>' in page
    assert "(no live worker)" in page and "No live worker drafts any profile now" in page

    default = ModelProfile.objects.get(is_default=True)
    _profile_no_route_reaches()
    _live_worker(default.queue)
    page = client.get("/annotation/import/").content.decode()
    assert f'<option value="{default.pk}" selected>' in page
    assert "Batch only (no live worker)" in page and "Choose a profile" not in page


def test_it_warns_of_a_batch_no_worker_drafts_at_import_and_after(client, sam, alice):
    """A batch for a profile no live worker consumes: said at import, on the batch
    page, on the batch list and on the Workers page, never silent."""
    profile = _profile_no_route_reaches()
    _live_worker("generate", "maintenance")
    client.force_login(sam)
    reply = client.post(
        "/annotation/import/",
        {
            "name": "Night set",
            "profile": profile.pk,
            "annotators_per_item": "1",
            "file": SimpleUploadedFile("p.jsonl", JSONL),
        },
        follow=True,
    )
    page = reply.content.decode()
    assert "no live worker drafts profile batch-only" in page
    assert "candidates are being drafted" not in page
    assert "2 waiting to be drafted" in page
    assert "No live worker consumes this profile's queue (gen-batch-only)" in page
    overview = client.get("/annotation/").content.decode()
    assert "2 waiting, 0 failed" in overview

    client.force_login(alice)
    workers = client.get("/workers/").content.decode()
    assert "No live worker consumes these profiles' queues: gen-batch-only" in workers


def test_it_shows_failed_drafting_on_the_batch_page_and_list(client, sam):
    _live_worker("generate", "maintenance")
    batch = _batch(sam, k=1)
    first, second = (item.draft_request for item in batch.items.all())
    workflow.generation_fail(request_id=first.pk, reason="OutOfMemoryError")
    workflow.generation_start(request_id=second.pk, task_id="t")
    workflow.candidates_store(request_id=second.pk, candidates=[candidate("A reply.")])
    client.force_login(sam)
    page = client.get(f"/annotation/{batch.pk}/").content.decode()
    assert "1 drafting failed" in page and "0 waiting to be drafted" in page
    assert "Drafting failed for 1 item; annotators cannot review it." in page
    assert "No live worker consumes" not in page
    assert "0 waiting, 1 failed" in client.get("/annotation/").content.decode()
    overview = client.get("/supervisor/").content.decode()  # the supervisor's overview too
    assert 'id="annotation-drafting-h"' in overview and "0 waiting, 1 failed" in overview
