"""The conversation is in crisis, not the message; a reply answers the conversation as it is now."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections

from reviewapp import workflow
from reviewapp.models import AuditEvent, Candidate, Conversation, CrisisAlert, DraftRequest, Message
from tests.factories import patient_message, ready_request

pytestmark = pytest.mark.django_db

CRISIS_TEXT = "I have pills saved up and I plan to take them all tonight."
WITH_RESOURCES = "Please call 988 now, or 911 if you are in danger. I'm here with you."


def _open_requests(conversation) -> list[DraftRequest]:
    return list(
        DraftRequest.objects.filter(message__conversation=conversation).open().order_by("pk")
    )


def test_a_new_message_overtakes_the_open_request_and_answers_everything_since(alice):
    first = ready_request(["About your job: keep going."])
    conversation = first.message.conversation
    workflow.draft_request_claim(request_id=first.pk, user=alice)
    second = patient_message("Also I can't sleep.", conversation=conversation)

    first.refresh_from_db()
    assert first.status == "overtaken"
    # Its candidates stay on record.
    assert Candidate.objects.filter(draft_request=first).count() == 1
    (fresh,) = _open_requests(conversation)
    assert fresh.message == second and fresh.supersedes == first
    # It keeps the first message's place in the queue, and the clinician's claim.
    assert fresh.waiting_since == first.waiting_since
    assert fresh.claimed_by == alice
    assert list(fresh.answered_messages()) == [first.message, second]
    assert [t["content"] for t in second.history()] == [first.message.text, second.text]
    assert AuditEvent.objects.filter(action="draft.overtaken", object_id=str(first.pk)).exists()


def test_the_fresh_request_takes_the_highest_level_of_the_messages_it_answers():
    crisis = patient_message(CRISIS_TEXT)
    conversation = crisis.conversation
    # A clinician lowers nothing here: a routine follow-up stays in the crisis request.
    follow_up = patient_message("sorry for the long message", conversation=conversation)
    (fresh,) = _open_requests(conversation)
    assert fresh.message == follow_up and fresh.risk_level == "crisis"
    assert CrisisAlert.objects.count() == 1


def test_a_crisis_raises_the_conversation_and_every_later_message(settings):
    routine = patient_message("Work was long today.")
    conversation = routine.conversation
    assert Conversation.objects.get(pk=conversation.pk).risk_level == "none"
    patient_message(CRISIS_TEXT, conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.risk_level == "crisis" and conversation.current_risk_level() == "crisis"
    later = patient_message("ok", conversation=conversation)
    assert later.risk_level == "crisis"


def test_release_refuses_a_reply_when_the_patient_wrote_again(alice):
    draft = ready_request(["Thank you for writing."])
    decision_text = draft.candidates.get().text
    # The newer message arrives while the page is open: the old request is overtaken,
    # so the decision is refused and nothing is released.
    patient_message("Are you there?", conversation=draft.message.conversation)
    with pytest.raises(workflow.Conflict):
        workflow.draft_request_decide(
            request_id=draft.pk,
            user=alice,
            action="approve",
            candidate_id=draft.candidates.get().pk,
            expected_version=draft.version,
        )
    assert not Message.objects.filter(role="clinician", text=decision_text).exists()


def test_the_release_path_itself_checks_the_conversation_as_it_is_now(alice):
    """Even a decision that got through (a race, a bug) is refused at release."""
    draft = ready_request(["Thank you for writing."])
    decision = workflow.Decision.objects.create(
        draft_request=draft,
        action="approve",
        candidate=draft.candidates.get(),
        final_text="Thank you for writing.",
        final_text_sha256=workflow.sha256_text("Thank you for writing."),
        reviewer=alice,
    )
    Message.objects.create(conversation=draft.message.conversation, role="patient", text="hello?")
    with pytest.raises(workflow.ReleaseRefused, match="wrote again"):
        workflow.reply_release(decision=decision)
    Message.objects.filter(text="hello?").delete()
    Conversation.objects.filter(pk=draft.message.conversation_id).update(
        crisis_signalled_at=draft.created_at
    )
    with pytest.raises(workflow.ReleaseRefused, match="raised to Crisis"):
        workflow.reply_release(decision=decision)
    assert not Message.objects.filter(role="clinician").exists()


def test_a_routine_request_overtaken_by_a_crisis_follows_the_crisis_protocol(alice, bob):
    routine = ready_request(["You sound tired; rest well."])
    conversation = routine.message.conversation
    crisis = patient_message(CRISIS_TEXT, conversation=conversation)
    (fresh,) = _open_requests(conversation)
    assert fresh.risk_level == "crisis" and fresh.comparison is None
    assert CrisisAlert.objects.filter(draft_request=fresh).exists()
    workflow.generation_start(request_id=fresh.pk, task_id="t-crisis")
    from tests.factories import candidate

    workflow.candidates_store(
        request_id=fresh.pk, candidates=[candidate("Rest well."), candidate(WITH_RESOURCES)]
    )
    # The resources check and the second sign-off apply to the fresh request.
    with pytest.raises(workflow.InvalidInput, match="crisis resources"):
        workflow.draft_request_decide(
            request_id=fresh.pk,
            user=alice,
            action="approve",
            candidate_id=fresh.candidates.get(position=0).pk,
        )
    workflow.draft_request_decide(
        request_id=fresh.pk,
        user=alice,
        action="approve",
        candidate_id=fresh.candidates.get(position=1).pk,
    )
    assert DraftRequest.objects.get(pk=fresh.pk).status == "awaiting_signoff"
    reply = workflow.draft_request_sign_off(request_id=fresh.pk, user=bob)
    assert reply.text == WITH_RESOURCES
    assert list(fresh.answered_messages()) == [routine.message, crisis]


def test_the_review_page_says_which_messages_the_reply_answers(client, alice):
    first = ready_request(["Hello."])
    conversation = first.message.conversation
    second = patient_message("One more thing.", conversation=conversation)
    fresh = DraftRequest.objects.get(message=second)
    client.force_login(alice)
    page = client.get(f"/review/{fresh.pk}/").content.decode()
    assert 'data-answered="2"' in page and page.count('class="msg patient answered"') == 2
    assert f'data-supersedes="{first.pk}"' in page
    old_page = client.get(f"/review/{first.pk}/").content.decode()
    assert f'data-overtaken-by="{fresh.pk}"' in old_page


def test_a_reply_answers_only_the_messages_since_the_last_reply(alice):
    first = ready_request(["Thanks for telling me."])
    conversation = first.message.conversation
    workflow.draft_request_decide(
        request_id=first.pk, user=alice, action="approve", candidate_id=first.candidates.get().pk
    )
    later = patient_message("It helped.", conversation=conversation)
    draft = DraftRequest.objects.get(message=later)
    assert list(draft.answered_messages()) == [later]
    assert draft.supersedes is None and draft.waiting_since == later.created_at


@pytest.mark.django_db(transaction=True)
def test_a_message_and_a_decision_racing_on_one_conversation_never_deadlock(alice, tiny_profile):
    """Both lock the conversation first: one wins, the other sees its result."""
    draft = ready_request(["A reply."])
    conversation = draft.message.conversation
    candidate_id = draft.candidates.get().pk
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def decide():
        start.wait()
        try:
            results["decide"] = workflow.draft_request_decide(
                request_id=draft.pk, user=alice, action="approve", candidate_id=candidate_id
            )
        except workflow.WorkflowError as exc:
            results["decide"] = exc
        finally:
            close_old_connections()

    def write():
        start.wait()
        try:
            results["write"] = workflow.message_receive(conversation=conversation, text="hi?")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=decide), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert isinstance(results["write"], Message)
    released = Message.objects.filter(role="clinician").exists()
    open_requests = _open_requests(conversation)
    # Either the reply went out first and the new message has a request of its own,
    # or the message overtook the request and the decision was refused.
    assert len(open_requests) == 1 and open_requests[0].message == results["write"]
    if released:
        assert open_requests[0].supersedes is None
    else:
        assert isinstance(results["decide"], workflow.WorkflowError)
        assert open_requests[0].supersedes_id == draft.pk


def test_a_lower_signal_outlives_a_higher_one_in_the_carry_window(settings):
    """Crisis at t0, elevated at t0+23h: at t0+25h the conversation is still elevated."""
    from datetime import timedelta

    from django.utils import timezone

    conversation, _ = workflow.conversation_start()
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        crisis_signalled_at=now - timedelta(hours=25),
        elevated_signalled_at=now - timedelta(hours=2),
    )
    conversation.refresh_from_db()
    assert conversation.current_risk_level(now) == "elevated"
    assert conversation.current_risk_level(now - timedelta(hours=3)) == "crisis"


def test_regenerating_and_a_new_message_leave_one_open_request(alice, tiny_profile):
    """Regenerate locks the conversation first, as a new message does: the message then
    overtakes the fresh request instead of opening a second one beside it."""
    draft = ready_request(["A reply."])
    conversation = draft.message.conversation
    workflow.draft_request_claim(request_id=draft.pk, user=alice)
    fresh = workflow.draft_request_regenerate(request_id=draft.pk, user=alice)
    patient_message("hello?", conversation=conversation)
    (open_request,) = _open_requests(conversation)
    assert open_request.supersedes_id == fresh.pk
