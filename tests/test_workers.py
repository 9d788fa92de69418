"""Worker health on the dashboard, and the deployment check on time limits."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from reviewapp.models import PeriodicRun, WorkerHeartbeat
from tests.factories import patient_message
from tests.test_full_loop import wait_for


@pytest.mark.django_db(transaction=True)
def test_it_reports_what_a_worker_has_loaded(client, alice, tiny_profile, celery_worker):
    patient_message()
    heartbeat = wait_for(
        lambda: next((hb for hb in WorkerHeartbeat.objects.all() if hb.engines), None),
        what="a heartbeat listing the loaded model",
    )
    [engine] = heartbeat.engines
    assert engine["base_model"] == tiny_profile.base_model
    # The worker's engines live as long as its process: profiles other tests drafted
    # with on the same base (a trained version of it) may be listed too.
    assert str(tiny_profile) in engine["profiles"]
    assert (
        heartbeat.device == "cpu" and 0 < heartbeat.memory_used_bytes < heartbeat.memory_total_bytes
    )
    # The engine counted what it drafted: at least min_new_tokens per candidate.
    assert heartbeat.tokens_generated >= 3 * tiny_profile.generation_defaults["min_new_tokens"]
    assert heartbeat.generation_seconds > 0 and heartbeat.tokens_per_second > 0

    client.force_login(alice)
    page = client.get("/workers/").content.decode()
    assert heartbeat.worker in page and str(tiny_profile) in page and "not heard from" not in page


@pytest.mark.django_db
def test_it_marks_a_worker_that_stopped_reporting(client, alice):
    WorkerHeartbeat.objects.create(
        worker="gpu0@host:1",
        device="NVIDIA H100",
        queues=["gen-llama-poro-2-8b"],
        tokens_generated=96000,
        generation_seconds=40,
        tokens_per_second=2400,
        last_seen=timezone.now() - timedelta(hours=1),
    )
    client.force_login(alice)
    page = client.get("/workers/").content.decode()
    assert "not heard from" in page and "gen-llama-poro-2-8b" in page
    assert "2400.0" in page and "96000 tokens in 40 s of generation" in page


@pytest.mark.django_db
def test_it_keeps_worker_health_from_users_without_review_permission(client, mallory):
    client.force_login(mallory)
    assert client.get("/workers/").status_code == 403


def test_it_refuses_a_task_time_limit_above_the_visibility_timeout(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
    settings.CELERY_TASK_TIME_LIMIT = 600
    assert [e.id for e in run_checks()] == ["countersign.E001"]
    settings.CELERY_TASK_TIME_LIMIT = 200
    assert run_checks() == []


def test_it_refuses_a_stale_cutoff_a_running_generation_could_outlast(settings):
    settings.CELERY_TASK_TIME_LIMIT = 600
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "STALE_REQUEST_SECONDS": 300}
    assert [e.id for e in run_checks()] == ["countersign.E002"]


@pytest.mark.django_db
def test_it_warns_of_a_profile_queue_no_live_worker_consumes(client, alice, tiny_profile):
    """A restarted worker is listed once, by its latest process; its queues count while
    it is heard from, and a queue nobody consumes is called out."""
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker="gpu0@host:1", device="cpu", queues=["gen-old"], last_seen=now - timedelta(hours=2)
    )
    WorkerHeartbeat.objects.create(
        worker="gpu0@host:2", device="cpu", queues=[tiny_profile.queue], last_seen=now
    )
    client.force_login(alice)
    page = client.get("/workers/").content.decode()
    assert "gpu0@host:2" in page and "gpu0@host:1" not in page
    assert "No live worker consumes" not in page
    WorkerHeartbeat.objects.filter(worker="gpu0@host:2").update(last_seen=now - timedelta(hours=1))
    page = client.get("/workers/").content.decode()
    assert "No live worker consumes these profiles' queues: generate." in page


@pytest.mark.django_db
def test_it_reports_beat_missing_until_the_sweeper_has_run(settings):
    """No sweep recorded: a worker started without beat. Degraded (200), not down."""
    health = Client().get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded" and health.json()["beat"] == "missing"
    with pytest.raises(CommandError, match="the sweeper has never run"):
        call_command("worker_health", beat=True)

    # A sweep long ago: beat stopped.
    PeriodicRun.objects.create(
        task="sweep_stale_requests",
        ran_at=timezone.now() - timedelta(seconds=4 * settings.SWEEP_INTERVAL_SECONDS),
    )
    assert Client().get("/healthz").json()["beat"] == "stale"
    with pytest.raises(CommandError, match="the sweeper last ran"):
        call_command("worker_health", beat=True)


@pytest.mark.django_db
def test_it_warns_of_a_missing_beat_in_a_live_workers_check():
    WorkerHeartbeat.objects.create(worker="gpu0@host:7", device="cpu", last_seen=timezone.now())
    out, err = StringIO(), StringIO()
    call_command("worker_health", hostname="gpu0@host", stdout=out, stderr=err)
    assert "gpu0@host:7 reported" in out.getvalue()
    assert "the sweeper has never run" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_it_reports_beat_ok_after_a_real_sweep(celery_worker):
    from worker.tasks import sweep_stale_requests

    sweep_stale_requests.delay()
    wait_for(lambda: PeriodicRun.objects.exists(), what="the sweep's recorded run")
    health = Client().get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "broker": "ok", "beat": "ok"}
    out, err = StringIO(), StringIO()
    call_command("worker_health", beat=True, stdout=out, stderr=err)
    assert "the sweeper ran" in out.getvalue() and err.getvalue() == ""
