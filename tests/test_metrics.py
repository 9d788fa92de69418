"""/metrics and /healthz: what operators see, through the real stores and a real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from reviewapp import workflow
from reviewapp.models import DraftRequest, WorkerHeartbeat
from reviewapp.observability import events, store
from reviewapp.observability.beat import sweep_run_record
from reviewapp.observability.events import lease_expiries_count
from tests.factories import patient_message, ready_request
from tests.processes import app_broker
from tests.test_full_loop import wait_for

TOKEN = "scrape-token-for-tests"
CANARY = "Heron-Canary-5120"


@pytest.fixture(autouse=True)
def metrics_on(settings):
    """The token set, and the metrics store empty: counts start from zero in each test."""
    settings.METRICS_TOKEN = TOKEN
    store.flush()
    client = redis.Redis.from_url(settings.METRICS_REDIS_URL)
    for key in client.scan_iter(f"{store.KEY_PREFIX}*"):
        client.delete(key)
    yield
    store.flush()


def scrape(host: str = "web:8000") -> dict[tuple[str, frozenset], float]:
    """Every sample of one scrape, by name and labels."""
    store.flush()
    response = Client(HTTP_HOST=host).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def sample(samples, name: str, **labels) -> float:
    return samples[name, frozenset(labels.items())]


@pytest.mark.django_db
def test_it_serves_metrics_only_to_the_bearer_of_the_token(settings):
    anonymous = Client(HTTP_HOST="web:8000")
    assert anonymous.get("/metrics").status_code == 401
    assert anonymous.get("/metrics").headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert anonymous.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
    settings.METRICS_TOKEN = ""
    refused = anonymous.get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert refused.status_code == 403 and b"METRICS_TOKEN" in refused.content


@pytest.mark.django_db
def test_it_answers_probes_by_any_host_name_but_nothing_else(settings):
    """Probes come by the container's name; everything else still needs an allowed host."""
    settings.SECURE_SSL_REDIRECT = True
    sweep_run_record()  # beat runs (tests/test_workers.py: when it does not)
    probe = Client(HTTP_HOST="10.0.3.7:8000")
    health = probe.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "broker": "ok", "beat": "ok"}
    assert probe.get("/queue/").status_code == 400  # DisallowedHost


@pytest.mark.django_db
def test_it_reports_unhealthy_when_the_broker_does_not_answer(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    health = Client().get("/healthz")
    assert health.status_code == 503
    assert health.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "ConnectionError",
        "beat": "missing",
    }


@pytest.mark.django_db
def test_it_counts_waiting_messages_by_risk_and_stage(tiny_profile, alice):
    queued = patient_message(f"{CANARY} I feel low.")
    ready_request()
    ready_request()
    crisis = ready_request(message=patient_message("I want to kill myself tonight."))
    assert crisis.risk_level == "crisis"
    waiting_since = queued.draft_requests.get().waiting_since
    samples = scrape()
    assert sample(samples, "countersign_queue_depth", risk="none", stage="queued") == 1
    assert sample(samples, "countersign_queue_depth", risk="none", stage="ready") == 2
    assert sample(samples, "countersign_queue_depth", risk="crisis", stage="ready") == 1
    assert sample(samples, "countersign_queue_depth", risk="elevated", stage="ready") == 0
    oldest = sample(samples, "countersign_queue_oldest_wait_seconds", risk="none")
    assert 0 < oldest <= (timezone.now() - waiting_since).total_seconds()
    assert sample(samples, "countersign_queue_oldest_wait_seconds", risk="elevated") == 0
    assert not any(CANARY in name or CANARY in str(labels) for name, labels in samples)


