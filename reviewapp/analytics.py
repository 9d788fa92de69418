"""Clinician decisions per profile version: the figures behind the quality dashboard.

One pass over the decided reply requests of a period (``collect``), bucketed
by version and by day or week. Requests drafted by a blind comparison are left
out here: both versions drafted them, so their rates belong to neither; they
are counted as preferences in ``reviewapp.comparisons``.

What each figure means:
- approved unchanged / edited / rejected / written: the decision's action,
  over decided requests;
- edit distance: normalised Levenshtein distance (0..1, rapidfuzz) from the
  chosen candidate to the released text, over approved and edited decisions
  (an approval is 0);
- flag rate: candidates any post-filter flagged, over candidates drafted;
- times: message to candidates, candidates to decision, message to release,
  in minutes, as medians.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from rapidfuzz.distance import Levenshtein

from reviewapp.models import Candidate, Decision, DraftRequest, ModelProfile

PERIODS = ("day", "week")
ACTIONS = tuple(Decision.Action.values)  # approve, edit, reject, write
EDIT_DISTANCE_BINS = [round(i / 10, 1) for i in range(11)]
# The reasons key of a rejection given without a reason.
UNSTATED_REASON = "unstated"


@dataclass(frozen=True)
class AnalyticsFilters:
    start: date
    end: date  # inclusive
    period: str = "week"
    language: str = ""
    risk: str = ""
    service_id: int | None = None
    profile_ids: tuple[int, ...] = ()

    def as_details(self) -> dict:
        """For the audit log and the CSV's first line: what was asked for."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "period": self.period,
            "language": self.language,
            "risk": self.risk,
            "service": self.service_id,
            "profiles": list(self.profile_ids),
        }


@dataclass
class Bucket:
    """What the decisions of one version in one period (or in all) add up to."""

    actions: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    candidates: int = 0
    flagged: int = 0
    edit_distances: list[float] = field(default_factory=list)
    to_candidates: list[float] = field(default_factory=list)
    to_decision: list[float] = field(default_factory=list)
    to_release: list[float] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return sum(self.actions.values())

    def action_rate(self, action: str) -> float | None:
        return self.actions[action] / self.decided if self.decided else None

    @property
    def flag_rate(self) -> float | None:
        return self.flagged / self.candidates if self.candidates else None


@dataclass
class VersionFigures:
    profile: ModelProfile
    total: Bucket = field(default_factory=Bucket)
    by_period: dict[date, Bucket] = field(default_factory=lambda: defaultdict(Bucket))


def period_start(moment: datetime, period: str) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday()) if period == "week" else day


def periods(filters: AnalyticsFilters) -> list[date]:
    """Every period from start to end, empty ones included, so charts keep their scale."""
    step = timedelta(days=7 if filters.period == "week" else 1)
    first = period_start(
        timezone.make_aware(datetime.combine(filters.start, datetime.min.time())), filters.period
    )
    found, current = [], first
    while current <= filters.end:
        found.append(current)
        current += step
    return found


def _minutes(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() / 60


def _requests(filters: AnalyticsFilters):
    tz = timezone.get_current_timezone()
    since = datetime.combine(filters.start, datetime.min.time(), tzinfo=tz)
    until = datetime.combine(filters.end + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    requests = DraftRequest.objects.filter(
        purpose=DraftRequest.Purpose.REPLY,
        comparison__isnull=True,
        message__created_at__gte=since,
        message__created_at__lt=until,
    )
    if filters.language:
        requests = requests.filter(message__conversation__locale=filters.language)
    if filters.risk:
        requests = requests.filter(risk_level=filters.risk)
    if filters.service_id:
        requests = requests.filter(message__conversation__service_id=filters.service_id)
    if filters.profile_ids:
        requests = requests.filter(profile_id__in=filters.profile_ids)
    return requests


def collect(filters: AnalyticsFilters) -> dict[int, VersionFigures]:
    """Figures per profile version (id), for the requests whose message arrived in the period."""
    requests = _requests(filters)
    rows = requests.values_list(
        "id",
        "profile_id",
        "status",
        "message__created_at",
        "candidates_ready_at",
        "decision__action",
        "decision__reasons",
        "decision__created_at",
        "decision__final_text",
        "decision__candidate__text",
        "decision__released_message__created_at",
    )
    flags = {
        row["draft_request_id"]: (row["n"], row["flagged"])
        for row in Candidate.objects.filter(draft_request__in=requests)
        .values("draft_request_id")
        .annotate(n=Count("pk"), flagged=Count("pk", filter=~Q(flags=[])))
        .order_by()
    }
    profiles = ModelProfile.objects.in_bulk(set(requests.values_list("profile_id", flat=True)))
    figures: dict[int, VersionFigures] = {}
    for (
        request_id,
        profile_id,
        status,
        received,
        candidates_at,
        action,
        reasons,
        decided_at,
        final_text,
        candidate_text,
        released_at,
    ) in rows.iterator(chunk_size=2000):
        if status not in DraftRequest.FINAL_STATUSES:
            # Awaiting sign-off, or sent back by the second clinician: not the last word.
            action = None
        if profile_id not in profiles:  # added after the profiles were read
            profiles[profile_id] = ModelProfile.objects.get(pk=profile_id)
        version = figures.setdefault(profile_id, VersionFigures(profiles[profile_id]))
        for bucket in (version.total, version.by_period[period_start(received, filters.period)]):
            _add(
                bucket,
                action=action,
                reasons=reasons,
                flags=flags.get(request_id),
                edit_distance=_edit_distance(action, candidate_text, final_text),
                to_candidates=_minutes(candidates_at, received),
                to_decision=_minutes(decided_at, candidates_at),
                to_release=_minutes(released_at, received),
            )
    return figures


def _edit_distance(action: str | None, candidate_text: str | None, final_text: str | None):
    if action == Decision.Action.APPROVE:
        return 0.0
    if action == Decision.Action.EDIT and candidate_text is not None:
        return Levenshtein.normalized_distance(candidate_text, final_text or "")
    return None


def _add(bucket: Bucket, *, action, reasons, flags, edit_distance, **times) -> None:
    if action:
        bucket.actions[action] += 1
    if action == Decision.Action.REJECT:
        bucket.reasons.update(reasons or [UNSTATED_REASON])
    if flags:
        bucket.candidates += flags[0]
        bucket.flagged += flags[1]
    if edit_distance is not None:
        bucket.edit_distances.append(edit_distance)
    for name, minutes in times.items():
        if minutes is not None:
            getattr(bucket, name).append(minutes)


def histogram(values: list[float], edges: list[float] = EDIT_DISTANCE_BINS) -> list[int]:
    """Counts per bin [edge_i, edge_i+1), the last bin closed."""
    counts = [0] * (len(edges) - 1)
    for value in values:
        for i in range(len(counts)):
            if value < edges[i + 1] or i == len(counts) - 1:
                counts[i] += 1
                break
    return counts
