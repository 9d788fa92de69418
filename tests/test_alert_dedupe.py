"""One flooding conversation pages on-call once per CRISIS_ALERT_DEDUPE_MINUTES.

On the real PostgreSQL: each crisis message still gets its alert row, but a crisis in
a conversation paged for within the window is recorded as covered by that alert.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from reviewapp import workflow
from reviewapp.models import AuditEvent, CrisisAlert
from reviewapp.risk.alerts import crisis_alert_send
from reviewapp.risk.support import crisis_support_for
from tests.factories import patient_message

CRISIS_TEXT = "I have a rope and I'm going to end my life tonight."
FLOOD = 8


def _send_everything_due() -> None:
    """What the task and the sweeper would do: try to send every alert row."""
    for alert_id in CrisisAlert.objects.values_list("pk", flat=True):
        crisis_alert_send(alert_id=alert_id)
    for alert_id in workflow.crisis_alerts_resend():
        crisis_alert_send(alert_id=alert_id)


def _paging() -> list[CrisisAlert]:
    return list(CrisisAlert.objects.filter(covered_by__isnull=True).order_by("pk"))


@pytest.mark.django_db
def test_a_flood_of_crisis_messages_in_one_conversation_pages_once(
    tiny_profile, webhook, mailoutbox
):
    received, _ = webhook
    conversation, _ = workflow.conversation_start(locale="en")
    for i in range(FLOOD):
        patient_message(f"{CRISIS_TEXT} ({i})", conversation=conversation)
    (first,) = _paging()
    assert CrisisAlert.objects.filter(covered_by=first).count() == FLOOD - 1
    assert AuditEvent.objects.filter(action="crisis.alert_covered").count() == FLOOD - 1
    _send_everything_due()
    assert len(mailoutbox) == 1 and len(received) == 1
    assert received[0]["draft_request"] == first.draft_request_id
    # The patient's notice still says on-call was alerted: the alert standing for
    # their latest message went out.
    conversation.refresh_from_db()
    assert crisis_support_for(conversation).clinician_alerted is True


@pytest.mark.django_db
def test_another_conversations_crisis_still_pages(tiny_profile, webhook, mailoutbox):
    received, _ = webhook
    flooding, _ = workflow.conversation_start(locale="en")
    for i in range(3):
        patient_message(f"{CRISIS_TEXT} ({i})", conversation=flooding)
    other = patient_message("I took all my sleeping pills ten minutes ago.")
    assert len(_paging()) == 2
    _send_everything_due()
    assert len(mailoutbox) == 2
    assert other.draft_requests.get().pk in {r["draft_request"] for r in received}


@pytest.mark.django_db
def test_after_the_window_a_new_crisis_pages_again(tiny_profile, webhook, mailoutbox, settings):
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "CRISIS_ALERT_DEDUPE_MINUTES": 30}
    conversation, _ = workflow.conversation_start(locale="en")
    patient_message(CRISIS_TEXT, conversation=conversation)
    (first,) = _paging()
    _send_everything_due()
    CrisisAlert.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )
    patient_message(f"{CRISIS_TEXT} again", conversation=conversation)
    assert len(_paging()) == 2
    _send_everything_due()
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_covered_crisis_never_claims_an_alert_that_did_not_go_out(tiny_profile):
    """No channel (as in the demo): the paging alert never went out, so neither the
    first nor the covered message tells the patient that on-call was alerted."""
    conversation, _ = workflow.conversation_start(locale="en")
    for i in range(3):
        patient_message(f"{CRISIS_TEXT} ({i})", conversation=conversation)
    _send_everything_due()
    conversation.refresh_from_db()
    assert crisis_support_for(conversation).clinician_alerted is False
    assert len(_paging()) == 1


@pytest.mark.django_db(transaction=True)
def test_crisis_messages_racing_in_one_conversation_page_once(tiny_profile):
    """Patients' messages arrive on several web threads at once: the conversation's
    lock makes one of them page and the others covered."""
    conversation, _ = workflow.conversation_start(locale="en")
    barrier = threading.Barrier(4)
    errors = []

    def send(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            patient_message(f"{CRISIS_TEXT} ({i})", conversation=conversation)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert CrisisAlert.objects.count() == 4 and len(_paging()) == 1


@pytest.mark.django_db
def test_an_alert_that_gives_up_hands_its_covered_crises_on(tiny_profile, webhook, settings):
    """The first alert of a flood never got through (attempts used up, nothing
    delivered): the crises it covered must not wait on it. The first of them pages in
    its place, covering the rest, and a new crisis is never covered by the failed one."""
    received, status = webhook
    status["code"] = 500
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "ON_CALL_EMAILS": [], "MAX_ALERT_ATTEMPTS": 1}
    conversation, _ = workflow.conversation_start(locale="en")
    for i in range(3):
        patient_message(f"{CRISIS_TEXT} ({i})", conversation=conversation)
    failing, heir, last = CrisisAlert.objects.order_by("pk")
    assert crisis_alert_send(alert_id=failing.pk) is False
    assert received and not CrisisAlert.objects.filter(webhook_sent_at__isnull=False).exists()
    heir.refresh_from_db(), last.refresh_from_db()
    assert heir.covered_by_id is None and last.covered_by_id == heir.pk
    assert AuditEvent.objects.filter(action="crisis.alert_uncovered").count() == 1
    assert heir.pk in workflow.crisis_alerts_resend()  # the sweeper sends it
    patient_message(f"{CRISIS_TEXT} (again)", conversation=conversation)
    newest = CrisisAlert.objects.order_by("-pk").first()
    assert newest.covered_by_id == heir.pk
