"""The crisis protocol: alerts to the on-call clinician, resources, second sign-off."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from reviewapp import workflow
from reviewapp.export import ExportOptions, dataset_export
from reviewapp.models import AuditEvent, CrisisAlert, Decision, DraftRequest, Message
from reviewapp.risk.alerts import crisis_alert_send
from tests.factories import patient_message, ready_request

pytestmark = pytest.mark.django_db

CRISIS_TEXT = "I have a rope and I'm going to end my life tonight."
WITH_RESOURCES = "Please call 988 now, or 911 if you are in danger. I'm here with you."


def _crisis_request(texts=(WITH_RESOURCES, "I'm sorry you feel this way.")) -> DraftRequest:
    return ready_request(texts, message=patient_message(CRISIS_TEXT))


def test_it_alerts_the_on_call_clinician_by_email_and_webhook(webhook, mailoutbox):
    received, _ = webhook
    draft = _crisis_request()
    alert = CrisisAlert.objects.get(draft_request=draft)
    assert crisis_alert_send(alert_id=alert.pk) is True
    alert.refresh_from_db()
    assert alert.email_sent_at and alert.webhook_sent_at
    (mail,) = mailoutbox
    assert mail.to == ["oncall@example.org"] and f"/review/{draft.pk}/" in mail.body
    assert received[0]["event"] == "crisis_message" and received[0]["draft_request"] == draft.pk
    # Neither channel quotes the patient.
    assert "rope" not in mail.body + mail.subject + json.dumps(received)
    assert AuditEvent.objects.filter(action="crisis.notify").count() == 2
    # Nothing is sent twice.
    assert crisis_alert_send(alert_id=alert.pk) is True
    assert len(mailoutbox) == 1 and len(received) == 1


def test_it_keeps_an_undelivered_alert_for_the_sweeper(webhook, mailoutbox):
    received, status = webhook
    status["code"] = 500
    alert = CrisisAlert.objects.get(draft_request=_crisis_request())
    assert crisis_alert_send(alert_id=alert.pk) is False
    alert.refresh_from_db()
    assert alert.email_sent_at and alert.webhook_sent_at is None and alert.last_error
    assert workflow.crisis_alerts_resend() == []  # backing off
    CrisisAlert.objects.filter(pk=alert.pk).update(next_attempt_at=alert.created_at)
    assert workflow.crisis_alerts_resend() == [alert.pk]
    status["code"] = 204
    assert crisis_alert_send(alert_id=alert.pk) is True
    assert workflow.crisis_alerts_resend() == [] and len(mailoutbox) == 1


def test_it_raises_no_alert_for_routine_messages():
    patient_message("Work was long today.")
    assert not CrisisAlert.objects.exists()


def test_it_shows_the_protocol_resources_and_unsafe_candidates_on_the_review_page(client, alice):
    draft = _crisis_request()
    client.force_login(alice)
    page = client.get(f"/review/{draft.pk}/").content.decode()
    assert 'class="banner-crisis"' in page and "988" in page
    assert "Screened as Crisis" in page and "intent" in page
    assert page.count('data-flag="missing_crisis_resources"') == 1
    assert 'name="confirm_without_resources"' in page


def test_it_flags_a_crisis_reply_without_resources_before_approval(alice):
    draft = _crisis_request()
    bare = draft.candidates.get(position=1)
    with pytest.raises(workflow.InvalidInput, match="none of the crisis resources"):
        workflow.draft_request_decide(
            request_id=draft.pk, user=alice, action="approve", candidate_id=bare.pk
        )
    decision = workflow.draft_request_decide(
        request_id=draft.pk,
        user=alice,
        action="approve",
        candidate_id=bare.pk,
        confirm_without_resources=True,
    )
    assert decision.final_text == bare.text


def test_it_accepts_the_finnish_resources_in_any_spacing(alice):
    conversation, _ = workflow.conversation_start(locale="fi")
    message = patient_message("Aion tappaa itseni tänään.", conversation=conversation)
    draft = ready_request(["Soita MIELI:n kriisipuhelimeen 09-2525-0111 heti."], message=message)
    workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="approve", candidate_id=draft.candidates.get().pk
    )
    assert DraftRequest.objects.get(pk=draft.pk).status == "awaiting_signoff"


def test_it_releases_a_crisis_reply_only_after_a_second_clinician_signs_off(alice, bob):
    draft = _crisis_request()
    chosen = draft.candidates.get(position=0)
    decision = workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="approve", candidate_id=chosen.pk
    )
    draft.refresh_from_db()
    assert draft.status == "awaiting_signoff" and draft.claimed_by is None
    assert not Message.objects.filter(role="clinician").exists()
    # The release path itself refuses without a sign-off, whoever calls it.
    with pytest.raises(workflow.ReleaseRefused, match="second clinician"):
        workflow.reply_release(decision=decision)
    with pytest.raises(workflow.Conflict, match="second clinician"):
        workflow.draft_request_sign_off(request_id=draft.pk, user=alice)
    with pytest.raises(workflow.Conflict, match="waits for a second"):
        workflow.draft_request_decide(request_id=draft.pk, user=bob, action="write", text="Hi")
    reply = workflow.draft_request_sign_off(request_id=draft.pk, user=bob)
    assert reply.text == chosen.text
    decision.refresh_from_db()
    assert decision.reviewer == alice and decision.signed_off_by == bob
    assert AuditEvent.objects.filter(action="decision.sign_off", actor=bob).exists()


def test_it_redrafts_when_the_second_clinician_returns_the_decision(alice, bob, tmp_path):
    draft = _crisis_request()
    workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="write", text=WITH_RESOURCES + " Stay."
    )
    fresh = workflow.draft_request_return(
        request_id=draft.pk, user=bob, note="Ask whether they are safe right now."
    )
    assert DraftRequest.objects.get(pk=draft.pk).status == "returned"
    assert fresh.status == "queued" and fresh.risk_level == "crisis"
    assert fresh.steering_note == "Ask whether they are safe right now."
    assert not Message.objects.filter(role="clinician").exists()
    dataset_export(ExportOptions(fmt="sft"), out_dir=tmp_path / "sft")
    assert (tmp_path / "sft" / "sft.jsonl").read_text() == ""


def test_it_can_be_switched_off_by_the_site(alice, settings):
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "CRISIS_SECOND_SIGNOFF": False}
    draft = _crisis_request()
    workflow.draft_request_decide(
        request_id=draft.pk,
        user=alice,
        action="approve",
        candidate_id=draft.candidates.get(position=0).pk,
    )
    assert Message.objects.get(role="clinician").decision.signed_off_by is None


def test_it_signs_off_from_the_review_page(client, alice, bob):
    draft = _crisis_request()
    workflow.draft_request_decide(
        request_id=draft.pk,
        user=alice,
        action="approve",
        candidate_id=draft.candidates.get(position=0).pk,
    )
    draft.refresh_from_db()
    client.force_login(alice)
    page = client.get(f"/review/{draft.pk}/").content.decode()
    assert "another clinician must sign it off" in page and 'value="sign_off"' not in page
    client.force_login(bob)
    page = client.get(f"/review/{draft.pk}/").content.decode()
    assert 'value="sign_off"' in page and "Please call 988 now, or 911" in page
    reply = client.post(
        f"/review/{draft.pk}/decide/", {"action": "sign_off", "version": draft.version}
    )
    assert reply["Location"] == "/queue/"
    assert Decision.objects.get().signed_off_by == bob


def test_a_crisis_carries_to_the_conversations_next_message(alice):
    crisis = patient_message(CRISIS_TEXT)
    follow_up = patient_message("hello??", conversation=crisis.conversation)
    draft = DraftRequest.objects.get(message=follow_up)
    assert draft.risk_level == "crisis" and follow_up.risk_level == "crisis"
    assert follow_up.risk_reasons[-1]["rule"] == "earlier_message_in_conversation"
    # One alert per crisis message, not per follow-up.
    assert CrisisAlert.objects.count() == 1


def test_the_worker_rescreens_a_message_whose_screen_fell_back(monkeypatch):
    from reviewapp.risk import screen

    def broken(text):
        raise RuntimeError("boom")

    with monkeypatch.context() as patched:
        patched.setattr(screen, "screen_text", broken)
        message = patient_message(CRISIS_TEXT)
    assert message.risk_level == "elevated" and not CrisisAlert.objects.exists()
    assert workflow.message_rescreen(message_id=message.pk) == "crisis"
    draft = DraftRequest.objects.get(message=message)
    assert draft.risk_level == "crisis" and CrisisAlert.objects.filter(draft_request=draft).exists()
    message.refresh_from_db()
    assert "screening_error" not in {r["rule"] for r in message.risk_reasons}
    assert AuditEvent.objects.filter(action="message.rescreen").exists()


def test_two_senders_never_send_one_alert_twice_and_retries_back_off(webhook, mailoutbox):
    received, status = webhook
    status["code"] = 500
    alert = CrisisAlert.objects.get(draft_request=_crisis_request())
    assert crisis_alert_send(alert_id=alert.pk) is False
    # Too soon for another attempt: neither a sweep nor a second copy of the task sends.
    assert workflow.crisis_alerts_resend() == []
    assert crisis_alert_send(alert_id=alert.pk) is False
    alert.refresh_from_db()
    assert alert.attempts == 1 and len(received) == 1 and len(mailoutbox) == 1


def test_the_overview_shows_alerts_never_delivered(client, sam, webhook):
    from datetime import timedelta

    from django.utils import timezone

    draft = _crisis_request()
    CrisisAlert.objects.filter(draft_request=draft).update(
        created_at=timezone.now() - timedelta(minutes=10), attempts=10, last_error="URLError"
    )
    client.force_login(sam)
    page = client.get("/supervisor/").content.decode()
    assert "not delivered to the on-call clinician" in page and "URLError" in page


def test_it_warns_in_production_when_crisis_alerts_have_nowhere_to_go(settings):
    from reviewapp.checks import crisis_alerts_have_somewhere_to_go

    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "ON_CALL_EMAILS": [], "CRISIS_WEBHOOK_URL": ""}
    settings.PRODUCTION = False  # the demo: its pages say nobody is paged
    assert crisis_alerts_have_somewhere_to_go(None) == []
    settings.PRODUCTION = True
    assert [w.id for w in crisis_alerts_have_somewhere_to_go(None)] == ["countersign.W001"]


def test_a_request_awaiting_sign_off_cannot_be_claimed(alice, bob):
    draft = _crisis_request()
    workflow.draft_request_decide(
        request_id=draft.pk,
        user=alice,
        action="approve",
        candidate_id=draft.candidates.get(position=0).pk,
    )
    with pytest.raises(workflow.Conflict, match="sign-off, not a claim"):
        workflow.draft_request_claim(request_id=draft.pk, user=bob)


def test_it_finds_the_locales_resources_however_the_locale_is_spelled():
    conversation, _ = workflow.conversation_start(locale="fi_FI")
    assert conversation.locale == "fi-fi"
    from reviewapp.risk.protocol import resources_for

    assert resources_for("fi-fi")[0]["contact"] == "09 2525 0111"
    assert resources_for("FI_fi")[0]["contact"] == "09 2525 0111"


# --- what the pages say became of the alert (issue 17, item 16) ----------------------


def _banner_state(client, draft) -> str:
    page = client.get(f"/review/{draft.pk}/").content.decode()
    banner = page.split('class="banner-crisis"', 1)[1].split("</section>", 1)[0]
    return banner


def test_with_no_channel_the_alert_is_recorded_undeliverable_not_sent(caplog):
    """The demo's case: the task does not report success, it says nobody was paged."""
    from reviewapp.risk.alerts import NO_CHANNEL
    from worker.tasks import send_crisis_alert

    alert = CrisisAlert.objects.get(draft_request=_crisis_request())
    with caplog.at_level("WARNING", logger="reviewapp.risk.alerts"):
        assert send_crisis_alert.apply(args=[alert.pk]).get() is False
    assert send_crisis_alert.apply(args=[alert.pk]).get() is False  # a redelivery
    alert.refresh_from_db()
    assert alert.last_error == NO_CHANNEL and not alert.email_sent_at
    assert [r.levelname for r in caplog.records if "nobody was paged" in r.getMessage()] == [
        "WARNING"
    ]
    assert AuditEvent.objects.filter(action="crisis.undeliverable").count() == 1
    assert not AuditEvent.objects.filter(action="crisis.notify").exists()


