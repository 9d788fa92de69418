"""Supervisors' pages: who holds what, what is past its target, crisis items, and workers."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reviewapp import annotation
from reviewapp.calibration import reviewer_calibration
from reviewapp.models import Candidate, DraftRequest, RiskLevel, RiskReview
from reviewapp.observability.workers import latest_heartbeats, queue_consumers
from reviewapp.queue import past_target, queue_counts, queue_items, sla_minutes
from reviewapp.risk.against_clinicians import screen_against_clinicians
from reviewapp.risk.alerts import alerts_undelivered, channels_configured
from reviewapp.services import visible_drafts
from reviewapp.views.access import reviewer, supervisor
from worker.post_filters import POST_FILTERS

LIST_LIMIT = 50
FLAG_WINDOW_DAYS = 7


def _flag_counts(*, since) -> list[dict]:
    """How often each candidate check fired on recent candidates.

    One aggregate query on PostgreSQL; SQLite (the demo's database) cannot look
    inside JSON arrays, so there the flags are counted here.
    """
    recent = Candidate.objects.filter(created_at__gte=since)
    if connection.vendor == "postgresql":
        counts = recent.aggregate(
            total=Count("pk"),
            **{
                name: Count("pk", filter=Q(flags__contains=[{"filter": name}]))
                for name in POST_FILTERS
            },
        )
        total = counts.pop("total")
    else:
        counted: Counter[str] = Counter()
        total = 0
        for flags in recent.values_list("flags", flat=True).iterator():
            total += 1
            counted.update({flag.get("filter") for flag in flags or []})
        counts = {name: counted[name] for name in POST_FILTERS}
    return [
        {
            "name": name,
            "reason": POST_FILTERS[name].reason,
            "count": n,
            "percent": round(100 * n / total, 1) if total else 0,
        }
        for name, n in counts.items()
    ]


def _status_counts(user) -> dict[str, int]:
    """Open requests per status, every open status listed, in one query."""
    counted = dict(
        visible_drafts(DraftRequest.objects.for_review(), user)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {status.label: counted.get(status, 0) for status in DraftRequest.OPEN_STATUSES}


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = supervisor(request)
    now = timezone.now()
    held = (
        queue_items(user)
        .filter(claimed_by__isnull=False, claim_expires_at__gt=now)
        .order_by("claimed_at")[:LIST_LIMIT]
    )
    context = {
        "now": now,
        "counts": queue_counts(user=user, now=now),
        "held": [{"draft": d, "held_seconds": (now - d.claimed_at).total_seconds()} for d in held],
        "past_target": [
            {
                "draft": d,
                "overdue_minutes": int(d.waiting_seconds(now) / 60) - sla_minutes(d.risk_level),
            }
            for d in queue_items(user).filter(past_target(now))[:LIST_LIMIT]
        ],
        "crisis": queue_items(user).filter(risk_level=RiskLevel.CRISIS)[:LIST_LIMIT],
        "alert_channels_configured": channels_configured(),
        "undelivered_alerts": list(
            alerts_undelivered()
            .filter(draft_request__in=visible_drafts(DraftRequest.objects.all(), user))
            .select_related("draft_request")
            .order_by("created_at")[:LIST_LIMIT]
        ),
        "flag_counts": _flag_counts(since=now - timedelta(days=FLAG_WINDOW_DAYS)),
        "flag_window_days": FLAG_WINDOW_DAYS,
        "status_counts": _status_counts(user),
        "annotation_drafting": annotation.drafting_totals(),
    }
    if request.htmx:
        return render(request, "reviewapp/_overview_live.html", context)
    reviews = RiskReview.objects.filter(
        decision__draft_request__in=visible_drafts(DraftRequest.objects.all(), user)
    )
    context["screen_figures"] = screen_against_clinicians(reviews)
    context["risk_levels"] = RiskLevel.choices
    return render(request, "reviewapp/overview.html", context)


@require_GET
@login_required
def workers(request: HttpRequest) -> HttpResponse:
    reviewer(request)
    now = timezone.now()
    latest = latest_heartbeats(now)
    rows = [{"heartbeat": hb, "stale": hb.silent(now)} for hb in latest.values()]
    unserved = [queue for queue, count in queue_consumers(latest, now).items() if not count]
    return render(request, "reviewapp/workers.html", {"rows": rows, "unserved": unserved})


@login_required
@require_GET
def calibration(request: HttpRequest) -> HttpResponse:
    """Each annotator's agreement with gold items (crisis gold apart) and with peers."""
    supervisor(request)
    return render(request, "reviewapp/calibration.html", {"reviewers": reviewer_calibration()})
