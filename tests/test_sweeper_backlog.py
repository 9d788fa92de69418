"""The sweeper in a backlog: it re-publishes only tasks the broker lost, and fails
only requests whose generation really started and was lost too often.

A private redis-server per test (tests/processes.py), the test database, and for
the draining case a real worker process.
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from reviewapp import workflow
from reviewapp.models import AuditEvent, Candidate, DraftRequest
from tests.factories import patient_message
from tests.processes import RedisServer, WorkerProcess, app_broker, database_url
from tests.test_full_loop import wait_for
from worker.celery import GENERATE_TASK

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

BACKLOG = 120
SWEEPS = 5


def _lanes(queue: str) -> list[str]:
    return [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]


def _request_of(raw: bytes) -> int | None:
    message = json.loads(raw)
    if message["headers"]["task"] != GENERATE_TASK:
        return None
    return json.loads(base64.b64decode(message["body"]))[0][0]


def tasks_per_request(broker: RedisServer, queue: str) -> Counter:
    """How many generation tasks for each request wait in the broker's queue."""
    return Counter(
        _request_of(raw) for lane in _lanes(queue) for raw in broker.client.lrange(lane, 0, -1)
    )


def _backdate(pks: list[int]) -> None:
    """As if the requests had waited an hour: the sweeper presumes them stale."""
    hour_ago = timezone.now() - timedelta(hours=1)
    DraftRequest.objects.filter(pk__in=pks).update(updated_at=hour_ago)


def test_a_backlog_is_never_failed_nor_published_twice(tiny_profile, broker, settings):
    """No worker drains the queue: sweep after sweep finds every task still in the
    broker, so nothing is re-published, no attempt is counted, nothing fails."""
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "MAX_GENERATION_ATTEMPTS": 2}
    pks = [patient_message(f"Patient {i} writes.").draft_requests.get().pk for i in range(BACKLOG)]
    _backdate(pks)
    assert tasks_per_request(broker, tiny_profile.queue) == Counter(dict.fromkeys(pks, 1))

    timings = []
    for _ in range(SWEEPS):
        started = time.monotonic()
        assert workflow.requests_sweep_stale() == []
        timings.append(time.monotonic() - started)

    drafts = DraftRequest.objects.filter(pk__in=pks)
    assert set(drafts.values_list("status", flat=True)) == {"queued"}
    assert set(drafts.values_list("generation_attempts", flat=True)) == {0}
    assert tasks_per_request(broker, tiny_profile.queue) == Counter(dict.fromkeys(pks, 1))
    assert not AuditEvent.objects.filter(action__in=["sweeper.requeue", "generation.fail"])
    print(f"sweep over {BACKLOG} queued requests: max {max(timings) * 1000:.0f} ms")


def test_a_task_the_broker_lost_is_published_again_once(tiny_profile, broker):
    pks = [patient_message(f"Patient {i} writes.").draft_requests.get().pk for i in range(5)]
    _backdate(pks)
    lost = pks[2]
    (raw,) = [
        raw
        for raw in broker.client.lrange(tiny_profile.queue, 0, -1)
        + broker.client.lrange(_lanes(tiny_profile.queue)[2], 0, -1)
        if _request_of(raw) == lost
    ]
    for lane in _lanes(tiny_profile.queue):
        broker.client.lrem(lane, 0, raw)
    assert tasks_per_request(broker, tiny_profile.queue)[lost] == 0

    assert workflow.requests_sweep_stale() == [lost]
    _backdate(pks)
    assert workflow.requests_sweep_stale() == []
    assert tasks_per_request(broker, tiny_profile.queue) == Counter(dict.fromkeys(pks, 1))
    assert DraftRequest.objects.get(pk=lost).generation_attempts == 0


def test_a_task_taken_by_a_worker_that_died_before_starting_it_counts_as_lost(tiny_profile, broker):
    """Delivered, never acknowledged, never started, long ago: the broker would hand it
    out again only after its visibility timeout (an hour), so it is published again."""
    draft = patient_message().draft_requests.get()
    _backdate([draft.pk])
    raw = broker.client.rpop(tiny_profile.queue) or broker.client.rpop(
        _lanes(tiny_profile.queue)[2]
    )
    # What kombu records for a delivery a worker took (tag -> [message, exchange, key]).
    broker.client.hset("unacked", "tag-1", json.dumps([json.loads(raw), "", tiny_profile.queue]))
    broker.client.zadd("unacked_index", {"tag-1": time.time()})
    # Taken a moment ago: a worker holds it, nothing is lost.
    assert workflow.requests_sweep_stale(older_than=timedelta(minutes=10)) == []
    broker.client.zadd("unacked_index", {"tag-1": time.time() - 3600})
    assert workflow.requests_sweep_stale(older_than=timedelta(minutes=10)) == [draft.pk]


def test_sweeps_while_a_worker_drains_a_backlog_add_nothing(tiny_profile, broker, tmp_path):
    """A real worker drafts a backlog while the sweeper runs again and again: every
    request is drafted once, in one attempt, and nothing is re-published."""
    pks = [patient_message(f"Patient {i} writes.").draft_requests.get().pk for i in range(12)]
    worker = WorkerProcess(
        broker_url=broker.url,
        database_url=database_url(connection.settings_dict),
        queues=[tiny_profile.queue],
        workdir=tmp_path,
    )
    worker.start()
    try:
        drafts = DraftRequest.objects.filter(pk__in=pks)
        deadline = time.monotonic() + 90
        while drafts.filter(status="ready").count() < len(pks):
            assert time.monotonic() < deadline, worker.log()[-3000:]
            # Those still queued look as if they had waited an hour, as in a long backlog.
            _backdate(list(drafts.filter(status="queued").values_list("pk", flat=True)))
            assert workflow.requests_sweep_stale(older_than=timedelta(minutes=1)) == []
            time.sleep(0.2)
        wait_for(lambda: broker.queued(tiny_profile.queue) == 0 and broker.unacked() == 0)
    finally:
        worker.kill()
    assert set(drafts.values_list("generation_attempts", flat=True)) == {1}
    for pk in pks:
        assert Candidate.objects.filter(draft_request_id=pk).count() == 3
    assert not AuditEvent.objects.filter(action="sweeper.requeue")


def test_it_reads_the_filesystem_brokers_folder(tiny_profile, tmp_path, settings):
    """The demo's broker: a task file still in the folder is held; none, lost."""
    from worker.broker_queue import requests_held
    from worker.celery import app

    folder = tmp_path / "broker"
    folder.mkdir()
    (tmp_path / "control").mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(tmp_path / "control"),
    }
    # Celery reads the namespaced key (Django's setting) before the plain one.
    saved = app.conf["CELERY_BROKER_TRANSPORT_OPTIONS"]
    with app_broker("filesystem://"):
        app.conf["CELERY_BROKER_TRANSPORT_OPTIONS"] = options
        try:
            draft = patient_message().draft_requests.get()
            other = patient_message("Another patient.").draft_requests.get()
            assert len(list(folder.iterdir())) == 2
            for path in folder.iterdir():
                if _request_of(path.read_bytes()) == other.pk:
                    path.unlink()
            held = requests_held([tiny_profile.queue], reserved_since=timezone.now())
        finally:
            app.conf["CELERY_BROKER_TRANSPORT_OPTIONS"] = saved
    assert held is not None and draft.pk in held and other.pk not in held
