"""Clinician side of the API: the queue, a draft with its candidates, claim and decide."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router

from reviewapp import workflow
from reviewapp.api.auth import ClinicianToken
from reviewapp.api.schemas import ClaimOut, DecisionIn, DecisionOut, DraftOut, Queue, errors
from reviewapp.audit import audit_record
from reviewapp.models import DraftRequest
from reviewapp.queue import QueueFilters, queue_rows
from reviewapp.services import visible_drafts
from reviewapp.views.errors import audit_denied

router = Router(tags=["clinician"], auth=ClinicianToken())


def _reviewer(request: HttpRequest):
    workflow.require_reviewer(request.auth)
    return request.auth


def _visible_draft(request: HttpRequest, user, draft_id: int, drafts=None) -> DraftRequest:
    """The request, if ``user`` may see it; another service's is not found (404), as
    if it did not exist: an id tells nothing. That refusal is audited, as the pages'
    are (the caller is told nothing, the log is)."""
    drafts = DraftRequest.objects.all() if drafts is None else drafts
    replies = drafts.filter(pk=draft_id, purpose=DraftRequest.Purpose.REPLY)
    draft = visible_drafts(replies, user).first()
    if draft is None:
        if replies.exists():  # there, but another service's
            audit_denied(request, channel="api")
        raise Http404
    return draft


@router.get("/queue", response={200: Queue, **errors(401, 403, 422)})
def queue(request: HttpRequest, limit: int = Query(50, ge=1, le=200)):
    """One item per conversation with open requests, as on the queue page: highest risk
    first, then longest waiting. ``id`` is the request to work (the newest, which answers
    the conversation as it is now); ``open_requests`` how many it has open."""
    user = _reviewer(request)
    rows = queue_rows(user=user, filters=QueueFilters(), now=timezone.now(), limit=limit)
    return {
        "items": [
            {
                "id": row.pk,
                "status": row.status,
                "risk_level": row.risk_level,
                "conversation": row.conversation,
                "open_requests": row.open_count,
                "created_at": row.created_at,
                "waiting_since": row.waiting_since,
                "claimed_by": row.holder,
                "version": row.version,
            }
            for row in rows
        ]
    }


@router.get("/drafts/{draft_id}", response={200: DraftOut, **errors(401, 403, 404, 422)})
def draft_detail(request: HttpRequest, draft_id: int):
    user = _reviewer(request)
    draft = _visible_draft(
        request,
        user,
        draft_id,
        DraftRequest.objects.select_related("message__conversation", "claimed_by"),
    )
    audit_record(action="draft.view", actor=user, obj=draft, request=request, via="api")
    return {
        "id": draft.pk,
        "status": draft.status,
        "risk_level": draft.risk_level,
        "version": draft.version,
        "conversation": draft.message.conversation_id,
        "claimed_by": draft.claimed_by.username if draft.claimed_by else None,
        "claim_expires_at": draft.claim_expires_at,
        "failure_reason": draft.failure_reason,
        "candidates": list(draft.candidates.all()),
        "messages": list(
            draft.message.conversation.messages.patient_visible().select_related("decision")
        ),
        "answers": list(draft.answered_messages().values_list("pk", flat=True)),
    }


@router.post(
    "/drafts/{draft_id}/claim",
    response={200: ClaimOut, **errors(400, 401, 403, 404, 409, 413, 415, 422)},
)
def claim(request: HttpRequest, draft_id: int):
    user = _reviewer(request)
    _visible_draft(request, user, draft_id)
    draft = workflow.draft_request_claim(request_id=draft_id, user=user, request=request)
    return {
        "id": draft.pk,
        "status": draft.status,
        "claimed_by": user.username,
        "claim_expires_at": draft.claim_expires_at,
        "version": draft.version,
    }


@router.post(
    "/drafts/{draft_id}/decision",
    response={200: DecisionOut, **errors(400, 401, 403, 404, 409, 413, 415, 422)},
)
def decide(request: HttpRequest, draft_id: int, payload: DecisionIn):
    user = _reviewer(request)
    _visible_draft(request, user, draft_id)
    decision = workflow.draft_request_decide(
        request_id=draft_id,
        user=user,
        action=payload.action,
        candidate_id=payload.candidate_id,
        text=payload.text,
        reasons=payload.reasons,
        note=payload.note,
        rubric=payload.rubric,
        risk_level=payload.risk_level,
        expected_version=payload.version,
        request=request,
    )
    status = DraftRequest.objects.values_list("status", flat=True).get(pk=draft_id)
    return {"id": draft_id, "decision_id": decision.pk, "action": decision.action, "status": status}
