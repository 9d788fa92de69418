"""Load test: patients posting messages while clinicians work the queue, on 127.0.0.1.

Everything runs on this machine: PostgreSQL database ``countersign_load``
(dropped, recreated and migrated here), Redis database 12 as the Celery broker
(flushed before and after; no worker runs, so published drafting tasks just
wait there), the app under gunicorn (the project's pinned server) with DEBUG
off and the shipped settings otherwise, and locust (``bench/load_locust.py``)
as the client, headless. The users are described in that file.

One run, three phases against the same server:

1. warm-up (``--warmup`` s, not reported): patients only, so every worker has
   its connections and caches, and the queue has rows for the clinicians;
2. baseline (``--baseline`` s): patients only, clinicians idle;
3. mixed (``--duration`` s): the same patients, and ``--clinicians`` clinician
   users each sending ``--clinician-rate`` requests per second.

Each patient sends at most ``--message-rate`` messages per second (default
32 patients x 10/s: 320 messages/s offered, just over the 300/s target); a
patient whose answers come slower than that sends back to back, so a server
that cannot keep up shows it as fewer accepted messages and longer waits.
``--message-rate 0`` sends back to back from the start (a closed loop: the
capacity at ``--patients`` concurrent patients). Reported per request type: completed
requests per second, p50/p95/p99 (locust's figures, whole milliseconds) and
errors (any status but the expected 201 or 200, or a network error). The
ratio on the last line is mixed accepted messages/s over baseline accepted
messages/s: what working the queue at the same time costs the patients.

Nothing lost: every message a 201 answered (its id, as the client saw it)
must have its message row and its draft request in the database, the
database must hold no more patient messages or draft requests than the
client's tally, and the broker must hold one drafting task for each.

Server: 4 sync workers by default. The work is CPU-bound Python (threads only
add GIL hand-offs: ``--threads 4`` was no cheaper per request), and a worker
spends about a third of a request waiting on PostgreSQL and Redis, so two
cores need three workers runnable plus one for a worker waiting on the audit
log's lock; more workers only queue for the same two cores.

CPU: the machine has 2 cores for server, PostgreSQL, Redis and client alike;
the script prints each one's share of the CPU during each phase, and the CPU
time each took per request, which moves less than throughput when other work
shares the machine.

    .venv/bin/python bench/load.py                  # ~1.5 minutes after a quiet machine
    .venv/bin/python bench/load.py --workers 2 --threads 4
    .venv/bin/python bench/load.py --message-rate 0 --patients 16    # closed loop: capacity

Server, locust output (CSV) and setup logs live under ``.bench/load/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import queue_page as qp

ROOT = qp.ROOT
PROJECT_PY = qp.PROJECT_PY
OUT = qp.BENCH_DIR / "load"
DB = "countersign_load"
BROKER = "redis://127.0.0.1:6379/12"
DRAFT_QUEUE = "generate"  # the demo profile's queue: the default profile after migrate
MESSAGE = "POST /api/v1/conversations/ID/messages"
CLINICIAN_PAGE = "GET /queue/"


def log(msg: str) -> None:
    qp.log(msg)


# --- setup --------------------------------------------------------------------


def server_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    for name in ("DATABASE_CONN_MAX_AGE", "DEBUG"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=f"{qp.PG}/{DB}",
        CELERY_BROKER_URL=BROKER,
        DEBUG="false",
        SECRET_KEY="load-bench-only-secret-key-not-used-anywhere-else-0123456789",
        AUDIT_CHAIN_KEY="load-bench-only-audit-chain-key-not-used-anywhere-else-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        COUNTERSIGN_STATE_DIR=str(OUT / "state"),
        LOG_LEVEL="WARNING",
        # Plain HTTP on the loopback, as behind a TLS proxy: no redirect, cookies sent.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
    )
    return env


def django(step: str, *args: str) -> str:
    return qp.run_logged(f"load/{step}", [str(PROJECT_PY), *args], server_env(), cwd=ROOT)


def prepare() -> str:
    """A fresh, migrated database with one clinician; returns the clinician's API token."""
    qp.pg_admin(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)', f'CREATE DATABASE "{DB}"')
    django("migrate", "manage.py", "migrate", "--noinput", "-v0")
    django("setup", __file__, "--_setup")
    return django("token", "manage.py", "createapitoken", qp.CS_USER).strip()


