"""Every state change of a conversation, draft request, decision and reply.

Views, API endpoints, tasks and commands call these functions and stay thin.
Rows are locked with SELECT ... FOR UPDATE (PostgreSQL honours it) or claimed
with a conditional UPDATE, so racing callers see one winner and a Conflict.
``reply_release`` is the only code that creates a patient-visible reply.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewapp import roles
from reviewapp.audit import audit_record
from reviewapp.decision_input import (
    REJECTION_REASONS,
    clean_text,
    optional_note,
    verdict_extras,
    verdict_text,
)
from reviewapp.errors import Conflict, InvalidInput, ReleaseRefused, WorkflowError
from reviewapp.lib.db_retry import retry_when_locked
from reviewapp.models import (
    Candidate,
    Conversation,
    CrisisAlert,
    Decision,
    DraftRequest,
    Message,
    RiskLevel,
    RiskReview,
    sha256_text,
)
from reviewapp.observability import events as metric_events
from reviewapp.risk.levels import (
    CARRIED_RULE,
    LEVEL_RANK,
    carried_level,
    higher,
    highest,
    screened_level,
)
from reviewapp.risk.protocol import resources_for, resources_missing
from reviewapp.risk.screen import FELL_BACK_RULES, risk_screen, screen_text
from reviewapp.routing import route_new_request, site_profile
from reviewapp.tokens import hash_secret, new_secret
from worker.broker_queue import requests_held
from worker.dispatch import drafting_lane, enqueue_crisis_alert, enqueue_generation
from worker.generated import GeneratedCandidate

REVIEW_PERMISSION = roles.REVIEW

Status = DraftRequest.Status
Action = Decision.Action

__all__ = [
    "REJECTION_REASONS",
    "Conflict",
    "InvalidInput",
    "ReleaseRefused",
    "WorkflowError",
]


def _setting(name: str):
    return settings.COUNTERSIGN[name]


def require_reviewer(user) -> None:
    if not (user.is_active and user.has_perm(REVIEW_PERMISSION)):
        raise PermissionDenied(_("Reviewing drafts needs review permission."))


def _redraft_route(draft_request: DraftRequest) -> dict:
    """Who drafts a request's fresh set (rejected, returned, regenerated): the same
    version, or both of a blind comparison while it runs; the site's usual profile
    once it ended."""
    comparison = draft_request.comparison
    if comparison is not None and (
        not comparison.running or draft_request.risk_level == RiskLevel.CRISIS
    ):
        # An ended trial, or a crisis (never a trial): the site's usual version.
        return {"profile": site_profile(comparison.service_id), "comparison": None}
    return {"profile": draft_request.profile, "comparison": comparison}


def _publish_draft(draft_request: DraftRequest) -> bool:
    """Publish drafting in the request's lane: its queue, and a priority by its risk."""
    return enqueue_generation(
        draft_request.pk,
        draft_request.profile.queue,
        risk_level=draft_request.risk_level,
        annotation=draft_request.purpose == DraftRequest.Purpose.ANNOTATION,
    )


def _enqueue_after_commit(draft_request: DraftRequest) -> None:
    transaction.on_commit(lambda: _publish_draft(draft_request))


# --- patient side -----------------------------------------------------------


def conversation_start(
    *, locale: str = "en", service=None, request=None
) -> tuple[Conversation, str]:
    """Open a conversation (in ``service``, or the default one); returns it and the
    patient's token (shown only once)."""
    token = new_secret()
    # "fi_FI", "FI" and "fi-fi" are all Finnish: one spelling, so pages, filters
    # and crisis resources all find it.
    locale = (locale or "en").strip().lower().replace("_", "-")
    conversation = Conversation.objects.create(
        pseudonym=f"P-{random.SystemRandom().randrange(16**6):06X}",
        locale=locale,
        token_hash=hash_secret(token),
        **({"service": service} if service is not None else {}),
    )
    audit_record(
        action="conversation.start", actor_kind="patient", obj=conversation, request=request
    )
    return conversation, token


def _lock_conversation(conversation_id) -> Conversation:
    """Lock a conversation before any of its requests: every transaction that changes
    both takes them in this order, so none waits on another in a cycle.

    FOR NO KEY UPDATE, so inserting a message (which takes a key-share lock on
    its conversation) is never blocked by it.
    """
    return Conversation.objects.select_for_update(no_key=True).get(pk=conversation_id)


def _conversation_id_of(request_id: int):
    return DraftRequest.objects.values_list("message__conversation_id", flat=True).get(
        pk=request_id
    )


def _open_reply_request(conversation: Conversation) -> DraftRequest | None:
    return (
        DraftRequest.objects.select_for_update(of=("self",))
        .select_related("profile", "comparison")
        .filter(
            message__conversation=conversation,
            purpose=DraftRequest.Purpose.REPLY,
            status__in=DraftRequest.OPEN_STATUSES,
        )
        .order_by("pk")
        .first()
    )


# Where a conversation keeps the time each level was last signalled.
_SIGNALLED_AT = {
    RiskLevel.CRISIS: "crisis_signalled_at",
    RiskLevel.ELEVATED: "elevated_signalled_at",
}


