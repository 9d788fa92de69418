"""The generation task: idempotent, retried from the database, never loses a message."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import transaction

from reviewapp import workflow
from reviewapp.models import Candidate, DraftRequest
from tests.factories import candidate, patient_message
from tests.processes import app_broker
from tests.test_full_loop import wait_for
from worker.celery import app
from worker.tasks import generate_candidates, profile_spec


@contextmanager
def broker_unreachable():
    """Point the app at a port where nothing listens: every publish is refused."""
    with app_broker("redis://127.0.0.1:1/0"):
        yield


@pytest.mark.django_db(transaction=True)
def test_it_creates_one_candidate_set_when_the_task_runs_twice(tiny_profile):
    """Two deliveries of the task (different task ids, as after a re-publish) store one set."""
    message = patient_message()
    draft = message.draft_requests.get()
    first = generate_candidates.apply(args=[draft.pk]).get()
    second = generate_candidates.apply(args=[draft.pk]).get()
    assert (first, second) == ("stored", "skipped")
    assert Candidate.objects.filter(draft_request=draft).count() == 3
    assert DraftRequest.objects.get(pk=draft.pk).generation_attempts == 1


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_set_when_a_redelivered_task_overlaps_the_first(tiny_profile):
    """The same task id may take over a request it was generating (its worker died);
    if both runs finish, the second set is discarded."""
    draft = patient_message().draft_requests.get()
    assert workflow.generation_start(request_id=draft.pk, task_id="same") is not None
    assert workflow.generation_start(request_id=draft.pk, task_id="same") is not None
    assert workflow.generation_start(request_id=draft.pk, task_id="another") is None
    assert workflow.candidates_store(request_id=draft.pk, candidates=[candidate("a")] * 3)
    assert not workflow.candidates_store(request_id=draft.pk, candidates=[candidate("b")] * 3)
    assert list(Candidate.objects.filter(draft_request=draft).values_list("text", flat=True)) == [
        "a",
        "a",
        "a",
    ]


@pytest.mark.django_db(transaction=True)
def test_it_drafts_a_message_posted_while_the_broker_was_down(client, tiny_profile):
    """The patient gets 201, the message is stored, and the sweeper enqueues it once the
    broker is back; a worker then drafts it."""
    token_reply = client.post("/api/v1/conversations", content_type="application/json").json()
    with broker_unreachable():
        posted = client.post(
            f"/api/v1/conversations/{token_reply['id']}/messages",
            {"text": "Is anyone there?"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token_reply['token']}",
        )
    assert posted.status_code == 201
    draft = DraftRequest.objects.get()
    assert draft.status == "queued"

    from celery.contrib.testing.worker import start_worker

    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=["generate", "maintenance"]
    ):
        assert workflow.requests_sweep_stale(older_than=timedelta(0)) == [draft.pk]
        wait_for(
            lambda: DraftRequest.objects.get(pk=draft.pk).status == "ready",
            what="the swept request to be drafted",
        )
    assert Candidate.objects.filter(draft_request=draft).count() == 3


@pytest.mark.django_db
def test_it_leaves_fresh_and_finished_requests_alone_when_sweeping(tiny_profile):
    fresh = patient_message().draft_requests.get()
    assert workflow.requests_sweep_stale() == []
    assert DraftRequest.objects.get(pk=fresh.pk).status == "queued"


@pytest.mark.django_db
def test_it_fails_a_request_that_keeps_getting_lost(tiny_profile, settings):
    """Bounded retries: after the configured attempts the request is failed, visibly."""
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "MAX_GENERATION_ATTEMPTS": 2}
    draft = patient_message().draft_requests.get()
    for attempt in range(2):
        workflow.generation_start(request_id=draft.pk, task_id=f"lost-{attempt}")
        DraftRequest.objects.filter(pk=draft.pk).update(
            generation_started_at=draft.created_at - timedelta(hours=1)
        )
        if attempt == 0:
            assert workflow.requests_sweep_stale() == [draft.pk]
    assert workflow.requests_sweep_stale() == []
    draft.refresh_from_db()
    assert (draft.status, draft.failure_reason) == ("failed", "gave up after repeated attempts")


@pytest.mark.django_db(transaction=True)
def test_it_records_a_failure_after_bounded_retries(tiny_profile):
    """A profile whose model cannot load fails the request with the error type, no text."""
    tiny_profile.base_model = "/nonexistent/model"
    tiny_profile.save()
    draft = patient_message("my secret words").draft_requests.get()
    result = generate_candidates.apply(args=[draft.pk], retries=generate_candidates.max_retries)
    assert result.get() == "failed"
    draft.refresh_from_db()
    assert draft.status == "failed"
    assert draft.failure_reason and "secret" not in draft.failure_reason


def test_it_keeps_torch_out_of_the_web_process_and_worker_parent():
    """Importing the Celery app, its tasks and the workflow must not import torch:
    CUDA must never be initialised before a prefork worker forks."""
    code = (
        "import django, sys; django.setup();"
        "import worker.celery, worker.tasks, reviewapp.workflow, reviewapp.urls;"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "reviewapp.settings"},
        check=True,
    )
    assert out.stdout.strip() == "False"


@pytest.mark.django_db(transaction=True)
def test_it_drafts_concurrent_requests_together_through_a_threaded_worker(
    tiny_profile, settings, monkeypatch
):
    """Four patients write at once; the worker's task threads meet in the batcher,
    and each request still gets its own three candidates."""
    from celery.contrib.testing.worker import start_worker

    from worker import engine_cache

    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "BATCH_WINDOW_MS": 1500}
    monkeypatch.setattr(engine_cache, "_batcher", None)  # built again with this window
    spec = profile_spec(tiny_profile)
    engine = engine_cache.get_engine(spec)  # loaded up front: only batching is timed
    rows_before = len(engine.batch_rows)

    with start_worker(
        app, pool="threads", concurrency=4, perform_ping_check=False, queues=["generate"]
    ):
        with transaction.atomic():
            drafts = [
                patient_message(f"Patient {i} writes.").draft_requests.get() for i in range(4)
            ]
        wait_for(
            lambda: DraftRequest.objects.filter(status="ready").count() == 4,
            what="four candidate sets",
        )

    batches = engine.batch_rows[rows_before:]
    assert sum(batches) == 12 and max(batches) >= 6, batches
    for draft in drafts:
        assert Candidate.objects.filter(draft_request=draft).count() == 3


@pytest.mark.django_db
def test_it_publishes_a_request_no_worker_takes_once_and_never_fails_it(tiny_profile, settings):
    """A request whose task waits in the broker (a backlog, or a queue with no consumer
    yet) was never attempted: sweeps publish its lost task once, then leave it
    waiting, never failed, and never invalidate the page a clinician has open."""
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "MAX_GENERATION_ATTEMPTS": 3}
    draft = patient_message().draft_requests.get()  # published on commit: never, here
    version = draft.version
    swept = [workflow.requests_sweep_stale(older_than=timedelta(0)) for _ in range(4)]
    assert swept == [[draft.pk], [], [], []]
    draft.refresh_from_db()
    assert (draft.status, draft.generation_attempts, draft.version) == ("queued", 0, version)


@pytest.mark.django_db
def test_it_lets_only_the_task_that_started_a_run_fail_it(tiny_profile):
    draft = patient_message().draft_requests.get()
    workflow.generation_start(request_id=draft.pk, task_id="newer")
    workflow.generation_fail(request_id=draft.pk, reason="TimeoutError", task_id="older")
    assert DraftRequest.objects.get(pk=draft.pk).status == "generating"
    workflow.generation_fail(request_id=draft.pk, reason="TimeoutError", task_id="newer")
    assert DraftRequest.objects.get(pk=draft.pk).status == "failed"
