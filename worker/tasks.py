"""Celery tasks. They take IDs, call the workflow, and keep no state of their own."""

from __future__ import annotations

import logging
import time

from celery.exceptions import Reject
from django.conf import settings

from reviewapp import workflow
from reviewapp.comparisons import candidates_per_version, drafting_versions, interleave
from reviewapp.models import ModelProfile
from reviewapp.observability.beat import sweep_run_record
from reviewapp.observability.events import failure, lease_expiries_count
from worker.celery import HANDED_BACK, app
from worker.health import heartbeat_write_safely
from worker.prompts import steered
from worker.second_opinion import second_opinion
from worker.shutdown import ShuttingDown, stopping
from worker.spec import ProfileSpec

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


def profile_spec(profile: ModelProfile, *, steering_note: str = "") -> ProfileSpec:
    return ProfileSpec(
        base_model=profile.base_model,
        adapter=profile.adapter,
        adapter_config=dict(profile.adapter_config),
        loading_mode=profile.loading_mode,
        prompt_format=profile.prompt_format,
        system_prompt=steered(profile.system_prompt, steering_note),
        generation_defaults=dict(profile.generation_defaults),
        post_filters=tuple(profile.post_filters),
        profile=str(profile),
    )


@app.task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def generate_candidates(self, request_id: int) -> str:
    """Draft the candidate set for one request. Safe to run twice: one set is kept.

    While the worker stops (``worker.shutdown``) a draft not finished within the
    bound goes back to queued and its delivery back to the broker.
    """
    started = time.monotonic()
    if stopping():
        raise Reject(HANDED_BACK, requeue=True)
    draft_request = workflow.generation_start(request_id=request_id, task_id=self.request.id)
    if draft_request is None:
        return "skipped"
    workflow.message_rescreen(message_id=draft_request.message_id)
    if draft_request.purpose == draft_request.Purpose.REPLY and second_opinion(
        draft_request, profile_spec(draft_request.profile)
    ):
        # Raised before drafting (a crisis alerts on-call now, not after the draft):
        # a crisis is drafted by the site's usual version, not a trial.
        draft_request.refresh_from_db(fields=["risk_level", "profile", "comparison"])
    try:
        # Imported here: the engine pulls in torch, which the web process and
        # the prefork parent never need.
        from worker.engine import DraftJob
        from worker.engine_cache import draft

        n = settings.COUNTERSIGN["CANDIDATES_PER_REQUEST"]
        versions = drafting_versions(draft_request)
        drafted = [
            draft(
                DraftJob(
                    spec=profile_spec(profile, steering_note=draft_request.steering_note),
                    turns=draft_request.message.history(),
                    n=n if len(versions) == 1 else candidates_per_version(n),
                ),
                timeout=settings.CELERY_TASK_SOFT_TIME_LIMIT,
            )
            for profile in versions
        ]
    except ShuttingDown:
        # Queued again before the delivery is: whoever takes it next may start at once.
        workflow.generation_requeue(request_id=request_id, task_id=self.request.id)
        logger.warning("request %s handed back: the worker is stopping", request_id)
        raise Reject(HANDED_BACK, requeue=True) from None
    except Exception as exc:
        # Only the exception type: its message may quote the patient's text.
        logger.error("generation for request %s failed: %s", request_id, type(exc).__name__)
        failure("generation_attempt")
        if self.request.retries >= self.max_retries:
            workflow.generation_fail(
                request_id=request_id, reason=type(exc).__name__, task_id=self.request.id
            )
            return "failed"
        # No exc= here: Celery would log its message, which may quote patient text.
        raise self.retry(countdown=2**self.request.retries) from None
    candidates, profile_ids = interleave([p.pk for p in versions], drafted)
    stored = workflow.candidates_store(
        request_id=request_id,
        candidates=candidates,
        profile_ids=profile_ids,
        worker=self.request.hostname or "",
    )
    heartbeat_write_safely()
    # Structured fields for JSON logs: IDs, counts and timings, never the text.
    logger.info(
        "request %s drafted: %d candidates (%s)",
        request_id,
        len(candidates),
        "stored" if stored else "discarded",
        extra={
            "draft_request": request_id,
            "task_id": self.request.id,
            "queue": (self.request.delivery_info or {}).get("routing_key", ""),
            "worker": self.request.hostname or "",
            "tokens": sum(c.completion_tokens for c in candidates),
            "seconds": round(time.monotonic() - started, 3),
        },
    )
    return "stored" if stored else "discarded"


@app.task(acks_late=True)
def sweep_stale_requests() -> list[int]:
    from reviewapp.snapshots import snapshots_resend

    sweep_run_record()  # beat is alive: /healthz and worker_health read it
    workflow.crisis_alerts_resend()
    snapshots_resend()
    try:
        lease_expiries_count()
    except Exception as exc:  # noqa: BLE001 - a count missed never stops the sweep
        logger.warning("could not count lapsed claim leases: %s", type(exc).__name__)
    return workflow.requests_sweep_stale()


@app.task(acks_late=True)
def send_crisis_alert(alert_id: int) -> bool:
    """Tell the on-call clinician; whatever fails is re-sent by the sweeper."""
    from reviewapp.risk.alerts import crisis_alert_send

    return crisis_alert_send(alert_id=alert_id)


@app.task(acks_late=True)
def anchor_audit_chain() -> dict:
    """The audit chain's head, written out of the database (reviewapp/audit_anchors.py)."""
    from reviewapp.audit_anchors import anchor_write

    return anchor_write().as_json()


# An export of a large history runs for minutes, past the generation time limit.
@app.task(acks_late=True, time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60)
def write_export_snapshot(snapshot_id: int) -> str:
    from reviewapp.snapshots import snapshot_write

    return snapshot_write(snapshot_id).status
