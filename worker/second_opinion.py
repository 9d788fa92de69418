"""The worker's second opinion on a request's risk before it drafts (Celery side).

Configured per site (``RISK_SECOND_OPINION``, ``docs/risk-screen.md``); off by
default. It reads the patient messages the reply will answer, asks the
configured screener (``worker.risk_opinion``), and raises the message and its
conversation through the workflow when the opinion is higher: recorded with its
reason, audited, and a raise to crisis alerts on-call like any crisis. It never
lowers a level, and a screener that fails never stops the drafting.
"""

from __future__ import annotations

import logging

from django.conf import settings

from reviewapp import workflow
from reviewapp.models import DraftRequest
from reviewapp.observability.events import failure
from reviewapp.risk.levels import higher, highest, screened_level
from worker.spec import ProfileSpec

logger = logging.getLogger(__name__)


def _opinion(kind: str, text: str, spec: ProfileSpec):
    from worker.risk_opinion import classifier_screener, rubric_judge

    if kind == "classifier":
        return classifier_screener(settings.COUNTERSIGN["RISK_SECOND_OPINION_MODEL"]).judge(text)
    from worker.engine_cache import get_engine

    return rubric_judge(get_engine(spec), spec, text)


def second_opinion(draft_request: DraftRequest, spec: ProfileSpec) -> str | None:
    """Ask the site's second screener about ``draft_request``; the level it found above
    the screens' own verdict on the messages, if any (recorded, and raised to)."""
    kind = settings.COUNTERSIGN["RISK_SECOND_OPINION"]
    if not kind:
        return None
    threshold = settings.COUNTERSIGN["RISK_SECOND_OPINION_THRESHOLD"]
    text = "\n".join(draft_request.answered_messages().values_list("text", flat=True))
    try:
        opinion = _opinion(kind, text, spec)
    except Exception as exc:  # noqa: BLE001 - a second opinion must never stop a draft
        # The type only: a message may quote the patient.
        logger.error("risk second opinion (%s) failed: %s", kind, type(exc).__name__)
        failure("second_opinion")
        return None
    level = opinion.level(threshold)
    # Compared with what the screens said of these messages' own text, not with a
    # level carried from earlier: a crisis found in them pages on-call even where
    # the request already carries crisis.
    screened = highest(
        screened_level(reasons)
        for reasons in draft_request.answered_messages().values_list("risk_reasons", flat=True)
    )
    if not higher(level, screened):
        return None
    try:
        workflow.message_second_opinion(
            message_id=draft_request.message_id,
            level=level,
            reason=opinion.reason(kind, threshold),
            screener=kind,
        )
    except Exception as exc:  # noqa: BLE001 - the draft goes on; the failure is counted
        logger.error("recording the risk second opinion failed: %s", type(exc).__name__)
        failure("second_opinion")
        return None
    return level
