"""What the decisions say about profile versions: rates with intervals, blind-comparison
win rates and Bradley–Terry ratings, and the promotion of a version to the default (or,
by a supervisor of some sites only, to their sites' own profile).

The promotion page shows ``version_evidence`` and ``version_promote`` stores
the same figures, computed again at the moment of promotion, with the
Promotion and in the audit log, so the record holds what the figures were then.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewapp import analytics, stats
from reviewapp.audit import audit_record
from reviewapp.comparisons import min_decisive, preferences
from reviewapp.errors import InvalidInput
from reviewapp.models import Comparison, Decision, ModelProfile, Promotion, Service
from reviewapp.profiles import default_clear_others
from reviewapp.services import managed_services, manages_every_service

EVIDENCE_DAYS = 28
RATE_ACTIONS = (Decision.Action.APPROVE, Decision.Action.EDIT, Decision.Action.REJECT)


@dataclass(frozen=True)
class ComparisonResult:
    comparison: Comparison
    decided: int
    neither: int
    edited_wins: int
    a: stats.WinRate  # profile_a's share of the decisive preferences

    @property
    def b(self) -> stats.WinRate:
        return stats.win_rate(self.a.losses, self.a.wins, min_decisive())


def comparison_result(comparison: Comparison) -> ComparisonResult:
    found = preferences(comparison)
    a_wins = sum(p.winner_id == comparison.profile_a_id for p in found)
    b_wins = sum(p.winner_id == comparison.profile_b_id for p in found)
    return ComparisonResult(
        comparison=comparison,
        decided=len(found),
        neither=sum(p.winner_id is None for p in found),
        edited_wins=sum(p.edited for p in found),
        a=stats.win_rate(a_wins, b_wins, min_decisive()),
    )


def ratings() -> dict[int, stats.Rating]:
    """Bradley–Terry ratings of every version that took part in a blind comparison."""
    pairs = [
        (p.winner_id, p.loser_id)
        for comparison in Comparison.objects.all()
        for p in preferences(comparison)
        if p.winner_id is not None
    ]
    return stats.bradley_terry(pairs)


@dataclass(frozen=True)
class ComparedRow:
    key: str  # an action, "flag", a time, or "edit_distance"
    a: stats.Interval
    b: stats.Interval
    difference: stats.Interval | None  # for rates: a - b, Newcombe's interval
    is_rate: bool


COMPARED_RATES = ("approve", "edit", "reject", "write")
COMPARED_MEDIANS = ("to_candidates", "to_decision", "to_release", "edit_distances")


def compared_rows(a: analytics.Bucket, b: analytics.Bucket) -> list[ComparedRow]:
    """Two versions' figures with intervals: rates (Wilson) with their difference
    (Newcombe), then medians (bootstrap)."""
    counts = [(key, a.actions[key], a.decided, b.actions[key], b.decided) for key in COMPARED_RATES]
    counts.append(("flag", a.flagged, a.candidates, b.flagged, b.candidates))
    rows = [
        ComparedRow(
            key,
            stats.proportion_interval(sa, na),
            stats.proportion_interval(sb, nb),
            stats.difference_interval(sa, na, sb, nb),
            True,
        )
        for key, sa, na, sb, nb in counts
    ]
    rows += [
        ComparedRow(
            key,
            stats.median_interval(getattr(a, key)),
            stats.median_interval(getattr(b, key)),
            None,
            False,
        )
        for key in COMPARED_MEDIANS
    ]
    return rows


def _interval(interval: stats.Interval) -> dict:
    return {"estimate": interval.estimate, "low": interval.low, "high": interval.high}


def version_summary(figures: analytics.VersionFigures | None) -> dict:
    """A version's rates with Wilson intervals and its median times, as plain values."""
    total = figures.total if figures else analytics.Bucket()
    summary = {"decided": total.decided}
    for action in RATE_ACTIONS:
        interval = stats.proportion_interval(total.actions[action], total.decided)
        summary[f"{action}_rate"] = _interval(interval)
    summary["flag_rate"] = _interval(stats.proportion_interval(total.flagged, total.candidates))
    for name in ("to_candidates", "to_decision", "to_release"):
        summary[f"{name}_minutes"] = _interval(stats.median_interval(getattr(total, name)))
    return summary


