"""Nothing is lost under faults: real worker processes, a real Redis, real PostgreSQL.

Each test starts its own redis-server (never the machine's) and its own
``celery -A worker.celery worker`` subprocesses on 127.0.0.1, injects one fault
(SIGKILL, a restart without persistence, an outage, a hang, a dropped database
connection) and checks invariant 3 of the design: every patient message ends
with exactly one candidate set, and no fault leaves half-written state.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from reviewapp import workflow
from reviewapp.models import AuditEvent, Candidate, Decision, DraftRequest, Message
from reviewapp.tokens import api_token_create
from tests.factories import patient_message, ready_request
from tests.processes import RedisServer, database_url
from tests.test_full_loop import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def per_set() -> int:
    return settings.COUNTERSIGN["CANDIDATES_PER_REQUEST"]


def drafted_exactly_once(drafts: list[DraftRequest], broker: RedisServer, queue: str) -> None:
    """Wait for every request to be ready and for the broker to have nothing left to
    deliver (duplicates included), then check one candidate set per request."""
    pks = [d.pk for d in drafts]
    wait_for(
        lambda: DraftRequest.objects.filter(pk__in=pks, status="ready").count() == len(pks),
        timeout=40,
        what="every request to be drafted",
    )
    wait_for(
        lambda: broker.queued(queue) == 0 and broker.unacked() == 0,
        timeout=15,
        what="every delivery, duplicates included, to be consumed",
    )
    for pk in pks:
        assert Candidate.objects.filter(draft_request_id=pk).count() == per_set()
    stores = AuditEvent.objects.filter(
        action="candidates.store", object_id__in=[str(pk) for pk in pks]
    )
    assert sorted(int(e.object_id) for e in stores) == sorted(pks)
    # One set per message too: no fault made a second draft request for a message.
    messages = [d.message_id for d in drafts]
    assert DraftRequest.objects.filter(message_id__in=messages).count() == len(messages)


# --- a worker killed mid-generation --------------------------------------------------


def test_it_drafts_every_request_once_after_a_worker_is_killed_mid_generation(
    tiny_profile, broker, start_worker
):
    """SIGKILL while a request is generating: the broker keeps the unacknowledged
    delivery, the sweeper re-publishes, the broker redelivers, and every request
    still ends with exactly one candidate set."""
    drafts = [patient_message(f"Patient {i} has not slept.").draft_requests.get() for i in range(3)]
    assert broker.queued(tiny_profile.queue) == 3

    first = start_worker()
    killed = wait_for(
        lambda: DraftRequest.objects.filter(status="generating").first(),
        timeout=30,
        what="the worker to start generating",
    )
    first.kill()
    killed_at = time.monotonic()
    killed.refresh_from_db()
    # The kill landed mid-generation: the run started and stored nothing.
    assert killed.status == "generating"
    assert not Candidate.objects.filter(draft_request=killed).exists()
    # acks_late: the dead worker's delivery is still the broker's, unacknowledged.
    assert broker.unacked() == 1

    # The sweeper re-publishes the lost run; the two still queued wait in the broker.
    swept = workflow.requests_sweep_stale(older_than=timedelta(0))
    assert swept == [killed.pk]
    # A visibility timeout of a second (an hour in production) makes the broker hand
    # the dead worker's delivery out again on the next worker's start: a third
    # delivery of that request, with the killed run's own task id.
    time.sleep(max(0.0, killed_at + 1.5 - time.monotonic()))
    start_worker(CELERY_VISIBILITY_TIMEOUT="1")
    drafted_exactly_once(drafts, broker, tiny_profile.queue)


# --- the broker restarted without persistence ----------------------------------------


def test_it_drafts_requests_a_broker_restart_forgot(tiny_profile, broker, start_worker):
    """Redis restarts empty with tasks queued and no worker yet: the database still
    knows every request, and the sweeper publishes each again."""
    drafts = [patient_message(f"Patient {i} writes.").draft_requests.get() for i in range(3)]
    assert broker.queued(tiny_profile.queue) == 3

    broker.kill()
    broker.start()
    assert broker.queued(tiny_profile.queue) == 0

    start_worker()
    # This process's pooled connections died with the old server.
    swept = workflow.requests_sweep_stale(older_than=timedelta(0))
    assert sorted(swept) == sorted(d.pk for d in drafts)
    # A patient writing after the restart is published at once, not left to the sweeper.
    drafts.append(patient_message("Written after the restart.").draft_requests.get())
    drafted_exactly_once(drafts, broker, tiny_profile.queue)


# --- the broker down or hung while patients write ------------------------------------


def _post_message(client: Client, conversation: dict, text: str):
    return client.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        {"text": text},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {conversation['token']}",
    )


def _in_background(call) -> tuple[threading.Thread, list]:
    """Start ``call`` on its own thread (and so its own database connection)."""
    outcome: list = []

    def run():
        try:
            outcome.append(call())
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _bounded(call, *, timeout: float):
    """``call``'s result and how long it took; a failure if it has not returned in time."""
    started = time.monotonic()
    thread, outcome = _in_background(call)
    thread.join(timeout)
    assert outcome, f"no answer within {timeout}s"
    return outcome[0], time.monotonic() - started


