"""Annotation desk: batches of imported prompts, each item reviewed by K annotators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp import annotation, roles
from reviewapp.agreement import batch_agreement
from reviewapp.annotation_import import parse_annotation_file
from reviewapp.audit import audit_record
from reviewapp.errors import WorkflowError
from reviewapp.models import AnnotationBatch, AnnotationItem, ModelProfile
from reviewapp.observability.workers import latest_heartbeats, queue_consumers
from reviewapp.views.access import (
    annotation_manager,
    annotator,
    decision_form_context,
    optional_int,
    verdict_fields,
)
from reviewapp.views.diffs import render_diff

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _served_queues(queues: set[str]) -> set[str]:
    """Those of ``queues`` a live worker consumes (the Workers page's rule)."""
    now = timezone.now()
    consumers = queue_consumers(latest_heartbeats(now), now, queues=queues)
    return {queue for queue, count in consumers.items() if count}


@require_GET
@login_required
def batches(request: HttpRequest) -> HttpResponse:
    user = request.user
    managing = roles.user_can(user, roles.MANAGE_ANNOTATION)
    if not managing:
        annotator(request)
    rows = AnnotationBatch.objects.select_related("profile").annotate(
        items_total=Count("items", distinct=True),
        mine=Count("items__annotations", filter=Q(items__annotations__annotator=user)),
    )
    context = {
        "rows": rows,
        "managing": managing,
        "progress": {b.pk: annotation.batch_progress(b) for b in rows} if managing else {},
        "drafting": annotation.batch_drafting_counts([b.pk for b in rows]) if managing else {},
    }
    return render(request, "reviewapp/annotation_batches.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def batch_import(request: HttpRequest) -> HttpResponse:
    user = annotation_manager(request)
    profiles = ModelProfile.objects.order_by("name", "-version")
    # A batch for a profile no live worker drafts would wait unseen: such profiles
    # are marked, never chosen for the user, and an import for one is warned about.
    served = _served_queues({p.queue for p in profiles})
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise WorkflowError(_("Choose a JSONL or CSV file."))
            if upload.size > MAX_UPLOAD_BYTES:
                raise WorkflowError(_("The file is larger than 5 MB; split it into batches."))
            profile = profiles.filter(pk=optional_int(request.POST.get("profile")) or 0).first()
            if profile is None:
                raise WorkflowError(_("Choose a model profile."))
            batch = annotation.annotation_batch_import(
                name=request.POST.get("name", ""),
                profile=profile,
                annotators_per_item=optional_int(request.POST.get("annotators_per_item")) or 0,
                rows=parse_annotation_file(upload.read(), filename=upload.name),
                user=user,
                source_name=upload.name,
                request=request,
            )
        except WorkflowError as exc:
            error = str(exc)
        else:
            if profile.queue not in served:
                messages.warning(
                    request,
                    _(
                        "Imported %(n)s prompts, but no live worker drafts profile "
                        "%(profile)s (queue %(queue)s): they wait until one starts."
                    )
                    % {"n": batch.items.count(), "profile": profile, "queue": profile.queue},
                )
            else:
                messages.success(
                    request,
                    _("Imported %(n)s prompts; candidates are being drafted.")
                    % {"n": batch.items.count()},
                )
            return redirect("annotation_batch", batch_id=batch.pk)
    choices = [(p, p.queue in served) for p in profiles]
    chosen = optional_int(request.POST.get("profile")) or next(
        (p.pk for p, live in sorted(choices, key=lambda c: not c[0].is_default) if live), None
    )
    return render(
        request,
        "reviewapp/annotation_import.html",
        {
            "choices": choices,
            "chosen": chosen,
            "none_served": not any(live for _profile, live in choices),
            "error": error,
            "form": request.POST,
        },
        status=400 if error else 200,
    )


@require_GET
@login_required
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    annotation_manager(request)
    batch = get_object_or_404(AnnotationBatch.objects.select_related("profile"), pk=batch_id)
    return render(
        request,
        "reviewapp/annotation_batch.html",
        {
            "batch": batch,
            "progress": annotation.batch_progress(batch),
            "drafting": annotation.batch_drafting_counts([batch.pk])[batch.pk],
            "served": batch.profile.queue in _served_queues({batch.profile.queue}),
            "agreement": batch_agreement(batch),
        },
    )


@require_GET
@login_required
def next_item(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = annotator(request)
    batch = get_object_or_404(AnnotationBatch, pk=batch_id)
    item = annotation.items_open_to(user, batch).first()
    if item is None:
        messages.info(request, _("Nothing left for you in this batch right now."))
        return redirect("annotation_batches")
    return redirect("annotation_item", item_id=item.pk)


@require_http_methods(["GET", "POST"])
@login_required
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    user = annotator(request)
    found = get_object_or_404(
        AnnotationItem.objects.select_related("batch", "draft_request__message"), pk=item_id
    )
    if request.method == "POST":
        try:
            annotation.annotation_record(
                item_id=found.pk,
                user=user,
                **verdict_fields(request.POST),
                request=request,
            )
        except WorkflowError as exc:
            messages.error(request, str(exc))
            return redirect("annotation_item", item_id=found.pk)
        messages.success(request, _("Saved."))
        return redirect("annotation_next", batch_id=found.batch_id)
    audit_record(action="annotation.view", actor=user, obj=found, request=request)
    context = {
        "item": found,
        "draft": found.draft_request,
        "turns": found.draft_request.message.history(),
        "candidates": list(found.draft_request.candidates.all()),
        "done": found.annotations.filter(annotator=user).exists(),
        "ready": found.draft_request.status == found.draft_request.Status.READY,
        **decision_form_context(),
    }
    return render(request, "reviewapp/annotation_item.html", context)


@require_POST
@login_required
def item_diff(request: HttpRequest, item_id: int) -> HttpResponse:
    annotator(request)
    found = get_object_or_404(AnnotationItem.objects.select_related("draft_request"), pk=item_id)
    return render_diff(request, found.draft_request.candidates)
