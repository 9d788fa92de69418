"""Crisis is drafted first: broker priorities on the real Redis, a real worker process.

A backlog of routine requests and an annotation batch wait in the broker; a
crisis arrives last; the worker, started afterwards, drafts the crisis before
every routine request and the annotation items after all of them.
"""

from __future__ import annotations

import pytest
from django.db import connection

from reviewapp import workflow
from reviewapp.annotation import annotation_batch_import
from reviewapp.annotation_import import ImportRow
from reviewapp.models import DraftRequest
from tests.factories import patient_message
from tests.processes import RedisServer, WorkerProcess, app_broker, database_url
from tests.test_full_loop import wait_for
from worker.dispatch import drafting_lane

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

ROUTINE = ["Work was long today.", "I slept badly again.", "My sister visited.", "Bus was late."]
CRISIS = "I took all my pills ten minutes ago and I want to die."


def test_each_request_is_published_in_its_lane():
    assert drafting_lane(queue="generate", risk_level="crisis", annotation=False) == (
        "generate",
        0,
    )
    assert drafting_lane(queue="generate", risk_level="elevated", annotation=False)[1] == 3
    assert drafting_lane(queue="generate", risk_level="none", annotation=False)[1] == 6
    assert drafting_lane(queue="generate", risk_level="crisis", annotation=True) == (
        "generate.annotation",
        9,
    )


def test_a_crisis_is_drafted_before_the_routine_backlog_and_annotation_last(
    tiny_profile, tmp_path, sam
):
    broker = RedisServer(tmp_path)
    broker.start()
    process = WorkerProcess(
        broker_url=broker.url,
        database_url=database_url(connection.settings_dict),
        # Only the profile's queue: the worker adds its annotation queue by itself.
        queues=[tiny_profile.queue],
        workdir=tmp_path,
    )
    try:
        with app_broker(broker.url):
            routine = [patient_message(text).draft_requests.get() for text in ROUTINE]
            batch = annotation_batch_import(
                name="Backlog",
                profile=tiny_profile,
                annotators_per_item=1,
                rows=[ImportRow(prompt="How do I sleep better?")],
                user=sam,
            )
            crisis = patient_message(CRISIS).draft_requests.get()
            assert crisis.risk_level == "crisis"
            # Each lane is its own Redis list: priority 0 is the plain queue name.
            queue = tiny_profile.queue
            lane = broker.client.llen
            assert lane(queue) == 1
            assert lane(f"{queue}\x06\x163") + lane(f"{queue}\x06\x166") == len(ROUTINE)
            assert lane(f"{queue}.annotation\x06\x169") == 1

            process.start()
            annotation_draft = batch.items.get().draft_request
            everything = [*routine, crisis, annotation_draft]
            wait_for(
                lambda: (
                    DraftRequest.objects.filter(
                        pk__in=[d.pk for d in everything], status="ready"
                    ).count()
                    == len(everything)
                ),
                timeout=100,
                what="every request drafted",
            )
    finally:
        process.kill()
        print(process.log()[-3000:])
        broker.kill()
    started = {
        d.pk: d.generation_started_at
        for d in DraftRequest.objects.filter(pk__in=[d.pk for d in everything])
    }
    assert all(started[crisis.pk] < started[d.pk] for d in routine)
    assert all(started[annotation_draft.pk] > started[d.pk] for d in routine)


def test_a_queued_request_raised_to_crisis_is_published_again_in_the_crisis_lane(
    tiny_profile, tmp_path, alice
):
    broker = RedisServer(tmp_path)
    broker.start()
    try:
        with app_broker(broker.url):
            message = patient_message("Everything is grey lately.")
            draft = message.draft_requests.get()
            assert draft.risk_level != "crisis"
            assert broker.client.llen(tiny_profile.queue) == 0
            workflow.message_second_opinion(
                message_id=message.pk, level="crisis", reason="test: crisis 0.99", screener="test"
            )
            # The crisis copy waits in the first lane; the first copy to run takes the
            # request, the other finds nothing to do.
            assert broker.client.llen(tiny_profile.queue) == 1
    finally:
        broker.kill()