def _conversation_signal(conversation: Conversation, level: str, now) -> None:
    """Record a signal at ``level`` (a screened message, a second opinion, a raise):
    the conversation carries it for RISK_CARRY_HOURS. Never lowers anything."""
    field = _SIGNALLED_AT.get(level)
    if field:
        setattr(conversation, field, now)
        conversation.save(update_fields=[field])


def _conversation_verdict(conversation: Conversation, level: str, now) -> None:
    """A reviewer's judgement of the conversation as it is now: at ``level`` from now
    on, the levels above it cleared (their later messages carry the reviewer's level)."""
    conversation.crisis_signalled_at = now if level == RiskLevel.CRISIS else None
    if level == RiskLevel.ELEVATED:
        conversation.elevated_signalled_at = now
    elif level == RiskLevel.NONE:
        conversation.elevated_signalled_at = None
    conversation.save(update_fields=list(_SIGNALLED_AT.values()))


def _answering_request(
    *, message: Message, level: str, overtaken: DraftRequest | None, now
) -> DraftRequest:
    """The request that answers ``message``: new, or in place of the open one it overtakes.

    A reply must answer the conversation as it is now, so a new message sets
    the open request aside (its candidates stay on record) and one request
    answers everything since the last reply: drafted from the whole history,
    keeping the first message's place in the queue, at the highest level of
    the messages it answers. The clinician who held the old one holds this one.
    """
    conversation = message.conversation
    if overtaken is None:
        route = route_new_request(conversation.service_id, risk_level=level)
        return DraftRequest.objects.create(
            message=message,
            profile=route.profile,
            comparison=route.comparison,
            waiting_since=message.created_at,
            risk_level=level,
        )
    level = highest([level, overtaken.risk_level])
    # A crisis is drafted by the site's usual version only: no trial on it.
    route = (
        {"profile": site_profile(conversation.service_id), "comparison": None}
        if level == RiskLevel.CRISIS
        else _redraft_route(overtaken)
    )
    held = overtaken.claim_expires_at is not None and overtaken.claim_expires_at > now
    claim = (
        {
            "claimed_by_id": overtaken.claimed_by_id,
            "claimed_at": overtaken.claimed_at,
            "claim_expires_at": overtaken.claim_expires_at,
        }
        if held and overtaken.status != Status.AWAITING_SIGNOFF
        else {}
    )
    _close(overtaken, Status.OVERTAKEN)
    fresh = DraftRequest.objects.create(
        message=message,
        **route,
        risk_level=level,
        waiting_since=overtaken.waiting_since,
        supersedes=overtaken,
        **claim,
    )
    audit_record(
        action="draft.overtaken", actor_kind="patient", obj=overtaken, replaced_by=fresh.pk
    )
    return fresh


def message_receive(*, conversation: Conversation, text: str, request=None) -> Message:
    """Store a patient message and the request that answers it, then enqueue drafting.

    The message is screened first (fast, and failing safe), then committed
    before anything else can fail, so a broker outage or a dead worker never
    loses it (the sweeper retries from here). The conversation, not the
    message, carries the risk: a follow-up "hello??" to a crisis is no routine
    message, and a request still open is overtaken by one that answers both.
    """
    text = clean_text(text, what=_("Message"))
    screen = risk_screen(text)
    with transaction.atomic():
        now = timezone.now()
        conversation = _lock_conversation(conversation.pk)
        level, reasons = screen.level, list(screen.reasons)
        carried = conversation.current_risk_level(now)
        if higher(carried, level):
            level = carried
            reasons.append({"rule": CARRIED_RULE, "level": carried, "phrase": ""})
        message = Message.objects.create(
            conversation=conversation,
            role=Message.Role.PATIENT,
            text=text,
            risk_level=level,
            risk_reasons=reasons,
        )
        draft_request = _answering_request(
            message=message, level=level, overtaken=_open_reply_request(conversation), now=now
        )
        _conversation_signal(conversation, screen.level, now)
        audit_record(
            action="message.receive",
            actor_kind="patient",
            obj=message,
            request=request,
            draft_request=draft_request.pk,
            # Rule names only: the matched phrases quote the patient.
            risk_level=draft_request.risk_level,
            risk_rules=sorted({r["rule"] for r in reasons}),
        )
        _enqueue_after_commit(draft_request)
        if screen.level == RiskLevel.CRISIS:
            _crisis_alert_create(draft_request, conversation)
    return message


def _crisis_alert_create(draft_request: DraftRequest, conversation: Conversation) -> None:
    """Page on-call for a crisis request, unless the conversation was paged for within
    CRISIS_ALERT_DEDUPE_MINUTES: then record that alert as covering this one.
    The caller holds the conversation's lock, so two messages never both page."""
    from reviewapp.risk.alerts import alert_covering

    covering = alert_covering(conversation, timezone.now())
    alert = CrisisAlert.objects.create(draft_request=draft_request, covered_by=covering)
    if covering is not None:
        audit_record(
            action="crisis.alert_covered",
            actor_kind="system",
            obj=draft_request,
            covered_by_request=covering.draft_request_id,
        )
        return
    transaction.on_commit(lambda: enqueue_crisis_alert(alert.pk))


