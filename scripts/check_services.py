"""Say clearly, before any test runs, whether PostgreSQL and Redis answer."""

from __future__ import annotations

import os
import sys

import psycopg
import redis

START_HINTS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": (
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
        "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
    ),
}


def _postgres_problem() -> str | None:
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def _redis_problem() -> str | None:
    try:
        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"], socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return str(exc)
    return None


def main() -> int:
    failures = {
        name: problem
        for name, problem in (("PostgreSQL", _postgres_problem()), ("Redis", _redis_problem()))
        if problem
    }
    for name, problem in failures.items():
        print(
            f"{name} is not answering ({problem}).\nStart it with:\n  {START_HINTS[name]}\n",
            file=sys.stderr,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
