"""Clinician pages: the queue, the review screen and its live parts."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviewapp import workflow
from reviewapp.audit import audit_record
from reviewapp.errors import InvalidInput
from reviewapp.lib.params import optional_int
from reviewapp.models import Decision, DraftRequest, ModelProfile, RiskLevel
from reviewapp.queue import QueueFilters, queue_counts, queue_rows, sla_minutes
from reviewapp.risk.alerts import alert_status_for
from reviewapp.risk.protocol import protocol, resources_for, resources_missing
from reviewapp.services import (
    MAX_REASON_CHARS,
    MIN_REASON_CHARS,
    break_glass_open,
    draft_visible_to,
    visible_drafts,
)
from reviewapp.views.access import decision_form_context, reviewer, verdict_fields
from reviewapp.views.diffs import render_diff
from reviewapp.views.errors import audit_denied
from reviewapp.views.queue_html import queue_rows_html


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = reviewer(request)
    now = timezone.now()
    filters = QueueFilters.from_query(request.GET)
    rows = queue_rows(
        user=user, filters=filters, now=now, limit=settings.COUNTERSIGN["QUEUE_PAGE_SIZE"]
    )
    context = {
        "rows": rows,
        "rows_html": queue_rows_html(rows),
        "counts": queue_counts(user=user, now=now),
        "filters": filters,
        "now": now,
    }
    if request.htmx:
        return render(request, "reviewapp/_queue_live.html", context)
    context["profiles"] = (
        ModelProfile.objects.order_by("name").values_list("name", flat=True).distinct()
    )
    context["languages"] = settings.LANGUAGES
    context["sla"] = {level: sla_minutes(level) for level in ("crisis", "elevated", "none")}
    return render(request, "reviewapp/queue.html", context)


class OtherService(PermissionDenied):
    """The request belongs to a service the user is not in (break-glass can open it)."""


def _draft(request: HttpRequest, draft_id: int) -> DraftRequest:
    draft = get_object_or_404(
        DraftRequest.objects.select_related("message__conversation", "claimed_by", "profile"),
        pk=draft_id,
        purpose=DraftRequest.Purpose.REPLY,
    )
    if not draft_visible_to(draft, request.user):
        raise OtherService(_("This conversation belongs to another service."))
    return draft


@require_GET
@login_required
def review(request: HttpRequest, draft_id: int) -> HttpResponse:
    user = reviewer(request)
    try:
        draft = _draft(request, draft_id)
    except OtherService:
        audit_denied(request, channel="page")
        form = {"min_chars": MIN_REASON_CHARS, "max_chars": MAX_REASON_CHARS}
        return render(
            request, "reviewapp/break_glass.html", {"draft_id": draft_id, **form}, status=403
        )
    now = timezone.now()
    audit_record(action="draft.view", actor=user, obj=draft, request=request, via="page")
    candidates = list(draft.candidates.all())
    crisis = draft.risk_level == RiskLevel.CRISIS
    locale = draft.message.conversation.locale
    for candidate in candidates:
        candidate.missing_resources = crisis and resources_missing(candidate.text, locale)
    pending = (
        Decision.objects.select_related("reviewer").filter(draft_request=draft).first()
        if draft.status == DraftRequest.Status.AWAITING_SIGNOFF
        else None
    )
    answered = list(draft.answered_messages().values_list("pk", flat=True))
    context = {
        "crisis": crisis,
        "answered_ids": set(answered),
        "answered_count": len(answered),
        "successor": DraftRequest.objects.filter(supersedes=draft).only("pk").first(),
        "risk_choices": RiskLevel.choices,
        "protocol": protocol()["steps"],
        "crisis_alert": alert_status_for(draft) if crisis else None,
        "resources": resources_for(locale),
        "risk_reasons": draft.message.risk_reasons,
        "pending": pending,
        "can_sign_off": pending is not None and pending.reviewer_id != user.pk,
        "draft": draft,
        "conversation": draft.message.conversation.messages.patient_visible().select_related(
            "decision"
        ),
        "candidates": candidates,
        **decision_form_context(),
        "is_open": draft.status in DraftRequest.OPEN_STATUSES,
        "held_by_other": draft.is_claimed_by_other(user, now),
        "held_by_me": draft.claimed_by_id == user.pk and draft.claim_expires_at > now,
        "waited_seconds": int(draft.waiting_seconds(now)),
        "target_minutes": sla_minutes(draft.risk_level),
        "overdue": draft.waiting_seconds(now) > 60 * sla_minutes(draft.risk_level),
        "ready": draft.status == DraftRequest.Status.READY,
        "failed": draft.status == DraftRequest.Status.FAILED,
        "regenerable": draft.status in (DraftRequest.Status.READY, DraftRequest.Status.FAILED),
        "deciding": draft.status != DraftRequest.Status.AWAITING_SIGNOFF,
        "lease_renew_seconds": settings.COUNTERSIGN["LEASE_RENEW_SECONDS"],
        "now": now,
    }
    return render(request, "reviewapp/review.html", context)


def _status_fragment(request, draft: DraftRequest, *, page_version: int | None, error=None):
    now = timezone.now()
    context = {
        "draft": draft,
        "now": now,
        "held_by_me": draft.claimed_by_id == request.user.pk
        and draft.claim_expires_at is not None
        and draft.claim_expires_at > now,
        "held_by_other": draft.is_claimed_by_other(request.user, now),
        "changed": page_version is not None and page_version != draft.version,
        "error": error,
    }
    return render(request, "reviewapp/_claim_status.html", context)


@require_GET
@login_required
def claim_status(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Who holds the request now, and whether it changed since the page was drawn."""
    reviewer(request)
    draft = _draft(request, draft_id)
    return _status_fragment(request, draft, page_version=optional_int(request.GET.get("v")))


