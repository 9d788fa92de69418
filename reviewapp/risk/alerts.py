"""Telling the on-call clinician about a crisis message: e-mail and a webhook.

Each alert is a row (``CrisisAlert``) written with the message. Sending is a
Celery task; the sweeper re-sends what is still unsent, so a broker or mail
outage delays an alert and never loses it. Nothing sent quotes the patient.

One conversation pages once per CRISIS_ALERT_DEDUPE_MINUTES: a later crisis in
it is recorded as covered by the alert that paged (``alert_covering``). What
really happened to an alert (sent when and how, pending, failed, or no channel
to send it on) is ``alert_status``, shown on the review page and the overview.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from reviewapp.audit import audit_record
from reviewapp.models import Conversation, CrisisAlert
from reviewapp.observability.events import failure

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_SECONDS = 5
# Recorded in ``last_error`` when an alert had nowhere to go.
NO_CHANNEL = "no alert channel configured"
# Where each channel records its delivery, and its name in the audit log and on pages.
CHANNELS = {"email_sent_at": gettext_noop("e-mail"), "webhook_sent_at": gettext_noop("webhook")}


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


def _record_no_channel(alert: CrisisAlert) -> None:
    """Nobody can be paged: say so (log, audit, the row) instead of reporting success."""
    if (
        not CrisisAlert.objects.filter(pk=alert.pk)
        .exclude(last_error=NO_CHANNEL)
        .update(last_error=NO_CHANNEL, attempts=F("attempts") + 1)
    ):
        return  # recorded already (a redelivery of the task)
    logger.warning(
        "crisis alert %s: no alert channel is configured (ON_CALL_EMAILS, CRISIS_WEBHOOK_URL); "
        "nobody was paged",
        alert.pk,
    )
    audit_record(
        action="crisis.undeliverable",
        actor_kind="system",
        obj=alert.draft_request,
        reason="no channel",
    )


def crisis_alert_send(*, alert_id: int) -> bool:
    """Send what is still unsent of one alert; True once nothing is left to send.

    An attempt is taken with a conditional update, so two copies of the task
    (a redelivery, a sweep) never send the same alert twice at once, and an
    attempt made too soon after the last is skipped.
    """
    alert = CrisisAlert.objects.select_related("draft_request__message__conversation").get(
        pk=alert_id
    )
    if alert.covered_by_id is not None:
        return True  # the alert that covers it paged for it
    channels = {
        "email_sent_at": (_settings("ON_CALL_EMAILS"), _send_email),
        "webhook_sent_at": (_settings("CRISIS_WEBHOOK_URL"), _send_webhook),
    }
    if not any(configured for configured, _ in channels.values()):
        _record_no_channel(alert)
        return False
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
    if not done and alert.attempts + 1 >= _settings("MAX_ALERT_ATTEMPTS"):
        _hand_on_covered(alert)
    return done


def _unsent() -> Q:
    unsent = Q(pk__in=[])
    if _settings("ON_CALL_EMAILS"):
        unsent |= Q(email_sent_at__isnull=True)
    if _settings("CRISIS_WEBHOOK_URL"):
        unsent |= Q(webhook_sent_at__isnull=True)
    return unsent


def channels_configured() -> bool:
    return bool(_settings("ON_CALL_EMAILS") or _settings("CRISIS_WEBHOOK_URL"))


def alerts_unsent():
    """Alerts with a configured channel still unsent, due for an attempt, attempts left."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    return CrisisAlert.objects.filter(
        _unsent(), due, covered_by__isnull=True, attempts__lt=_settings("MAX_ALERT_ATTEMPTS")
    )


def alerts_undelivered(*, older_than: timedelta = timedelta(minutes=2)):
    """Alerts still not delivered after a while, given up on or not: shown to supervisors.

    With no channel configured that is every alert that paged nobody.
    """
    undelivered = _unsent() if channels_configured() else ~_delivered()
    return CrisisAlert.objects.filter(
        undelivered, covered_by__isnull=True, created_at__lt=timezone.now() - older_than
    )


# --- de-duplication -------------------------------------------------------------


