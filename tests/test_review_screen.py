"""The review screen: leases that renew, live status, regenerate, diff, rubric, next/previous."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reviewapp import workflow
from reviewapp.models import AuditEvent, Decision, DraftRequest, Message
from reviewapp.views.access import optional_int
from tests.factories import patient_message, ready_request
from worker.tasks import profile_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def test_it_renews_a_lease_without_making_the_page_stale(alice_client, alice):
    draft = ready_request()
    claimed = workflow.draft_request_claim(request_id=draft.pk, user=alice)
    DraftRequest.objects.filter(pk=draft.pk).update(
        claim_expires_at=timezone.now() + timedelta(seconds=5)
    )
    reply = alice_client.post(f"/review/{draft.pk}/lease/?v={claimed.version}")
    draft.refresh_from_db()
    assert reply.status_code == 200 and 'data-state="mine"' in reply.content.decode()
    assert draft.claim_expires_at > timezone.now() + timedelta(seconds=500)
    assert draft.version == claimed.version


def test_it_refuses_to_renew_a_lease_someone_else_took_over(client, alice, bob):
    draft = ready_request()
    workflow.draft_request_claim(request_id=draft.pk, user=alice)
    DraftRequest.objects.filter(pk=draft.pk).update(claim_expires_at=timezone.now())
    taken = workflow.draft_request_claim(request_id=draft.pk, user=bob)
    client.force_login(alice)
    page = client.post(f"/review/{draft.pk}/lease/?v={taken.version - 1}").content.decode()
    assert "This request is held by bob." in page
    assert 'data-state="changed"' in page and "bob now holds this request" in page
    with pytest.raises(workflow.Conflict):
        workflow.draft_request_renew_lease(request_id=draft.pk, user=alice)


def test_it_shows_everyone_who_holds_the_request_live(alice_client, bob):
    draft = ready_request()
    page = alice_client.get(f"/review/{draft.pk}/status/?v={draft.version}").content.decode()
    assert 'data-state="unclaimed"' in page
    workflow.draft_request_claim(request_id=draft.pk, user=bob)
    page = alice_client.get(f"/review/{draft.pk}/status/?v={draft.version}").content.decode()
    assert 'data-state="changed"' in page and "bob now holds this request" in page


def test_it_answers_a_stale_page_with_a_conflict_not_an_overwrite(alice_client, alice, bob):
    draft = ready_request()
    stale_version = draft.version
    workflow.draft_request_claim(request_id=draft.pk, user=bob)
    DraftRequest.objects.filter(pk=draft.pk).update(claim_expires_at=timezone.now())
    reply = alice_client.post(
        f"/review/{draft.pk}/decide/",
        {
            "action": "approve",
            "candidate_id": draft.candidates.first().pk,
            "version": stale_version,
        },
        follow=True,
    )
    assert "changed since you opened it" in reply.content.decode()
    assert not Decision.objects.exists() and not Message.objects.filter(role="clinician").exists()


def test_it_regenerates_with_a_steering_note_and_keeps_the_claim(alice_client, alice):
    draft = ready_request()
    workflow.draft_request_claim(request_id=draft.pk, user=alice)
    draft.refresh_from_db()
    reply = alice_client.post(
        f"/review/{draft.pk}/decide/",
        {
            "action": "regenerate",
            "steering_note": "Shorter; ask about sleep.",
            "version": draft.version,
        },
    )
    fresh = DraftRequest.objects.get(message=draft.message, status="queued")
    assert reply["Location"] == f"/review/{fresh.pk}/"
    assert DraftRequest.objects.get(pk=draft.pk).status == "superseded"
    assert fresh.steering_note == "Shorter; ask about sleep." and fresh.claimed_by == alice
    assert fresh.waiting_since == draft.waiting_since
    assert not Decision.objects.exists()
    event = AuditEvent.objects.get(action="draft.regenerate")
    assert event.details == {"replaced_by": fresh.pk, "steered": True}
    spec = profile_spec(fresh.profile, steering_note=fresh.steering_note)
    assert spec.system_prompt.endswith(
        "Guidance from the reviewing clinician for this reply: Shorter; ask about sleep."
    )


def test_it_refuses_to_regenerate_while_candidates_are_being_drafted(alice):
    draft = patient_message().draft_requests.get()
    with pytest.raises(workflow.Conflict, match="still being drafted"):
        workflow.draft_request_regenerate(request_id=draft.pk, user=alice)


def test_it_shows_an_edit_as_a_word_level_diff(alice_client):
    draft = ready_request(["I hear that work has been very hard lately."])
    reply = alice_client.post(
        f"/review/{draft.pk}/diff/",
        {
            "candidate_id": draft.candidates.get().pk,
            "edit_text": "I hear that work has been exhausting lately.",
        },
    )
    page = reply.content.decode()
    assert "<del>" in page and "very hard" in page.split("<del>")[1].split("</del>")[0]
    assert "exhausting" in page.split("<ins>")[1].split("</ins>")[0]


def test_it_edits_with_rubric_scores_and_records_them(alice_client, alice):
    draft = ready_request(["Original text here."])
    candidate = draft.candidates.get()
    alice_client.post(
        f"/review/{draft.pk}/decide/",
        {
            "action": "edit",
            "candidate_id": candidate.pk,
            "edit_text": "Edited text here.",
            "rubric_empathy": "4",
            "rubric_safety": "5",
            "rubric_accuracy": "",
            "version": draft.version,
        },
    )
    decision = Decision.objects.get()
    assert decision.final_text == "Edited text here." and decision.ai_drafted
    assert decision.rubric_scores == {"empathy": 4, "safety": 5}
    assert (
        AuditEvent.objects.get(action="decision.edit").details["rubric"] == decision.rubric_scores
    )


@pytest.mark.parametrize(
    ("rubric", "message"),
    [({"empathy": 6}, "from 1 to 5"), ({"empathy": "x"}, "from 1 to 5"), ({"charm": 3}, "Unknown")],
)
def test_it_refuses_bad_rubric_scores(alice, rubric, message):
    draft = ready_request()
    with pytest.raises(workflow.InvalidInput, match=message):
        workflow.draft_request_decide(
            request_id=draft.pk,
            user=alice,
            action="approve",
            candidate_id=draft.candidates.first().pk,
            rubric=rubric,
        )
    assert not Decision.objects.exists()


def test_it_follows_the_sites_rubric_items(alice, settings):
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "RUBRIC_ITEMS": ["warmth"]}
    draft = ready_request()
    with pytest.raises(workflow.InvalidInput, match="Unknown"):
        workflow.draft_request_decide(
            request_id=draft.pk, user=alice, action="write", text="Hi.", rubric={"empathy": 3}
        )


def test_it_rejects_with_reasons_and_a_note_from_the_page(alice_client):
    draft = ready_request()
    alice_client.post(
        f"/review/{draft.pk}/decide/",
        {
            "action": "reject",
            "reasons": ["tone_empathy", "too_long"],
            "note": "Cold.",
            "version": draft.version,
        },
    )
    decision = Decision.objects.get()
    assert decision.reasons == ["tone_empathy", "too_long"] and decision.note == "Cold."


def test_it_moves_to_the_next_and_previous_request_in_queue_order(alice_client):
    first, second = ready_request(), ready_request()
    DraftRequest.objects.filter(pk=second.pk).update(risk_level="crisis")
    assert alice_client.get(f"/review/{second.pk}/next/")["Location"] == f"/review/{first.pk}/"
    assert alice_client.get(f"/review/{first.pk}/prev/")["Location"] == f"/review/{second.pk}/"
    assert alice_client.get(f"/review/{first.pk}/next/")["Location"] == "/queue/"


def test_next_and_previous_step_over_the_rest_of_a_conversation(alice_client):
    """The queue has a row per conversation, so moving on from a conversation that holds
    several open requests goes to the next conversation, not through its own requests."""
    flooding, other = ready_request(), ready_request()
    message = Message.objects.create(
        conversation=flooding.message.conversation, role="patient", text="Hello?"
    )
    extra = DraftRequest.objects.create(
        message=message, profile=flooding.profile, waiting_since=flooding.waiting_since
    )
    assert alice_client.get(f"/review/{flooding.pk}/next/")["Location"] == f"/review/{other.pk}/"
    assert alice_client.get(f"/review/{extra.pk}/next/")["Location"] == f"/review/{other.pk}/"
    assert alice_client.get(f"/review/{other.pk}/prev/")["Location"] in (
        f"/review/{flooding.pk}/",
        f"/review/{extra.pk}/",
    )


def test_it_offers_every_action_a_key_and_a_help_overlay(alice_client):
    draft = ready_request()
    page = alice_client.get(f"/review/{draft.pk}/").content.decode()
    for key in (
        'data-key="a"',
        'data-key="e"',
        'data-key="r"',
        'data-key="w"',
        'data-key="g"',
        'data-key="c"',
        'data-key="n"',
        'data-key="p"',
        'data-key="?"',
    ):
        assert key in page
    assert 'data-candidate="3"' in page and '<dialog id="help"' in page and "keys.js" in page


def test_it_discloses_ai_assistance_on_drafted_replies_only(client, alice):
    conversation, token = workflow.conversation_start()
    drafted = ready_request(["Drafted words."], message=patient_message(conversation=conversation))
    workflow.draft_request_decide(
        request_id=drafted.pk,
        user=alice,
        action="approve",
        candidate_id=drafted.candidates.get().pk,
    )
    own = ready_request(message=patient_message("Again.", conversation=conversation))
    workflow.draft_request_decide(request_id=own.pk, user=alice, action="write", text="My own.")
    page = client.get(f"/chat/{token}/").content.decode()
    assert page.count('data-disclosure="ai"') == 1 and page.count('data-disclosure="human"') == 1
    api = client.get(
        f"/api/v1/conversations/{conversation.pk}/messages", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert [m["ai_assisted"] for m in api["messages"]] == [False, True, False, False]


def test_it_reads_form_numbers_or_explains():
    assert optional_int("") is None and optional_int("7") == 7
    with pytest.raises(workflow.InvalidInput):
        optional_int("seven")


def test_an_open_page_renews_a_claim_only_up_to_the_longest_hold(alice, settings):
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "LEASE_MAX_HOLD_SECONDS": 600}
    draft = ready_request()
    workflow.draft_request_claim(request_id=draft.pk, user=alice)
    DraftRequest.objects.filter(pk=draft.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=601)
    )
    with pytest.raises(workflow.Conflict, match="claim it again"):
        workflow.draft_request_renew_lease(request_id=draft.pk, user=alice)
    workflow.draft_request_claim(request_id=draft.pk, user=alice)
    workflow.draft_request_renew_lease(request_id=draft.pk, user=alice)
