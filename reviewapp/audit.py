"""The one way to write to the audit log. Callers pass IDs and states, never patient text."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from reviewapp.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor=None,
    actor_kind: str = "user",
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_kind=actor_kind,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip=client_ip(request),
        details=details,
    )
