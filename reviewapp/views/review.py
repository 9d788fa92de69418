"""Clinician pages: the queue and the review screen."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from reviewapp import workflow
from reviewapp.audit import audit_record
from reviewapp.models import DraftRequest, WorkerHeartbeat
from reviewapp.queue import queue_items


def _reviewer(request: HttpRequest):
    workflow.require_reviewer(request.user)
    return request.user


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    template = "reviewapp/queue.html"
    if request.htmx:
        template = "reviewapp/_queue_rows.html"
    return render(request, template, {"items": queue_items()})


@require_GET
@login_required
def workers(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    stale_after = timedelta(seconds=3 * settings.COUNTERSIGN["HEARTBEAT_SECONDS"])
    rows = [
        {"heartbeat": hb, "stale": timezone.now() - hb.last_seen > stale_after}
        for hb in WorkerHeartbeat.objects.all()
    ]
    return render(request, "reviewapp/workers.html", {"rows": rows})


@require_GET
@login_required
def review(request: HttpRequest, draft_id: int) -> HttpResponse:
    user = _reviewer(request)
    draft = get_object_or_404(
        DraftRequest.objects.select_related("message__conversation", "claimed_by", "profile"),
        pk=draft_id,
    )
    audit_record(action="draft.view", actor=user, obj=draft, request=request, via="page")
    context = {
        "draft": draft,
        "conversation": draft.message.conversation.messages.patient_visible(),
        "candidates": draft.candidates.all(),
        "reasons": workflow.REJECTION_REASONS,
        "is_open": draft.status in DraftRequest.OPEN_STATUSES,
        "held_by_other": draft.is_claimed_by_other(user, timezone.now()),
    }
    return render(request, "reviewapp/review.html", context)


@require_POST
@login_required
def claim(request: HttpRequest, draft_id: int) -> HttpResponse:
    user = _reviewer(request)
    get_object_or_404(DraftRequest, pk=draft_id)
    try:
        workflow.draft_request_claim(request_id=draft_id, user=user, request=request)
    except workflow.Conflict as exc:
        messages.error(request, str(exc))
    return redirect("review", draft_id=draft_id)


def _optional_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        raise workflow.InvalidInput("A number was expected.") from None


@require_POST
@login_required
def decide(request: HttpRequest, draft_id: int) -> HttpResponse:
    user = _reviewer(request)
    get_object_or_404(DraftRequest, pk=draft_id)
    try:
        decision = workflow.draft_request_decide(
            request_id=draft_id,
            user=user,
            action=request.POST.get("action", ""),
            candidate_id=_optional_int(request.POST.get("candidate_id")),
            text=request.POST.get("text"),
            reasons=request.POST.getlist("reasons"),
            note=request.POST.get("note", ""),
            expected_version=_optional_int(request.POST.get("version")),
            request=request,
        )
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("review", draft_id=draft_id)
    if decision.action == decision.Action.REJECT:
        messages.success(request, "Rejected; fresh candidates are being drafted.")
    else:
        messages.success(request, "Reply released to the patient.")
    return redirect("queue")
