"""`make demo` on a fresh clone, both ways the README offers, up to a drafted request.

Each test copies the checkout (tracked files and untracked ones git does not
ignore, as a clone with the working tree's changes would have them) into a
temporary folder, links the installed .venv and .cache (models, risk model) into
it so nothing is installed again, and runs the real ``make demo`` in its own
process group, always stopped at the end. The demo drafts with SmolLM2-135M on
the CPU, one candidate per request: the first draft as cheap as the demo allows.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings

from tests.processes import REPO, free_port
from tests.test_full_loop import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

MAKE_DEMO = ["make", "-o", ".venv/.installed", "-o", ".cache/risk-model/meta.json", "demo"]
# Variables of the test run that must not reach the demo (it picks its own).
NOT_PASSED = ("DATABASE_URL", "CELERY_BROKER_URL", "DATABASE_CONN_MAX_AGE", "METRICS_REDIS_URL")
PATIENT_TEXT = "I have had a hard week and I am tired."


@pytest.fixture
def clone(tmp_path) -> Path:
    target = tmp_path / "countersign"
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
            (target / name).chmod(source.stat().st_mode)
    for installed in (".venv", ".cache"):
        (target / installed).symlink_to(REPO / installed)
    assert not (target / ".demo").exists()
    return target


def _demo_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_PASSED}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # One candidate a request and one torch thread: the cheapest first draft, and no
    # thread spinning for a core that the machine's other work holds (which made
    # a 20 s draft take minutes on a busy two-core runner).
    return {**env, "CANDIDATES_PER_REQUEST": "1", "OMP_NUM_THREADS": "1", **extra}


@contextmanager
def make_demo(clone: Path, **extra_env: str):
    """``make demo`` in its own process group; the whole group is stopped on the way out."""
    log_path = clone.parent / "demo.out"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            MAKE_DEMO,
            cwd=clone,
            env=_demo_env(**extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.output = lambda: log_path.read_text(errors="replace")
    try:
        yield process
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=15)
                # The worker may outlive make by a moment: check the group again.
                os.killpg(process.pid, 0)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
            else:
                time.sleep(1)


def _get(url: str, *, token: str = "") -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, r.read()
    except OSError:
        return 0, b""


def _post_json(url: str, body: dict, *, token: str = "") -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status == 201
        return json.loads(response.read())


def _serving(process, base: str) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"make demo exited {process.returncode}:\n{process.output()}")
    return _get(f"{base}/healthz")[0] == 200


CANDIDATES_OF_MESSAGE = (
    "SELECT count(*) FROM reviewapp_candidate c"
    " JOIN reviewapp_draftrequest d ON c.draft_request_id = d.id WHERE d.message_id = {}"
)


def _patient_message_drafted(process, base: str, count_candidates) -> dict:
    """Post a patient message through the demo's API; wait until its request has candidates."""
    wait_for(lambda: _serving(process, base), timeout=120, what="the demo's web server")
    conversation = _post_json(f"{base}/api/v1/conversations", {})
    message = _post_json(
        f"{base}/api/v1/conversations/{conversation['id']}/messages",
        {"text": PATIENT_TEXT},
        token=conversation["token"],
    )
    wait_for(
        lambda: count_candidates(message["id"]) > 0,
        timeout=150,
        what=f"a drafted request; demo output:\n{process.output()}",
    )
    return conversation


def test_it_drafts_a_patient_message_with_sqlite_and_the_filesystem_broker(clone):
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def count_candidates(message_id: int) -> int:
        with sqlite3.connect(clone / ".demo" / "db.sqlite3", timeout=20) as db:
            return db.execute(CANDIDATES_OF_MESSAGE.format(int(message_id))).fetchone()[0]

    with make_demo(clone, PORT=str(port)) as demo:
        _patient_message_drafted(demo, base, count_candidates)
        assert "worker log:   .demo/worker.log" in demo.output()


@pytest.fixture
def demo_database():
    """A PostgreSQL database of its own, named after the test run's, dropped afterwards."""
    params = settings.DATABASES["default"]
    name = f"{params['NAME']}_demo"
    server = {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"] or "postgres",
        "password": params["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['password']}" if server["password"] else ""
    url = f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    try:
        yield url, server, name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def demo_broker():
    """A Redis database of its own: the test broker's number plus 8 (of Redis's 16)."""
    test_broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    number = (test_broker.connection_pool.connection_kwargs.get("db", 0) + 8) % 16
    kwargs = test_broker.connection_pool.connection_kwargs
    own = redis.Redis(host=kwargs["host"], port=kwargs["port"], db=number)
    own.flushdb()
    try:
        yield f"redis://{kwargs['host']}:{kwargs['port']}/{number}"
    finally:
        own.flushdb()


def test_it_drafts_a_patient_message_with_postgresql_and_redis(clone, demo_database, demo_broker):
    url, server, name = demo_database
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with psycopg.connect(dbname=name, autocommit=True, **server) as db:

        def count_candidates(message_id: int) -> int:
            return db.execute(CANDIDATES_OF_MESSAGE.format(int(message_id))).fetchone()[0]

        def idle_connections() -> int:
            return db.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND state = 'idle' AND pid <> pg_backend_pid()",
                [name],
            ).fetchone()[0]

        with make_demo(
            clone, PORT=str(port), DATABASE_URL=url, CELERY_BROKER_URL=demo_broker
        ) as demo:
            conversation = _patient_message_drafted(demo, base, count_candidates)
            # The settings create .demo only for SQLite; the demo makes its own.
            assert (clone / ".demo" / "worker.log").is_file()
            assert not (clone / ".demo" / "db.sqlite3").exists()
            # A burst of page views: the dev server's request threads keep no connection.
            for _ in range(30):
                assert _get(f"{base}/chat/{conversation['token']}/")[0] == 200
            assert idle_connections() <= 5


def test_it_stops_with_a_clear_message_when_its_worker_cannot_start(clone):
    closed_port = free_port()  # nothing listens there: the worker never reaches its broker
    port = free_port()
    with make_demo(
        clone,
        PORT=str(port),
        CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port}/0",
        DEMO_WORKER_START_SECONDS="15",
    ) as demo:
        demo.wait(timeout=180)
        output = demo.output()
        assert demo.returncode != 0, output
        assert "the worker was not ready within 15 s" in output
        assert f"redis://127.0.0.1:{closed_port}/0" in output
        assert "Starting development server" not in output
        assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 0
