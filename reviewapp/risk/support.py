"""What a patient in crisis sees at once, before any clinician has replied.

A fixed, clinician-approved notice in the conversation's language with the
locale's crisis resources (``protocol.patient_notice_for``), never model text.
It says the on-call clinician was alerted only once an alert channel really
delivered: a promise of help that did not happen is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from reviewapp.models import Conversation, CrisisAlert
from reviewapp.risk.levels import CRISIS
from reviewapp.risk.protocol import patient_notice_for, resources_for


@dataclass(frozen=True)
class CrisisSupport:
    text: str
    resources: list[dict]
    clinician_alerted: bool
    alerted_text: str


def _alert_delivered(conversation: Conversation, since) -> bool:
    return (
        CrisisAlert.objects.filter(
            draft_request__message__conversation=conversation, created_at__gte=since
        )
        .filter(Q(email_sent_at__isnull=False) | Q(webhook_sent_at__isnull=False))
        .exists()
    )


def crisis_support_for(conversation: Conversation) -> CrisisSupport | None:
    """The crisis notice while the conversation is in crisis; None otherwise."""
    now = timezone.now()
    if conversation.current_risk_level(now) != CRISIS:
        return None
    notice = patient_notice_for(conversation.locale)
    alerted = _alert_delivered(conversation, conversation.risk_carried_since(now))
    return CrisisSupport(
        text=notice["text"],
        resources=resources_for(conversation.locale),
        clinician_alerted=alerted,
        alerted_text=notice["alerted"] if alerted else "",
    )
