"""Every state change of a conversation, draft request, decision and reply.

Views, API endpoints, tasks and commands call these functions and stay thin.
Rows are locked with SELECT ... FOR UPDATE (PostgreSQL honours it) or claimed
with a conditional UPDATE, so racing callers see one winner and a Conflict.
``reply_release`` is the only code that creates a patient-visible reply.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from reviewapp.audit import audit_record
from reviewapp.models import (
    Candidate,
    Conversation,
    Decision,
    DraftRequest,
    Message,
    ModelProfile,
    sha256_text,
)
from reviewapp.tokens import hash_secret, new_secret
from worker.dispatch import enqueue_generation
from worker.generated import GeneratedCandidate

REVIEW_PERMISSION = "reviewapp.review_draftrequest"

REJECTION_REASONS = {
    "safety": "Safety",
    "clinical_accuracy": "Clinical accuracy",
    "tone_empathy": "Tone / empathy",
    "hallucinated_detail": "Hallucinated detail",
    "too_long": "Too long",
    "language_cultural_fit": "Language or cultural fit",
    "other": "Other",
}

Status = DraftRequest.Status
Action = Decision.Action


class WorkflowError(Exception):
    """A request the workflow refuses; the message is safe to show (no patient text)."""


class InvalidInput(WorkflowError):
    pass


class Conflict(WorkflowError):
    pass


class ReleaseRefused(WorkflowError):
    pass


def _setting(name: str) -> int:
    return settings.COUNTERSIGN[name]


# Control characters (other than line breaks and tabs) and lone surrogates are
# never meant, and PostgreSQL refuses NUL outright.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _clean_text(text: str | None, *, what: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput(f"{what} must not be empty.")
    if _UNPRINTABLE.search(cleaned):
        raise InvalidInput(f"{what} contains control characters or invalid Unicode.")
    limit = _setting("MAX_MESSAGE_CHARS")
    if len(cleaned) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters.")
    return cleaned


def require_reviewer(user) -> None:
    if not (user.is_active and user.has_perm(REVIEW_PERMISSION)):
        raise PermissionDenied("Reviewing drafts needs review permission.")


def _enqueue_after_commit(draft_request: DraftRequest) -> None:
    request_id, queue = draft_request.pk, draft_request.profile.queue
    transaction.on_commit(lambda: enqueue_generation(request_id, queue))


def default_profile() -> ModelProfile:
    profile = ModelProfile.objects.filter(is_default=True).first()
    if profile is None:
        raise WorkflowError("No default model profile is configured.")
    return profile


# --- patient side -----------------------------------------------------------


def conversation_start(*, locale: str = "en", request=None) -> tuple[Conversation, str]:
    """Open a conversation; returns it and the patient's token (shown only once)."""
    token = new_secret()
    conversation = Conversation.objects.create(
        pseudonym=f"P-{random.SystemRandom().randrange(16**6):06X}",
        locale=locale,
        token_hash=hash_secret(token),
    )
    audit_record(
        action="conversation.start", actor_kind="patient", obj=conversation, request=request
    )
    return conversation, token


def message_receive(*, conversation: Conversation, text: str, request=None) -> Message:
    """Store a patient message and its draft request, then enqueue drafting after commit.

    The message is committed before anything else can fail, so a broker
    outage or a dead worker never loses it (the sweeper retries from here).
    """
    text = _clean_text(text, what="Message")
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation, role=Message.Role.PATIENT, text=text
        )
        draft_request = DraftRequest.objects.create(message=message, profile=default_profile())
        audit_record(
            action="message.receive",
            actor_kind="patient",
            obj=message,
            request=request,
            draft_request=draft_request.pk,
        )
        _enqueue_after_commit(draft_request)
    return message


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


