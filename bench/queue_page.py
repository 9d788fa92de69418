"""Queue page: Countersign's clinician queue against Label Studio's task list, in one run.

Both sides get the same number of items (``--requests``, default 100,000) in
PostgreSQL on 127.0.0.1, and the same client: the queue page is measured as a
logged-in clinician, Label Studio's task list with its API token.

Countersign: database ``countersign_bench`` (dropped and recreated), ``manage.py
migrate``, then seeded through the ORM in a subprocess: N patient messages in
N/50 conversations and N draft requests, ~90% closed (75% released with their
decision and released reply, 15% rejected with their decision) and ~10% open
(4.5% queued, 5.5% ready, a sixth of the ready ones claimed), risk 85% none,
12% elevated, 3% crisis; closed requests spread over 180 days, open ones over
the last 48 hours. Candidates are not created (the queue page never reads
them). The app runs under gunicorn, the project's pinned server, with
``--workers`` sync workers (default 2 x cores + 1, gunicorn's own rule of
thumb) and the settings a deployment gets from the environment (DEBUG off,
``DATABASE_CONN_MAX_AGE`` unset, i.e. connections kept 60 s, as shipped).
Measured: ``GET /queue/``, the full page a clinician opens.

Label Studio: ``label-studio==1.23.2`` in its own virtualenv under
``.bench/labelstudio`` (created and installed here when missing, together with
``gunicorn==23.0.0`` for the second row), PostgreSQL database
``labelstudio_bench`` (its ``DJANGO_DB=postgresql`` settings), user and legacy
API token from ``label-studio init``, one text project, and N tasks imported in
chunks of 10,000 through its own import API (``POST /api/projects/ID/import``),
so its counters are its own. Sentry and the PyPI version check are switched
off (no outbound calls during the run). Measured: ``GET
/api/tasks?project=ID&page=1&page_size=30`` -- the request its data manager
makes for the first page of the task list (``tasks: "/../tasks"`` under
``/api/dm`` in its bundled front end; ``TaskListAPI`` in
``data_manager/api.py``), without a saved view, which annotates fewer columns
than the UI's default tab and so flatters Label Studio slightly. Its tasks carry
no annotations (fewer joins: flatters it too). Two servers are measured:

- ``shipped``: ``label-studio start`` -- Django's threaded runserver, one
  process, a thread per request; this is what the issue's 77-116 ms / 12 req/s
  were taken on, and the ratio on the last line is against this row;
- ``gunicorn``: its WSGI app under the same gunicorn and worker count as
  Countersign, for a like-for-like server.

Method, identical for every row: a server runs alone (the others are stopped),
20 warm-up requests, ``--sequential`` requests one after another (median, p95),
then ``--clients`` threads each sending requests back to back for
``--duration`` seconds: completed 200 responses per second, p50/p95 under load.
A new connection per request; anything but a 200 whose body holds items
(``href="/review/`` rows; a non-empty ``"tasks"`` list) counts as an error. The
load generator runs on the same machine as the servers and the database.

Other work on a 2-core machine moves every figure. Before each row the script
waits (``--wait-quiet``, up to 120 s by default) for the machine to be nearly
idle, and it prints the share of CPU that other processes took during each
row; a row with more than a few percent there should be measured again.

    .venv/bin/python bench/queue_page.py                      # full run
    .venv/bin/python bench/queue_page.py --requests 2000 --duration 5 --sequential 50
    .venv/bin/python bench/queue_page.py --reuse              # keep seeded databases (migrated)
    .venv/bin/python bench/queue_page.py --reuse --skip-labelstudio --conn-max-age 60

``--reuse`` keeps a database that already holds ``--requests`` items and
applies any new migrations to it (new columns take their defaults); after
editing a migration that was already applied, run without ``--reuse``.
``--ls-database sqlite`` puts Label Studio on its default SQLite file instead.

Time on the project machine (2 cores) at 100,000, not counting waits for quiet:
about 3 minutes to install Label Studio the first time, 1-1.5 minutes to
migrate and seed Countersign, ~2 minutes to set up Label Studio (migrations,
import), then ~40 s of measurement per row plus ~30 s to start each Label
Studio server: 6-7 minutes in all after the install, ~4 minutes with
``--reuse``. Servers, logs and setup output live under ``.bench/`` (git-ignored).

The last line is ``queue/labelstudio throughput ratio: X.XX``.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PY = ROOT / ".venv" / "bin" / "python"
BENCH_DIR = ROOT / ".bench"
LS_VENV = BENCH_DIR / "labelstudio"
LS_DATA = BENCH_DIR / "labelstudio-data"  # + "-sqlite" with --ls-database sqlite
CS_STATE = BENCH_DIR / "countersign-state"
LS_VERSION = "1.23.2"
GUNICORN_VERSION = "23.0.0"  # the project's pin (pyproject.toml), also used for Label Studio

PG = "postgres://postgres@127.0.0.1:5432"
# Another name (ending in _bench) keeps two runs on one server apart.
CS_DB = os.environ.get("COUNTERSIGN_BENCH_DATABASE", "countersign_bench")
LS_DB = "labelstudio_bench"
CS_USER, CS_PASSWORD = "bench-clinician", "bench-clinician-password"
OTP_KEY = "6c6f61642d62656e63682d6f6e6c792d6b657921"  # the clinician's TOTP secret (hex)
LS_USER, LS_PASSWORD = "bench@example.com", "bench-password-1"
LS_TOKEN = "c0ffee" + "0" * 34  # 40 characters: DRF token length
LS_PROJECT = "countersign-bench"
LS_PAGE_SIZE = 30
IMPORT_CHUNK = 10_000
WARMUP = 20
WAIT_QUIET = [120.0]  # set from --wait-quiet
LS_DATABASE = ["postgresql"]  # set from --ls-database

MESSAGES = [
    "I can't sleep since I lost my job and I keep replaying everything.",
    "My sister stopped talking to me and I don't know what I did.",
    "Work is piling up and I feel like I'm drowning every morning.",
    "I had a panic attack on the bus today and had to get off.",
    "Since the divorce the evenings are the worst part of the day.",
    "I keep cancelling plans with friends and then feel guilty.",
    "My exams start next week and I can't focus on anything.",
    "I've been drinking more than I want to, most nights now.",
    "My dad is in hospital and I'm trying to hold everyone together.",
    "I moved to a new city and I don't know anyone here.",
    "I feel numb most days, like I'm watching my life from outside.",
    "My manager criticised me in front of everyone and I can't let it go.",
]
REPLY = (
    "Thank you for telling me this. It sounds like a lot to carry right now. "
    "What has helped you get through evenings like this before?"
)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message_for(i: int) -> str:
    return f"{MESSAGES[i % len(MESSAGES)]} ({i})"


# --- PostgreSQL administration (through the project venv's psycopg) -----------


def pg_admin(*statements: str) -> str:
    code = (
        "import psycopg, sys\n"
        f"c = psycopg.connect({PG + '/postgres'!r}, autocommit=True)\n"
        "out = []\n"
        "for s in sys.argv[1:]:\n"
        "    cur = c.execute(s)\n"
        "    out.append(repr(cur.fetchall()) if cur.description else '')\n"
        "print('\\n'.join(out))\n"
    )
    return subprocess.run(
        [str(PROJECT_PY), "-c", code, *statements], check=True, capture_output=True, text=True
    ).stdout


def run_logged(name: str, cmd: list[str], env: dict, cwd: Path = BENCH_DIR) -> str:
    """Run a setup step; its output goes to .bench/NAME.log and, on failure, to the error."""
    result = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    (BENCH_DIR / f"{name}.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-3000:]
        raise RuntimeError(f"{name} failed ({result.returncode}):\n{tail}")
    return result.stdout


def database_exists(name: str) -> bool:
    return "(1,)" in pg_admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")


def recreate_database(name: str) -> None:
    assert name.endswith("_bench"), name  # never the app's own or its tests' databases
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


# --- servers ------------------------------------------------------------------


class Server:
    """A server in its own process group, stopped (group and all) on exit."""

    running: list[Server] = []

    def __init__(self, name: str, cmd: list[str], env: dict, cwd: Path, port: int):
        self.name, self.port = name, port
        self.log_path = BENCH_DIR / f"{name}.log"
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=cwd,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        Server.running.append(self)

    def wait_ready(self, path: str, headers: dict, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                status, _, _ = fetch(self.port, path, headers, timeout=30)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        tail = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{self.name} did not start (log {self.log_path}):\n{tail}")

    def stop(self) -> None:
        # The whole group, even when its leader has already gone: workers may outlive it.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=15)
                time.sleep(0.5)  # let the rest of the group follow its leader
            except subprocess.TimeoutExpired:
                continue
        self.log_file.close()
        if self in Server.running:
            Server.running.remove(self)

    @classmethod
    def stop_all(cls) -> None:
        for server in list(cls.running):
            server.stop()


def fetch(port: int, path: str, headers: dict, timeout: float = 60) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, body, time.perf_counter() - started
    finally:
        conn.close()


# --- Countersign --------------------------------------------------------------


def countersign_env(conn_max_age: int | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(
        DATABASE_URL=f"{PG}/{CS_DB}",
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-not-used-anywhere-else-0123456789",
        AUDIT_CHAIN_KEY="bench-only-audit-chain-key-not-used-anywhere-else-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        COUNTERSIGN_STATE_DIR=str(CS_STATE),  # the filesystem broker's folders, not .demo/
        LOG_LEVEL="WARNING",
        # Plain HTTP on the loopback: in production a TLS proxy fronts the app.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
    )
    env.pop("CELERY_BROKER_URL", None)
    if conn_max_age is not None:
        env["DATABASE_CONN_MAX_AGE"] = str(conn_max_age)
    else:
        env.pop("DATABASE_CONN_MAX_AGE", None)
    return env


def countersign_django(step: str, env: dict, *args: str) -> str:
    return run_logged(f"countersign-{step}", [str(PROJECT_PY), *args], env, cwd=ROOT)


def countersign_prepare(n: int, reuse: bool) -> dict:
    env = countersign_env()
    if reuse and database_exists(CS_DB):
        try:
            # Migrations added since the seeding apply to the kept rows (defaults).
            countersign_django("migrate", env, "manage.py", "migrate", "--noinput", "-v0")
            status = json.loads(
                countersign_django("status", env, __file__, "--_countersign-status")
            )
            if status["draft_requests"] == n and status["reviewer"]:
                log(f"countersign: reusing {CS_DB}, migrated ({status})")
                return status
        except RuntimeError as exc:
            log(f"countersign: cannot reuse, reseeding ({str(exc)[-300:]})")
    started = time.monotonic()
    recreate_database(CS_DB)
    countersign_django("migrate", env, "manage.py", "migrate", "--noinput", "-v0")
    status = json.loads(countersign_django("seed", env, __file__, "--_countersign-seed", str(n)))
    log(f"countersign: migrated and seeded in {time.monotonic() - started:.0f} s ({status})")
    return status


def django_setup() -> None:
    """In a bench subprocess: Django set up on the project, as manage.py would."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    import django

    django.setup()


