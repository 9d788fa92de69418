"""The queue groups a conversation's open requests: one row per conversation.

A patient who floods the service must not own the queue's first page: another
patient's crisis stays on it, on the page and in the API. However a conversation
came to hold several open requests (data from before requests were overtaken,
or a race), it takes one row, with its count, its highest risk and its oldest
wait, and links to the request that answers it as it is now.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from reviewapp import workflow
from reviewapp.models import DraftRequest, Message, ModelProfile
from reviewapp.queue import QueueFilters, queue_rows
from reviewapp.tokens import api_token_create
from tests.factories import patient_message

pytestmark = pytest.mark.django_db


def _open_requests(conversation, waits: list[tuple[str, int]]) -> list[DraftRequest]:
    """One open request per (risk, minutes waiting), each for a message of its own, in
    this order: written as the rows are, not through the workflow (which overtakes)."""
    profile = ModelProfile.objects.get(is_default=True)
    now = timezone.now()
    requests = []
    for i, (risk, minutes) in enumerate(waits):
        message = Message.objects.create(
            conversation=conversation, role="patient", text=f"hello?? {i}", risk_level=risk
        )
        requests.append(
            DraftRequest.objects.create(
                message=message,
                profile=profile,
                risk_level=risk,
                waiting_since=now - timedelta(minutes=minutes),
            )
        )
    return requests


def _conversation(locale: str = "en"):
    return workflow.conversation_start(locale=locale)[0]


def _flood(n: int) -> list[DraftRequest]:
    """A conversation with ``n`` open crisis requests, waiting 60 minutes down to 1."""
    return _open_requests(_conversation(), [("crisis", 60 - 59 * i // n) for i in range(n)])


def _genuine_crisis() -> DraftRequest:
    """Another patient's crisis, written a minute ago: newer than all of the flood."""
    draft = patient_message("I want to end my life tonight.").draft_requests.get()
    assert draft.risk_level == "crisis"
    return draft


def _rows(user, **filters):
    return queue_rows(user=user, filters=QueueFilters(**filters), now=timezone.now(), limit=50)


def test_it_keeps_another_patients_crisis_on_the_first_page_of_the_queue_page(client, alice):
    flood = _flood(settings.COUNTERSIGN["QUEUE_PAGE_SIZE"] + 10)
    crisis = _genuine_crisis()
    client.force_login(alice)
    page = client.get("/queue/").content.decode()
    assert f'id="queue-link-{crisis.pk}"' in page
    # The flood takes one row, linked to its newest request, counting all of them.
    assert page.count("<tr class=") == 2
    assert f'data-request="{flood[-1].pk}" data-open="{len(flood)}"' in page
    assert f'<td class="open-count">{len(flood)}</td>' in page


def test_it_keeps_another_patients_crisis_on_the_first_page_of_the_api(client, alice):
    flood = _flood(60)
    crisis = _genuine_crisis()
    key = api_token_create(user=alice)
    items = client.get("/api/v1/queue", HTTP_AUTHORIZATION=f"Token {key}").json()["items"]
    assert [i["id"] for i in items] == [flood[-1].pk, crisis.pk]
    first = items[0]
    assert (first["open_requests"], first["risk_level"]) == (60, "crisis")
    assert first["conversation"] == str(flood[0].message.conversation_id)
    assert items[1]["open_requests"] == 1
    # A limit counts conversations, not requests.
    limited = client.get("/api/v1/queue?limit=2", HTTP_AUTHORIZATION=f"Token {key}").json()
    assert [i["id"] for i in limited["items"]] == [flood[-1].pk, crisis.pk]