def _conversation_level_raise(
    conversation: Conversation, level: str, now, *, alert: bool = False
) -> list[int]:
    """Signal ``level`` on a locked conversation and raise its open reply request to it.

    The request moves up the queue (and up the drafting lanes, if still queued:
    the copy published at the higher priority is taken first, and the other then
    finds nothing to do). A crisis is never a trial: a request not yet drafted
    leaves its blind comparison for the site's usual profile. A raise to crisis,
    or ``alert`` (a screen found crisis in a message's own text), alerts on-call
    at once. Returns the ids of the requests raised.
    """
    _conversation_signal(conversation, level, now)
    raised = []
    for draft in (
        DraftRequest.objects.select_for_update(of=("self",))
        .filter(
            message__conversation=conversation,
            purpose=DraftRequest.Purpose.REPLY,
            status__in=DraftRequest.OPEN_STATUSES,
        )
        .select_related("profile")
    ):
        if higher(level, draft.risk_level):
            draft.risk_level = level
            if level == RiskLevel.CRISIS and draft.comparison_id and not draft.candidates.exists():
                draft.comparison, draft.profile = None, site_profile(conversation.service_id)
            draft.version += 1
            draft.save(
                update_fields=["risk_level", "comparison", "profile", "version", "updated_at"]
            )
            raised.append(draft.pk)
            if draft.status == Status.QUEUED:
                _enqueue_after_commit(draft)
        if (
            level == RiskLevel.CRISIS
            and (alert or draft.pk in raised)
            and not CrisisAlert.objects.filter(draft_request=draft).exists()
        ):
            _crisis_alert_create(draft, conversation)
    return raised


def _message_level_raise(
    *,
    message_id: int,
    level: str,
    reasons: list[dict],
    action: str,
    details: dict,
    replacing: frozenset[str] = frozenset(),
) -> str:
    """Add a later screen's reasons to a patient message; raise it and its conversation
    if the level is higher. Never lowers anything. Returns the message's level."""
    conversation_id = Message.objects.values_list("conversation_id", flat=True).get(pk=message_id)
    with transaction.atomic():
        now = timezone.now()
        conversation = _lock_conversation(conversation_id)
        message = Message.objects.select_for_update(no_key=True).get(pk=message_id)
        # A screen finding crisis in the message's own text pages on-call, even where
        # the message already carried crisis from earlier in the conversation.
        newly_crisis = level == RiskLevel.CRISIS and screened_level(message.risk_reasons) != level
        kept = [r for r in message.risk_reasons if r["rule"] not in replacing]
        message.risk_reasons = [*kept, *reasons]
        message.risk_level = highest([message.risk_level, level])
        raised = _conversation_level_raise(conversation, level, now, alert=newly_crisis)
        message.save(update_fields=["risk_level", "risk_reasons"])
        audit_record(
            action=action,
            actor_kind="worker",
            obj=message,
            risk_level=message.risk_level,
            raised_requests=raised,
            **details,
        )
    return message.risk_level


def message_rescreen(*, message_id: int) -> str:
    """Screen again, without a time limit, a message whose screen fell back to elevated.

    The worker calls this before drafting, so a time-out or an error on arrival
    never leaves a crisis message handled as merely elevated for long.
    """
    message = Message.objects.only("risk_reasons", "text", "risk_level").get(pk=message_id)
    fell_back = {r["rule"] for r in message.risk_reasons} & FELL_BACK_RULES
    if not fell_back:
        return message.risk_level
    screen = screen_text(message.text)
    return _message_level_raise(
        message_id=message_id,
        level=screen.level,
        reasons=screen.reasons,
        action="message.rescreen",
        details={"risk_rules": screen.rule_names()},
        replacing=frozenset(fell_back),
    )


def message_second_opinion(*, message_id: int, level: str, reason: str, screener: str) -> str:
    """Record the worker's model-based second opinion on a message; it can only raise.

    ``reason`` names the screener's verdict in words that quote nobody (for
    example "classifier: crisis 0.93"); a raise to crisis alerts on-call.
    """
    if level not in LEVEL_RANK:
        raise InvalidInput(f"Unknown risk level {level!r}.")
    return _message_level_raise(
        message_id=message_id,
        level=level,
        reasons=[{"rule": "second_opinion", "level": level, "phrase": reason[:200]}],
        action="message.second_opinion",
        details={"screener": screener, "opinion": level},
    )


def crisis_alerts_resend() -> list[int]:
    """Publish again every crisis alert not yet delivered (the sweeper calls this)."""
    from reviewapp.risk.alerts import alerts_unsent

    pending = list(alerts_unsent().values_list("pk", flat=True))
    for alert_id in pending:
        enqueue_crisis_alert(alert_id)
    return pending


# --- worker side ------------------------------------------------------------


