"""Blind comparisons: two profile versions draft the same request, the clinician picks.

A comparison runs at one site (``Comparison``); ``reviewapp.routing`` sends a
share of the site's new requests to it. Both versions draft the same number of
candidates, interleaved (the first arm drawn at random per request, so neither
version owns the top slot) and shown without labels. The clinician's decision
is then a pairwise preference: approving or editing a candidate is a win for
the version that drafted it over the other; rejecting them all or writing
their own is a preference for neither and counts for no one.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewapp.audit import audit_record
from reviewapp.errors import InvalidInput
from reviewapp.models import Comparison, Decision, DraftRequest, ModelProfile, Service
from reviewapp.services import managed_services


def drafting_versions(draft_request: DraftRequest) -> list[ModelProfile]:
    """The profile versions that draft this request, in arm order."""
    comparison = draft_request.comparison
    if comparison is None:
        return [draft_request.profile]
    return [comparison.profile_a, comparison.profile_b]


def candidates_per_version(candidates_per_request: int) -> int:
    """Each version drafts half the usual set, rounded up: equal numbers, so neither
    version wins by having more chances."""
    return max(1, math.ceil(candidates_per_request / 2))


def interleave(
    profile_ids: Sequence[int], drafted: Sequence[Sequence], *, rng: random.Random | None = None
) -> tuple[list, list[int]]:
    """One list from each version's candidates, alternating, starting with a random version.

    Returns the candidates and, position by position, the version that drafted each.
    """
    arms = list(zip(profile_ids, drafted, strict=True))
    if len(arms) > 1:
        (rng or random.SystemRandom()).shuffle(arms)
    candidates, owners = [], []
    for rank in range(max((len(drafted_by_it) for _id, drafted_by_it in arms), default=0)):
        for profile_id, drafted_by_it in arms:
            if rank < len(drafted_by_it):
                candidates.append(drafted_by_it[rank])
                owners.append(profile_id)
    return candidates, owners


# --- running a comparison ----------------------------------------------------


def _require_own_site(actor, service: Service) -> None:
    # A site's supervisors decide what drafts its requests; another site's id in a
    # forged form is refused (403, audited by the page's handler).
    if not managed_services(actor).filter(pk=service.pk).exists():
        raise PermissionDenied(_("Comparisons run only at your own sites."))


def comparison_start(
    *,
    service: Service,
    profile_a: ModelProfile,
    profile_b: ModelProfile,
    share: float,
    actor,
    request=None,
) -> Comparison:
    """Start a blind comparison at one of ``actor``'s sites; refuses a second one
    running there."""
    _require_own_site(actor, service)
    if profile_a.pk == profile_b.pk:
        raise InvalidInput(_("Choose two different versions."))
    if profile_a.queue != profile_b.queue:
        # One request is drafted by one worker: both versions must be served there.
        raise InvalidInput(_("Both versions must be drafted on the same worker queue."))
    if not 0 < share <= 1:
        raise InvalidInput(_("The share of requests must be above 0 and at most 1."))
    already_running = InvalidInput(_("A comparison is already running at this site."))
    if Comparison.objects.filter(service=service, ended_at__isnull=True).exists():
        raise already_running
    try:
        with transaction.atomic():
            comparison = Comparison.objects.create(
                service=service,
                profile_a=profile_a,
                profile_b=profile_b,
                share=share,
                started_by=actor,
            )
            audit_record(
                action="comparison.start",
                actor=actor,
                obj=comparison,
                request=request,
                service=service.slug,
                profile_a=profile_a.pk,
                profile_b=profile_b.pk,
                share=share,
            )
    except IntegrityError:  # another supervisor started one at the same moment
        raise already_running from None
    return comparison


def comparison_end(*, comparison: Comparison, actor, request=None) -> Comparison:
    """Stop routing new requests to a comparison at one of ``actor``'s sites; its
    figures stay."""
    _require_own_site(actor, comparison.service)
    with transaction.atomic():
        updated = Comparison.objects.filter(pk=comparison.pk, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        if updated:
            audit_record(action="comparison.end", actor=actor, obj=comparison, request=request)
    comparison.refresh_from_db()
    # update() sends no signal: this process's routing must stop sending requests now.
    from reviewapp.routing import routing_cache_clear

    routing_cache_clear()
    return comparison


# --- what the decisions say --------------------------------------------------


@dataclass(frozen=True)
class Preference:
    draft_request_id: int
    winner_id: int | None  # None: neither version (all rejected, or the clinician's own)
    loser_id: int | None
    edited: bool


def preferences(comparison: Comparison) -> list[Preference]:
    """Each decided request of the comparison as a pairwise preference."""
    # Final decisions only (not one awaiting or sent back by a second clinician), on
    # requests that had candidates: a reply written because drafting failed says
    # nothing about either version.
    decisions = (
        Decision.objects.filter(
            draft_request__comparison=comparison,
            draft_request__status__in=DraftRequest.FINAL_STATUSES,
            draft_request__candidates_ready_at__isnull=False,
        )
        .order_by("created_at", "pk")
        .values_list("draft_request_id", "action", "candidate__profile_id")
    )
    arms = {comparison.profile_a_id, comparison.profile_b_id}
    found = []
    for request_id, action, chosen in decisions:
        if action in (Decision.Action.APPROVE, Decision.Action.EDIT) and chosen in arms:
            (loser,) = arms - {chosen}
            found.append(Preference(request_id, chosen, loser, action == Decision.Action.EDIT))
        else:
            found.append(Preference(request_id, None, None, False))
    return found


def min_decisive() -> int:
    return settings.COUNTERSIGN["COMPARISON_MIN_DECISIVE"]