@pytest.mark.parametrize("fault", ["down", "hung"])
def test_it_accepts_and_later_drafts_messages_written_while_the_broker_fails(
    client, tiny_profile, broker, start_worker, fault
):
    """With the broker gone (connections refused) or hung (connections accepted,
    never answered), a patient's POST still answers 201 within seconds, the message
    and its draft request are stored, and once the broker is back and the sweeper
    has run, each is drafted exactly once."""

    def new_conversation():
        return client.post("/api/v1/conversations", content_type="application/json").json()

    assert _post_message(client, new_conversation(), "Before the outage.").status_code == 201
    assert broker.queued(tiny_profile.queue) == 1  # this process's broker connection is warm

    if fault == "down":
        broker.kill()
    else:
        broker.freeze()
    # Three patients (in one conversation, a later message would overtake the open request).
    texts = ["Is anyone there?", "I really need to talk to someone."]
    for text in texts:
        posted, seconds = _bounded(
            lambda t=text: _post_message(client, new_conversation(), t), timeout=20
        )
        assert posted.status_code == 201, posted.content
        assert seconds < 10, f"the POST took {seconds:.1f}s"
    stored = Message.objects.order_by("pk")
    assert [m.text for m in stored][1:] == texts
    drafts = [m.draft_requests.get() for m in stored]
    assert [d.status for d in drafts] == ["queued"] * 3

    if fault == "down":
        broker.start()
    else:
        broker.thaw()
    start_worker()
    swept = set(workflow.requests_sweep_stale(older_than=timedelta(0)))
    # Only what the broker lost is published again: those written while it was down;
    # a publish that timed out against the hung broker may have landed once it woke.
    if fault == "down":
        assert {d.pk for d in drafts[1:]} <= swept
    assert swept <= {d.pk for d in drafts}
    drafted_exactly_once(drafts, broker, tiny_profile.queue)


# --- a database connection dropped mid-request ---------------------------------------


@contextmanager
def commit_held_up(model, pk: int):
    """Hold a row lock that the request's COMMIT waits for (Django's foreign keys are
    checked at commit), then terminate the request's database connection there:
    every row the request wrote is in its transaction, none committed yet."""
    url = database_url(connection.settings_dict)
    with (
        psycopg.connect(url, connect_timeout=5) as holder,
        psycopg.connect(url, autocommit=True, connect_timeout=5) as monitor,
    ):
        holder.execute(f'SELECT 1 FROM "{model._meta.db_table}" WHERE id = %s FOR UPDATE', [pk])

        def terminate_waiting_commit():
            pid = wait_for(
                lambda: monitor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query = 'COMMIT'"
                ).fetchone(),
                timeout=15,
                what="the request to wait on its COMMIT",
            )[0]
            assert monitor.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]

        try:
            yield terminate_waiting_commit
        finally:
            holder.rollback()


def _is_generic_server_error(response, *private_texts: str) -> None:
    assert response.status_code >= 500
    body = response.content.decode(errors="replace")
    for text in (*private_texts, "Traceback", "OperationalError", "terminating connection"):
        assert text not in body, f"{text!r} in the error page"


def test_it_stores_nothing_of_a_patient_message_whose_connection_drops(tiny_profile, caplog):
    """The connection dies as the message and its draft request commit: the patient
    gets a generic server error, neither row exists (no message that no draft
    request would ever answer), and posting again works."""
    client = Client(raise_request_exception=False)
    conversation = client.post("/api/v1/conversations", content_type="application/json").json()
    secret = "my neighbour Matti Virtanen keeps me awake"

    with commit_held_up(type(tiny_profile), tiny_profile.pk) as terminate:
        posting, outcome = _in_background(lambda: _post_message(client, conversation, secret))
        try:
            terminate()
        finally:
            posting.join(20)
    assert outcome, "the POST did not return"
    _is_generic_server_error(outcome[0], secret)
    assert outcome[0].status_code == 503 and "try again" in outcome[0].json()["error"]
    assert "database error on /api/v1/" in caplog.text and secret not in caplog.text
    assert not Message.objects.filter(conversation_id=conversation["id"]).exists()
    assert not DraftRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="message.receive").exists()

    assert _post_message(client, conversation, secret).status_code == 201
    assert DraftRequest.objects.get().message.text == secret


def test_it_keeps_a_request_decidable_when_the_decision_connection_drops(
    tiny_profile, alice, caplog
):
    """The connection dies as the decision and the released reply commit: the
    clinician gets a generic server error, there is no decision, reply or audit
    event, the request is still open and claimed, and deciding again releases once."""
    draft = ready_request(message=patient_message("I keep thinking about the accident."))
    [first, *_] = draft.candidates.all()
    client = Client(raise_request_exception=False)
    clinician = {"HTTP_AUTHORIZATION": f"Token {api_token_create(user=alice)}"}
    claimed = client.generic("POST", f"/api/v1/drafts/{draft.pk}/claim", b"", **clinician)
    assert claimed.status_code == 200
    edited = "That sounds frightening. What comes back to you most?"

    def decide():
        return client.post(
            f"/api/v1/drafts/{draft.pk}/decision",
            {"action": "edit", "candidate_id": first.pk, "text": edited},
            content_type="application/json",
            **clinician,
        )

    # The reviewer's row: the decision's rows refer to it, and nothing locks it before
    # the COMMIT checks those references (the conversation is locked at the start).
    with commit_held_up(type(alice), alice.pk) as terminate:
        deciding, outcome = _in_background(decide)
        try:
            terminate()
        finally:
            deciding.join(20)
    assert outcome, "the decision did not return"
    _is_generic_server_error(outcome[0], edited, "accident")
    assert outcome[0].status_code == 503 and "database error on /api/v1/" in caplog.text
    assert edited not in caplog.text and "accident" not in caplog.text
    assert not Decision.objects.exists()
    assert not Message.objects.filter(role="clinician").exists()
    assert not AuditEvent.objects.filter(action__startswith="decision.").exists()
    draft.refresh_from_db()
    assert (draft.status, draft.claimed_by_id) == ("ready", alice.pk)

    decided = decide()
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "released"
    assert Decision.objects.get().final_text == edited
    assert list(Message.objects.filter(role="clinician").values_list("text", flat=True)) == [edited]
