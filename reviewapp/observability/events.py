"""The events metrics are recorded at, called by the workflow, the tasks and the sweeper.

A success is recorded once its transaction commits (a rolled-back release
released nothing); a failure is recorded when it happens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviewapp.observability.definitions import (
    FAILURE_KINDS,
    FAILURES,
    LEASE_EXPIRIES,
    TIME_TO_CANDIDATES,
    TIME_TO_RELEASE,
)
from reviewapp.observability.store import (
    KEY_PREFIX,
    counter_add,
    histogram_observe,
    redis_client,
)

LEASE_WINDOW_KEY = KEY_PREFIX + "lease-expiries-counted-until"


def candidates_ready(*, created_at: datetime, ready_at: datetime, risk: str) -> None:
    seconds = (ready_at - created_at).total_seconds()
    transaction.on_commit(lambda: histogram_observe(TIME_TO_CANDIDATES, seconds, risk=risk))


def reply_released(*, waiting_since: datetime, released_at: datetime, risk: str) -> None:
    seconds = (released_at - waiting_since).total_seconds()
    transaction.on_commit(lambda: histogram_observe(TIME_TO_RELEASE, seconds, risk=risk))


def failure(what: str) -> None:
    if what not in FAILURE_KINDS:
        raise ValueError(f"unknown failure kind {what!r}")
    counter_add(FAILURES, what=what)


def lease_expiries_count(*, now: datetime | None = None) -> int:
    """Count the claims whose lease ran out since the last count (the sweeper calls this).

    The end of the window counted is kept in Redis, so each expiry is counted once
    whichever maintenance worker sweeps. The first count looks back one sweep.
    """
    from reviewapp.models import DraftRequest

    if not settings.METRICS_REDIS_URL:
        return 0
    now = now or timezone.now()
    client = redis_client(settings.METRICS_REDIS_URL, timeout=2)
    previous = client.getset(LEASE_WINDOW_KEY, now.timestamp())
    since = (
        datetime.fromtimestamp(float(previous), tz=UTC)
        if previous is not None
        else now - timedelta(seconds=settings.SWEEP_INTERVAL_SECONDS)
    )
    lapsed = DraftRequest.objects.filter(
        claimed_by__isnull=False, claim_expires_at__gt=since, claim_expires_at__lte=now
    ).count()
    counter_add(LEASE_EXPIRIES, lapsed)
    return lapsed
