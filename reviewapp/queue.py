"""The review queue: conversations with open reply requests, crisis first, then
longest waiting, one row per conversation.

Every figure on the queue page comes from a fixed number of queries whatever
the queue's size: one walk down ``review_queue_order`` for the page's
conversations, one read of their open requests, and one aggregate for the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.translation import gettext as _

from reviewapp.models import RISK_ORDER, DraftRequest, RiskLevel
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
    """One conversation on the queue, every field ready to print: the page renders 50 of
    these every 5 seconds, so no model instances, lazy labels or URL reversing per row.

    ``pk`` and the fields after ``profile`` (status, holder, version) are those of the
    request to work: the conversation's newest open request, which answers it as it is
    now. ``risk_level`` is the highest and ``waiting_since`` the oldest of its
    ``open_count`` open requests: the patient has waited that long, at that risk.
    """

    pk: int
    href: str
    conversation: UUID
    open_count: int
    risk_level: str
    risk_label: str
    waiting_since: datetime
    waited_seconds: int
    target_seconds: int
    pseudonym: str
    locale: str
    profile: str
    status: str
    status_label: str
    created_at: datetime
    version: int
    holder: str | None
    held_by_me: bool

    @property
    def overdue(self) -> bool:
        return self.waited_seconds > self.target_seconds

    @property
    def target_share(self) -> int:
        """How much of the target the wait has used, in percent (for the timer's bar)."""
        return min(100, round(100 * self.waited_seconds / max(self.target_seconds, 1)))


def queue_items(user) -> QuerySet:
    """Open requests ``user`` may see (``reviewapp.services``), most urgent first."""
    return visible_drafts(
        DraftRequest.objects.for_review()
        .select_related("message__conversation", "claimed_by", "profile")
        .in_queue_order(),
        user,
    )


def queue_rows(*, user, filters: QueueFilters, now: datetime, limit: int) -> list[QueueRow]:
    """The first ``limit`` conversations with open requests (that ``user`` may see and
    ``filters`` keep), one row each, by their highest risk, then their oldest wait.

    One row per conversation, so a patient who writes 300 times takes one line,
    not the page. Two queries whatever the queue's size: the walk down
    ``review_queue_order`` (more only where a conversation has several open
    requests), then the page's conversations with their counts.
    """
    visible = visible_drafts(DraftRequest.objects.for_review(), user)
    items = filters.apply(visible, user=user, now=now)
    conversations = _conversations_in_queue_order(items, limit)
    if not conversations:
        return []
    rows = _conversation_rows(items, conversations, user=user, now=now)
    return sorted(rows, key=lambda row: (RISK_ORDER[row.risk_level], row.waiting_since, row.pk))


class _Position(NamedTuple):
    """Where a request stands in queue order (what ``DraftRequestQuerySet.after`` reads)."""

    id: int
    risk_rank: int
    waiting_since: datetime


def _conversations_in_queue_order(items: QuerySet, limit: int) -> list[UUID]:
    """The first ``limit`` conversations met walking ``items`` in queue order.

    A conversation is met at its most urgent request. The walk reads two pages' worth
    of requests (room for a few conversations with more than one); only where more
    repeat does it read on, each time twice as many, so a flood of N requests costs
    about log2(N / limit) more index scans.
    """
    seen: dict[UUID, None] = {}
    batch, after = 2 * limit, None
    while True:
        walk = items.after(after) if after is not None else items.in_queue_order()
        positions = list(
            walk.values_list("pk", "risk_rank", "waiting_since", "message__conversation_id")[:batch]
        )
        for position in positions:
            seen.setdefault(position[3], None)
            if len(seen) == limit:
                return list(seen)
        if len(positions) < batch:
            return list(seen)
        after, batch = _Position(*positions[-1][:3]), batch * 2


ROW_FIELDS = (
    "pk",
    "message__conversation_id",
    "open_count",
    "top_rank",
    "oldest_wait",
    "status",
    "created_at",
    "version",
    "claimed_by_id",
    "claimed_by__username",
    "claim_expires_at",
    "message__conversation__pseudonym",
    "message__conversation__locale",
    "profile__name",
    "profile__version",
    "comparison_id",
)


def _conversation_rows(
    items: QuerySet, conversations: list[UUID], *, user, now: datetime
) -> list[QueueRow]:
    """One row per conversation: its newest open request, with the count, highest risk
    and oldest wait over all of its open ones (window functions, which the demo's
    SQLite has too; DISTINCT ON would be PostgreSQL's alone)."""
    per_conversation = {"partition_by": [F("message__conversation_id")]}
    leads = (
        items.filter(message__conversation_id__in=conversations)
        .annotate(
            open_count=Window(Count("pk"), **per_conversation),
            top_rank=Window(Min("risk_rank"), **per_conversation),
            oldest_wait=Window(Min("waiting_since"), **per_conversation),
            newest_first=Window(
                RowNumber(), order_by=[F("message_id").desc(), F("pk").desc()], **per_conversation
            ),
        )
        .filter(newest_first=1)
        .values_list(*ROW_FIELDS)
    )
    # Labels are translated once per page, not once per row.
    level_of_rank = {rank: level for level, rank in RISK_ORDER.items()}
    risk_labels = {value: str(label) for value, label in RiskLevel.choices}
    status_labels = {value: str(label) for value, label in DraftRequest.Status.choices}
    blind_label = _("blind comparison")
    href = reverse("review", args=[0]).replace("/0/", "/{}/")
    rows = []
    for values in leads:
        d = dict(zip(ROW_FIELDS, values, strict=True))
        level = level_of_rank[d["top_rank"]]
        held = d["claimed_by_id"] is not None and d["claim_expires_at"] > now
        rows.append(
            QueueRow(
                pk=d["pk"],
                href=href.format(d["pk"]),
                conversation=d["message__conversation_id"],
                open_count=d["open_count"],
                risk_level=level,
                risk_label=risk_labels[level],
                waiting_since=d["oldest_wait"],
                waited_seconds=int((now - d["oldest_wait"]).total_seconds()),
                target_seconds=60 * sla_minutes(level),
                pseudonym=d["message__conversation__pseudonym"],
                locale=d["message__conversation__locale"],
                # A blind comparison's two versions stay unnamed until decided.
                profile=blind_label
                if d["comparison_id"]
                else f"{d['profile__name']} v{d['profile__version']}",
                status=d["status"],
                status_label=status_labels[d["status"]],
                created_at=d["created_at"],
                version=d["version"],
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
