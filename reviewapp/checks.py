"""Deployment checks Django runs at start-up (and ``manage.py check``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def task_time_limit_below_visibility_timeout(app_configs, **kwargs):
    """A task still running when the broker's visibility timeout passes is handed to a
    second worker: the same request would then be drafted twice at once."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
    if visibility is not None and visibility <= settings.CELERY_TASK_TIME_LIMIT:
        return [
            Error(
                f"GENERATION_TIME_LIMIT ({settings.CELERY_TASK_TIME_LIMIT}s) must be below the "
                f"broker's visibility timeout ({visibility}s).",
                id="countersign.E001",
            )
        ]
    return []


@register()
def stale_cutoff_above_task_time_limit(app_configs, **kwargs):
    """The sweeper must not re-enqueue a request whose generation may still be running."""
    stale = settings.COUNTERSIGN["STALE_REQUEST_SECONDS"]
    if stale <= settings.CELERY_TASK_TIME_LIMIT:
        return [
            Error(
                f"STALE_REQUEST_SECONDS ({stale}s) must be above GENERATION_TIME_LIMIT "
                f"({settings.CELERY_TASK_TIME_LIMIT}s).",
                id="countersign.E002",
            )
        ]
    return []


@register()
def crisis_alerts_have_somewhere_to_go(app_configs, **kwargs):
    """A crisis message must reach the on-call clinician, not only the queue. Checked at
    every start in production (the demo has no channel, and its pages say so)."""
    if not settings.PRODUCTION:
        return []
    if (
        not settings.COUNTERSIGN["ON_CALL_EMAILS"]
        and not settings.COUNTERSIGN["CRISIS_WEBHOOK_URL"]
    ):
        return [
            Warning(
                "No crisis alert channel: set ON_CALL_EMAILS and/or CRISIS_WEBHOOK_URL, or "
                "crisis messages reach only the queue and nobody is paged.",
                id="countersign.W001",
            )
        ]
    return []


@register()
def risk_model_built(app_configs, **kwargs):
    """The screen's learned layer must be built from the corpus and code in this checkout:
    without it every message fails safe to at least elevated; built from others, it is
    not the screen the figures describe."""
    import json
    from pathlib import Path

    from reviewapp.risk.training import code_files, corpus_files, files_sha256

    meta = Path(settings.COUNTERSIGN["RISK_MODEL_DIR"]) / "meta.json"
    if not meta.exists():
        return [
            Error(
                f"No risk model in {meta.parent}: run `python manage.py train_risk_model`.",
                id="countersign.E003",
            )
        ]
    built = json.loads(meta.read_text(encoding="utf-8"))
    if built.get("corpus_sha256") != files_sha256(corpus_files()) or built.get(
        "code_sha256"
    ) != files_sha256(code_files()):
        return [
            Warning(
                "The risk model was built from another corpus or screen code than this "
                "checkout's: run `python manage.py train_risk_model`.",
                id="countersign.W002",
            )
        ]
    return []


@register()
def audit_chain_key_set(app_configs, **kwargs):
    """The audit chain's key must be one the database does not hold and that outlives a
    SECRET_KEY rotation (the fallback, derived from SECRET_KEY, is for the demo)."""
    if settings.AUDIT_CHAIN_KEY or not settings.PRODUCTION:
        return []
    return [
        Error(
            "AUDIT_CHAIN_KEY is not set: set it (or AUDIT_CHAIN_KEY_FILE) to a long random "
            "value kept out of the database, and never change it.",
            id="countersign.E004",
        )
    ]


@register(deploy=True)
def audit_chain_key_derived(app_configs, **kwargs):
    """Said only by `check --deploy`: on every command it would drown the demo's output."""
    if settings.AUDIT_CHAIN_KEY or settings.PRODUCTION:
        return []
    return [
        Warning(
            "AUDIT_CHAIN_KEY is not set: the audit chain is keyed with a key derived from "
            "SECRET_KEY (fine for the demo; in production set AUDIT_CHAIN_KEY).",
            id="countersign.W003",
        )
    ]


@register()
def proxy_hops_counted(app_configs, **kwargs):
    """Behind a TLS proxy with no proxy hop counted, every client is the proxy's one
    address: one patient's polling would hold up everyone's, and one guesser lock every
    clinician out (reviewapp/lib/client_address.py)."""
    if not settings.PRODUCTION or not settings.SECURE_PROXY_SSL_HEADER:
        return []
    if settings.TRUSTED_PROXY_COUNT > 0:
        return []
    return [
        Warning(
            "BEHIND_TLS_PROXY is on but TRUSTED_PROXY_COUNT is 0: every client counts as "
            "the proxy's address. Set TRUSTED_PROXY_COUNT to the number of proxies in front.",
            id="countersign.W004",
        )
    ]


@register()
def deidentification_dictionaries_installed(app_configs, **kwargs):
    """Without Voikko or the English word list the de-identifier cannot tell a name from a
    word: every export would leak. Refuse to run rather than export less safely."""
    from reviewapp.deid.lexicon import LexiconMissing, check

    try:
        check()
    except LexiconMissing as missing:
        return [Error(str(missing), id="countersign.E005")]
    return []
