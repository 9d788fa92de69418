"""Which draft requests the broker still holds a generation task for.

The sweeper re-publishes a queued request only when its task is known lost
(``reviewapp.workflow.requests_sweep_stale``): a request waiting behind a
backlog is still in the broker and needs no second copy. Reading the broker is
one pass over each drafting queue (every priority lane of it) and the
deliveries workers have taken and not yet acknowledged.

What "held" means per broker:

- Redis: the task is in one of the queue's lists, or a worker took it within
  ``reserved_since`` and has not acknowledged it. A delivery taken earlier and
  still unacknowledged belongs to a worker that died before starting it (a live
  one starts a taken task at once, or within one task time limit on a solo
  pool); the broker would hand it out again only after its visibility timeout,
  an hour, so it counts as lost.
- Filesystem (the demo): the task's file is still in the broker folder. A worker
  removes the file when it takes the task and keeps nothing on disk, so a task
  taken by a worker that died is gone: lost.
- Any other broker: ``None``, nothing known; the caller decides.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import datetime

from worker.celery import GENERATE_TASK, app

logger = logging.getLogger(__name__)


def _request_id(payload: dict) -> int | None:
    """The draft request a kombu message publishes a generation for, else None."""
    if (payload.get("headers") or {}).get("task") != GENERATE_TASK:
        return None
    body = payload.get("body", "")
    if (payload.get("properties") or {}).get("body_encoding") == "base64":
        body = base64.b64decode(body)
    try:
        args = json.loads(body)[0]
        return int(args[0])
    except (ValueError, TypeError, IndexError, KeyError):
        return None


def _ids(payloads: Iterable[dict]) -> set[int]:
    return {i for i in map(_request_id, payloads) if i is not None}


def _redis_payloads(channel, queues: set[str], reserved_since: float) -> Iterator[dict]:
    client = channel.client
    lanes = [channel._q_for_pri(q, step) for q in queues for step in channel.priority_steps]
    pipe = client.pipeline(transaction=False)
    for lane in lanes:
        pipe.lrange(lane, 0, -1)
    # Read after the lists: a task moving from a list to a worker meanwhile is
    # then seen in one place or the other.
    pipe.zrangebyscore(channel.unacked_index_key, reserved_since, "+inf")
    *waiting, fresh_tags = pipe.execute()
    for items in waiting:
        for item in items:
            yield json.loads(item)
    if fresh_tags:
        for delivery in client.hmget(channel.unacked_key, fresh_tags):
            if delivery is not None:
                message, _exchange, routing_key = json.loads(delivery)
                if routing_key in queues:
                    yield message


def _filesystem_payloads(channel, queues: set[str]) -> Iterator[dict]:
    folder = channel.data_folder_in
    suffixes = tuple(f".{q}.msg" for q in queues)
    for name in os.listdir(folder):
        if not name.endswith(suffixes):
            continue
        try:
            with open(os.path.join(folder, name), "rb") as f:
                yield json.loads(f.read())
        except (OSError, ValueError):
            continue  # taken by a worker meanwhile


def requests_held(queues: Iterable[str], *, reserved_since: datetime) -> set[int] | None:
    """Ids of draft requests with a generation task waiting in ``queues`` (or taken
    by a worker since ``reserved_since``, Redis only); None if this broker cannot tell."""
    queues = set(queues)
    try:
        with app.connection_for_write() as connection:
            channel = connection.default_channel
            transport = connection.transport_cls
            if transport in ("redis", "rediss"):
                return _ids(_redis_payloads(channel, queues, reserved_since.timestamp()))
            if transport == "filesystem":
                return _ids(_filesystem_payloads(channel, queues))
    except Exception as exc:  # noqa: BLE001 - an unreadable broker is "not known"
        logger.warning("could not read the broker's queues: %s", type(exc).__name__)
    return None
