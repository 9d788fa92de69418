"""Which model profile drafts a new request: the one rule, read from a short per-process cache.

A new request goes to its site's own profile (``Service.profile``: a Finnish
site on a Finnish model, drafted by the GPU worker on that model's queue), or to
the default profile where the site has none, unless its site runs a blind
comparison and the draw routes it there (``Comparison.share`` of the site's
requests): then both versions draft it.

Every patient message needs the answer, and it changes only when someone
promotes a profile or starts or ends a comparison, so each process keeps the
routing table for ``ROUTING_CACHE_SECONDS`` instead of asking PostgreSQL on
every message (a query per message showed up as a tenth of the server's time
under load, BENCHMARKS.md). Saving or deleting a profile or a comparison clears
this process's copy at once; other processes pick the change up within the
cache time, so a change takes effect everywhere within a few seconds.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from reviewapp.errors import WorkflowError
from reviewapp.models import Comparison, ModelProfile, Service

ROUTING_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class RoutingTable:
    default: ModelProfile | None
    comparisons: dict[int, Comparison]  # running ones, by service id
    site_profiles: dict[int, ModelProfile]  # sites with a profile of their own, by service id


@dataclass(frozen=True)
class Route:
    profile: ModelProfile  # the one that drafts it (the first version of a comparison)
    comparison: Comparison | None = None


_cached: tuple[float, RoutingTable] | None = None


def _routing_table() -> RoutingTable:
    global _cached
    now = time.monotonic()
    if _cached is not None and _cached[0] > now:
        return _cached[1]
    running = Comparison.objects.filter(ended_at__isnull=True).select_related(
        "profile_a", "profile_b"
    )
    table = RoutingTable(
        default=ModelProfile.objects.filter(is_default=True).first(),
        comparisons={c.service_id: c for c in running},
        site_profiles={
            s.pk: s.profile
            for s in Service.objects.filter(profile__isnull=False).select_related("profile")
        },
    )
    _cached = (now + ROUTING_CACHE_SECONDS, table)
    return table


def default_profile() -> ModelProfile:
    profile = _routing_table().default
    if profile is None:
        raise WorkflowError(_("No default model profile is configured."))
    return profile


def site_profile(service_id: int | None) -> ModelProfile:
    """The profile that drafts a site's requests outside any comparison."""
    return _routing_table().site_profiles.get(service_id) or default_profile()


def routed_queues() -> set[str]:
    """The queues new requests can be sent to now: the default profile's, the sites'
    own and those of running comparisons (not every profile ever saved)."""
    table = _routing_table()
    profiles = [table.default, *table.site_profiles.values()]
    for comparison in table.comparisons.values():
        profiles += [comparison.profile_a, comparison.profile_b]
    return {profile.queue for profile in profiles if profile is not None}


def route_new_request(
    service_id: int | None, *, risk_level: str = "none", draw=random.random
) -> Route:
    # A crisis message is drafted by the site's usual version only: no trial on it.
    comparison = None if risk_level == "crisis" else _routing_table().comparisons.get(service_id)
    if comparison is not None and draw() < comparison.share:
        return Route(profile=comparison.profile_a, comparison=comparison)
    return Route(profile=site_profile(service_id))


def routing_cache_clear(**_ignored) -> None:
    global _cached
    _cached = None


def _clear_now_and_after_commit(**_ignored) -> None:
    # Now, for this thread; and after commit, since another thread could read the old
    # rows before the change commits and cache them again.
    routing_cache_clear()
    transaction.on_commit(routing_cache_clear)


for _model in (ModelProfile, Comparison, Service):
    for _signal in (post_save, post_delete):
        _signal.connect(
            _clear_now_and_after_commit, sender=_model, dispatch_uid=f"routing-{_model}"
        )