def alert_covering(conversation: Conversation, now: datetime) -> CrisisAlert | None:
    """The alert that already paged for this conversation within the de-duplication
    window, if any: a new crisis in it is covered by that one instead of paging again.

    The window never reaches past the conversation's risk carry, so the patient's
    notice (``reviewapp.risk.support``), which looks at the alerts in the carry,
    still finds the alert that stands for their message.
    """
    window = timedelta(minutes=_settings("CRISIS_ALERT_DEDUPE_MINUTES"))
    if window <= timedelta(0):
        return None
    since = max(now - window, conversation.risk_carried_since(now))
    return (
        CrisisAlert.objects.filter(
            _able_to_page(),
            draft_request__message__conversation=conversation,
            covered_by__isnull=True,
            created_at__gte=since,
        )
        .order_by("-created_at")
        .first()
    )


def _delivered() -> Q:
    """Sent on at least one channel: on-call was paged."""
    delivered = Q(pk__in=[])
    for field in CHANNELS:
        delivered |= Q(**{f"{field}__isnull": False})
    return delivered


def _able_to_page() -> Q:
    """Delivered on some channel, or still being tried: an alert that gave up covers
    no crisis, or a flood's later crises would wait on a page that never came."""
    return _delivered() | Q(attempts__lt=_settings("MAX_ALERT_ATTEMPTS"))


def _hand_on_covered(alert: CrisisAlert) -> None:
    """``alert`` gave up with nothing delivered: the first crisis it covered pages in its
    place (the sweeper sends it), covering the rest."""
    if CrisisAlert.objects.filter(_delivered(), pk=alert.pk).exists():
        return  # on-call was paged on another channel
    covered = list(CrisisAlert.objects.filter(covered_by=alert).order_by("created_at", "pk"))
    if not covered:
        return
    heir, *rest = covered
    CrisisAlert.objects.filter(pk=heir.pk).update(covered_by=None, next_attempt_at=None)
    CrisisAlert.objects.filter(pk__in=[other.pk for other in rest]).update(covered_by=heir)
    audit_record(
        action="crisis.alert_uncovered",
        actor_kind="system",
        obj=heir.draft_request,
        failed_alert=alert.pk,
    )


# --- what happened, in words for the pages ----------------------------------------

SENT, PENDING, FAILED, NO_CHANNEL_STATE = "sent", "pending", "failed", "no_channel"


@dataclass(frozen=True)
class AlertStatus:
    state: str  # SENT, PENDING, FAILED or NO_CHANNEL_STATE
    alert: CrisisAlert  # the alert that paged (or should have) for this crisis
    # (channel, when) for each channel that delivered, first first.
    delivered: list[tuple[str, datetime]]
    # This crisis's own alert was covered by ``alert``, raised for another request.
    covered: bool

    @property
    def sent_at(self) -> datetime | None:
        return self.delivered[0][1] if self.delivered else None

    @property
    def channels(self) -> str:
        return ", ".join(name for name, _ in self.delivered)


def alert_status(alert: CrisisAlert) -> AlertStatus:
    paging = alert.covered_by if alert.covered_by_id is not None else alert
    delivered = sorted(
        (
            (name, getattr(paging, field))
            for field, name in CHANNELS.items()
            if getattr(paging, field)
        ),
        key=lambda pair: pair[1],
    )
    if delivered:
        state = SENT
    elif not channels_configured():
        state = NO_CHANNEL_STATE
    elif paging.attempts >= _settings("MAX_ALERT_ATTEMPTS"):
        state = FAILED
    else:
        state = PENDING
    return AlertStatus(state=state, alert=paging, delivered=delivered, covered=paging != alert)


def alert_status_for(draft_request) -> AlertStatus | None:
    """What became of the on-call alert for a crisis request: its own alert, else the
    latest of its conversation within the risk carry (a follow-up that carried the
    crisis, or a request that overtook the one alerted). None: no alert at all."""
    alert = (
        CrisisAlert.objects.filter(draft_request=draft_request).select_related("covered_by").first()
    )
    if alert is None:
        conversation = draft_request.message.conversation
        alert = (
            CrisisAlert.objects.filter(
                draft_request__message__conversation=conversation,
                created_at__gte=conversation.risk_carried_since(),
            )
            .select_related("covered_by")
            .order_by("-created_at")
            .first()
        )
    return alert_status(alert) if alert is not None else None
