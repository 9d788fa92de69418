"""Clinicians correct the screen on every decision, and the screen learns from it."""

from __future__ import annotations

import json

import pytest

from reviewapp import workflow
from reviewapp.export import ExportOptions, dataset_export
from reviewapp.models import AuditEvent, Conversation, CrisisAlert, DraftRequest, RiskReview
from reviewapp.risk.against_clinicians import screen_against_clinicians
from reviewapp.risk.corrections import labelled_texts
from tests.factories import patient_message, ready_request

pytestmark = pytest.mark.django_db

WITH_RESOURCES = "Please call 988 now, or 911 if you are in danger. I'm here with you."


def _approve(draft, user, **kwargs):
    return workflow.draft_request_decide(
        request_id=draft.pk,
        user=user,
        action="approve",
        candidate_id=draft.candidates.get(position=0).pk,
        **kwargs,
    )


def test_every_decision_records_the_reviewers_verdict_on_the_level(alice):
    draft = ready_request(["Thanks for writing."], message=patient_message("Work was long today."))
    decision = _approve(draft, alice)
    review = RiskReview.objects.get(decision=decision)
    # No answer confirms the level as screened.
    assert (review.screened_level, review.level, review.carried) == ("none", "none", False)
    assert review.language == "en" and review.last_message == draft.message
    event = AuditEvent.objects.get(action="decision.approve")
    assert event.details["risk_level"] == "none" and event.details["risk_changed"] is False


def test_a_correction_to_crisis_runs_the_crisis_protocol_at_once(alice, bob):
    message = patient_message("Everything is grey and I keep staring at the ceiling.")
    draft = ready_request(["Rest well tonight.", WITH_RESOURCES], message=message)
    assert draft.risk_level != "crisis"
    # The reply gives no resources: the decision is refused, but the raise stands.
    with pytest.raises(workflow.InvalidInput, match="crisis resources"):
        _approve(draft, alice, risk_level="crisis")
    draft.refresh_from_db()
    assert draft.risk_level == "crisis" and draft.risk_rank == 0
    assert CrisisAlert.objects.filter(draft_request=draft).exists()
    assert Conversation.objects.get(pk=message.conversation_id).risk_level == "crisis"
    assert AuditEvent.objects.filter(action="risk.raise", actor=alice).exists()
    # Now the reply needs the resources and a second clinician.
    decision = workflow.draft_request_decide(
        request_id=draft.pk,
        user=alice,
        action="approve",
        candidate_id=draft.candidates.get(position=1).pk,
        risk_level="crisis",
    )
    assert DraftRequest.objects.get(pk=draft.pk).status == "awaiting_signoff"
    # One verdict, with the decision that went through; the screen's own level kept.
    review = RiskReview.objects.get()
    assert review.decision == decision and review.level == "crisis"
    assert review.screened_level == message.risk_level != "crisis" and review.carried is False
    workflow.draft_request_sign_off(request_id=draft.pk, user=bob)


def test_a_lower_verdict_is_recorded_but_never_skips_the_crisis_safeguards(alice, bob):
    message = patient_message("I have a rope and I'm going to end my life tonight.")
    draft = ready_request([WITH_RESOURCES], message=message)
    decision = _approve(draft, alice, risk_level="none")
    # This reply still waits for the second sign-off the crisis needs.
    assert DraftRequest.objects.get(pk=draft.pk).status == "awaiting_signoff"
    review = decision.risk_review
    assert (review.screened_level, review.level) == ("crisis", "none")
    # The conversation's later messages carry the reviewer's level, not the screen's.
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.current_risk_level() == "none"
    workflow.draft_request_sign_off(request_id=draft.pk, user=bob)
    later = patient_message("thanks, I'm at my sister's now", conversation=conversation)
    assert later.risk_level == "none"


def test_an_unknown_level_is_refused(alice):
    draft = ready_request(["Hi."])
    with pytest.raises(workflow.InvalidInput):
        _approve(draft, alice, risk_level="severe")
    assert not RiskReview.objects.exists()


def test_the_review_page_asks_for_the_verdict_with_one_key(client, alice):
    draft = ready_request(["Hi."], message=patient_message("Work was long today."))
    client.force_login(alice)
    page = client.get(f"/review/{draft.pk}/").content.decode()
    assert 'id="risk-verdict"' in page and 'data-key="l"' in page
    assert 'name="risk_level" value="none" checked' in page
    client.post(
        f"/review/{draft.pk}/decide/",
        {
            "action": "approve",
            "candidate_id": draft.candidates.get().pk,
            "risk_level": "elevated",
            "version": draft.version,
        },
    )
    review = RiskReview.objects.get()
    assert (review.screened_level, review.level) == ("none", "elevated")