@require_POST
@login_required
def lease_renew(request: HttpRequest, draft_id: int) -> HttpResponse:
    user = reviewer(request)
    _draft(request, draft_id)
    error = None
    try:
        draft = workflow.draft_request_renew_lease(request_id=draft_id, user=user)
    except workflow.Conflict as exc:
        draft, error = _draft(request, draft_id), str(exc)
    return _status_fragment(
        request, draft, page_version=optional_int(request.GET.get("v")), error=error
    )


@require_POST
@login_required
def claim(request: HttpRequest, draft_id: int) -> HttpResponse:
    user = reviewer(request)
    _draft(request, draft_id)
    try:
        workflow.draft_request_claim(request_id=draft_id, user=user, request=request)
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect("review", draft_id=draft_id)


@require_POST
@login_required
def decide(request: HttpRequest, draft_id: int) -> HttpResponse:
    user = reviewer(request)
    _draft(request, draft_id)
    action = request.POST.get("action", "")
    try:
        version = optional_int(request.POST.get("version"))
        if action == "sign_off":
            workflow.draft_request_sign_off(
                request_id=draft_id, user=user, expected_version=version, request=request
            )
            messages.success(request, _("Signed off; the reply is released to the patient."))
            return redirect("queue")
        if action == "return":
            fresh = workflow.draft_request_return(
                request_id=draft_id,
                user=user,
                note=request.POST.get("return_note", ""),
                expected_version=version,
                request=request,
            )
            messages.success(request, _("Returned; fresh candidates are being drafted."))
            return redirect("review", draft_id=fresh.pk)
        if action == "regenerate":
            fresh = workflow.draft_request_regenerate(
                request_id=draft_id,
                user=user,
                steering_note=request.POST.get("steering_note", ""),
                expected_version=version,
                request=request,
            )
            messages.success(request, _("Fresh candidates are being drafted."))
            return redirect("review", draft_id=fresh.pk)
        decision = workflow.draft_request_decide(
            request_id=draft_id,
            user=user,
            **verdict_fields(request.POST),
            # The reviewer's verdict on the risk level, given with every decision.
            risk_level=request.POST.get("risk_level") or None,
            expected_version=version,
            confirm_without_resources=request.POST.get("confirm_without_resources") == "1",
            request=request,
        )
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("review", draft_id=draft_id)
    if decision.action == decision.Action.REJECT:
        messages.success(request, _("Rejected; fresh candidates are being drafted."))
    elif workflow.needs_second_signoff(decision.draft_request):
        messages.success(
            request, _("Decision recorded; a second clinician must sign off before release.")
        )
    else:
        messages.success(request, _("Reply released to the patient."))
    return redirect("queue")


@require_POST
@login_required
def diff(request: HttpRequest, draft_id: int) -> HttpResponse:
    """The word-level difference between the chosen candidate and the edit so far."""
    reviewer(request)
    return render_diff(request, _draft(request, draft_id).candidates)


@require_GET
@login_required
def neighbour(request: HttpRequest, draft_id: int, direction: str) -> HttpResponse:
    """The next or previous conversation's open request in queue order (the queue has a
    row per conversation: a flood's many requests are one step, not hundreds)."""
    user = reviewer(request)
    draft = get_object_or_404(DraftRequest.objects.select_related("message"), pk=draft_id)
    items = visible_drafts(DraftRequest.objects.for_review(), user).exclude(
        message__conversation_id=draft.message.conversation_id
    )
    found = (items.after(draft) if direction == "next" else items.before(draft)).first()
    if found is None:
        messages.info(request, _("No more requests in that direction."))
        return redirect(reverse("queue"))
    return redirect("review", draft_id=found.pk)


@require_POST
@login_required
def break_glass(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Open another service's conversation, with a stated reason, for a few hours."""
    user = reviewer(request)
    draft = get_object_or_404(
        DraftRequest.objects.select_related("message__conversation__service"), pk=draft_id
    )
    try:
        break_glass_open(
            user=user,
            conversation=draft.message.conversation,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except InvalidInput as exc:
        context = {
            "draft_id": draft_id,
            "min_chars": MIN_REASON_CHARS,
            "max_chars": MAX_REASON_CHARS,
            "error": str(exc),
        }
        return render(request, "reviewapp/break_glass.html", context, status=400)
    return redirect("review", draft_id=draft_id)
