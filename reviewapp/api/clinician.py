"""Clinician side of the API: the queue, a draft with its candidates, claim and decide."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router

from reviewapp import workflow
from reviewapp.api.auth import ClinicianToken
from reviewapp.api.schemas import ClaimOut, DecisionIn, DecisionOut, DraftOut, Queue, errors
from reviewapp.audit import audit_record
from reviewapp.models import DraftRequest
from reviewapp.queue import queue_items
from reviewapp.services import visible_drafts

router = Router(tags=["clinician"], auth=ClinicianToken())


def _reviewer(request: HttpRequest):
    workflow.require_reviewer(request.auth)
    return request.auth


def _visible_draft(user, draft_id: int, drafts=None) -> DraftRequest:
    """The request, if ``user`` may see it; another service's is not found (404), as
    if it did not exist: an id tells nothing."""
    drafts = visible_drafts(DraftRequest.objects.all() if drafts is None else drafts, user)
    return get_object_or_404(drafts, pk=draft_id, purpose=DraftRequest.Purpose.REPLY)


@router.get("/queue", response={200: Queue, **errors(401, 403, 422)})
def queue(request: HttpRequest, limit: int = Query(50, ge=1, le=200)):
    """Open requests in queue order: crisis first, then longest waiting."""
    user = _reviewer(request)
    return {
        "items": [
            {
                "id": item.pk,
                "status": item.status,
                "risk_level": item.risk_level,
                "conversation": item.message.conversation_id,
                "created_at": item.created_at,
                "waiting_since": item.waiting_since,
                "claimed_by": item.claimed_by.username if item.claimed_by else None,
                "version": item.version,
            }
            for item in queue_items(user)[:limit]
        ]
    }


@router.get("/drafts/{draft_id}", response={200: DraftOut, **errors(401, 403, 404, 422)})
def draft_detail(request: HttpRequest, draft_id: int):
    user = _reviewer(request)
    draft = _visible_draft(
        user, draft_id, DraftRequest.objects.select_related("message__conversation", "claimed_by")
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
    _visible_draft(user, draft_id)
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
    _visible_draft(user, draft_id)
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