def test_the_api_takes_the_verdict_with_the_decision(client, alice):
    from reviewapp.tokens import api_token_create

    token = api_token_create(user=alice)
    draft = ready_request(["Hi."], message=patient_message("Work was long today."))
    response = client.post(
        f"/api/v1/drafts/{draft.pk}/decision",
        {"action": "approve", "candidate_id": draft.candidates.get().pk, "risk_level": "elevated"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200, response.content
    assert RiskReview.objects.get().level == "elevated"


def test_the_api_says_which_messages_a_reply_answers(client, alice):
    from reviewapp.tokens import api_token_create

    token = api_token_create(user=alice)
    first = patient_message("Work was long today.")
    second = patient_message("And I can't sleep.", conversation=first.conversation)
    draft = DraftRequest.objects.get(message=second)
    body = client.get(f"/api/v1/drafts/{draft.pk}", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert body["answers"] == [first.pk, second.pk]


def test_corrections_change_the_supervisor_figures(client, sam, alice):
    routine = ready_request(["Hi."], message=patient_message("Work was long today."))
    _approve(routine, alice, risk_level="elevated")
    crisis = ready_request(
        [WITH_RESOURCES], message=patient_message("I'm going to kill myself tonight.")
    )
    _approve(crisis, alice)  # confirmed

    figures = screen_against_clinicians(RiskReview.objects.all())
    overall = {group.label: group for group in figures["overall"]}
    levels = {f.level: f for f in overall["all"].levels}
    assert overall["all"].verdicts == 2 and overall["all"].changed == 1
    assert levels["crisis"].precision == 1.0 and levels["crisis"].recall == 1.0
    assert levels["elevated"].recall == 0.0 and levels["none"].precision == 0.0
    assert {g.label for g in figures["overall"]} == {"all", "en"}
    assert any("·" in g.label for g in figures["weekly"])

    client.force_login(sam)
    page = client.get("/supervisor/").content.decode()
    assert 'id="screen-figures"' in page
    assert 'data-group="all"' in page and 'data-level="crisis" data-measure="recall">100%' in page


def test_a_carried_level_is_left_out_of_the_figures_and_the_training_data(alice, bob):
    crisis = patient_message("I'm going to kill myself tonight.")
    first = ready_request([WITH_RESOURCES], message=crisis)
    _approve(first, alice)
    workflow.draft_request_sign_off(request_id=first.pk, user=bob)
    later = ready_request(
        [WITH_RESOURCES],
        message=patient_message("thank you", conversation=crisis.conversation),
    )
    decision = _approve(later, alice)
    assert decision.risk_review.carried is True
    figures = screen_against_clinicians(RiskReview.objects.all())["overall"][0]
    assert figures.verdicts == 1
    assert [row.text for row in labelled_texts()] == ["I'm going to kill myself tonight."]


def test_the_export_writes_the_verdicts_de_identified(alice, tmp_path):
    message = patient_message("My name is Matti Virtanen and I feel hopeless about everything.")
    draft = ready_request(["Hi."], message=message)
    _approve(draft, alice, risk_level="elevated")
    manifest = dataset_export(ExportOptions(fmt="risk"), out_dir=tmp_path / "risk")
    (row,) = [
        json.loads(line) for line in (tmp_path / "risk" / "risk.jsonl").read_text().splitlines()
    ]
    assert row["level"] == "elevated" and row["lang"] == "en" and row["week"].startswith("20")
    assert "Matti" not in row["text"] and "Virtanen" not in row["text"] and "[NAME" in row["text"]
    assert manifest["counts"]["level.elevated"] == 1
    assert "risk screen" in (tmp_path / "risk" / "README.md").read_text()


def test_confirming_a_level_sets_the_conversation_to_it(alice, bob):
    """A reviewer who lowered a conversation is not the last word: the next reviewer's
    confirmed crisis raises it again, for its later messages and the patient's notice."""
    message = patient_message("I'm going to kill myself tonight.")
    conversation = message.conversation
    draft = ready_request(["Rest well."], message=message)
    workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="reject", reasons=["safety"], risk_level="none"
    )
    assert Conversation.objects.get(pk=conversation.pk).current_risk_level() == "none"
    retry = DraftRequest.objects.open().get(message=message)
    assert retry.risk_level == "crisis"  # this message's reply keeps the crisis safeguards
    workflow.generation_start(request_id=retry.pk, task_id="t-retry")
    from tests.factories import candidate

    workflow.candidates_store(request_id=retry.pk, candidates=[candidate(WITH_RESOURCES)])
    _approve(retry, bob)  # confirms crisis, as screened
    assert Conversation.objects.get(pk=conversation.pk).current_risk_level() == "crisis"