def generation_start(*, request_id: int, task_id: str) -> DraftRequest | None:
    """Take a request for generation; None if there is nothing to do.

    A redelivery of the same task (its worker died) may take over at once; a
    different task may take over only once the previous attempt has gone stale.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=_setting("STALE_REQUEST_SECONDS"))
    taken = DraftRequest.objects.filter(
        Q(status=Status.QUEUED)
        | Q(status=Status.GENERATING, generation_task_id=task_id)
        | Q(status=Status.GENERATING, generation_started_at__lt=stale_before),
        pk=request_id,
    ).update(
        status=Status.GENERATING,
        generation_task_id=task_id,
        generation_started_at=now,
        generation_attempts=F("generation_attempts") + 1,
        version=F("version") + 1,
        updated_at=now,
    )
    if not taken:
        return None
    return DraftRequest.objects.select_related("message__conversation", "profile").get(
        pk=request_id
    )


# The demo's SQLite: with four task threads storing at once, a store that waited past
# the busy timeout left its request "Drafting" until the sweeper.
@retry_when_locked
def candidates_store(
    *,
    request_id: int,
    candidates: list[GeneratedCandidate],
    profile_ids: list[int] | None = None,
    worker: str = "",
) -> bool:
    """Save one candidate set; False (and nothing written) if the request already moved on.

    ``profile_ids`` names the version that drafted each candidate where that is
    not the request's own profile (a blind comparison's second version);
    ``worker``, the Celery worker that drafted it (audited, for provenance).
    """
    with transaction.atomic():
        draft_request = DraftRequest.objects.select_for_update().get(pk=request_id)
        if draft_request.status != Status.GENERATING or draft_request.candidates.exists():
            return False
        Candidate.objects.bulk_create(
            Candidate(
                draft_request=draft_request,
                position=position,
                text=c.text,
                profile_id=profile_ids[position] if profile_ids else draft_request.profile_id,
                loading_mode=c.loading_mode,
                generation_params=c.generation_params,
                seed=c.seed,
                prompt_tokens=c.prompt_tokens,
                completion_tokens=c.completion_tokens,
                latency_ms=c.latency_ms,
                flags=c.flags,
            )
            for position, c in enumerate(candidates)
        )
        draft_request.status = Status.READY
        draft_request.candidates_ready_at = timezone.now()
        draft_request.failure_reason = ""
        draft_request.version += 1
        draft_request.save()
        if draft_request.purpose == DraftRequest.Purpose.REPLY:  # not annotation batches
            metric_events.candidates_ready(
                created_at=draft_request.created_at,
                ready_at=draft_request.candidates_ready_at,
                risk=draft_request.risk_level,
            )
        audit_record(
            action="candidates.store",
            actor_kind="worker",
            obj=draft_request,
            count=len(candidates),
            worker=worker,
        )
    return True


def generation_requeue(*, request_id: int, task_id: str) -> bool:
    """Put a request that ``task_id`` was generating back in the queue: its worker is
    stopping and hands the delivery back to the broker. The attempt stays counted.
    False if the run was no longer that task's."""
    requeued = DraftRequest.objects.filter(
        pk=request_id, status=Status.GENERATING, generation_task_id=task_id
    ).update(status=Status.QUEUED, version=F("version") + 1, updated_at=timezone.now())
    if requeued:
        audit_record(
            action="generation.requeue",
            actor_kind="worker",
            obj=DraftRequest(pk=request_id),
            reason="worker stopping",
        )
    return bool(requeued)


def generation_fail(*, request_id: int, reason: str, task_id: str | None = None) -> None:
    """Record a generation failure. The clinician can still write their own reply.

    With ``task_id``, only that task's own run is failed: a newer run of the
    request (after a sweep) is left alone.
    """
    now = timezone.now()
    running = Q(status=Status.GENERATING)
    if task_id is not None:
        running &= Q(generation_task_id=task_id)
    updated = (
        DraftRequest.objects.filter(pk=request_id)
        .filter(Q(status=Status.QUEUED) | running)
        .update(
            status=Status.FAILED,
            failure_reason=reason[:200],
            version=F("version") + 1,
            updated_at=now,
        )
    )
    if updated:
        metric_events.failure("generation")
        audit_record(
            action="generation.fail",
            actor_kind="worker",
            obj=DraftRequest(pk=request_id),
            reason=reason[:200],
        )


def _drafting_queues(draft_request: DraftRequest) -> list[str]:
    """Every queue a request's generation task may wait in: its lane, and the
    other lane of the same profile (a request can be published in either)."""
    queue = draft_request.profile.queue
    return [
        drafting_lane(queue=queue, risk_level="none", annotation=annotation)[0]
        for annotation in (False, True)
    ]


def _requests_lost(queued: list[DraftRequest], *, cutoff) -> list[DraftRequest]:
    """The queued requests whose generation task the broker no longer holds.

    Every one of them if the broker cannot be read: a second copy of a task is
    harmless (one candidate set is kept), a lost one leaves a patient unanswered.
    """
    if not queued:
        return []
    queues = {q for draft_request in queued for q in _drafting_queues(draft_request)}
    held = requests_held(queues, reserved_since=cutoff)
    if held is None:
        return queued
    return [draft_request for draft_request in queued if draft_request.pk not in held]


