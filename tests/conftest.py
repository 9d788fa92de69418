"""Shared fixtures: personas, a tiny Llama built locally, and a real Celery worker.

Everything here is real: PostgreSQL and Redis on 127.0.0.1 (``make test`` points
the settings at them), a Celery worker consuming from Redis, and a model loaded
through the same loading code the production worker uses.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.browser import chromium, new_context
from tests.processes import RedisServer, WorkerProcess, app_broker, database_url
from tests.tiny_llama import build_tiny_llama
from tests.two_factor import TwoFactorClient, enrol_if_needed

# Tests log personas in often; the production hasher is slow on purpose.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_sessionstart(session):
    # The race and row-lock guarantees are PostgreSQL's; SQLite would pass
    # tests that production would fail.
    if connection.vendor != "postgresql":
        pytest.exit("The suite runs on PostgreSQL: use `make test`.", returncode=2)


@pytest.fixture(scope="session", autouse=True)
def _empty_broker():
    """Start from an empty broker database: no task left over from an earlier run."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture(autouse=True)
def _own_folders(settings, tmp_path):
    """Exports and trained adapters go to the test's own folder, never the demo's."""
    settings.COUNTERSIGN = {
        **settings.COUNTERSIGN,
        "EXPORT_ROOT": str(tmp_path / "exports"),
        "ADAPTER_ROOT": str(tmp_path / "adapters"),
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached figures (the queue's counts, the routing table) never leak from one test
    into the next: a test's rolled-back profile must not be the next one's default."""
    from django.core.cache import cache

    from reviewapp.routing import routing_cache_clear

    cache.clear()
    routing_cache_clear()


@pytest.fixture(autouse=True)
def _rate_limits_fresh():
    """Every test starts with unused rate limits (the suite sends many messages from
    127.0.0.1): the limiter's counters go, in the test's Redis database only."""
    from reviewapp.lib import rate_limit

    rate_limit.counters_clear()


@pytest.fixture
def broker(tmp_path):
    """A private redis-server that this process publishes to; killed at the end, whatever
    happens (the fault, backlog and shutdown tests stop, freeze and read it)."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        with app_broker(server.url):
            yield server
    finally:
        server.kill()


@pytest.fixture
def start_worker(broker, tmp_path, tiny_profile):
    """Start worker subprocesses (``WorkerProcess`` or a subclass) on the private broker
    and the test database; each killed at the end, its log's tail printed."""
    started: list[WorkerProcess] = []

    def start(kind: type[WorkerProcess] = WorkerProcess, **env: str) -> WorkerProcess:
        process = kind(
            broker_url=broker.url,
            database_url=database_url(connection.settings_dict),
            queues=[tiny_profile.queue],
            workdir=tmp_path,
        )
        process.start(**env)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.kill()
            print(f"--- {process.log_path.name} ---\n{process.log()[-4000:]}")


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory):
    """A random tiny Llama with SmolLM2's real tokenizer and chat template, and a LoRA adapter."""
    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture
def tiny_profile(db, tiny_llama):
    from reviewapp.models import ModelProfile

    ModelProfile.objects.filter(is_default=True).update(is_default=False)
    return ModelProfile.objects.create(
        name="tiny-llama-lora",
        label="tiny Llama + LoRA r8",
        base_model=str(tiny_llama.base_dir),
        adapter=str(tiny_llama.adapter_dir),
        adapter_config={
            "r": 8,
            "alpha": 32,
            "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        },
        loading_mode="fp32",
        prompt_format="chat_template",
        system_prompt="You are a careful assistant.",
        generation_defaults={
            "do_sample": True,
            "temperature": 1.0,
            "max_new_tokens": 12,
            "min_new_tokens": 4,
        },
        is_default=True,
    )


def _persona(username: str, *, role: str | None):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from reviewapp.models import Service, default_service_id
    from reviewapp.roles import roles_sync

    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    if role:
        roles_sync()
        user.groups.add(Group.objects.get(name=role))
    enrol_if_needed(user)
    # Everyone works in the default service; tests of other services add their own.
    Service.objects.get(pk=default_service_id()).members.add(user)
    return user


@pytest.fixture
def client():
    """Django's test client, whose force_login also proves the user's second factor."""
    return TwoFactorClient()


@pytest.fixture
def alice(db):
    """A clinician with review permission."""
    return _persona("alice", role="clinician")


@pytest.fixture
def bob(db):
    """A second clinician with review permission."""
    return _persona("bob", role="clinician")


@pytest.fixture
def mallory(db):
    """A logged-in user without any role."""
    return _persona("mallory", role=None)


@pytest.fixture
def sam(db):
    """A supervisor: reviews, sees the overview, imports annotation batches."""
    return _persona("sam", role="supervisor")


@pytest.fixture
def ann(db):
    """An annotator: sees imported prompts only, never a patient's conversation."""
    return _persona("ann", role="annotator")


@pytest.fixture
def andy(db):
    """A second annotator."""
    return _persona("andy", role="annotator")


@pytest.fixture
def cora(db):
    """A curator: exports de-identified training data, sees no queue."""
    return _persona("cora", role="curator")


@pytest.fixture
def webhook(settings):
    """A real HTTP endpoint on 127.0.0.1 recording what it is sent."""
    received, status = [], {"code": 204}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(status["code"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.COUNTERSIGN = {
        **settings.COUNTERSIGN,
        "CRISIS_WEBHOOK_URL": f"http://127.0.0.1:{server.server_port}/hook",
        "ON_CALL_EMAILS": ["oncall@example.org"],
    }
    yield received, status
    server.shutdown()


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker, in this process, consuming the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from worker.celery import app

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        # A CLI worker adds "<queue>.annotation" by itself (worker.celery); this one
        # is built in-process, so it is named here.
        queues=["generate", "generate.annotation", "maintenance"],
        shutdown_timeout=30,
    ) as worker:
        yield worker


@pytest.fixture(scope="module")
def chromium_browser():
    """Headless Chromium, one per browser-test module (tests/browser.py)."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def open_page(chromium_browser, live_server):
    """Open pages in fresh browser profiles; all are closed before the database is emptied."""
    contexts = []

    def open_page(path: str | None = None, *, user=None, **options):
        context = new_context(chromium_browser, base_url=live_server.url, user=user, **options)
        contexts.append(context)
        page = context.new_page()
        if path is not None:
            page.goto(path)
        return page

    yield open_page
    for context in contexts:
        context.close()
