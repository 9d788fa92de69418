"""Telling the on-call clinician about a crisis message: e-mail and a webhook.

Each alert is a row (``CrisisAlert``) written with the message. Sending is a
Celery task; the sweeper re-sends what is still unsent, so a broker or mail
outage delays an alert and never loses it. Nothing sent quotes the patient.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone

from reviewapp.audit import audit_record
from reviewapp.models import CrisisAlert
from reviewapp.observability.events import failure

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_SECONDS = 5


def _settings(name: str):
    return settings.COUNTERSIGN[name]


def _review_url(alert: CrisisAlert) -> str:
    return f"{_settings('SITE_URL').rstrip('/')}/review/{alert.draft_request_id}/"


def _send_email(alert: CrisisAlert, pseudonym: str) -> None:
    send_mail(
        subject=f"Countersign: crisis message from {pseudonym} (request #{alert.draft_request_id})",
        message=(
            f"A message screened as crisis is waiting for a reply.\n\n"
            f"Open it: {_review_url(alert)}\n\n"
            "Follow the crisis protocol shown on the review page."
        ),
        from_email=None,
        recipient_list=_settings("ON_CALL_EMAILS"),
    )


def _send_webhook(alert: CrisisAlert, pseudonym: str) -> None:
    body = json.dumps(
        {
            "event": "crisis_message",
            "draft_request": alert.draft_request_id,
            "patient": pseudonym,
            "url": _review_url(alert),
            "created_at": alert.created_at.isoformat(),
        }
    ).encode()
    request = urllib.request.Request(
        _settings("CRISIS_WEBHOOK_URL"),
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        if response.status >= 300:
            raise OSError(f"webhook answered {response.status}")


def _backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... at most 30 min between attempts."""
    return timedelta(seconds=min(30 * 2**attempts, 1800))


def crisis_alert_send(*, alert_id: int) -> bool:
    """Send what is still unsent of one alert; True once nothing is left to send.

    An attempt is taken with a conditional update, so two copies of the task
    (a redelivery, a sweep) never send the same alert twice at once, and an
    attempt made too soon after the last is skipped.
    """
    alert = CrisisAlert.objects.select_related("draft_request__message__conversation").get(
        pk=alert_id
    )
    channels = {
        "email_sent_at": (_settings("ON_CALL_EMAILS"), _send_email),
        "webhook_sent_at": (_settings("CRISIS_WEBHOOK_URL"), _send_webhook),
    }
    if all(not configured or getattr(alert, f) for f, (configured, _) in channels.items()):
        return True
    now = timezone.now()
    taken = (
        CrisisAlert.objects.filter(pk=alert.pk, attempts=alert.attempts)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(attempts=F("attempts") + 1, next_attempt_at=now + _backoff(alert.attempts))
    )
    if not taken:
        return False
    pseudonym = alert.draft_request.message.conversation.pseudonym
    done = True
    for field, (configured, send) in channels.items():
        if not configured or getattr(alert, field):
            continue
        try:
            send(alert, pseudonym)
        except Exception as exc:  # noqa: BLE001 - retried by the sweeper
            done = False
            failure("crisis_alert")
            logger.error("crisis alert %s: %s failed: %s", alert.pk, field, type(exc).__name__)
            CrisisAlert.objects.filter(pk=alert.pk).update(last_error=type(exc).__name__)
            continue
        CrisisAlert.objects.filter(pk=alert.pk).update(**{field: timezone.now()})
        audit_record(
            action="crisis.notify",
            actor_kind="system",
            obj=alert.draft_request,
            channel=field.removesuffix("_sent_at"),
        )
    return done


def _unsent() -> Q:
    unsent = Q(pk__in=[])
    if _settings("ON_CALL_EMAILS"):
        unsent |= Q(email_sent_at__isnull=True)
    if _settings("CRISIS_WEBHOOK_URL"):
        unsent |= Q(webhook_sent_at__isnull=True)
    return unsent


def alerts_unsent():
    """Alerts with a configured channel still unsent, due for an attempt, attempts left."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    return CrisisAlert.objects.filter(_unsent(), due, attempts__lt=_settings("MAX_ALERT_ATTEMPTS"))


def alerts_undelivered(*, older_than: timedelta = timedelta(minutes=2)):
    """Alerts still not delivered after a while, given up on or not: shown to supervisors."""
    return CrisisAlert.objects.filter(_unsent(), created_at__lt=timezone.now() - older_than)
