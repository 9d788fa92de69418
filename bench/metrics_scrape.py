"""What a Prometheus scrape of /metrics costs, against the queue page, in one run.

The same database as ``bench/queue_page.py`` (``countersign_bench``, seeded with
``--requests`` patient messages and draft requests, ~10% open; ``--reuse`` keeps
it), the same gunicorn and the same client. Baseline: ``GET /queue/``, the page
every clinician's browser asks for every 5 s. Measured: ``GET /metrics`` with the
bearer token, the broker and the metrics store on Redis database 14, with each
recorded metric holding values (one observation per risk level and failure kind
is written first), so every part of the scrape does its work.

    .venv/bin/python bench/metrics_scrape.py --reuse
    .venv/bin/python bench/metrics_scrape.py --requests 2000 --duration 5 --sequential 50

The last line is ``metrics/queue median latency ratio: X.XX``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))

import queue_page  # noqa: E402  (the queue bench's database, server and client)

TOKEN = "bench-metrics-token"
BROKER = "redis://127.0.0.1:6379/14"


def metric_families(body: bytes) -> int:
    return body.count(b"# TYPE countersign_")


def record_one_of_each() -> None:
    """Values in every recorded metric, written to the store as a worker would."""
    os.environ.update(queue_page.countersign_env(), CELERY_BROKER_URL=BROKER)
    queue_page.django_setup()
    from reviewapp.models import RiskLevel
    from reviewapp.observability import store
    from reviewapp.observability.definitions import (
        FAILURE_KINDS,
        FAILURES,
        TIME_TO_CANDIDATES,
        TIME_TO_RELEASE,
    )

    for risk in RiskLevel.values:
        store.histogram_observe(TIME_TO_CANDIDATES, 12.0, risk=risk)
        store.histogram_observe(TIME_TO_RELEASE, 900.0, risk=risk)
    for kind in FAILURE_KINDS:
        store.counter_add(FAILURES, what=kind)
    store.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--sequential", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--wait-quiet", type=float, default=60)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    queue_page.WAIT_QUIET[0] = args.wait_quiet
    queue_page.BENCH_DIR.mkdir(exist_ok=True)
    started = time.monotonic()
    status = queue_page.countersign_prepare(args.requests, args.reuse)
    redis.Redis.from_url(BROKER).flushdb()
    record_one_of_each()
    env = {**queue_page.countersign_env(), "CELERY_BROKER_URL": BROKER, "METRICS_TOKEN": TOKEN}
    port = queue_page.free_port()
    gunicorn = queue_page.ROOT / ".venv" / "bin" / "gunicorn"
    server = queue_page.Server(
        "countersign-metrics",
        queue_page.gunicorn_cmd(gunicorn, "reviewapp.wsgi", port, args.workers),
        env,
        queue_page.ROOT,
        port,
    )
    results = []
    try:
        server.wait_ready("/login/", {})
        headers = queue_page.countersign_login(port)
        for name, path, page_headers, check in (
            ("/queue/ (baseline)", "/queue/", headers, queue_page.countersign_rows),
            ("/metrics", "/metrics", {"Authorization": f"Bearer {TOKEN}"}, metric_families),
        ):
            results.append(
                queue_page.measure(
                    name,
                    server,
                    port,
                    path,
                    page_headers,
                    check,
                    args.sequential,
                    args.duration,
                    args.clients,
                )
            )
    finally:
        queue_page.Server.stop_all()

    print()
    print(
        f"{args.requests:,} requests ({status['open']:,} open), {os.cpu_count()} cores, "
        f"gunicorn {args.workers} workers; {args.sequential} sequential requests, then "
        f"{args.clients} clients x {args.duration:g} s"
    )
    print()
    print("| page | families / rows | KB | median | p95 | req/s | p50 / p95 under load | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['name']} | {r['items']} | {r['kb']:.1f} | {r['seq_p50']:.1f} ms | "
            f"{r['seq_p95']:.1f} ms | {r['rps']:.1f} | {r['load_p50']:.0f} / "
            f"{r['load_p95']:.0f} ms | {r['errors']} |"
        )
    print()
    busy = ", ".join(f"{r['other_work']:.0%}" for r in results)
    print(f"CPU taken by other work on the machine during each row: {busy}")
    print(f"total run time: {time.monotonic() - started:.0f} s")
    print(
        f"metrics/queue median latency ratio: {results[1]['seq_p50'] / results[0]['seq_p50']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
