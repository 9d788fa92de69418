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
from reviewapp.models import (
    Candidate,
    Conversation,
    CrisisAlert,
    Decision,
    DraftRequest,
    Message,
    RiskLevel,
    sha256_text,
)
from reviewapp.observability import events as metric_events
from reviewapp.risk.protocol import resources_for, resources_missing
from reviewapp.risk.screen import LEVEL_RANK, risk_screen, screen_text
from reviewapp.routing import route_new_request, site_profile
from reviewapp.tokens import hash_secret, new_secret
from worker.dispatch import enqueue_crisis_alert, enqueue_generation
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
    if comparison is not None and not comparison.running:
        return {"profile": site_profile(comparison.service_id), "comparison": None}
    return {"profile": draft_request.profile, "comparison": comparison}


def _enqueue_after_commit(draft_request: DraftRequest) -> None:
    request_id, queue = draft_request.pk, draft_request.profile.queue
    transaction.on_commit(lambda: enqueue_generation(request_id, queue))


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


def _conversation_risk(conversation: Conversation, since) -> str:
    """The highest level any of the conversation's recent messages was screened at."""
    # Distinct levels, at most three rows, however long the conversation (and no
    # ordering: Message's default would put created_at into the DISTINCT).
    levels = set(
        Message.objects.filter(
            conversation=conversation, role=Message.Role.PATIENT, created_at__gte=since
        )
        .exclude(risk_level=RiskLevel.NONE)
        .order_by()
        .values_list("risk_level", flat=True)
        .distinct()
    )
    return max(levels | {RiskLevel.NONE}, key=LEVEL_RANK.__getitem__)


def message_receive(*, conversation: Conversation, text: str, request=None) -> Message:
    """Store a patient message and its draft request, then enqueue drafting after commit.

    The message is screened first (fast, and failing safe), then committed
    before anything else can fail, so a broker outage or a dead worker never
    loses it (the sweeper retries from here). A conversation that was in crisis
    recently stays in crisis: a follow-up "hello??" is no routine message.
    """
    text = clean_text(text, what=_("Message"))
    screen = risk_screen(text)
    with transaction.atomic():
        since = timezone.now() - timedelta(hours=_setting("RISK_CARRY_HOURS"))
        carried = _conversation_risk(conversation, since)
        level, reasons = screen.level, list(screen.reasons)
        if LEVEL_RANK[carried] > LEVEL_RANK[level]:
            level = carried
            reasons.append(
                {"rule": "earlier_message_in_conversation", "level": carried, "phrase": ""}
            )
        message = Message.objects.create(
            conversation=conversation,
            role=Message.Role.PATIENT,
            text=text,
            risk_level=level,
            risk_reasons=reasons,
        )
        route = route_new_request(conversation.service_id, risk_level=level)
        draft_request = DraftRequest.objects.create(
            message=message,
            profile=route.profile,
            comparison=route.comparison,
            waiting_since=message.created_at,
            risk_level=level,
        )
        audit_record(
            action="message.receive",
            actor_kind="patient",
            obj=message,
            request=request,
            draft_request=draft_request.pk,
            # Rule names only: the matched phrases quote the patient.
            risk_level=level,
            risk_rules=sorted({r["rule"] for r in reasons}),
        )
        _enqueue_after_commit(draft_request)
        if screen.level == RiskLevel.CRISIS:
            _crisis_alert_create(draft_request)
    return message


def _crisis_alert_create(draft_request: DraftRequest) -> None:
    alert = CrisisAlert.objects.create(draft_request=draft_request)
    transaction.on_commit(lambda: enqueue_crisis_alert(alert.pk))