@pytest.mark.django_db(transaction=True)
def test_it_times_candidates_and_release_through_a_real_worker(tiny_profile, alice, celery_worker):
    message = patient_message("I could not sleep again.")
    draft = wait_for(
        lambda: message.draft_requests.filter(status=DraftRequest.Status.READY).first(),
        what="candidates from the worker",
    )
    workflow.draft_request_claim(request_id=draft.pk, user=alice)
    candidate = draft.candidates.first()
    workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="approve", candidate_id=candidate.pk
    )
    draft.refresh_from_db()
    reply = draft.decision.released_message
    samples = scrape()

    to_candidates = (draft.candidates_ready_at - draft.created_at).total_seconds()
    name = "countersign_time_to_candidates_seconds"
    assert sample(samples, f"{name}_count", risk="none") == 1
    assert sample(samples, f"{name}_sum", risk="none") == pytest.approx(to_candidates)
    assert sample(samples, f"{name}_bucket", risk="none", le="+Inf") == 1
    buckets = {
        float(dict(labels)["le"]): value
        for (sample_name, labels), value in samples.items()
        if sample_name == f"{name}_bucket"
    }
    # Cumulative: 0 in every bucket below the observed time, 1 from its bucket up.
    assert buckets == {bound: float(to_candidates <= bound) for bound in buckets}
    to_release = (reply.created_at - message.created_at).total_seconds()
    name = "countersign_time_to_release_seconds"
    assert sample(samples, f"{name}_count", risk="none") == 1
    assert sample(samples, f"{name}_sum", risk="none") == pytest.approx(to_release)
    assert sample(samples, "countersign_failures_total", what="generation") == 0


@pytest.mark.django_db(transaction=True)
def test_it_counts_nothing_for_a_release_that_rolled_back(tiny_profile, alice, monkeypatch):
    draft = ready_request()
    workflow.draft_request_claim(request_id=draft.pk, user=alice)
    audit = workflow.audit_record

    def audit_fails(**kwargs):
        if kwargs["action"] == "reply.release":  # after the release was timed
            raise RuntimeError("audit store down")
        return audit(**kwargs)

    monkeypatch.setattr(workflow, "audit_record", audit_fails)
    with pytest.raises(RuntimeError):
        workflow.draft_request_decide(
            request_id=draft.pk, user=alice, action="write", text="Thank you for writing."
        )
    samples = scrape()
    assert DraftRequest.objects.get(pk=draft.pk).status == DraftRequest.Status.READY
    assert sample(samples, "countersign_time_to_candidates_seconds_count", risk="none") == 1
    assert ("countersign_time_to_release_seconds_count", frozenset({("risk", "none")})) not in (
        samples
    )


@pytest.mark.django_db
def test_it_counts_failures_by_kind(tiny_profile, django_capture_on_commit_callbacks):
    message = patient_message()
    draft = message.draft_requests.get()
    workflow.generation_fail(request_id=draft.pk, reason="OutOfMemoryError")
    workflow.generation_fail(request_id=draft.pk, reason="again")  # already failed: not counted
    with app_broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        patient_message()  # stored; the publish fails and waits for the sweeper
    samples = scrape()
    assert sample(samples, "countersign_failures_total", what="generation") == 1
    assert sample(samples, "countersign_failures_total", what="enqueue") == 1
    assert sample(samples, "countersign_failures_total", what="crisis_alert") == 0


@pytest.mark.django_db
def test_it_counts_each_lapsed_lease_once(tiny_profile, alice, bob):
    first, second = ready_request(), ready_request()
    workflow.draft_request_claim(request_id=first.pk, user=alice)
    workflow.draft_request_claim(request_id=second.pk, user=bob)
    now = timezone.now()
    DraftRequest.objects.filter(pk=first.pk).update(claim_expires_at=now - timedelta(seconds=5))
    assert lease_expiries_count(now=now) == 1
    assert lease_expiries_count(now=now + timedelta(seconds=30)) == 0  # counted already
    later = now + timedelta(seconds=settings.COUNTERSIGN["CLAIM_LEASE_SECONDS"] + 1)
    assert lease_expiries_count(now=later) == 1  # bob's ran out since
    samples = scrape()
    assert sample(samples, "countersign_claim_lease_expiries_total") == 2
    assert sample(samples, "countersign_claims_lapsed") == 1  # bob's is not lapsed yet, now