def _setup() -> None:
    """Runs in a subprocess with Django set up: the clinician, in the clinician role."""
    qp.django_setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create(username=qp.CS_USER)
    user.set_password(qp.CS_PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name="clinician"))
    qp.enrol_clinician(user)


def login(port: int) -> str:
    """The clinician's Cookie header, signed in as clinicians sign in (bench/queue_page.py)."""
    return qp.countersign_login(port)["Cookie"]


def _verify(accepted_file: str) -> dict:
    """Runs in a subprocess with Django set up: the rows behind every accepted message."""
    qp.django_setup()
    from reviewapp.models import DraftRequest, Message

    ids = [int(line) for line in Path(accepted_file).read_text().split()]
    found = set()
    with_draft = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found |= set(
            Message.objects.filter(pk__in=chunk, role=Message.Role.PATIENT).values_list(
                "pk", flat=True
            )
        )
        with_draft |= set(
            DraftRequest.objects.filter(message_id__in=chunk).values_list("message_id", flat=True)
        )
    return {
        "accepted": len(ids),
        "distinct": len(set(ids)),
        "messages_found": len(found),
        "drafts_found": len(with_draft),
        "messages_in_db": Message.objects.filter(role=Message.Role.PATIENT).count(),
        "drafts_in_db": DraftRequest.objects.count(),
    }


def broker(command: str) -> int:
    import redis

    client = redis.Redis.from_url(BROKER)
    try:
        if command == "flush":
            client.flushdb()
            return 0
        # kombu keeps a queue as a list under its name (and name + priority suffixes).
        return sum(client.llen(key) for key in client.scan_iter(f"{DRAFT_QUEUE}*"))
    finally:
        client.close()


# --- CPU by component -------------------------------------------------------------


class CpuShare:
    """CPU seconds per component over a phase, from /proc (Linux only)."""

    def __init__(self, server_pgid: int, client_pgid: int | None):
        self.groups = {"server": server_pgid, "client": client_pgid}
        self.hz = os.sysconf("SC_CLK_TCK")
        self.start = self.snapshot()
        self.started = time.monotonic()

    def component(self, pgrp: int, comm: str) -> str:
        for name, pgid in self.groups.items():
            if pgrp == pgid:
                return name
        if comm.startswith(("postgres", "postmaster")):
            return "postgresql"
        if comm.startswith("redis"):
            return "redis"
        return "other"

    def snapshot(self) -> dict[int, tuple[str, float]]:
        cpu = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            seconds = (int(fields[11]) + int(fields[12])) / self.hz
            cpu[int(entry.name)] = (self.component(int(fields[2]), comm), seconds)
        return cpu

    def cores(self) -> dict[str, float]:
        """Cores used by each component (server, client, postgresql, redis, other)."""
        end = self.snapshot()
        wall = time.monotonic() - self.started
        used = dict.fromkeys(("server", "postgresql", "client", "redis", "other"), 0.0)
        for pid, (name, seconds) in end.items():
            before = self.start.get(pid)
            used[name] += seconds - (before[1] if before and before[0] == name else 0.0)
        return {name: seconds / wall for name, seconds in used.items()}


# --- one locust run -------------------------------------------------------------