def test_it_shows_each_conversations_count_highest_risk_and_oldest_wait(alice, settings):
    settings.COUNTERSIGN = {
        **settings.COUNTERSIGN,
        "SLA_MINUTES": {"crisis": 15, "elevated": 60, "none": 240},
    }
    mixed = _open_requests(_conversation(), [("none", 90), ("elevated", 30), ("crisis", 5)])
    (other_crisis,) = _open_requests(_conversation(), [("crisis", 20)])
    (routine,) = _open_requests(_conversation(), [("none", 10)])
    rows = _rows(alice)
    # Highest risk, then the oldest wait: the mixed conversation's patient has waited
    # 90 minutes and is now in crisis, so it comes before a crisis 20 minutes old.
    assert [r.pk for r in rows] == [mixed[-1].pk, other_crisis.pk, routine.pk]
    first = rows[0]
    assert (first.open_count, first.risk_level) == (3, "crisis")
    assert 90 * 60 <= first.waited_seconds < 91 * 60
    assert first.target_seconds == 15 * 60 and first.overdue
    assert first.waiting_since == mixed[0].waiting_since
    assert [r.open_count for r in rows[1:]] == [1, 1]


def test_it_groups_a_flood_longer_than_a_page(alice):
    """The walk reads on past a page of one conversation's requests."""
    flood = _flood(130)
    others = [_open_requests(_conversation(), [("crisis", 0)])[0] for _ in range(3)]
    rows = queue_rows(user=alice, filters=QueueFilters(), now=timezone.now(), limit=3)
    assert [r.pk for r in rows] == [flood[-1].pk, others[0].pk, others[1].pk]
    assert rows[0].open_count == 130


def test_it_keeps_the_filters_working_per_conversation(alice, bob):
    finnish = _conversation("fi")
    crisis_and_routine = _open_requests(finnish, [("none", 50), ("crisis", 3)])
    flood = _flood(40)
    routine = _open_requests(_conversation(), [("none", 20)])[0]
    other_profile = ModelProfile.objects.create(name="other", label="other", base_model="x")
    DraftRequest.objects.filter(pk=routine.pk).update(profile=other_profile)
    workflow.draft_request_claim(request_id=crisis_and_routine[1].pk, user=alice)
    workflow.draft_request_claim(request_id=flood[-1].pk, user=bob)

    def keyed(**filters):
        return [(r.pk, r.open_count) for r in _rows(alice, **filters)]

    assert keyed() == [(flood[-1].pk, 40), (crisis_and_routine[1].pk, 2), (routine.pk, 1)]
    assert keyed(mine=True) == [(crisis_and_routine[1].pk, 1)]
    # Unclaimed: bob holds the flood's newest request, not the others.
    assert keyed(unclaimed=True) == [
        (flood[-2].pk, 39),
        (crisis_and_routine[0].pk, 1),
        (routine.pk, 1),
    ]
    assert keyed(crisis=True) == [(flood[-1].pk, 40), (crisis_and_routine[1].pk, 1)]
    assert keyed(language="fi") == [(crisis_and_routine[1].pk, 2)]
    assert keyed(profile="other") == [(routine.pk, 1)]
    held = {r.pk: (r.holder, r.held_by_me) for r in _rows(alice)}
    assert held[flood[-1].pk] == ("bob", False)
    assert held[crisis_and_routine[1].pk] == ("alice", True)


@pytest.mark.django_db(transaction=True)
def test_a_burst_from_one_conversation_leaves_it_one_open_request():
    """Where the flood's rows did not come from: messages written at once, on four
    connections, each overtake the open request (the conversation's row lock orders
    them), so the workflow itself leaves one open request however many arrive."""
    if not ModelProfile.objects.filter(is_default=True).exists():
        ModelProfile.objects.create(name="burst", label="burst", base_model="x", is_default=True)
    conversation = _conversation()
    failures = []

    def send(writer: int) -> None:
        try:
            for i in range(8):
                workflow.message_receive(
                    conversation=conversation, text=f"I want to end my life {writer} {i}"
                )
        except Exception as exc:  # reported below; a thread's exception is otherwise lost
            failures.append(repr(exc))
        finally:
            connection.close()

    writers = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)
    assert failures == []
    assert Message.objects.filter(conversation=conversation).count() == 32
    requests = DraftRequest.objects.filter(message__conversation=conversation)
    assert requests.count() == 32 and requests.filter(status__in=["queued"]).count() == 1
    assert requests.filter(status="overtaken").count() == 31
