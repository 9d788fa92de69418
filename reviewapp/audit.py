"""The one way to write to the audit log. Callers pass IDs and states, never patient text.

The log is a keyed hash chain: each event's ``hash`` is HMAC-SHA256, under
``AUDIT_CHAIN_KEY``, of the previous event's hash and the event's own canonical
content. The key is not in the database, so whoever can write the database (its
owner can switch the append-only trigger off) cannot re-link an edited event.
Writers take one lock (a PostgreSQL advisory lock held to the end of their
transaction), so the chain follows the id order whoever writes at once;
``audit_chain_breaks`` finds every event that does not fit.

Events written before the key (``chain_version`` 1) keep their unkeyed sha256
links. They are a prefix of the chain, sealed by the keyed event migration 0017
wrote after them, so the chain must end in a keyed event: rewriting the whole log
the unkeyed way shows too. What the chain cannot show, events removed from its
end, the anchors show (``reviewapp/audit_anchors.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from reviewapp.lib.client_address import client_address
from reviewapp.models import AuditEvent

# Any constant: the key of the advisory lock every audit writer takes.
AUDIT_LOCK_KEY = 0x436F756E74  # "Count"
GENESIS = "0" * 64
# AuditEvent.chain_version: how an event's hash is made.
UNKEYED = 1  # sha256, before migration 0017
KEYED = 2  # HMAC-SHA256 under the chain key


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # The real client's, behind the proxy too (one rule for audit, limits and lockouts).
    return client_address(request)


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
    """An unkeyed link, as written before migration 0017: anyone can recompute it."""
    return hashlib.sha256((prev_hash + canonical_content(event)).encode()).hexdigest()


def chain_key() -> bytes:
    """AUDIT_CHAIN_KEY; unset, one derived from SECRET_KEY, which checks.py allows
    outside production only (rotating SECRET_KEY would break every link)."""
    if settings.AUDIT_CHAIN_KEY:
        return settings.AUDIT_CHAIN_KEY.encode()
    return hmac.digest(settings.SECRET_KEY.encode(), b"countersign.audit-chain", "sha256")


def event_mac(prev_hash: str, event: AuditEvent) -> str:
    """A keyed link: only the key's holder can make one that verifies."""
    message = (prev_hash + canonical_content(event)).encode()
    return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()


def link_hash(prev_hash: str, event: AuditEvent) -> str:
    """What ``event.hash`` must be, made the way its chain_version says."""
    if event.chain_version == KEYED:
        return event_mac(prev_hash, event)
    return event_hash(prev_hash, event)


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
        event.chain_version = KEYED
        event.hash = event_mac(event.prev_hash, event)
        event.save(force_insert=True)
    return event


def chain_seal(event_model: type[AuditEvent]) -> AuditEvent | None:
    """After unkeyed events, one keyed event whose MAC covers their head (migration 0017):
    from then on they cannot be rewritten, even all of them, without the key showing it.
    ``event_model`` is the migration's historical model."""
    unkeyed = event_model.objects.count()
    if not unkeyed:
        return None  # a new log: every event will be keyed
    _take_chain_lock()
    last = event_model.objects.order_by("-id").values_list("hash", flat=True).first()
    seal = event_model(
        at=timezone.now(),
        actor_kind="system",
        action="audit.chain_keyed",
        details={"unkeyed_events": unkeyed},
        chain_version=KEYED,
        prev_hash=last or GENESIS,
    )
    seal.hash = event_mac(seal.prev_hash, seal)
    seal.save(force_insert=True)
    return seal


def audit_chain_breaks(events: Iterator[AuditEvent] | None = None) -> Iterator[tuple[int, str]]:
    """(event id, what is wrong) for every link that does not hold, in id order."""
    if events is None:
        events = AuditEvent.objects.order_by("id").iterator(chunk_size=2000)
    expected_prev = GENESIS
    keyed_seen = False
    last = None
    for event in events:
        if event.prev_hash != expected_prev:
            yield event.pk, "its previous-hash does not match the event before it"
        elif event.chain_version not in (UNKEYED, KEYED):
            yield event.pk, f"its chain version {event.chain_version} is unknown"
        elif event.chain_version == UNKEYED and keyed_seen:
            yield event.pk, "an unkeyed link after keyed ones (rewritten without the key)"
        elif event.hash != link_hash(event.prev_hash, event):
            yield (
                event.pk,
                (
                    "its content does not match its hash"
                    if event.chain_version == UNKEYED
                    else "its content does not match its MAC (edited, or written without the key)"
                ),
            )
        keyed_seen = keyed_seen or event.chain_version == KEYED
        expected_prev = event.hash
        last = event
    # Migration 0016 sealed the unkeyed events with a keyed one, and every event since
    # is keyed: a log that ends unkeyed was rewritten, or its keyed end removed.
    if last is not None and last.chain_version != KEYED:
        yield last.pk, "the chain ends in an unkeyed event (rewritten, or its keyed end removed)"