def requests_sweep_stale(*, older_than: timedelta | None = None) -> list[int]:
    """Re-publish requests whose generation task was lost; fail those out of attempts.

    The database is the source of truth: whatever the broker forgot (restart
    without persistence, outage while patients wrote, a killed worker) is
    found here and published again. A queued request whose task the broker
    still holds is only waiting its turn behind a backlog: it is left alone,
    never failed and never published twice. Only real attempts (a worker
    started generating, ``generation_start``) count towards
    MAX_GENERATION_ATTEMPTS.
    """
    if older_than is None:
        older_than = timedelta(seconds=_setting("STALE_REQUEST_SECONDS"))
    cutoff = timezone.now() - older_than
    stale = list(
        DraftRequest.objects.filter(
            Q(status=Status.QUEUED, updated_at__lte=cutoff)
            | Q(status=Status.GENERATING, generation_started_at__lte=cutoff)
        ).select_related("profile")
    )
    lost = _requests_lost([d for d in stale if d.status == Status.QUEUED], cutoff=cutoff)
    requeued = []
    for draft_request in [d for d in stale if d.status == Status.GENERATING] + lost:
        if (
            draft_request.status == Status.GENERATING
            and draft_request.generation_attempts >= _setting("MAX_GENERATION_ATTEMPTS")
        ):
            generation_fail(
                request_id=draft_request.pk,
                reason="gave up after repeated attempts",
                task_id=draft_request.generation_task_id,
            )
            continue
        # Back to queued so a fresh task may take it, unless it moved meanwhile.
        # The version is left alone: nothing a clinician sees has changed.
        if DraftRequest.objects.filter(
            pk=draft_request.pk, status=draft_request.status, updated_at=draft_request.updated_at
        ).update(status=Status.QUEUED, updated_at=timezone.now()):
            _publish_draft(draft_request)
            requeued.append(draft_request.pk)
    if requeued:
        audit_record(action="sweeper.requeue", actor_kind="system", requests=requeued)
    return requeued


# --- clinician side ---------------------------------------------------------


def _held_by(draft_request: DraftRequest) -> Conflict:
    return Conflict(_("This request is held by %(user)s.") % {"user": draft_request.claimed_by})


def _overtaken(draft_request: DraftRequest) -> Conflict:
    successor = DraftRequest.objects.filter(supersedes=draft_request).values_list("pk", flat=True)
    return Conflict(
        _("The patient wrote again: request #%(n)s now answers the conversation as it is.")
        % {"n": successor.first() or "?"}
    )


def _status_conflict(draft_request: DraftRequest) -> Conflict:
    if draft_request.status == Status.OVERTAKEN:
        return _overtaken(draft_request)
    return Conflict(
        _("This request is already %(status)s.") % {"status": draft_request.get_status_display()}
    )


def draft_request_claim(*, request_id: int, user, request=None) -> DraftRequest:
    """Claim a request for review with a lease; renewing one's own claim is allowed."""
    require_reviewer(user)
    now = timezone.now()
    lease = timedelta(seconds=_setting("CLAIM_LEASE_SECONDS"))
    claimed = (
        DraftRequest.objects.filter(
            Q(claimed_by__isnull=True) | Q(claimed_by=user) | Q(claim_expires_at__lte=now),
            pk=request_id,
            status__in=DraftRequest.OPEN_STATUSES,
            purpose=DraftRequest.Purpose.REPLY,
        )
        .exclude(status=Status.AWAITING_SIGNOFF)
        .update(
            claimed_by=user,
            claimed_at=now,
            claim_expires_at=now + lease,
            version=F("version") + 1,
            updated_at=now,
        )
    )
    draft_request = DraftRequest.objects.select_related("claimed_by").get(pk=request_id)
    if not claimed:
        if draft_request.status not in DraftRequest.OPEN_STATUSES:
            raise _status_conflict(draft_request)
        if draft_request.status == Status.AWAITING_SIGNOFF:
            raise Conflict(_("This request waits for a second clinician's sign-off, not a claim."))
        if draft_request.purpose != DraftRequest.Purpose.REPLY:
            raise InvalidInput(_("Annotation items are reviewed on the annotation desk."))
        raise _held_by(draft_request)
    audit_record(action="draft.claim", actor=user, obj=draft_request, request=request)
    return draft_request


def draft_request_renew_lease(*, request_id: int, user) -> DraftRequest:
    """Extend the caller's own lease while their review page stays open.

    The version is left alone: nothing anyone sees has changed, so the page
    that renews stays current. A lease that lapsed is renewed only if nobody
    else took the request meanwhile.
    """
    require_reviewer(user)
    now = timezone.now()
    # An open tab renews for at most LEASE_MAX_HOLD_SECONDS: a forgotten page
    # must not hold a patient's request (a crisis, say) for the whole shift.
    held_since = now - timedelta(seconds=_setting("LEASE_MAX_HOLD_SECONDS"))
    renewed = DraftRequest.objects.filter(
        pk=request_id,
        claimed_by=user,
        status__in=DraftRequest.OPEN_STATUSES,
        claimed_at__gt=held_since,
    ).update(claim_expires_at=now + timedelta(seconds=_setting("CLAIM_LEASE_SECONDS")))
    draft_request = DraftRequest.objects.select_related("claimed_by").get(pk=request_id)
    if not renewed:
        if draft_request.status not in DraftRequest.OPEN_STATUSES:
            raise _status_conflict(draft_request)
        if draft_request.claimed_by_id is None:
            raise Conflict(_("Your claim on this request was released."))
        if draft_request.claimed_by_id == user.pk:
            raise Conflict(
                _("You have held this request as long as a claim renews; claim it again to go on.")
            )
        raise _held_by(draft_request)
    return draft_request


