"""What ``/metrics`` shows, gathered when Prometheus scrapes.

Gauges are read from PostgreSQL (the review queue, claims, worker heartbeats)
and from the broker (tasks waiting per Celery queue); counters and histograms
from the metrics store. A store or broker that does not answer leaves its part
out and says so (``countersign_metrics_store_up``); the rest is still served.
"""

from __future__ import annotations

import json
from collections import defaultdict

import redis
from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import CollectorRegistry
from prometheus_client.utils import floatToGoString

from reviewapp.lib.env import is_redis_url
from reviewapp.models import DraftRequest, ModelProfile, RiskLevel
from reviewapp.observability.definitions import FAILURE_KINDS, FAILURES, RECORDED, Recorded
from reviewapp.observability.store import bucket_key, redis_client, stored_values
from reviewapp.observability.workers import latest_heartbeats, queue_consumers
from worker.dispatch import MAINTENANCE_QUEUE, annotation_queue

Status = DraftRequest.Status
# The requests still waiting for a reply, by the stage they wait in.
WAITING_STAGES = {
    Status.QUEUED: "queued",
    Status.GENERATING: "drafting",
    Status.READY: "ready",
    Status.FAILED: "drafting_failed",
    Status.AWAITING_SIGNOFF: "awaiting_signoff",
}
# kombu's Redis transport keeps a queue's priorities 3, 6 and 9 in keys of their own.
KOMBU_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def queue_depth(now) -> list:
    depth = GaugeMetricFamily(
        "countersign_queue_depth",
        "Patient messages waiting for a reply, by risk level and the stage they wait in.",
        labels=["risk", "stage"],
    )
    oldest = GaugeMetricFamily(
        "countersign_queue_oldest_wait_seconds",
        "How long the longest-waiting patient message of each risk level has waited.",
        labels=["risk"],
    )
    rows = (
        DraftRequest.objects.filter(purpose=DraftRequest.Purpose.REPLY, status__in=WAITING_STAGES)
        .values("status", "risk_level")
        .annotate(n=Count("id"), since=Min("waiting_since"))
        .order_by()
    )
    counts, earliest = defaultdict(int), {}
    for row in rows:
        counts[row["risk_level"], row["status"]] = row["n"]
        earliest[row["risk_level"]] = min(row["since"], earliest.get(row["risk_level"], now))
    for risk in RiskLevel.values:
        for status, stage in WAITING_STAGES.items():
            depth.add_metric([risk, stage], counts[risk, status])
        oldest.add_metric([risk], (now - earliest.get(risk, now)).total_seconds())
    lapsed = GaugeMetricFamily(
        "countersign_claims_lapsed",
        "Claims whose lease has run out while the request is still undecided.",
        value=DraftRequest.objects.filter(
            claimed_by__isnull=False, claim_expires_at__lte=now
        ).count(),
    )
    return [depth, oldest, lapsed]


def broker_queues() -> list:
    if not is_redis_url(settings.CELERY_BROKER_URL):
        return []
    length = GaugeMetricFamily(
        "countersign_broker_queue_length",
        "Tasks published to a Celery queue and not yet taken by a worker.",
        labels=["queue"],
    )
    drafting = set(ModelProfile.objects.values_list("queue", flat=True))
    # Each drafting queue's annotation batches wait in a queue of their own.
    queues = drafting | {annotation_queue(q) for q in drafting} | {MAINTENANCE_QUEUE}
    client = redis_client(settings.CELERY_BROKER_URL, timeout=1)
    try:
        for queue in sorted(queues):
            length.add_metric(
                [queue], sum(client.llen(queue + suffix) for suffix in KOMBU_PRIORITY_SUFFIXES)
            )
        unacked = client.hlen("unacked")
    except redis.RedisError:
        return [GaugeMetricFamily("countersign_broker_up", "Whether the broker answered.", 0)]
    return [
        GaugeMetricFamily("countersign_broker_up", "Whether the broker answered.", 1),
        length,
        GaugeMetricFamily(
            "countersign_broker_unacked",
            "Tasks a worker has taken and not yet acknowledged (running, or lost with it).",
            unacked,
        ),
    ]