def test_the_banner_says_nobody_was_paged_when_no_channel_is_configured(client, alice, sam):
    draft = _crisis_request()
    crisis_alert_send(alert_id=CrisisAlert.objects.get(draft_request=draft).pk)
    client.force_login(alice)
    banner = _banner_state(client, draft)
    assert 'data-alert-state="no_channel"' in banner and "nobody was paged" in banner
    assert "has been notified" not in banner and "have been notified" not in banner
    client.force_login(sam)
    overview = client.get("/supervisor/").content.decode()
    assert "No on-call alert channel is configured" in overview
    assert "nobody is paged" in overview


def test_the_banner_says_when_and_how_on_call_was_paged(client, alice, webhook, mailoutbox):
    draft = _crisis_request()
    assert crisis_alert_send(alert_id=CrisisAlert.objects.get(draft_request=draft).pk)
    client.force_login(alice)
    banner = _banner_state(client, draft)
    sent_at = CrisisAlert.objects.get(draft_request=draft).email_sent_at
    assert 'data-alert-state="sent"' in banner
    assert timezone.localtime(sent_at).strftime("%Y-%m-%d %H:%M") in banner
    assert "e-mail" in banner and "webhook" in banner


def test_the_banner_says_an_alert_is_pending_or_failed(client, alice, webhook, settings):
    _, status = webhook
    status["code"] = 500
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "ON_CALL_EMAILS": []}
    draft = _crisis_request()
    alert = CrisisAlert.objects.get(draft_request=draft)
    assert crisis_alert_send(alert_id=alert.pk) is False
    client.force_login(alice)
    banner = _banner_state(client, draft)
    assert 'data-alert-state="pending"' in banner and "HTTPError" in banner
    CrisisAlert.objects.filter(pk=alert.pk).update(
        attempts=settings.COUNTERSIGN["MAX_ALERT_ATTEMPTS"]
    )
    banner = _banner_state(client, draft)
    assert 'data-alert-state="failed"' in banner and "nobody was paged" in banner


def test_a_covered_crisis_shows_the_alert_that_paged_for_it(client, alice, webhook, mailoutbox):
    first = _crisis_request()
    assert crisis_alert_send(alert_id=CrisisAlert.objects.get(draft_request=first).pk)
    again = patient_message(CRISIS_TEXT, conversation=first.message.conversation)
    covered = again.draft_requests.get()
    client.force_login(alice)
    banner = _banner_state(client, covered)
    assert 'data-alert-state="sent"' in banner and f"request #{first.pk}" in banner
    assert len(mailoutbox) == 1