def _decision_text_and_candidate(
    draft_request: DraftRequest, *, action: str, candidate_id: int | None, text: str | None
) -> tuple[str, Candidate | None]:
    if action in (Action.APPROVE, Action.EDIT, Action.REJECT) and (
        draft_request.status != Status.READY
    ):
        raise Conflict(_("There are no candidates to choose from yet."))
    return verdict_text(
        action=action, candidates=draft_request.candidates, candidate_id=candidate_id, text=text
    )


def _lock_for_decision(*, request_id: int, user, expected_version: int | None, now) -> DraftRequest:
    """Lock an open reply request the caller may decide on, or explain why not."""
    draft_request = (
        DraftRequest.objects.select_for_update(of=("self",))
        .select_related("message__conversation", "profile", "claimed_by")
        .get(pk=request_id)
    )
    if draft_request.purpose != DraftRequest.Purpose.REPLY:
        raise InvalidInput(_("Annotation items are reviewed on the annotation desk."))
    if draft_request.status == Status.OVERTAKEN:
        raise _overtaken(draft_request)
    if draft_request.status not in DraftRequest.OPEN_STATUSES:
        raise Conflict(
            _("This request was already decided (%(status)s).")
            % {"status": draft_request.get_status_display()}
        )
    if draft_request.status == Status.AWAITING_SIGNOFF:
        raise Conflict(_("This request was decided and waits for a second clinician's sign-off."))
    if draft_request.is_claimed_by_other(user, now):
        raise _held_by(draft_request)
    if expected_version is not None and expected_version != draft_request.version:
        raise Conflict(_("This request changed since you opened it; reload and try again."))
    return draft_request


def risk_level_raise(
    *, request_id: int, user, level: str, expected_version: int | None = None, request=None
) -> int:
    """A reviewer raises a request, and its conversation, to a higher level at once.

    Committed on its own, before any decision, so it holds even when the
    decision is then refused: a correction to crisis alerts on-call, puts the
    request at the top of the queue, and makes its reply need the crisis
    resources and a second clinician's sign-off. Returns the request's version.
    """
    require_reviewer(user)
    with transaction.atomic():
        now = timezone.now()
        conversation = _lock_conversation(_conversation_id_of(request_id))
        draft_request = _lock_for_decision(
            request_id=request_id, user=user, expected_version=expected_version, now=now
        )
        if not higher(level, draft_request.risk_level):
            return draft_request.version
        raised = _conversation_level_raise(conversation, level, now)
        audit_record(
            action="risk.raise",
            actor=user,
            obj=draft_request,
            request=request,
            risk_level=level,
            raised_requests=raised,
        )
        return DraftRequest.objects.values_list("version", flat=True).get(pk=request_id)


def _risk_review_record(
    *, decision: Decision, draft_request: DraftRequest, level: str, as_screened: str
) -> RiskReview:
    answered = list(draft_request.answered_messages().only("id", "risk_reasons"))
    screened = highest(screened_level(m.risk_reasons) for m in answered)
    carried = highest(carried_level(m.risk_reasons) for m in answered)
    return RiskReview.objects.create(
        decision=decision,
        conversation_id=draft_request.message.conversation_id,
        first_message_id=answered[0].pk if answered else draft_request.message_id,
        last_message_id=draft_request.message_id,
        screened_level=screened,
        request_level=as_screened,
        carried=higher(carried, screened),
        level=level,
        language=draft_request.message.conversation.locale.split("-")[0],
    )


