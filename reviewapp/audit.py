"""The one way to write to the audit log. Callers pass IDs and states, never patient text.

The log is a hash chain: each event's ``hash`` is sha256 of the previous
event's hash and the event's own canonical content. Writers take one lock
(a PostgreSQL advisory lock held to the end of their transaction), so the
chain follows the id order whoever writes at once; ``audit_chain_breaks``
finds the first event that does not fit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from reviewapp.models import AuditEvent

# Any constant: the key of the advisory lock every audit writer takes.
AUDIT_LOCK_KEY = 0x436F756E74  # "Count"
GENESIS = "0" * 64


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def canonical_content(event: AuditEvent) -> str:
    """What an event's hash covers, in one fixed spelling."""
    return json.dumps(
        {
            "at": event.at.isoformat(),
            "actor": event.actor_id,
            "actor_kind": event.actor_kind,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "ip": event.ip,
            "details": event.details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_content(event)).encode()).hexdigest()


def _take_chain_lock() -> None:
    # SQLite (the demo) allows one writer at a time anyway.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])


def audit_record(
    *,
    action: str,
    actor=None,
    actor_kind: str = "user",
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> AuditEvent:
    event = AuditEvent(
        at=timezone.now(),
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_kind=actor_kind,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        # As the database will give it back (IPv6 normalised), so the hash holds.
        ip=AuditEvent._meta.get_field("ip").get_prep_value(client_ip(request)),
        # Through JSON and back, so the hash covers what the database keeps.
        details=json.loads(json.dumps(details, default=str)),
    )
    # No savepoint: an event that cannot be written fails the whole transaction it
    # records, and two round trips fewer on every audited write.
    with transaction.atomic(savepoint=False):
        _take_chain_lock()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS
        event.hash = event_hash(event.prev_hash, event)
        event.save(force_insert=True)
    return event


def audit_chain_breaks(events: Iterator[AuditEvent] | None = None) -> Iterator[tuple[int, str]]:
    """(event id, what is wrong) for every link that does not hold, in id order."""
    if events is None:
        events = AuditEvent.objects.order_by("id").iterator(chunk_size=2000)
    expected_prev = GENESIS
    for event in events:
        if event.prev_hash != expected_prev:
            yield event.pk, "its previous-hash does not match the event before it"
        elif event.hash != event_hash(event.prev_hash, event):
            yield event.pk, "its content does not match its hash"
        expected_prev = event.hash
