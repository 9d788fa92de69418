"""The audit chain's head, written out of the database, for ``verify_audit`` to hold it to.

The keyed chain (``reviewapp/audit.py``) shows an edited event, but not events removed
from its end: what is left is still a chain. So at an interval (beat,
``AUDIT_ANCHOR_INTERVAL_SECONDS``) and on demand (``manage.py anchor_audit``) the
event count, the last event's id and its MAC are appended to ``AUDIT_ANCHOR_FILE``
(one JSON object a line) and POSTed to ``AUDIT_ANCHOR_WEBHOOK_URL`` if one is set.
An anchored event that is gone or changed, or a count that no longer holds, shows;
only events written since the last anchor can be removed unseen.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from reviewapp.models import AuditEvent

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Anchor:
    at: str
    count: int
    head_id: int | None
    head_mac: str
    line: int = 0  # where in the file, for the report

    def as_json(self) -> dict:
        return {
            "at": self.at,
            "count": self.count,
            "head_id": self.head_id,
            "head_mac": self.head_mac,
        }


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def chain_head() -> Anchor:
    # Count and last id in one statement, so from one snapshot; an event's MAC never changes.
    head = AuditEvent.objects.aggregate(count=Count("id"), head_id=Max("id"))
    mac = AuditEvent.objects.filter(pk=head["head_id"]).values_list("hash", flat=True).first()
    return Anchor(
        at=timezone.now().isoformat(),
        count=head["count"],
        head_id=head["head_id"],
        head_mac=mac or "",
    )


def anchor_write() -> Anchor:
    """Append the chain's head to the anchor file (and the webhook); returns it."""
    anchor = chain_head()
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(anchor.as_json(), sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())  # an anchor lost in a crash would shorten what it covers
    if settings.AUDIT_ANCHOR_WEBHOOK_URL:
        try:
            _send(anchor)
        except OSError as exc:  # the file has it; the next interval sends again
            logger.warning("audit anchor webhook failed: %s", type(exc).__name__)
    return anchor


def _send(anchor: Anchor) -> None:
    request = urllib.request.Request(
        settings.AUDIT_ANCHOR_WEBHOOK_URL,
        data=json.dumps(anchor.as_json()).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        if response.status >= 300:
            raise OSError(f"webhook answered {response.status}")


def anchors_read() -> tuple[list[Anchor], list[str]]:
    """The anchors in the file, and what is wrong with the file itself."""
    path = anchor_file()
    if not path.exists():
        return [], []
    anchors, problems = [], []
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
                anchor = Anchor(
                    at=str(data["at"]),
                    count=int(data["count"]),
                    head_id=None if data["head_id"] is None else int(data["head_id"]),
                    head_mac=str(data["head_mac"]),
                    line=number,
                )
            except (ValueError, KeyError, TypeError):
                problems.append(f"anchor file line {number} is not an anchor")
                continue
            if anchors and anchor.count < anchors[-1].count:
                problems.append(
                    f"anchor file line {number} counts fewer events than the one before"
                )
            anchors.append(anchor)
    return anchors, problems


def anchor_breaks(anchors: list[Anchor]) -> Iterator[str]:
    """What no longer matches an anchor, in one pass over the events in id order."""
    waiting: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        if anchor.head_id is not None:
            waiting.setdefault(anchor.head_id, []).append(anchor)
    events = AuditEvent.objects.order_by("id").values_list("id", "hash")
    for seen, (event_id, mac) in enumerate(events.iterator(chunk_size=5000), start=1):
        for anchor in waiting.pop(event_id, ()):
            if mac != anchor.head_mac:
                yield f"{_name(anchor)}: its head event {event_id} has been changed"
            if seen != anchor.count:
                yield (
                    f"{_name(anchor)}: {anchor.count} events up to event {event_id} were "
                    f"anchored, {seen} are there ({_what(anchor.count - seen)})"
                )
    for head_id, gone in sorted(waiting.items()):
        for anchor in gone:
            yield f"{_name(anchor)}: its head event {head_id} is gone (events removed)"


def unanchored_events(anchors: list[Anchor]) -> int:
    """Events after the last anchor's head: how many could be removed unseen today."""
    last = anchors[-1].head_id if anchors else None
    events = AuditEvent.objects.all()
    return (events.filter(id__gt=last) if last is not None else events).count()


# Beat anchors every interval: an event still in no anchor after this many intervals
# means the anchor file was removed (with it, any trace of events cut from the end)
# or anchoring stopped.
OVERDUE_INTERVALS = 3


def anchoring_overdue(anchors: list[Anchor], now: datetime) -> str | None:
    """What is wrong if the oldest event after the last anchor is overdue, else None."""
    last = anchors[-1].head_id if anchors else None
    events = AuditEvent.objects.filter(id__gt=last) if last is not None else AuditEvent.objects
    oldest = events.order_by("id").values_list("at", flat=True).first()
    interval = settings.AUDIT_ANCHOR_INTERVAL_SECONDS
    if oldest is None or now - oldest <= timedelta(seconds=OVERDUE_INTERVALS * interval):
        return None
    return (
        f"events since {oldest.isoformat(timespec='seconds')} are in no anchor although beat "
        f"anchors every {interval} s: the anchor file {anchor_file()} is missing or was "
        "replaced, or anchoring stopped (after an upgrade or a restore, run "
        "`manage.py anchor_audit` once)"
    )


def _name(anchor: Anchor) -> str:
    return f"anchor of {anchor.at} (line {anchor.line})"


def _what(missing: int) -> str:
    return f"{missing} removed" if missing > 0 else f"{-missing} inserted"