def draft_request_decide(
    *,
    request_id: int,
    user,
    action: str,
    candidate_id: int | None = None,
    text: str | None = None,
    reasons: list[str] | None = None,
    note: str = "",
    rubric: dict | None = None,
    risk_level: str | None = None,
    expected_version: int | None = None,
    confirm_without_resources: bool = False,
    request=None,
) -> Decision:
    """Record the one decision on a request; approve, edit and write release the reply.

    A rejection sends the patient's message back for fresh candidates, so the
    patient still gets a reply and the rejected set becomes training data. A
    reply to a crisis message must carry the locale's crisis resources (or the
    clinician confirms it goes without), and waits for a second clinician's
    sign-off where the site asks for one.

    Every decision carries the reviewer's verdict on the risk level
    (``risk_level``; none confirms the level as screened). A higher level takes
    effect first and stays even if the decision is refused; a lower one is
    recorded and lowers the conversation for its later messages, but never
    relaxes the safeguards of this reply (a crisis still needs its sign-off).
    """
    require_reviewer(user)
    reasons, note, scores = verdict_extras(action=action, reasons=reasons, note=note, rubric=rubric)
    as_screened, conversation_id = DraftRequest.objects.values_list(
        "risk_level", "message__conversation_id"
    ).get(pk=request_id)
    if risk_level and risk_level not in LEVEL_RANK:
        raise InvalidInput(_("Unknown risk level."))
    if risk_level and higher(risk_level, as_screened):
        expected_version = risk_level_raise(
            request_id=request_id,
            user=user,
            level=risk_level,
            expected_version=expected_version,
            request=request,
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            conversation = _lock_conversation(conversation_id)
            draft_request = _lock_for_decision(
                request_id=request_id, user=user, expected_version=expected_version, now=now
            )
            # No answer confirms the level as screened.
            verdict = risk_level or draft_request.risk_level
            final_text, candidate = _decision_text_and_candidate(
                draft_request, action=action, candidate_id=candidate_id, text=text
            )
            if (
                final_text
                and draft_request.risk_level == RiskLevel.CRISIS
                and not confirm_without_resources
            ):
                _require_crisis_resources(draft_request, final_text)
            time_spent = (
                (now - draft_request.claimed_at).total_seconds()
                if draft_request.claimed_by_id == user.pk and draft_request.claimed_at
                else None
            )
            decision = Decision.objects.create(
                draft_request=draft_request,
                action=action,
                candidate=candidate,
                final_text=final_text,
                final_text_sha256=sha256_text(final_text) if final_text else "",
                ai_drafted=candidate is not None,
                reasons=reasons,
                note=note,
                rubric_scores=scores,
                reviewer=user,
                time_spent_seconds=time_spent,
            )
            review = _risk_review_record(
                decision=decision,
                draft_request=draft_request,
                level=verdict,
                as_screened=as_screened,
            )
            audit_record(
                action=f"decision.{action}",
                actor=user,
                obj=decision,
                request=request,
                draft_request=draft_request.pk,
                reasons=reasons,
                rubric=scores,
                risk_level=verdict,
                risk_screened=review.screened_level,
                risk_changed=verdict != as_screened,
            )
            if action == Action.REJECT:
                _close(draft_request, Status.REJECTED)
                retry = DraftRequest.objects.create(
                    message=draft_request.message,
                    **_redraft_route(draft_request),
                    risk_level=draft_request.risk_level,
                    waiting_since=draft_request.waiting_since,
                )
                _enqueue_after_commit(retry)
            elif needs_second_signoff(draft_request):
                draft_request.status = Status.AWAITING_SIGNOFF
                draft_request.claimed_by = None
                draft_request.claim_expires_at = None
                draft_request.version += 1
                draft_request.save()
                audit_record(
                    action="decision.awaiting_signoff",
                    actor=user,
                    obj=decision,
                    request=request,
                    draft_request=draft_request.pk,
                )
            else:
                reply_release(decision=decision, request=request)
            # The reviewer judged the conversation as it is now: its later messages
            # carry their level (higher, the same, or lower than the screen's).
            _conversation_verdict(conversation, verdict, now)
    except IntegrityError:
        # The one-to-one on Decision caught a racer the row lock did not (SQLite).
        raise Conflict(_("This request was already decided.")) from None
    return decision


def needs_second_signoff(draft_request: DraftRequest) -> bool:
    return draft_request.risk_level == RiskLevel.CRISIS and _setting("CRISIS_SECOND_SIGNOFF")


def _require_crisis_resources(draft_request: DraftRequest, text: str) -> None:
    locale = draft_request.message.conversation.locale
    if resources_missing(text, locale):
        names = ", ".join(f"{r['name']} {r['contact']}" for r in resources_for(locale))
        raise InvalidInput(
            _(
                "This reply to a crisis message gives none of the crisis resources (%(names)s). "
                "Add one, or confirm that it goes without them."
            )
            % {"names": names}
        )


def _lock_awaiting_signoff(*, request_id: int, user, expected_version: int | None):
    draft_request = (
        DraftRequest.objects.select_for_update(of=("self",))
        .select_related("message__conversation", "profile")
        .get(pk=request_id)
    )
    if draft_request.status != Status.AWAITING_SIGNOFF:
        raise Conflict(_("This request is not waiting for a sign-off."))
    if expected_version is not None and expected_version != draft_request.version:
        raise Conflict(_("This request changed since you opened it; reload and try again."))
    decision = Decision.objects.get(draft_request=draft_request)
    if decision.reviewer_id == user.pk:
        raise Conflict(_("The sign-off must come from a second clinician."))
    return draft_request, decision


def draft_request_sign_off(
    *, request_id: int, user, expected_version: int | None = None, request=None
) -> Message:
    """A second clinician agrees with a decision on a crisis message: release the reply."""
    require_reviewer(user)
    with transaction.atomic():
        draft_request, decision = _lock_awaiting_signoff(
            request_id=request_id, user=user, expected_version=expected_version
        )
        decision.signed_off_by = user
        decision.signed_off_at = timezone.now()
        decision.save(update_fields=["signed_off_by", "signed_off_at"])
        audit_record(
            action="decision.sign_off",
            actor=user,
            obj=decision,
            request=request,
            draft_request=draft_request.pk,
        )
        return reply_release(decision=decision, request=request)


def draft_request_return(
    *, request_id: int, user, note: str = "", expected_version: int | None = None, request=None
) -> DraftRequest:
    """A second clinician disagrees: nothing is released and the message is redrafted.

    Their note steers the fresh candidates; the returned decision stays on record.
    """
    require_reviewer(user)
    note = optional_note(note)
    with transaction.atomic():
        _lock_conversation(_conversation_id_of(request_id))  # as regenerate does
        draft_request, decision = _lock_awaiting_signoff(
            request_id=request_id, user=user, expected_version=expected_version
        )
        _close(draft_request, Status.RETURNED)
        fresh = DraftRequest.objects.create(
            message=draft_request.message,
            **_redraft_route(draft_request),
            risk_level=draft_request.risk_level,
            waiting_since=draft_request.waiting_since,
            steering_note=note,
        )
        audit_record(
            action="decision.return",
            actor=user,
            obj=decision,
            request=request,
            draft_request=draft_request.pk,
            replaced_by=fresh.pk,
        )
        _enqueue_after_commit(fresh)
    return fresh


def draft_request_regenerate(
    *,
    request_id: int,
    user,
    steering_note: str = "",
    expected_version: int | None = None,
    request=None,
) -> DraftRequest:
    """Set these candidates aside and draft a fresh set, optionally steered by a note.

    The old set is superseded, not rejected: nothing was said to be wrong with
    it, so it teaches nothing. The caller keeps the fresh request claimed.
    """
    require_reviewer(user)
    steering_note = optional_note(steering_note)
    now = timezone.now()
    with transaction.atomic():
        # The conversation first: a patient message arriving meanwhile must see
        # the fresh request (and overtake it), never the closed one.
        _lock_conversation(_conversation_id_of(request_id))
        draft_request = _lock_for_decision(
            request_id=request_id, user=user, expected_version=expected_version, now=now
        )
        if draft_request.status not in (Status.READY, Status.FAILED):
            raise Conflict(_("Candidates are still being drafted."))
        _close(draft_request, Status.SUPERSEDED)
        fresh = DraftRequest.objects.create(
            message=draft_request.message,
            **_redraft_route(draft_request),
            risk_level=draft_request.risk_level,
            waiting_since=draft_request.waiting_since,
            steering_note=steering_note,
            claimed_by=user,
            claimed_at=now,
            claim_expires_at=now + timedelta(seconds=_setting("CLAIM_LEASE_SECONDS")),
        )
        audit_record(
            action="draft.regenerate",
            actor=user,
            obj=draft_request,
            request=request,
            replaced_by=fresh.pk,
            steered=bool(steering_note),
        )
        _enqueue_after_commit(fresh)
    return fresh


def _close(draft_request: DraftRequest, status: str) -> None:
    draft_request.status = status
    draft_request.claimed_by = None
    draft_request.claim_expires_at = None
    draft_request.version += 1
    draft_request.save()


def _require_current(draft_request: DraftRequest) -> None:
    """A reply answers the conversation as it is now: refuse one that would not."""
    conversation = draft_request.message.conversation
    conversation.refresh_from_db(fields=["crisis_signalled_at", "elevated_signalled_at"])
    if higher(conversation.current_risk_level(), draft_request.risk_level):
        raise ReleaseRefused(
            _("The conversation was raised to %(level)s since; this reply must follow that level.")
            % {"level": RiskLevel(conversation.current_risk_level()).label}
        )
    if draft_request.newer_patient_message_exists():
        raise ReleaseRefused(
            _("The patient wrote again; the reply must answer their newest message.")
        )


def reply_release(*, decision: Decision, request=None) -> Message:
    """Make an approved text visible to the patient. The only path that does.

    Refuses unless the decision releases, its text still matches the hash
    recorded with it, its reviewer holds review permission, and it answers the
    conversation as it is now: at the conversation's current risk level, with
    no newer patient message left unanswered.
    """
    if decision.action not in Decision.RELEASING_ACTIONS:
        raise ReleaseRefused(_("Only an approve, edit or write decision can be released."))
    if not decision.text_matches_hash():
        raise ReleaseRefused(_("The text differs from the approved text."))
    require_reviewer(decision.reviewer)
    if decision.draft_request.purpose != DraftRequest.Purpose.REPLY:
        raise ReleaseRefused(_("Only a reply to a patient's message can be released."))
    if needs_second_signoff(decision.draft_request) and (
        decision.signed_off_by_id is None or decision.signed_off_by_id == decision.reviewer_id
    ):
        raise ReleaseRefused(_("A reply to a crisis message needs a second clinician's sign-off."))
    if decision.signed_off_by_id is not None:
        require_reviewer(decision.signed_off_by)
    with transaction.atomic():
        draft_request = (
            DraftRequest.objects.select_for_update(of=("self",))
            .select_related("message__conversation")
            .get(pk=decision.draft_request_id)
        )
        if draft_request.status not in DraftRequest.OPEN_STATUSES:
            raise _status_conflict(draft_request)
        _require_current(draft_request)
        reply = Message.objects.create(
            conversation_id=draft_request.message.conversation_id,
            role=Message.Role.CLINICIAN,
            text=decision.final_text,
            decision=decision,
        )
        _close(draft_request, Status.RELEASED)
        metric_events.reply_released(
            waiting_since=draft_request.waiting_since,
            released_at=reply.created_at,
            risk=draft_request.risk_level,
        )
        audit_record(
            action="reply.release",
            actor=decision.reviewer,
            obj=reply,
            request=request,
            decision=decision.pk,
            sha256=decision.final_text_sha256,
            signed_off_by=decision.signed_off_by_id,
        )
    return reply