def workers(now) -> list:
    labels = ["worker"]
    families = {
        "up": GaugeMetricFamily(
            "countersign_worker_up",
            "1 if the worker was heard from within three heartbeat intervals.",
            labels=labels,
        ),
        "tokens": CounterMetricFamily(
            "countersign_worker_generated_tokens",
            "New tokens the worker process has drafted.",
            labels=labels,
        ),
        "seconds": CounterMetricFamily(
            "countersign_worker_generation_seconds",
            "Seconds the worker process has spent in generate calls.",
            labels=labels,
        ),
        "rate": GaugeMetricFamily(
            "countersign_worker_tokens_per_second",
            "New tokens per second of generation over the worker's recent batches.",
            labels=labels,
        ),
        "memory": GaugeMetricFamily(
            "countersign_worker_memory_used_bytes",
            "Device memory in use (GPU), or the process's resident memory (CPU).",
            labels=labels,
        ),
    }
    consumers = GaugeMetricFamily(
        "countersign_queue_consumers",
        "Live workers consuming each queue new requests are routed to: 0 means its "
        "requests wait until the sweeper gives up on them.",
        labels=["queue"],
    )
    # A restarted worker's series goes on under its Celery name (its totals restart,
    # which Prometheus reads as a reset); a dead one stays visible as down.
    latest = latest_heartbeats(now)
    for worker, heartbeat in latest.items():
        name = [worker]
        families["up"].add_metric(name, 0 if heartbeat.silent(now) else 1)
        families["tokens"].add_metric(name, heartbeat.tokens_generated)
        families["seconds"].add_metric(name, heartbeat.generation_seconds)
        families["rate"].add_metric(name, heartbeat.tokens_per_second)
        families["memory"].add_metric(name, heartbeat.memory_used_bytes)
    for queue, count in queue_consumers(latest, now).items():
        consumers.add_metric([queue], count)
    return [*families.values(), consumers]


def _family(metric: Recorded, stored: dict[str, float]):
    by_labels: dict[str, dict[str, float]] = defaultdict(dict)
    for field, value in stored.items():
        labels, _, part = field.partition("|")
        by_labels[labels][part] = value
    if metric is FAILURES:
        for kind in FAILURE_KINDS:
            by_labels.setdefault(json.dumps({"what": kind}), {"": 0.0})
    if metric.kind == "counter":
        family = CounterMetricFamily(metric.name, metric.help, labels=list(metric.labels))
        if not metric.labels:
            by_labels.setdefault("{}", {"": 0.0})
        for labels, parts in sorted(by_labels.items()):
            family.add_metric([json.loads(labels)[name] for name in metric.labels], parts[""])
        return family
    family = HistogramMetricFamily(metric.name, metric.help, labels=list(metric.labels))
    for labels, parts in sorted(by_labels.items()):
        cumulative, buckets = 0.0, []
        for bound in metric.buckets:
            cumulative += parts.get(bucket_key(bound), 0.0)
            buckets.append((floatToGoString(bound), cumulative))
        buckets.append(("+Inf", parts.get("count", 0.0)))
        family.add_metric(
            [json.loads(labels)[name] for name in metric.labels],
            buckets=buckets,
            sum_value=parts.get("sum", 0.0),
        )
    return family


def recorded() -> list:
    if not settings.METRICS_REDIS_URL:
        return []
    client = redis_client(settings.METRICS_REDIS_URL, timeout=1)
    try:
        stored = {metric: stored_values(client, metric) for metric in RECORDED}
    except redis.RedisError:
        up = 0
        stored = {}
    else:
        up = 1
    store_up = GaugeMetricFamily(
        "countersign_metrics_store_up",
        "Whether the store of recorded counters and histograms answered this scrape.",
        up,
    )
    return [store_up, *(_family(metric, values) for metric, values in stored.items())]


class DeploymentCollector:
    def collect(self):
        now = timezone.now()
        yield from queue_depth(now)
        yield from broker_queues()
        yield from workers(now)
        yield from recorded()


def exposition() -> bytes:
    """The scrape's text, in Prometheus's format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DeploymentCollector())
    return generate_latest(registry)
