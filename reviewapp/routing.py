"""Which model profile drafts a new request: the one rule, read from a short per-process cache.

Every patient message needs the answer, and it changes only when someone
promotes a profile, so each process keeps it for ``ROUTING_CACHE_SECONDS``
instead of asking PostgreSQL on every message (a query per message showed
up as a tenth of the server's time under load, BENCHMARKS.md). Saving or
deleting a profile clears this process's copy at once; other processes pick
the change up within the cache time, so a promotion takes effect everywhere
within a few seconds.
"""

from __future__ import annotations

import time

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from reviewapp.errors import WorkflowError
from reviewapp.models import ModelProfile

ROUTING_CACHE_SECONDS = 5.0

_cached: tuple[float, ModelProfile] | None = None


def default_profile() -> ModelProfile:
    global _cached
    now = time.monotonic()
    if _cached is not None and _cached[0] > now:
        return _cached[1]
    profile = ModelProfile.objects.filter(is_default=True).first()
    if profile is None:
        raise WorkflowError(_("No default model profile is configured."))
    _cached = (now + ROUTING_CACHE_SECONDS, profile)
    return profile


def routing_cache_clear(**_ignored) -> None:
    global _cached
    _cached = None


post_save.connect(routing_cache_clear, sender=ModelProfile, dispatch_uid="routing-save")
post_delete.connect(routing_cache_clear, sender=ModelProfile, dispatch_uid="routing-delete")
