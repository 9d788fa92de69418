"""Scale-out: two worker processes on two queues serve two sites' profiles, each its own.

As in production (docker-compose.yml): one Celery worker process per GPU, each
consuming the queue of the base model it keeps resident; a site's profile
(``Service.profile``) decides which queue, so which worker, drafts its messages.
Real subprocess workers, a private Redis, the test database.
"""

from __future__ import annotations

import json
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from reviewapp import workflow
from reviewapp.models import AuditEvent, DraftRequest, ModelProfile, Service, WorkerHeartbeat
from tests.processes import RedisServer, WorkerProcess, app_broker, database_url
from tests.test_full_loop import wait_for

PATIENT_TEXTS = ("I can't sleep.", "Work is too much.", "I feel alone.")
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


@pytest.fixture
def two_sites(tiny_profile, tiny_llama, tmp_path):
    """Site "north" on the default profile (queue gen-a), site "helsinki" on a profile of
    another base model (queue gen-b), as a Finnish site on its own model would be."""
    tiny_profile.queue = "gen-a"
    tiny_profile.save()
    other_base = shutil.copytree(tiny_llama.base_dir, tmp_path / "other-base")
    finnish = ModelProfile.objects.create(
        name="tiny-other-base",
        label="tiny Llama, another base",
        base_model=str(other_base),
        loading_mode="fp32",
        prompt_format="chat_template",
        generation_defaults=tiny_profile.generation_defaults,
        queue="gen-b",
    )
    north = Service.objects.create(slug="north", name="North")
    helsinki = Service.objects.create(slug="helsinki", name="Helsinki", profile=finnish)
    return {north: tiny_profile, helsinki: finnish}


@pytest.fixture
def workers(tmp_path):
    broker = RedisServer(tmp_path)
    broker.start()
    started = {
        queue: WorkerProcess(
            broker_url=broker.url,
            database_url=database_url(connection.settings_dict),
            queues=[queue],
            workdir=tmp_path,
        )
        for queue in ("gen-a", "gen-b")
    }
    try:
        with app_broker(broker.url):
            # One logs JSON, as the compose stack's workers do.
            started["gen-a"].start(HEARTBEAT_SECONDS="1", LOG_FORMAT="json")
            started["gen-b"].start(HEARTBEAT_SECONDS="1")
            yield started
    finally:
        for process in started.values():
            process.kill()
            print(f"--- {process.log_path.name} ---\n{process.log()[-3000:]}")
        broker.kill()


def test_each_sites_requests_are_drafted_by_the_worker_on_its_profiles_queue(
    two_sites, workers, settings
):
    # The workers beat every second (started so); this process judges them by the same.
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "HEARTBEAT_SECONDS": 1}
    # One patient per message: a second message in one conversation would overtake
    # the first's request (tests/test_conversation_risk.py).
    messages = [
        (
            site,
            workflow.message_receive(
                conversation=workflow.conversation_start(locale="en", service=site)[0],
                text=text,
            ),
        )
        for text in PATIENT_TEXTS
        for site in two_sites
    ]
    drafts = [(site, message.draft_requests.get()) for site, message in messages]
    pks = [draft.pk for _, draft in drafts]
    wait_for(
        lambda: DraftRequest.objects.filter(pk__in=pks, status="ready").count() == len(pks),
        timeout=120,
        what="both workers to draft every request",
    )

    for site, draft in drafts:
        profile, queue = two_sites[site], two_sites[site].queue
        assert draft.profile_id == profile.pk
        assert set(draft.candidates.values_list("profile_id", flat=True)) == {profile.pk}
        [stored] = AuditEvent.objects.filter(action="candidates.store", object_id=str(draft.pk))
        assert stored.details["worker"] == workers[queue].hostname

    # The JSON-logging worker said what it drafted, in fields, and nothing a patient wrote.
    logged = [
        json.loads(line) for line in workers["gen-a"].log().splitlines() if line.startswith("{")
    ]
    drafted = [line for line in logged if " drafted: " in line["message"]]
    north_drafts = {draft.pk for site, draft in drafts if two_sites[site].queue == "gen-a"}
    assert {line["draft_request"] for line in drafted} == north_drafts
    for line in drafted:
        assert line["queue"] == "gen-a" and line["worker"] == workers["gen-a"].hostname
        assert line["tokens"] >= 3 * 4 and line["seconds"] > 0  # min_new_tokens 4, 3 candidates
    assert not any(text in workers["gen-a"].log() for text in PATIENT_TEXTS)

    for queue, process in workers.items():
        profile = next(p for p in two_sites.values() if p.queue == queue)
        heartbeat = wait_for(
            lambda process=process: next(
                (
                    hb
                    for hb in WorkerHeartbeat.objects.filter(
                        worker__startswith=f"{process.hostname}:"
                    )
                    if hb.engines
                ),
                None,
            ),
            timeout=20,
            what=f"the heartbeat of the worker on {queue}",
        )
        # Each worker also drafts its queue's annotation batches, in their own lane.
        assert heartbeat.queues == [queue, f"{queue}.annotation"]
        [engine] = heartbeat.engines
        assert engine["base_model"] == profile.base_model
        assert engine["profiles"] == [str(profile)]
        assert heartbeat.tokens_generated > 0 and heartbeat.tokens_per_second > 0
        call_command("worker_health", hostname=process.hostname)  # healthy: exits quietly

    workers["gen-b"].kill()  # a dead worker stops beating: unhealthy after three beats

    def unhealthy() -> bool:
        try:
            call_command("worker_health", hostname=workers["gen-b"].hostname)
        except CommandError as refused:
            return "last reported" in str(refused)
        return False

    wait_for(unhealthy, timeout=15, what="the killed worker to be reported unhealthy")
    call_command("worker_health", hostname=workers["gen-a"].hostname)  # the other beats on
    with pytest.raises(CommandError, match="has not reported yet"):
        call_command("worker_health", hostname="gpu7@nowhere")