def locust_run(
    name: str, port: int, seconds: float, users: dict[str, int], env_extra: dict
) -> tuple[dict[str, dict], dict[str, float], list[int]]:
    """Run locust headless; returns per-request-type stats, CPU cores used, accepted ids."""
    prefix = OUT / name
    accepted = OUT / f"{name}.accepted"
    env = {**os.environ, **env_extra, "LOAD_ACCEPTED": str(accepted)}
    total = sum(users.values())
    cmd = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f",
        str(ROOT / "bench" / "load_locust.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "-u",
        str(total),
        "-r",
        str(total),
        "-t",
        f"{seconds:g}s",
        "--stop-timeout",
        "10",  # let every user finish its request: the tally must see every answer
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    cmd += [cls for cls, n in users.items() if n]  # the user classes to run
    env["LOAD_PATIENTS"] = str(users.get("Patient", 0))
    env["LOAD_CLINICIANS"] = str(users.get("Clinician", 0))
    with open(OUT / f"{name}.log", "w") as out:
        proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        cpu = CpuShare(SERVER[0].proc.pid, proc.pid)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            proc.wait(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            raise RuntimeError(f"locust ({name}) did not stop") from None
        cores = cpu.cores()
        # Locust has exited (gone from /proc): its CPU time is this process's children's.
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_s = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        cores["client"] = client_s / (time.monotonic() - cpu.started)
    # Locust exits 1 when any request failed: the errors are reported, not fatal.
    if proc.returncode not in (0, 1):
        tail = (OUT / f"{name}.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"locust ({name}) failed ({proc.returncode}):\n{tail}")
    stats = {}
    with open(f"{prefix}_stats.csv") as f:
        for row in csv.DictReader(f):
            if row["Name"] != "Aggregated":
                stats[row["Name"]] = row
    ids = [int(i) for i in accepted.read_text().split()] if accepted.exists() else []
    log(f"{name}: {sum(int(r['Request Count']) for r in stats.values())} requests, {cores}")
    return stats, cores, ids


SERVER: list[qp.Server] = []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds of mixed load")
    parser.add_argument("--baseline", type=float, default=20, help="seconds of patients only")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of warm-up")
    parser.add_argument("--patients", type=int, default=32, help="concurrent patient users")
    parser.add_argument(
        "--message-rate",
        type=float,
        default=10,
        help="messages/s each patient sends at most (0: back to back); the default offers "
        "32 x 10 = 320 messages/s, just over the 300/s target",
    )
    parser.add_argument("--clinicians", type=int, default=10, help="concurrent clinician users")
    parser.add_argument(
        "--clinician-rate", type=float, default=1.0, help="requests/s each clinician sends"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4, sync)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60,
        help="before the run, wait up to this many seconds for other work to stop",
    )
    parser.add_argument("--_setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_verify", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._setup:
        _setup()
        return 0
    if args._verify:
        print(json.dumps(_verify(args._verify)))
        return 0

    OUT.mkdir(parents=True, exist_ok=True)
    run_started = time.monotonic()
    results = {}
    try:
        token = prepare()
        broker("flush")
        port = qp.free_port()
        cmd = qp.gunicorn_cmd(ROOT / ".venv" / "bin" / "gunicorn", "reviewapp.wsgi", port, 1)
        cmd[cmd.index("-w") + 1] = str(args.workers)
        if args.threads > 1:
            cmd += ["--threads", str(args.threads)]
        server = qp.Server("load/gunicorn", cmd, server_env(), ROOT, port)
        SERVER.append(server)
        server.wait_ready("/login/", {})
        env = {
            "LOAD_API_TOKEN": token,
            "LOAD_SESSION_COOKIE": login(port),
            "LOAD_MESSAGE_RATE": str(args.message_rate),
            "LOAD_CLINICIAN_RATE": str(args.clinician_rate),
        }
        log(f"setup done in {time.monotonic() - run_started:.0f} s")
        qp.wait_quiet(args.wait_quiet)
        accepted: list[int] = []
        phases = [
            ("warmup", args.warmup, {"Patient": args.patients}),
            ("baseline", args.baseline, {"Patient": args.patients}),
            ("mixed", args.duration, {"Patient": args.patients, "Clinician": args.clinicians}),
        ]
        for name, seconds, users in phases:
            if seconds > 0:
                stats, cores, ids = locust_run(name, port, seconds, users, env)
                results[name] = (stats, cores)
                accepted += ids
        server.stop()
        ids_file = OUT / "accepted.all"
        ids_file.write_text("".join(f"{i}\n" for i in accepted))
        check = json.loads(django("verify", __file__, "--_verify", str(ids_file)))
        check["queued_tasks"] = broker("llen")
    finally:
        qp.Server.stop_all()
        try:
            broker("flush")
        except Exception as exc:  # noqa: BLE001 - the run's figures matter more
            log(f"could not flush the broker: {exc}")

    report(args, results, check, time.monotonic() - run_started)
    return 0 if lost(check) == 0 else 1


def lost(check: dict) -> int:
    return (
        (check["accepted"] - check["messages_found"])
        + (check["accepted"] - check["drafts_found"])
        + abs(check["messages_in_db"] - check["accepted"])
        + abs(check["drafts_in_db"] - check["accepted"])
        + abs(check["queued_tasks"] - check["accepted"])
        + (check["accepted"] - check["distinct"])
    )


def accepted_per_s(stats: dict[str, dict]) -> float:
    row = stats.get(MESSAGE)
    return float(row["Requests/s"]) - float(row["Failures/s"]) if row else 0.0


def report(args, results: dict, check: dict, total_s: float) -> None:
    print()
    server = f"gunicorn, {args.workers} workers" + (
        f" x {args.threads} threads" if args.threads > 1 else " (sync)"
    )
    rate = (
        f"{args.message_rate:g} messages/s each" if args.message_rate else "back to back (closed)"
    )
    print(
        f"{os.cpu_count()} cores; {server}; {args.patients} patients, {rate}; "
        f"{args.clinicians} clinicians at {args.clinician_rate:g} requests/s each in the mixed "
        f"phase; baseline {args.baseline:g} s, mixed {args.duration:g} s"
    )
    print()
    print("| phase | request | requests | req/s | p50 | p95 | p99 | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for phase in ("baseline", "mixed"):
        if phase not in results:
            continue
        for name, row in sorted(results[phase][0].items(), key=lambda kv: kv[0] != MESSAGE):
            print(
                f"| {phase} | {name} | {row['Request Count']} | "
                f"{float(row['Requests/s']):.1f} | {row['50%']} ms | {row['95%']} ms | "
                f"{row['99%']} ms | {row['Failure Count']} |"
            )
    print()
    for phase in ("baseline", "mixed"):
        if phase not in results:
            continue
        stats, cores = results[phase]
        requests = sum(int(r["Request Count"]) for r in stats.values())
        seconds = args.baseline if phase == "baseline" else args.duration
        per_request = ", ".join(
            f"{k} {1000 * cores[k] * seconds / max(1, requests):.1f} ms"
            for k in ("server", "postgresql", "client")
        )
        print(
            f"CPU cores used, {phase}: "
            + ", ".join(f"{k} {v:.2f}" for k, v in cores.items())
            + f"; CPU per request: {per_request}"
        )
    print(
        f"nothing lost: {check['accepted']} messages accepted (201) in all phases; "
        f"{check['messages_found']} of them have their message row, {check['drafts_found']} "
        f"their draft request; the database holds {check['messages_in_db']} patient messages "
        f"and {check['drafts_in_db']} draft requests; the broker holds "
        f"{check['queued_tasks']} drafting tasks -> {'OK' if lost(check) == 0 else 'MISMATCH'}"
    )
    print(f"total run time: {total_s:.0f} s")
    if "baseline" in results and "mixed" in results:
        base, mixed = (accepted_per_s(results[p][0]) for p in ("baseline", "mixed"))
        p95 = results["mixed"][0][MESSAGE]["95%"]
        errors = sum(int(r["Failure Count"]) for s, _ in results.values() for r in s.values())
        print(
            f"accepted messages/s: baseline {base:.1f}, mixed {mixed:.1f} (p95 {p95} ms); "
            f"errors {errors}"
        )
        print(f"mixed/baseline throughput ratio: {mixed / base:.2f}")


if __name__ == "__main__":
    sys.exit(main())
