"""Every metric Countersign records, defined once: its kind, help text and buckets.

Recorded metrics (counters and histograms) are kept in Redis by whichever process
sees the event (a web process releases a reply, a worker stores candidates), so
one scrape of ``/metrics`` on any web process sees the whole deployment. Gauges
(queue depth, worker throughput) are read from PostgreSQL when scraped.
Labels are closed sets (risk levels, failure kinds): never text, never an ID.
"""

from __future__ import annotations

from dataclasses import dataclass

MINUTE, HOUR = 60.0, 3600.0


@dataclass(frozen=True)
class Recorded:
    name: str
    kind: str  # "counter" or "histogram"
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()  # upper bounds, histograms only (+Inf is implied)


TIME_TO_CANDIDATES = Recorded(
    "countersign_time_to_candidates_seconds",
    "histogram",
    "From a draft request's creation (a patient's message, or a redraft) to its stored "
    "candidate set: queueing plus generation.",
    labels=("risk",),
    buckets=(1, 2, 5, 10, 20, 30, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE),
)
TIME_TO_RELEASE = Recorded(
    "countersign_time_to_release_seconds",
    "histogram",
    "From a patient's message to the release of the clinician-approved reply.",
    labels=("risk",),
    buckets=(
        MINUTE,
        2 * MINUTE,
        5 * MINUTE,
        10 * MINUTE,
        15 * MINUTE,
        30 * MINUTE,
        HOUR,
        2 * HOUR,
        4 * HOUR,
        8 * HOUR,
        24 * HOUR,
    ),  # fmt: skip
)
FAILURES = Recorded(
    "countersign_failures_total",
    "counter",
    "Failures by kind: generation_attempt (a task attempt raised and is retried), "
    "generation (a request gave up; a clinician writes the reply), enqueue (the broker "
    "refused a task; the sweeper publishes it later), crisis_alert (a channel failed; "
    "retried by the sweeper), rate_limit_store (the rate limits' Redis did not answer; "
    "the patient's request went through unlimited).",
    labels=("what",),
)
LEASE_EXPIRIES = Recorded(
    "countersign_claim_lease_expiries_total",
    "counter",
    "Clinicians' claims whose lease ran out before a decision (counted by the sweeper "
    "once a minute; a lease renewed again within that minute is not counted).",
)

RATE_LIMITED = Recorded(
    "countersign_rate_limited_total",
    "counter",
    "Patient requests refused with 429 (reviewapp/lib/rate_limit.py), by the limit that "
    "refused them: conversation-minute, conversation-hour, address-minute, starts-hour.",
    labels=("limit",),
)

RECORDED = (TIME_TO_CANDIDATES, TIME_TO_RELEASE, FAILURES, LEASE_EXPIRIES, RATE_LIMITED)
FAILURE_KINDS = (
    "generation_attempt",
    "generation",
    "enqueue",
    "crisis_alert",
    "second_opinion",
    "rate_limit_store",
)
