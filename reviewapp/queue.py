"""The review queue: open reply requests, crisis first, then longest waiting.

Every figure on the queue page comes from a fixed number of queries whatever
the queue's size: one page of rows (an index scan on ``review_queue_order``)
and one aggregate for the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from reviewapp.models import DraftRequest, RiskLevel
from reviewapp.services import scope_key, visible_drafts


def sla_minutes(risk_level: str) -> int:
    return settings.COUNTERSIGN["SLA_MINUTES"][risk_level]


def past_target(now: datetime) -> Q:
    """Requests waiting longer than their risk level's service-level target."""
    condition = Q(pk__in=[])
    for level in RiskLevel.values:
        cutoff = now - timedelta(minutes=sla_minutes(level))
        condition |= Q(risk_level=level, waiting_since__lt=cutoff)
    return condition


@dataclass(frozen=True)
class QueueFilters:
    mine: bool = False
    unclaimed: bool = False
    crisis: bool = False
    profile: str = ""
    language: str = ""

    @classmethod
    def from_query(cls, params) -> QueueFilters:
        return cls(
            mine=params.get("mine") == "1",
            unclaimed=params.get("unclaimed") == "1",
            crisis=params.get("crisis") == "1",
            profile=(params.get("profile") or "")[:80],
            language=(params.get("language") or "")[:10],
        )

    def apply(self, items: QuerySet, *, user, now: datetime) -> QuerySet:
        if self.mine:
            items = items.filter(claimed_by=user, claim_expires_at__gt=now)
        if self.unclaimed:
            items = items.filter(Q(claimed_by__isnull=True) | Q(claim_expires_at__lte=now))
        if self.crisis:
            items = items.filter(risk_level=RiskLevel.CRISIS)
        if self.profile:
            # Not a blind comparison's requests: filtering by version would name them.
            items = items.filter(profile__name=self.profile, comparison__isnull=True)
        if self.language:
            # "fi" also finds "fi-fi": locales are stored lower-case with a hyphen.
            items = items.filter(
                Q(message__conversation__locale=self.language)
                | Q(message__conversation__locale__startswith=f"{self.language}-")
            )
        return items

    @property
    def active(self) -> bool:
        return any((self.mine, self.unclaimed, self.crisis, self.profile, self.language))


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue, every field ready to print: the page renders 50 of these
    every 5 seconds, so no model instances, lazy labels or URL reversing per row."""

    pk: int
    href: str
    risk_level: str
    risk_label: str
    status_label: str
    pseudonym: str
    locale: str
    profile: str
    waited_seconds: int
    target_seconds: int
    holder: str | None
    held_by_me: bool

    @property
    def overdue(self) -> bool:
        return self.waited_seconds > self.target_seconds

    @property
    def target_share(self) -> int:
        """How much of the target the wait has used, in percent (for the timer's bar)."""
        return min(100, round(100 * self.waited_seconds / max(self.target_seconds, 1)))


ROW_FIELDS = (
    "pk",
    "risk_level",
    "status",
    "waiting_since",
    "claimed_by_id",
    "claimed_by__username",
    "claim_expires_at",
    "message__conversation__pseudonym",
    "message__conversation__locale",
    "profile__name",
    "profile__version",
    "comparison_id",
)


def queue_items(user) -> QuerySet:
    """Open requests ``user`` may see (``reviewapp.services``), most urgent first."""
    return visible_drafts(
        DraftRequest.objects.for_review()
        .select_related("message__conversation", "claimed_by", "profile")
        .in_queue_order(),
        user,
    )


def queue_rows(*, user, filters: QueueFilters, now: datetime, limit: int) -> list[QueueRow]:
    visible = visible_drafts(DraftRequest.objects.for_review(), user)
    items = filters.apply(visible, user=user, now=now).in_queue_order()
    # Labels are translated once per page, not once per row.
    risk_labels = {value: str(label) for value, label in RiskLevel.choices}
    status_labels = {value: str(label) for value, label in DraftRequest.Status.choices}
    blind_label = _("blind comparison")
    href = reverse("review", args=[0]).replace("/0/", "/{}/")
    rows = []
    for values in items.values_list(*ROW_FIELDS)[:limit]:
        d = dict(zip(ROW_FIELDS, values, strict=True))
        held = d["claimed_by_id"] is not None and d["claim_expires_at"] > now
        rows.append(
            QueueRow(
                pk=d["pk"],
                href=href.format(d["pk"]),
                risk_level=d["risk_level"],
                risk_label=risk_labels[d["risk_level"]],
                status_label=status_labels[d["status"]],
                pseudonym=d["message__conversation__pseudonym"],
                locale=d["message__conversation__locale"],
                # A blind comparison's two versions stay unnamed until decided.
                profile=blind_label
                if d["comparison_id"]
                else f"{d['profile__name']} v{d['profile__version']}",
                waited_seconds=int((now - d["waiting_since"]).total_seconds()),
                target_seconds=60 * sla_minutes(d["risk_level"]),
                holder=d["claimed_by__username"] if held else None,
                held_by_me=held and d["claimed_by_id"] == user.pk,
            )
        )
    return rows


def queue_counts(*, user, now: datetime) -> dict[str, int]:
    """Open requests ``user`` may see, per risk level, past their target, and held now.

    Counted over every such request, so the figure is kept for COUNTS_CACHE_SECONDS
    per scope (the services seen): the live queue asks every 5 s per open page,
    and a count that is a second or two old tells a clinician the same thing.
    """
    key = f"{COUNTS_CACHE_KEY}:{scope_key(user)}"
    counts = cache.get(key)
    if counts is None:
        counts = _queue_counts(visible_drafts(DraftRequest.objects.for_review(), user), now=now)
        cache.set(key, counts, COUNTS_CACHE_SECONDS)
    return counts


COUNTS_CACHE_KEY = "countersign:queue-counts"
COUNTS_CACHE_SECONDS = 2


def _queue_counts(items: QuerySet, *, now: datetime) -> dict[str, int]:
    return items.aggregate(
        total=Count("pk"),
        crisis=Count("pk", filter=Q(risk_level=RiskLevel.CRISIS)),
        elevated=Count("pk", filter=Q(risk_level=RiskLevel.ELEVATED)),
        past_target=Count("pk", filter=past_target(now)),
        held=Count("pk", filter=Q(claimed_by__isnull=False, claim_expires_at__gt=now)),
    )
