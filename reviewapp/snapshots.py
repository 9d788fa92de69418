"""Export snapshots: asked for on the web page or the command line, written once.

``snapshot_request`` records what a curator asked for (an ``ExportSnapshot``
row, audited); ``snapshot_write`` writes it, from a Celery task for the web page
or inline for the command. The folder is written under a temporary name and
renamed when complete, so a snapshot folder is whole or absent; a request
delivered twice is written once (the row is claimed with a conditional update).
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviewapp.audit import audit_record
from reviewapp.errors import InvalidInput
from reviewapp.export import ExportOptions, dataset_export, refuse_written
from reviewapp.models import ExportSnapshot

# Errors whose words are ours (paths, option names), safe to show; any other is
# named by its class only, since a database error may quote a row.
_EXPLAINED_ERRORS = (InvalidInput, FileExistsError)

logger = logging.getLogger(__name__)
# A queued snapshot not taken by then is presumed lost by the broker.
RESEND_AFTER = timedelta(minutes=2)


def export_root() -> Path:
    return Path(settings.COUNTERSIGN["EXPORT_ROOT"])


def snapshot_request(
    options: ExportOptions, *, actor=None, request=None, folder: Path | None = None
) -> ExportSnapshot:
    """Record an export to be written; ``folder`` (the command's ``--out``) or one of
    its own under EXPORT_ROOT, which must not exist yet."""
    if folder is not None:
        refuse_written(folder)
    with transaction.atomic():
        return _snapshot_record(options, actor=actor, request=request, folder=folder)


def _snapshot_record(options, *, actor, request, folder) -> ExportSnapshot:
    snapshot = ExportSnapshot.objects.create(
        format=options.fmt,
        options=options.as_json(),
        folder=str(folder.resolve()) if folder else "",
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    if not snapshot.folder:
        snapshot.folder = str(export_root() / f"{snapshot.pk:06d}-{options.fmt}")
        snapshot.save(update_fields=["folder"])
    audit_record(
        action="export.request",
        actor=actor,
        actor_kind="user" if actor else "cli",
        obj=snapshot,
        request=request,
        format=options.fmt,
        **snapshot.options,
    )
    return snapshot


def snapshot_write(snapshot_id: int) -> ExportSnapshot:
    """Write a requested snapshot, once; a second delivery finds it claimed."""
    claimed = ExportSnapshot.objects.filter(
        pk=snapshot_id, status=ExportSnapshot.Status.QUEUED
    ).update(status=ExportSnapshot.Status.RUNNING, started_at=timezone.now())
    snapshot = ExportSnapshot.objects.get(pk=snapshot_id)
    if not claimed:
        return snapshot
    folder = Path(snapshot.folder)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)  # left by a killed worker
    try:
        refuse_written(folder)
        manifest = dataset_export(
            ExportOptions.of(snapshot.format, snapshot.options),
            out_dir=partial,
            actor=snapshot.created_by,
            snapshot_id=snapshot.pk,
        )
        if folder.exists():
            folder.rmdir()  # empty: checked above
        partial.rename(folder)
    except Exception as exc:
        shutil.rmtree(partial, ignore_errors=True)
        explained = isinstance(exc, _EXPLAINED_ERRORS)
        snapshot.status = ExportSnapshot.Status.FAILED
        snapshot.error = (str(exc) if explained else type(exc).__name__)[:300]
        snapshot.finished_at = timezone.now()
        snapshot.save(update_fields=["status", "error", "finished_at"])
        audit_record(action="export.fail", obj=snapshot, actor_kind="system", error=snapshot.error)
        # The class name only: a traceback could quote a row of patient text.
        logger.error("export snapshot %s failed: %s", snapshot.pk, type(exc).__name__)
        return snapshot
    snapshot.status = ExportSnapshot.Status.DONE
    snapshot.manifest = manifest
    snapshot.finished_at = timezone.now()
    snapshot.save(update_fields=["status", "manifest", "finished_at"])
    return snapshot


def snapshots_resend(*, older_than: timedelta = RESEND_AFTER) -> int:
    """Publish again what the broker lost (it was down, or restarted empty)."""
    from worker.dispatch import enqueue_export

    waiting = ExportSnapshot.objects.filter(
        status=ExportSnapshot.Status.QUEUED, created_at__lte=timezone.now() - older_than
    ).values_list("pk", flat=True)
    return sum(enqueue_export(pk) for pk in waiting)


def snapshot_file(snapshot: ExportSnapshot, name: str) -> Path:
    """A file the manifest lists (or the manifest or card itself); nothing else."""
    listed = set((snapshot.manifest or {}).get("files", {})) | {"manifest.json", "README.md"}
    if snapshot.status != ExportSnapshot.Status.DONE or name not in listed:
        raise FileNotFoundError(name)
    return Path(snapshot.folder) / name
