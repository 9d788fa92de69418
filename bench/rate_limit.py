"""What the patient rate limits cost per request, against a plain Redis GET, in one run.

In process, no web server: each check is what a patient's request pays before its
view does anything else. Rows:

- baseline: ``GET`` of one key, on a client with the limiter's own timeouts;
- a message, accepted: ``rate_limit.patient_request`` for a message (the address and
  both conversation counters: the client address, three keyed hashes and one
  EVALSHA of the limiter's script), with allowances too high to refuse;
- a message, refused: the same at a used-up allowance (the script returns early);
- the demo's fallback: the same accepted check counted in Django's cache, no Redis.

Every row is timed over ``--checks`` calls after ``--warmup`` untimed ones, the rows
taking turns in rounds of 100 so that a busy spell of the machine falls on all of
them alike. The counters go to the Redis named by ``--redis-url`` (by default the
broker's), under keys the bench deletes afterwards; nothing else there is touched.

    .venv/bin/python bench/rate_limit.py
    .venv/bin/python bench/rate_limit.py --checks 20000 --redis-url redis://127.0.0.1:6379/1

The last line is ``limiter/GET median latency ratio: X.XX``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
ROUND = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checks", type=int, default=10_000, help="timed checks per row")
    parser.add_argument("--warmup", type=int, default=500, help="untimed checks per row first")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        help="where the counters go (default: $CELERY_BROKER_URL, else database 0)",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    os.environ["CELERY_BROKER_URL"] = args.redis_url
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.test import RequestFactory

    from reviewapp.lib import rate_limit

    settings.RATE_LIMIT_REDIS_URL = args.redis_url
    settings.METRICS_REDIS_URL = ""  # the bench's refusals are no deployment's
    high = dict.fromkeys(settings.RATE_LIMITS, 10**9)
    run = uuid.uuid4().hex[:8]
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    conversation = SimpleNamespace(pk=uuid.uuid4())
    full = SimpleNamespace(pk=uuid.uuid4())

    baseline_key = f"{rate_limit.KEY_PREFIX}bench-{run}"
    client = redis.Redis.from_url(
        args.redis_url,
        socket_timeout=rate_limit.STORE_TIMEOUT_SECONDS,
        socket_connect_timeout=rate_limit.STORE_TIMEOUT_SECONDS,
    )
    client.set(baseline_key, 1, ex=600)

    def plain_get():
        client.get(baseline_key)

    def accepted():
        settings.RATE_LIMITS = high
        assert rate_limit.patient_request(request, message_to=conversation) is None

    def refused():
        settings.RATE_LIMITS = {**high, "MESSAGES_PER_HOUR": 1}
        assert rate_limit.patient_request(request, message_to=full) is not None

    def in_cache():
        settings.RATE_LIMIT_REDIS_URL = ""
        try:
            accepted()
        finally:
            settings.RATE_LIMIT_REDIS_URL = args.redis_url

    rows = {
        "baseline: Redis GET of one key": plain_get,
        "limiter, a message accepted (3 counters, EVALSHA)": accepted,
        "limiter, a message refused (at its allowance)": refused,
        "limiter, the demo's fallback (Django cache, no Redis)": in_cache,
    }
    settings.RATE_LIMITS = {**high, "MESSAGES_PER_HOUR": 1}
    rate_limit.patient_request(request, message_to=full)  # uses up `full`'s hour
    try:
        for check in rows.values():
            for _ in range(args.warmup):
                check()
        timings: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(0, args.checks, ROUND):
            for name, check in rows.items():
                for _ in range(ROUND):
                    started = time.perf_counter_ns()
                    check()
                    timings[name].append((time.perf_counter_ns() - started) / 1000)
    finally:
        client.delete(baseline_key)
        for limit in rate_limit.LIMITS:
            for subject in (
                rate_limit.address_subject("203.0.113.9"),
                f"conversation {conversation.pk}",
                f"conversation {full.pk}",
            ):
                client.delete(rate_limit.counter_key(limit, subject))

    baseline = statistics.median(timings["baseline: Redis GET of one key"])
    print(f"{args.checks} checks per row, Redis {args.redis_url}, in process")
    print()
    print("| check | median µs | p99 µs | median / GET |")
    print("|---|---:|---:|---:|")
    for name, values in timings.items():
        values.sort()
        median = statistics.median(values)
        p99 = values[int(len(values) * 0.99) - 1]
        print(f"| {name} | {median:.0f} | {p99:.0f} | {median / baseline:.2f} |")
    limiter = statistics.median(timings["limiter, a message accepted (3 counters, EVALSHA)"])
    print()
    print(f"limiter/GET median latency ratio: {limiter / baseline:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