def message_rescreen(*, message_id: int) -> str:
    """Screen again, without a time limit, a message whose screen fell back to elevated.

    The worker calls this before drafting, so a time-out or an error on arrival
    never leaves a crisis message handled as merely elevated for long.
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        fell_back = {r["rule"] for r in message.risk_reasons} & {
            "screening_timeout",
            "screening_error",
        }
        if not fell_back:
            return message.risk_level
        screen = screen_text(message.text)
        reasons = [r for r in message.risk_reasons if r["rule"] not in fell_back]
        message.risk_reasons = reasons + screen.reasons
        if LEVEL_RANK[screen.level] > LEVEL_RANK[message.risk_level]:
            message.risk_level = screen.level
            for draft in message.draft_requests.filter(status__in=DraftRequest.OPEN_STATUSES):
                draft.risk_level = screen.level
                draft.version += 1
                draft.save(update_fields=["risk_level", "version", "updated_at"])
                if screen.level == RiskLevel.CRISIS and not hasattr(draft, "crisis_alert"):
                    _crisis_alert_create(draft)
        message.save(update_fields=["risk_level", "risk_reasons"])
        audit_record(
            action="message.rescreen",
            actor_kind="worker",
            obj=message,
            risk_level=message.risk_level,
            risk_rules=screen.rule_names(),
        )
    return message.risk_level


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


def requests_sweep_stale(*, older_than: timedelta | None = None) -> list[int]:
    """Re-enqueue requests whose generation was lost; fail those out of attempts.

    The database is the source of truth: whatever the broker forgot (restart
    without persistence, outage while patients wrote, a killed worker) is
    found here and published again.
    """
    if older_than is None:
        older_than = timedelta(seconds=_setting("STALE_REQUEST_SECONDS"))
    cutoff = timezone.now() - older_than
    stale = DraftRequest.objects.filter(
        Q(status=Status.QUEUED, updated_at__lte=cutoff)
        | Q(status=Status.GENERATING, generation_started_at__lte=cutoff)
    ).select_related("profile")
    requeued = []
    for draft_request in stale:
        if draft_request.generation_attempts >= _setting("MAX_GENERATION_ATTEMPTS"):
            generation_fail(request_id=draft_request.pk, reason="gave up after repeated attempts")
            continue
        # Back to queued so a fresh task may take it. A re-publish counts as an
        # attempt, so a request no worker ever takes (its queue has no consumer)
        # ends as failed, in front of a clinician, instead of circling forever.
        # The version is left alone: nothing a clinician sees has changed.
        if DraftRequest.objects.filter(
            pk=draft_request.pk, status=draft_request.status, updated_at=draft_request.updated_at
        ).update(
            status=Status.QUEUED,
            updated_at=timezone.now(),
            generation_attempts=F("generation_attempts") + 1,
        ):
            enqueue_generation(draft_request.pk, draft_request.profile.queue)
            requeued.append(draft_request.pk)
    if requeued:
        audit_record(action="sweeper.requeue", actor_kind="system", requests=requeued)
    return requeued


# --- clinician side ---------------------------------------------------------


def _held_by(draft_request: DraftRequest) -> Conflict:
    return Conflict(_("This request is held by %(user)s.") % {"user": draft_request.claimed_by})


def _status_conflict(draft_request: DraftRequest) -> Conflict:
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
    """
    require_reviewer(user)
    reasons, note, scores = verdict_extras(action=action, reasons=reasons, note=note, rubric=rubric)
    now = timezone.now()
    try:
        with transaction.atomic():
            draft_request = _lock_for_decision(
                request_id=request_id, user=user, expected_version=expected_version, now=now
            )
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
            audit_record(
                action=f"decision.{action}",
                actor=user,
                obj=decision,
                request=request,
                draft_request=draft_request.pk,
                reasons=reasons,
                rubric=scores,
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


def reply_release(*, decision: Decision, request=None) -> Message:
    """Make an approved text visible to the patient. The only path that does.

    Refuses unless the decision releases, its text still matches the hash
    recorded with it, and its reviewer holds review permission.
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
        draft_request = DraftRequest.objects.select_for_update().get(pk=decision.draft_request_id)
        if draft_request.status not in DraftRequest.OPEN_STATUSES:
            raise _status_conflict(draft_request)
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