def version_evidence(profile: ModelProfile) -> dict:
    """The figures a supervisor sees before promoting ``profile``: its rates and the
    current default's over the last EVIDENCE_DAYS days, every blind comparison it
    took part in, and the Bradley–Terry ratings."""
    today = timezone.localdate()
    current = ModelProfile.objects.filter(is_default=True).first()
    ids = tuple({profile.pk} | ({current.pk} if current else set()))
    figures = analytics.collect(
        analytics.AnalyticsFilters(
            start=today - timedelta(days=EVIDENCE_DAYS - 1), end=today, profile_ids=ids
        )
    )
    comparisons = Comparison.objects.filter(profile_a=profile) | Comparison.objects.filter(
        profile_b=profile
    )
    return {
        "computed_at": timezone.now().isoformat(),
        "days": EVIDENCE_DAYS,
        "profile": {"id": profile.pk, "label": str(profile)},
        "current_default": {"id": current.pk, "label": str(current)} if current else None,
        "versions": {str(pk): version_summary(figures.get(pk)) for pk in ids},
        "comparisons": [
            _comparison_evidence(comparison_result(c), profile)
            for c in comparisons.select_related("profile_a", "profile_b", "service")
        ],
        "ratings": {
            str(pk): {
                "rating": r.rating,
                "low": r.low,
                "high": r.high,
                "wins": r.wins,
                "losses": r.losses,
            }
            for pk, r in ratings().items()
        },
    }


def _comparison_evidence(result: ComparisonResult, profile: ModelProfile) -> dict:
    mine = result.a if result.comparison.profile_a_id == profile.pk else result.b
    other = (
        result.comparison.profile_b
        if result.comparison.profile_a_id == profile.pk
        else result.comparison.profile_a
    )
    return {
        "comparison": result.comparison.pk,
        "site": result.comparison.service.slug,
        "against": str(other),
        "decided": result.decided,
        "neither": result.neither,
        "win_rate": asdict(mine),
    }


def version_promote(*, profile: ModelProfile, actor, request=None) -> list[Promotion]:
    """Make ``profile`` draft the requests of the sites ``actor`` runs, keeping the
    evidence as it stands at this moment; returns the promotions (none: nothing changed).

    Someone who runs every site promotes it to the default, the profile of every site
    without its own. A supervisor of some sites makes it their sites' own profile
    (``Service.profile``, as the admin would): the other sites' routing stays as it was.
    """
    if manages_every_service(actor):
        if profile.is_default:
            return []
        return [_default_promote(profile=profile, actor=actor, request=request)]
    sites = list(managed_services(actor).values_list("pk", flat=True))
    if not sites:
        raise InvalidInput(_("You supervise no site, so there is nothing to promote it for."))
    return _sites_promote(profile=profile, site_ids=sites, actor=actor, request=request)


def _default_promote(*, profile: ModelProfile, actor, request=None) -> Promotion:
    evidence = version_evidence(profile)
    with transaction.atomic():
        # The current default and the new one, locked in id order: two supervisors
        # promoting at once take turns instead of colliding on the one-default rule.
        list(
            ModelProfile.objects.select_for_update()
            .filter(Q(is_default=True) | Q(pk=profile.pk))
            .order_by("pk")
        )
        profile = ModelProfile.objects.get(pk=profile.pk)
        previous = default_clear_others(profile)
        profile.is_default = True
        profile.save(update_fields=["is_default"])
        promotion = Promotion.objects.create(
            profile=profile, previous=previous, promoted_by=actor, evidence=evidence
        )
        audit_record(
            action="profile.promote",
            actor=actor,
            obj=profile,
            request=request,
            previous=previous.pk if previous else None,
            promotion=promotion.pk,
            evidence=evidence,
        )
    return promotion


def _sites_promote(*, profile: ModelProfile, site_ids: list[int], actor, request=None):
    evidence = version_evidence(profile)
    default = ModelProfile.objects.filter(is_default=True).first()
    promotions = []
    with transaction.atomic():
        sites = Service.objects.select_for_update().filter(pk__in=site_ids).order_by("pk")
        for site in sites:
            previous = site.profile or default  # what drafted the site's requests
            if previous == profile:
                continue
            # The default itself: the site follows the default again (pinning it would
            # keep the site on this version past the next promotion of the default).
            site.profile = None if profile.is_default else profile
            site.save(update_fields=["profile"])  # clears the routing cache (routing.py)
            promotion = Promotion.objects.create(
                profile=profile,
                previous=previous,
                service=site,
                promoted_by=actor,
                evidence=evidence,
            )
            audit_record(
                action="profile.promote",
                actor=actor,
                obj=profile,
                request=request,
                service=site.slug,
                previous=previous.pk if previous else None,
                promotion=promotion.pk,
                evidence=evidence,
            )
            promotions.append(promotion)
    return promotions