@pytest.mark.django_db
def test_it_reports_each_live_workers_throughput(tiny_profile):
    from reviewapp.models import ModelProfile

    ModelProfile.objects.create(name="unused", label="unused", base_model="x", queue="gen-unused")
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker="gpu0@host:11",
        device="NVIDIA H100",
        queues=["generate"],
        tokens_generated=48000,
        generation_seconds=20.0,
        tokens_per_second=2500.0,
        memory_used_bytes=30 * 2**30,
        last_seen=now,
    )
    WorkerHeartbeat.objects.create(
        worker="gpu1@host:12", device="cpu", last_seen=now - timedelta(seconds=200)
    )
    WorkerHeartbeat.objects.create(
        worker="gpu9@gone:1", device="cpu", last_seen=now - timedelta(days=2)
    )
    # gpu0's previous process, before a restart: the series follows the new one.
    WorkerHeartbeat.objects.create(
        worker="gpu0@host:10",
        device="cpu",
        tokens_generated=999,
        last_seen=now - timedelta(minutes=2),
    )
    samples = scrape()
    assert sample(samples, "countersign_worker_up", worker="gpu0@host") == 1
    assert sample(samples, "countersign_worker_up", worker="gpu1@host") == 0  # silent, still shown
    assert ("countersign_worker_up", frozenset({("worker", "gpu9@gone")})) not in samples
    assert sample(samples, "countersign_worker_generated_tokens_total", worker="gpu0@host") == 48000
    assert sample(samples, "countersign_worker_generation_seconds_total", worker="gpu0@host") == 20
    assert sample(samples, "countersign_worker_tokens_per_second", worker="gpu0@host") == 2500
    # Which queues a live worker consumes: a routed queue with none is an alert; a
    # profile nothing routes to (an unused preset) is not.
    assert sample(samples, "countersign_queue_consumers", queue=tiny_profile.queue) == 1
    assert ("countersign_queue_consumers", frozenset({("queue", "gen-unused")})) not in samples


@pytest.mark.django_db
def test_it_counts_tasks_waiting_in_each_broker_queue(tiny_profile):
    from worker.dispatch import enqueue_generation

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("gen-nobody-serves")
    try:
        for request_id in (1, 2, 3):
            assert enqueue_generation(request_id, "gen-nobody-serves")
        tiny_profile.queue = "gen-nobody-serves"
        tiny_profile.save()
        samples = scrape()
    finally:
        client.delete("gen-nobody-serves")
    assert sample(samples, "countersign_broker_up") == 1
    assert sample(samples, "countersign_broker_queue_length", queue="gen-nobody-serves") == 3
    assert sample(samples, "countersign_queue_consumers", queue="gen-nobody-serves") == 0


@pytest.mark.django_db
def test_it_serves_the_rest_when_the_metrics_store_is_down(tiny_profile, settings, caplog):
    patient_message()
    settings.METRICS_REDIS_URL = "redis://127.0.0.1:1/0"
    store._writer._last_complaint = 0.0
    events.failure("generation")  # dropped, and logged, never raised
    samples = scrape()
    assert "metrics store unreachable (ConnectionError); 1 update(s) dropped" in caplog.text
    assert sample(samples, "countersign_metrics_store_up") == 0
    assert sample(samples, "countersign_queue_depth", risk="none", stage="queued") == 1
    assert not any(name.startswith("countersign_failures") for name, _ in samples)


@pytest.mark.django_db
def test_histograms_are_cumulative_over_their_buckets():
    from reviewapp.observability.definitions import TIME_TO_CANDIDATES

    for seconds in (0.5, 3, 5, 45, 4000):  # 5 sits on a bound: le="5" holds it
        store.histogram_observe(TIME_TO_CANDIDATES, seconds, risk="elevated")
    samples = scrape()
    name = "countersign_time_to_candidates_seconds"
    expected = {"1.0": 1, "2.0": 1, "5.0": 3, "10.0": 3, "30.0": 3, "60.0": 4, "1800.0": 4}
    expected["+Inf"] = 5
    for bound, count in expected.items():
        assert sample(samples, f"{name}_bucket", risk="elevated", le=bound) == count, bound
    assert sample(samples, f"{name}_count", risk="elevated") == 5
    assert sample(samples, f"{name}_sum", risk="elevated") == 4053.5