def _countersign_status() -> dict:
    django_setup()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reviewapp.models import DraftRequest

    return {
        "draft_requests": DraftRequest.objects.count(),
        "open": DraftRequest.objects.open().count(),
        # Signed in as the clinician signs in: a member of the service, with a second factor.
        "reviewer": TOTPDevice.objects.filter(user__username=CS_USER, key=OTP_KEY).exists(),
    }


def _countersign_seed(n: int) -> dict:
    """Runs inside the project venv, in a subprocess, with Django set up."""
    django_setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.db import connection, transaction
    from django.utils import timezone

    from reviewapp.models import (
        Conversation,
        Decision,
        DraftRequest,
        Message,
        ModelProfile,
        sha256_text,
    )

    def has_field(model, name: str) -> bool:  # the schema grows; seed what exists
        return any(f.name == name for f in model._meta.get_fields())

    ai_drafted = {"ai_drafted": True} if has_field(Decision, "ai_drafted") else {}
    message_risk = has_field(Message, "risk_level")

    # Historical timestamps: bulk_create would stamp every row "now".
    for model in (Conversation, Message, DraftRequest, Decision):
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                field.auto_now_add = field.auto_now = False

    rng = random.Random(20261122)
    now = timezone.now()
    batch = 5000
    with transaction.atomic():
        clinicians, _ = Group.objects.get_or_create(name="clinicians")
        clinicians.permissions.add(Permission.objects.get(codename="review_draftrequest"))
        user = get_user_model().objects.create(username=CS_USER, last_login=now)
        user.set_password(CS_PASSWORD)
        user.save()
        user.groups.add(clinicians)
        enrol_clinician(user)

        profile = ModelProfile.objects.filter(is_default=True).first()
        if profile is None:
            profile = ModelProfile.objects.create(
                name="bench", label="bench", base_model="none", is_default=True
            )

        n_conv = max(1, n // 50)
        conversations = Conversation.objects.bulk_create(
            [
                Conversation(
                    pseudonym=f"P-{rng.randrange(16**6):06X}",
                    locale="fi" if i % 5 == 0 else "en",
                    token_hash=sha256_text(f"countersign-bench-{i}"),
                    created_at=now - timedelta(days=200),
                )
                for i in range(n_conv)
            ],
            batch_size=batch,
        )

        plan = []  # (created_at, status, risk)
        for _ in range(n):
            r = rng.random()
            if r < 0.75:
                status = DraftRequest.Status.RELEASED
            elif r < 0.90:
                status = DraftRequest.Status.REJECTED
            elif r < 0.945:
                status = DraftRequest.Status.QUEUED
            else:
                status = DraftRequest.Status.READY
            open_ = status in DraftRequest.OPEN_STATUSES
            age = timedelta(seconds=rng.uniform(60, (2 if open_ else 180) * 86400))
            r = rng.random()
            risk = "crisis" if r < 0.03 else "elevated" if r < 0.15 else "none"
            plan.append((now - age, status, risk))
        plan.sort(key=lambda p: p[0])  # ids grow with time, as in use

        messages = Message.objects.bulk_create(
            [
                Message(
                    conversation=conversations[i % n_conv],
                    role=Message.Role.PATIENT,
                    text=message_for(i),
                    created_at=created,
                    **({"risk_level": risk} if message_risk else {}),
                )
                for i, (created, _, risk) in enumerate(plan)
            ],
            batch_size=batch,
        )

        extra = {}
        requests = []
        for i, ((created, status, risk), message) in enumerate(zip(plan, messages, strict=True)):
            open_ = status in DraftRequest.OPEN_STATUSES
            if has_field(DraftRequest, "waiting_since"):
                extra["waiting_since"] = created
            claimed = status == DraftRequest.Status.READY and i % 6 == 0
            requests.append(
                DraftRequest(
                    message=message,
                    profile=profile,
                    status=status,
                    risk_level=risk,
                    claimed_by=user if claimed else None,
                    claimed_at=now - timedelta(minutes=2) if claimed else None,
                    claim_expires_at=now + timedelta(minutes=8) if claimed else None,
                    version=1 if status == DraftRequest.Status.QUEUED else 3,
                    generation_attempts=0 if status == DraftRequest.Status.QUEUED else 1,
                    candidates_ready_at=None if not open_ else created + timedelta(seconds=20),
                    created_at=created,
                    updated_at=created + timedelta(minutes=0 if open_ else 30),
                    **extra,
                )
            )
        requests = DraftRequest.objects.bulk_create(requests, batch_size=batch)

        decisions = []
        for draft in requests:
            if draft.status in DraftRequest.OPEN_STATUSES:
                continue
            released = draft.status == DraftRequest.Status.RELEASED
            decisions.append(
                Decision(
                    draft_request=draft,
                    action=Decision.Action.APPROVE if released else Decision.Action.REJECT,
                    final_text=REPLY if released else "",
                    final_text_sha256=sha256_text(REPLY) if released else "",
                    reasons=[] if released else ["off_topic"],
                    reviewer=user,
                    time_spent_seconds=45.0,
                    created_at=draft.created_at + timedelta(minutes=30),
                    **(ai_drafted if released else {}),
                )
            )
        decisions = Decision.objects.bulk_create(decisions, batch_size=batch)
        Message.objects.bulk_create(
            [
                Message(
                    conversation_id=d.draft_request.message.conversation_id,
                    role=Message.Role.CLINICIAN,
                    text=d.final_text,
                    decision=d,
                    created_at=d.created_at,
                )
                for d in decisions
                if d.action == Decision.Action.APPROVE
            ],
            batch_size=batch,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    status = _countersign_status()
    status["decisions"] = len(decisions)
    return status


def enrol_clinician(user) -> None:
    """Runs with Django set up: the bench clinician sees the default service's
    conversations and signs in with a second factor, as clinicians must."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reviewapp.models import Service, default_service_id

    Service.objects.get(pk=default_service_id()).members.add(user)
    TOTPDevice.objects.create(user=user, name="authenticator", key=OTP_KEY, confirmed=True)


def countersign_login(port: int) -> dict:
    """Sign the clinician in (password, then a TOTP code); returns a Cookie header."""
    from django_otp.oath import totp

    base = f"http://127.0.0.1:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def submit(url: str, fields: dict):
        page = opener.open(url, timeout=60).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        return opener.open(urllib.request.Request(url, data=form, headers={"Referer": url}))

    reply = submit(
        f"{base}/login/", {"username": CS_USER, "password": CS_PASSWORD, "next": "/queue/"}
    )
    if urllib.parse.urlsplit(reply.geturl()).path.startswith("/account/two-factor/"):
        code = f"{totp(bytes.fromhex(OTP_KEY)):06d}"
        reply = submit(reply.geturl(), {"code": code, "next": "/queue/"})
    if urllib.parse.urlsplit(reply.geturl()).path != "/queue/":
        raise RuntimeError(f"countersign: login ended on {reply.geturl()}, not the queue")
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar)}


def gunicorn_cmd(gunicorn: Path, app: str, port: int, workers: int) -> list[str]:
    return [str(gunicorn), app, "-b", f"127.0.0.1:{port}", "-w", str(workers), "--timeout", "120"]


# --- Label Studio -------------------------------------------------------------


LS_PY = LS_VENV / "bin" / "python"


def ls_installed_version() -> str | None:
    if not LS_PY.exists():
        return None
    result = subprocess.run(
        [str(LS_PY), "-c", "import importlib.metadata as m; print(m.version('label-studio'))"],
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() or None


def ls_install() -> None:
    if ls_installed_version() == LS_VERSION and (LS_VENV / "bin" / "gunicorn").exists():
        return
    started = time.monotonic()
    log(f"labelstudio: installing label-studio=={LS_VERSION} into {LS_VENV} (a few minutes)")
    if not LS_PY.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LS_VENV)], check=True)
    subprocess.run(
        [
            str(LS_PY),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            f"label-studio=={LS_VERSION}",
            f"gunicorn=={GUNICORN_VERSION}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log(f"labelstudio: installed in {time.monotonic() - started:.0f} s")


def ls_data_dir() -> Path:
    return (
        LS_DATA if LS_DATABASE[0] == "postgresql" else LS_DATA.with_name(LS_DATA.name + "-sqlite")
    )


def ls_env() -> dict:
    # A clean environment: Label Studio reads unprefixed names too (HOST, PORT,
    # USERNAME, PASSWORD, DEBUG ...), so nothing of the caller's may leak in.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ") if k in os.environ}
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(ls_data_dir()),
        DEBUG="false",
        LOG_LEVEL="WARNING",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
    )
    if LS_DATABASE[0] == "postgresql":
        env.update(
            DJANGO_DB="postgresql",
            POSTGRE_NAME=LS_DB,
            POSTGRE_USER="postgres",
            POSTGRE_PASSWORD="unused-with-trust-auth",
            POSTGRE_HOST="127.0.0.1",
            POSTGRE_PORT="5432",
        )
    else:  # its default: a SQLite file in the data folder
        env.update(DJANGO_DB="sqlite", DATABASE_NAME=str(ls_data_dir() / "label_studio.sqlite3"))
    return env


LS_AUTH = {"Authorization": f"Token {LS_TOKEN}"}


def ls_api(port: int, method: str, path: str, payload=None, timeout: float = 600):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={**LS_AUTH, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        return json.loads(resp.read() or b"null")


def ls_start_shipped(port: int) -> Server:
    server = Server(
        "labelstudio-shipped",
        [
            str(LS_VENV / "bin" / "label-studio"),
            "start",
            "--no-browser",
            "--internal-host",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        ls_env(),
        BENCH_DIR,
        port,
    )
    server.wait_ready("/api/projects", LS_AUTH)
    return server


def ls_project(port: int) -> dict | None:
    projects = ls_api(port, "GET", "/api/projects?page_size=100")["results"]
    return next((p for p in projects if p["title"] == LS_PROJECT), None)


def ls_task_total(port: int, project_id: int) -> int:
    path = f"/api/tasks?project={project_id}&page=1&page_size=1"
    return ls_api(port, "GET", path)["total"]


def ls_prepare(n: int, reuse: bool, port: int) -> tuple[Server, int]:
    """Returns the shipped server, running, and the project id with n tasks."""
    ls_install()
    exists = (
        database_exists(LS_DB)
        if LS_DATABASE[0] == "postgresql"
        else (ls_data_dir() / "label_studio.sqlite3").exists()
    )
    if reuse and exists:
        server = None
        try:
            server = ls_start_shipped(port)
            project = ls_project(port)
            if project and ls_task_total(port, project["id"]) == n:
                log(f"labelstudio: reusing {LS_DB} (project {project['id']}, {n} tasks)")
                return server, project["id"]
        except (OSError, RuntimeError, KeyError) as exc:
            log(f"labelstudio: cannot reuse ({exc}); setting up again")
        if server:
            server.stop()
    started = time.monotonic()
    if LS_DATABASE[0] == "postgresql":
        recreate_database(LS_DB)
    shutil.rmtree(ls_data_dir(), ignore_errors=True)
    ls_data_dir().mkdir(parents=True)
    init = [
        *("init", "-q", "--username", LS_USER, "--password", LS_PASSWORD),
        *("--user-token", LS_TOKEN, "--enable-legacy-api-token"),
    ]
    run_logged("labelstudio-init", [str(LS_VENV / "bin" / "label-studio"), *init], ls_env())
    server = ls_start_shipped(port)
    label_config = (
        '<View><Text name="text" value="$text"/>'
        '<Choices name="risk" toName="text"><Choice value="none"/><Choice value="elevated"/>'
        '<Choice value="crisis"/></Choices></View>'
    )
    project = ls_api(
        port, "POST", "/api/projects", {"title": LS_PROJECT, "label_config": label_config}
    )
    rng = random.Random(20261122)
    for first in range(0, n, IMPORT_CHUNK):
        tasks = [
            {
                "text": message_for(i),
                "patient": f"P-{rng.randrange(16**6):06X}",
                "risk": rng.choices(["none", "elevated", "crisis"], [85, 12, 3])[0],
            }
            for i in range(first, min(n, first + IMPORT_CHUNK))
        ]
        ls_api(port, "POST", f"/api/projects/{project['id']}/import", tasks)
    total = ls_task_total(port, project["id"])
    counted = ls_api(port, "GET", f"/api/projects/{project['id']}")["task_number"]
    if total != n or counted != n:
        raise RuntimeError(f"labelstudio: {total} tasks listed, {counted} counted, {n} expected")
    log(f"labelstudio: initialised and imported {n} tasks in {time.monotonic() - started:.0f} s")
    return server, project["id"]


# --- measurement ----------------------------------------------------------------


def cpu_busy(seconds: float = 3.0) -> float:
    """Share of all cores busy over ``seconds`` (Linux /proc/stat; 0 elsewhere)."""

    def sample():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        time.sleep(seconds)
        return 0.0
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_quiet(limit_s: float, threshold: float = 0.15) -> None:
    """Wait (at most limit_s) until other work leaves the machine nearly idle."""
    started = time.monotonic()
    next_note = started
    while limit_s > 0:
        busy = cpu_busy()
        if busy < threshold:
            return
        if time.monotonic() > started + limit_s:
            log(f"machine still {busy:.0%} busy with other work; measuring anyway")
            return
        if time.monotonic() >= next_note:
            log(f"machine {busy:.0%} busy with other work; waiting (up to {limit_s:g} s)")
            next_note += 30


class OtherWork:
    """CPU seconds used during a row by processes that are not part of the benchmark.

    Counts processes alive at the end of the row (one that ended during it is
    missed); the benchmark's own are this process, the server's process group
    and PostgreSQL backends of the bench databases. Linux only (reads /proc).
    """

    def __init__(self, server_pgid: int):
        self.pgid = server_pgid
        self.hz = os.sysconf("SC_CLK_TCK")
        self.start = self.snapshot()
        self.started = time.monotonic()

    def snapshot(self) -> dict[int, float]:
        cpu = {}
        for entry in Path("/proc").iterdir() if Path("/proc/stat").exists() else []:
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            pid, pgrp = int(entry.name), int(fields[2])
            if pid == os.getpid() or pgrp == self.pgid or b"_bench" in cmdline:
                continue
            cpu[pid] = (int(fields[11]) + int(fields[12])) / self.hz
        return cpu

    def share(self) -> float:
        """Other work's CPU time as a share of all cores over the row."""
        end = self.snapshot()
        # A process started during the row used all its CPU time in it.
        used = sum(seconds - self.start.get(pid, 0.0) for pid, seconds in end.items())
        return used / ((time.monotonic() - self.started) * (os.cpu_count() or 1))


def measure(name, server, port, path, headers, check, sequential, duration, clients) -> dict:
    """check(body) -> number of items on the page (0 = broken page)."""
    wait_quiet(WAIT_QUIET[0])
    other = OtherWork(server.proc.pid)
    items = []
    for _ in range(WARMUP):
        status, body, _ = fetch(port, path, headers)
        if status != 200 or not check(body):
            raise RuntimeError(f"{name}: {path} answered {status}: {body[:500]!r}")
        items.append(check(body))
    size = len(body)

    seq = []
    for _ in range(sequential):
        status, body, seconds = fetch(port, path, headers)
        if status != 200 or not check(body):
            raise RuntimeError(f"{name}: {path} answered {status}: {body[:500]!r}")
        seq.append(seconds)

    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    gate = threading.Barrier(clients + 1)
    deadline = [0.0]
    finished = [0.0]

    def client():
        gate.wait()
        mine, bad = [], 0
        while time.perf_counter() < deadline[0]:
            try:
                status, body, seconds = fetch(port, path, headers)
                ok = status == 200 and check(body) > 0
            except OSError:
                ok, seconds = False, 0.0
            if ok:
                mine.append(seconds)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad
            finished[0] = max(finished[0], time.perf_counter())

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    started = time.perf_counter()
    deadline[0] = started + duration
    gate.wait()
    for t in threads:
        t.join()
    elapsed = finished[0] - started
    result = {
        "name": name,
        "items": max(items),
        "kb": size / 1024,
        "seq_p50": statistics.median(seq) * 1000,
        "seq_p95": percentile(seq, 0.95) * 1000,
        "rps": len(latencies) / elapsed,
        "load_p50": percentile(latencies, 0.5) * 1000 if latencies else float("nan"),
        "load_p95": percentile(latencies, 0.95) * 1000 if latencies else float("nan"),
        "errors": errors[0],
        "requests": len(latencies),
        "other_work": other.share(),
    }
    rounded = {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}
    log(f"{name}: {json.dumps(rounded)}")
    return result


def countersign_rows(body: bytes) -> int:
    return body.count(b'href="/review/')


def ls_tasks(body: bytes) -> int:
    # Cheap enough under load: the page is ~50 KB of JSON.
    try:
        return len(json.loads(body)["tasks"])
    except (ValueError, KeyError):
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000, help="items on each side")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds under load per row")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--sequential", type=int, default=200, help="one-at-a-time requests")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn sync workers (default 2 x cores + 1)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="Countersign DATABASE_CONN_MAX_AGE (default: unset, the shipped 60 s; 0 for a "
        "connection per request)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=120,
        help="before each row, wait up to this many seconds for other work to stop",
    )
    parser.add_argument(
        "--ls-database",
        choices=["postgresql", "sqlite"],
        default="postgresql",
        help="Label Studio's database (default PostgreSQL, like Countersign; sqlite: its default)",
    )
    parser.add_argument("--skip-labelstudio", action="store_true")
    parser.add_argument(
        "--skip-ls-gunicorn",
        action="store_true",
        help="measure Label Studio on its shipped server only",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the bench databases when they hold --requests items",
    )
    parser.add_argument("--_countersign-seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_countersign-status", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    # Internal modes, run by the project venv's python with Django set up.
    if args._countersign_seed is not None:
        print(json.dumps(_countersign_seed(args._countersign_seed)))
        return 0
    if args._countersign_status:
        print(json.dumps(_countersign_status()))
        return 0

    WAIT_QUIET[0] = args.wait_quiet
    LS_DATABASE[0] = args.ls_database
    BENCH_DIR.mkdir(exist_ok=True)
    run_started = time.monotonic()

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    results = []
    try:
        # Countersign
        status = countersign_prepare(args.requests, args.reuse)
        port = free_port()
        server = Server(
            "countersign-gunicorn",
            gunicorn_cmd(ROOT / ".venv" / "bin" / "gunicorn", "reviewapp.wsgi", port, args.workers),
            countersign_env(args.conn_max_age),
            ROOT,
            port,
        )
        server.wait_ready("/login/", {})
        headers = countersign_login(port)
        cs = measure(
            f"Countersign /queue/ (gunicorn, {args.workers} workers)",
            server,
            port,
            "/queue/",
            headers,
            countersign_rows,
            args.sequential,
            args.duration,
            args.clients,
        )
        cs["open"] = status["open"]
        results.append(cs)
        server.stop()

        if not args.skip_labelstudio:
            port = free_port()
            server, project_id = ls_prepare(args.requests, args.reuse, port)
            path = f"/api/tasks?project={project_id}&page=1&page_size={LS_PAGE_SIZE}"
            results.append(
                measure(
                    "Label Studio task list (shipped: label-studio start)",
                    server,
                    port,
                    path,
                    LS_AUTH,
                    ls_tasks,
                    args.sequential,
                    args.duration,
                    args.clients,
                )
            )
            server.stop()
            if not args.skip_ls_gunicorn:
                port = free_port()
                ls_path = next((LS_VENV / "lib").glob("python*/site-packages/label_studio"))
                env = ls_env()
                env["DJANGO_SETTINGS_MODULE"] = "label_studio.core.settings.label_studio"
                server = Server(
                    "labelstudio-gunicorn",
                    [
                        *gunicorn_cmd(
                            LS_VENV / "bin" / "gunicorn",
                            "label_studio.core.wsgi:application",
                            port,
                            args.workers,
                        ),
                        "--chdir",
                        str(ls_path),
                    ],
                    env,
                    BENCH_DIR,
                    port,
                )
                server.wait_ready("/api/projects", LS_AUTH)
                results.append(
                    measure(
                        f"Label Studio task list (gunicorn, {args.workers} workers)",
                        server,
                        port,
                        path,
                        LS_AUTH,
                        ls_tasks,
                        args.sequential,
                        args.duration,
                        args.clients,
                    )
                )
                server.stop()
    finally:
        Server.stop_all()

    print()
    print(
        f"{args.requests:,} items each side, {os.cpu_count()} cores; "
        f"{args.sequential} sequential requests, then {args.clients} clients x "
        f"{args.duration:g} s; Countersign on PostgreSQL, Label Studio {LS_VERSION} on "
        f"{'PostgreSQL' if args.ls_database == 'postgresql' else 'SQLite'}"
    )
    if "open" in results[0]:
        print(
            f"Countersign: {results[0]['open']:,} open requests; the page shows "
            f"{results[0]['items']} rows"
        )
    print()
    base = results[1]["rps"] if len(results) > 1 else None
    print(
        "| page | items shown | KB | median | p95 | req/s at "
        f"{args.clients} clients | p50 / p95 under load | errors | × LS shipped |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ratio = f"{r['rps'] / base:.2f}" if base else "—"
        print(
            f"| {r['name']} | {r['items']} | {r['kb']:.0f} | {r['seq_p50']:.1f} ms | "
            f"{r['seq_p95']:.1f} ms | {r['rps']:.1f} | {r['load_p50']:.0f} / "
            f"{r['load_p95']:.0f} ms | {r['errors']} | {ratio} |"
        )
    print()
    busy = ", ".join(f"{r['other_work']:.0%}" for r in results)
    print(f"CPU taken by other work on the machine during each row: {busy}")
    print(f"total run time: {time.monotonic() - run_started:.0f} s")
    if base:
        print(f"queue/labelstudio throughput ratio: {results[0]['rps'] / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