def candidates_store(*, request_id: int, candidates: list[GeneratedCandidate]) -> bool:
    """Save one candidate set; False (and nothing written) if the request already moved on."""
    with transaction.atomic():
        draft_request = DraftRequest.objects.select_for_update().get(pk=request_id)
        if draft_request.status != Status.GENERATING or draft_request.candidates.exists():
            return False
        Candidate.objects.bulk_create(
            Candidate(
                draft_request=draft_request,
                position=position,
                text=c.text,
                profile_id=draft_request.profile_id,
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
        audit_record(
            action="candidates.store", actor_kind="worker", obj=draft_request, count=len(candidates)
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


def draft_request_claim(*, request_id: int, user, request=None) -> DraftRequest:
    """Claim a request for review with a lease; renewing one's own claim is allowed."""
    require_reviewer(user)
    now = timezone.now()
    lease = timedelta(seconds=_setting("CLAIM_LEASE_SECONDS"))
    claimed = DraftRequest.objects.filter(
        Q(claimed_by__isnull=True) | Q(claimed_by=user) | Q(claim_expires_at__lte=now),
        pk=request_id,
        status__in=DraftRequest.OPEN_STATUSES,
    ).update(
        claimed_by=user,
        claimed_at=now,
        claim_expires_at=now + lease,
        version=F("version") + 1,
        updated_at=now,
    )
    draft_request = DraftRequest.objects.select_related("claimed_by").get(pk=request_id)
    if not claimed:
        if draft_request.status not in DraftRequest.OPEN_STATUSES:
            raise Conflict(f"This request is already {draft_request.status}.")
        raise Conflict(f"This request is held by {draft_request.claimed_by}.")
    audit_record(action="draft.claim", actor=user, obj=draft_request, request=request)
    return draft_request


def _decision_text_and_candidate(
    draft_request: DraftRequest, *, action: str, candidate_id: int | None, text: str | None
) -> tuple[str, Candidate | None]:
    if action in (Action.APPROVE, Action.EDIT):
        if draft_request.status != Status.READY:
            raise Conflict(
                f"There are no candidates to {action}: request is {draft_request.status}."
            )
        candidate = draft_request.candidates.filter(pk=candidate_id).first()
        if candidate is None:
            raise InvalidInput("candidate_id does not name a candidate of this request.")
        if action == Action.APPROVE:
            return candidate.text, candidate
        return _clean_text(text, what="Edited text"), candidate
    if action == Action.WRITE:
        return _clean_text(text, what="Written reply"), None
    if action == Action.REJECT:
        if draft_request.status != Status.READY:
            raise Conflict(f"There are no candidates to reject: request is {draft_request.status}.")
        return "", None
    raise InvalidInput(f"Unknown action {action!r}.")


def draft_request_decide(
    *,
    request_id: int,
    user,
    action: str,
    candidate_id: int | None = None,
    text: str | None = None,
    reasons: list[str] | None = None,
    note: str = "",
    expected_version: int | None = None,
    request=None,
) -> Decision:
    """Record the one decision on a request; approve, edit and write release the reply.

    A rejection sends the patient's message back for fresh candidates, so the
    patient still gets a reply and the rejected set becomes training data.
    """
    require_reviewer(user)
    reasons = list(reasons or [])
    # Reasons are keys from the taxonomy, never free text: they go to the audit log.
    if set(reasons) - set(REJECTION_REASONS):
        raise InvalidInput("Reasons must come from: " + ", ".join(REJECTION_REASONS))
    if action == Action.REJECT and not reasons:
        raise InvalidInput(
            "A rejection needs one or more reasons from: " + ", ".join(REJECTION_REASONS)
        )
    note = _clean_text(note, what="Note") if (note or "").strip() else ""
    now = timezone.now()
    try:
        with transaction.atomic():
            draft_request = (
                DraftRequest.objects.select_for_update()
                .select_related("message__conversation", "profile")
                .get(pk=request_id)
            )
            if draft_request.status not in DraftRequest.OPEN_STATUSES:
                raise Conflict(f"This request was already decided ({draft_request.status}).")
            if draft_request.is_claimed_by_other(user, now):
                raise Conflict(f"This request is held by {draft_request.claimed_by}.")
            if expected_version is not None and expected_version != draft_request.version:
                raise Conflict("This request changed since you opened it; reload and try again.")
            final_text, candidate = _decision_text_and_candidate(
                draft_request, action=action, candidate_id=candidate_id, text=text
            )
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
                reasons=reasons,
                note=note,
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
            )
            if action == Action.REJECT:
                _close(draft_request, Status.REJECTED)
                retry = DraftRequest.objects.create(
                    message=draft_request.message,
                    profile=draft_request.profile,
                    risk_level=draft_request.risk_level,
                )
                _enqueue_after_commit(retry)
            else:
                reply_release(decision=decision, request=request)
    except IntegrityError:
        # The one-to-one on Decision caught a racer the row lock did not (SQLite).
        raise Conflict("This request was already decided.") from None
    return decision


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
        raise ReleaseRefused("Only an approve, edit or write decision can be released.")
    if not decision.text_matches_hash():
        raise ReleaseRefused("The text differs from the approved text.")
    require_reviewer(decision.reviewer)
    with transaction.atomic():
        draft_request = DraftRequest.objects.select_for_update().get(pk=decision.draft_request_id)
        if draft_request.status not in DraftRequest.OPEN_STATUSES:
            raise Conflict(f"This request is already {draft_request.status}.")
        reply = Message.objects.create(
            conversation_id=draft_request.message.conversation_id,
            role=Message.Role.CLINICIAN,
            text=decision.final_text,
            decision=decision,
        )
        _close(draft_request, Status.RELEASED)
        audit_record(
            action="reply.release",
            actor=decision.reviewer,
            obj=reply,
            request=request,
            decision=decision.pk,
            sha256=decision.final_text_sha256,
        )
    return reply
