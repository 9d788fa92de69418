"""The review queue: order, filters, service-level timers, live partial, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reviewapp import workflow
from reviewapp.models import DraftRequest, ModelProfile
from reviewapp.queue import QueueFilters, queue_counts, queue_rows
from tests.factories import patient_message, ready_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def _waiting(minutes: int, *, risk: str = "none", locale: str = "en") -> DraftRequest:
    conversation, _ = workflow.conversation_start(locale=locale)
    draft = patient_message(conversation=conversation).draft_requests.get()
    DraftRequest.objects.filter(pk=draft.pk).update(
        risk_level=risk, waiting_since=timezone.now() - timedelta(minutes=minutes)
    )
    return DraftRequest.objects.get(pk=draft.pk)


def _ids(user, **filters) -> list[int]:
    rows = queue_rows(user=user, filters=QueueFilters(**filters), now=timezone.now(), limit=50)
    return [row.pk for row in rows]


def test_it_puts_crisis_first_then_elevated_then_the_longest_waiting(alice):
    routine_old = _waiting(90)
    routine_new = _waiting(5)
    elevated = _waiting(1, risk="elevated")
    crisis = _waiting(0, risk="crisis")
    assert _ids(alice) == [crisis.pk, elevated.pk, routine_old.pk, routine_new.pk]


def test_it_keeps_a_redrafted_request_in_its_place(alice):
    first = ready_request()
    DraftRequest.objects.filter(pk=first.pk).update(
        waiting_since=timezone.now() - timedelta(hours=1)
    )
    later = _waiting(10)
    workflow.draft_request_decide(
        request_id=first.pk, user=alice, action="reject", reasons=["too_long"]
    )
    redraft = DraftRequest.objects.get(message=first.message, status="queued")
    assert _ids(alice) == [redraft.pk, later.pk]


def test_it_filters_mine_unclaimed_crisis_profile_and_language(alice, bob):
    mine = _waiting(3)
    bobs = _waiting(4)
    crisis = _waiting(1, risk="crisis")
    finnish = _waiting(2, locale="fi")
    other_profile = ModelProfile.objects.create(name="other", label="other", base_model="x")
    DraftRequest.objects.filter(pk=finnish.pk).update(profile=other_profile)
    workflow.draft_request_claim(request_id=mine.pk, user=alice)
    workflow.draft_request_claim(request_id=bobs.pk, user=bob)

    assert _ids(alice, mine=True) == [mine.pk]
    assert _ids(alice, unclaimed=True) == [crisis.pk, finnish.pk]
    assert _ids(alice, crisis=True) == [crisis.pk]
    assert _ids(alice, language="fi") == [finnish.pk]
    assert _ids(alice, profile="other") == [finnish.pk]
    # A lapsed lease counts as unclaimed, and is no longer "mine".
    DraftRequest.objects.filter(pk=mine.pk).update(claim_expires_at=timezone.now())
    assert mine.pk in _ids(alice, unclaimed=True) and _ids(alice, mine=True) == []


def test_it_reads_filters_from_the_query_string():
    filters = QueueFilters.from_query({"mine": "1", "crisis": "0", "language": "fi"})
    assert filters == QueueFilters(mine=True, language="fi") and filters.active


def test_it_times_each_wait_against_its_risk_levels_target(alice, settings):
    settings.COUNTERSIGN = {
        **settings.COUNTERSIGN,
        "SLA_MINUTES": {"crisis": 15, "elevated": 60, "none": 240},
    }
    late_crisis = _waiting(20, risk="crisis")
    routine = _waiting(20)
    rows = {
        r.pk: r
        for r in queue_rows(user=alice, filters=QueueFilters(), now=timezone.now(), limit=10)
    }
    assert rows[late_crisis.pk].overdue and rows[late_crisis.pk].target_seconds == 15 * 60
    assert not rows[routine.pk].overdue and rows[routine.pk].target_share == 8
    counts = queue_counts(user=alice, now=timezone.now())
    assert counts == {"total": 2, "crisis": 1, "elevated": 0, "past_target": 1, "held": 0}


def test_it_shows_timers_holders_and_counts_on_the_page(alice_client, alice, bob):
    held = _waiting(300, risk="elevated")
    workflow.draft_request_claim(request_id=held.pk, user=bob)
    page = alice_client.get("/queue/").content.decode()
    assert "5 h 00 min / 1 h 00 min — past target" in page
    assert "<td>bob</td>" in page and "1 past target" in page and "1 being reviewed" in page


def test_it_serves_the_live_partial_with_the_filters_applied(alice_client):
    crisis = _waiting(1, risk="crisis")
    routine = _waiting(2)
    partial = alice_client.get("/queue/?crisis=1", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert f"#{crisis.pk}<" in partial and f"#{routine.pk}<" not in partial


def test_it_never_lists_annotation_items(alice):
    draft = _waiting(1)
    DraftRequest.objects.filter(pk=draft.pk).update(purpose="annotation")
    assert _ids(alice) == []


def test_it_draws_the_page_in_the_same_number_of_queries_however_long_the_queue(alice_client, bob):
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get("/queue/?unclaimed=0").status_code == 200
        return len(captured)

    queries_for_page()  # the session's first page also reads the user's language once
    for _ in range(3):
        workflow.draft_request_claim(request_id=_waiting(1).pk, user=bob)
    few = queries_for_page()
    for minutes in range(30):
        _waiting(minutes, risk=("none", "elevated", "crisis")[minutes % 3])
    assert queries_for_page() == few


def test_it_reads_one_page_of_rows_through_the_queue_index(alice):
    """PostgreSQL walks review_queue_order instead of sorting every open request."""
    for minutes in range(5):
        _waiting(minutes)
    items = DraftRequest.objects.for_review().in_queue_order()[:50]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = items.explain()
        cursor.execute("RESET enable_seqscan")
    assert "review_queue_order" in plan and "Sort" not in plan.split("review_queue_order")[0]


def test_it_escapes_what_it_prints_in_the_rows(alice_client, django_user_model):
    from django.contrib.auth.models import Group

    from reviewapp.roles import roles_sync

    roles_sync()
    odd = django_user_model.objects.create_user(username="<b>eve</b>", password="x")
    odd.groups.add(Group.objects.get(name="clinician"))
    workflow.draft_request_claim(request_id=_waiting(1).pk, user=odd)
    page = alice_client.get("/queue/").content.decode()
    assert "<b>eve</b>" not in page and "&lt;b&gt;eve&lt;/b&gt;" in page


def test_the_open_statuses_are_written_down_once():
    """The partial index and unique constraint spell the open statuses out for the database."""
    from reviewapp.models import OPEN_STATUS_VALUES

    assert sorted(OPEN_STATUS_VALUES) == sorted(DraftRequest.OPEN_STATUSES)
