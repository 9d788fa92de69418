"""The review queue: open requests, crisis first, oldest first, in a constant number of queries."""

from __future__ import annotations

from reviewapp.models import DraftRequest


def queue_items():
    return (
        DraftRequest.objects.open()
        .select_related("message__conversation", "claimed_by", "profile")
        .in_queue_order()
    )
