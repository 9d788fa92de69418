"""Real processes for the tests: a private Redis, Celery worker subprocesses, gunicorn.

Each is started on 127.0.0.1 by the test that needs it and always killed by it,
so a fault injected here (SIGKILL, SIGSTOP, a restart without persistence) never
touches the machine's own Redis or another test's worker.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import redis
import requests
from django.conf import settings
from kombu import pools

from tests.test_full_loop import wait_for

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """The URL of the database the tests use (pytest-django's test database)."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def _stop(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    process.wait(timeout=10)


class RedisServer:
    """One redis-server without persistence: a restart comes back empty."""

    def __init__(self, workdir: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            raise AssertionError("redis-server is not on PATH; the fault tests need it")
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.client = redis.Redis(
            host="127.0.0.1", port=self.port, socket_timeout=2, socket_connect_timeout=2
        )

    def start(self) -> None:
        log = open(self.workdir / f"redis-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.workdir),
            ],  # fmt: skip
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for(self._answers, timeout=10, what=f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """Gone at once, nothing saved: what a crash or a restart without persistence does."""
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server dies too
            _stop(self.process)

    def freeze(self) -> None:
        """Still accepting connections, never answering: a hung broker."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def queued(self, queue: str) -> int:
        """Messages waiting in ``queue``, every priority lane of it (kombu keeps one
        list per step: the plain name for priority 0, "<queue>\\x06\\x16<step>" else)."""
        lanes = [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]
        return sum(self.client.llen(lane) for lane in lanes)

    def unacked(self) -> int:
        """Deliveries taken by a worker and not yet acknowledged (kombu's bookkeeping)."""
        return self.client.hlen("unacked")


class WorkerProcess:
    """``celery -A worker.celery worker --pool solo`` as a child process of the test."""

    pool_args: tuple[str, ...] = ("--pool", "solo")

    def __init__(self, *, broker_url: str, database_url: str, queues: list[str], workdir: Path):
        self.broker_url = broker_url
        self.database_url = database_url
        self.queues = queues
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self.hostname = f"faults-{uuid.uuid4().hex[:8]}@127.0.0.1"

    def start(self, **extra_env: str) -> None:
        name = self.hostname.partition("@")[0]
        self.log_path = self.workdir / f"{name}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "reviewapp.settings",
            "DATABASE_URL": self.database_url,
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": self.broker_url,
            "PYTHONPATH": str(REPO),
            **extra_env,
        }
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    *self.command(),
                    "-A",
                    "worker.celery",
                    "worker",
                    *self.pool_args,
                    "--queues",
                    ",".join(self.queues),
                    "--hostname",
                    self.hostname,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    "INFO",
                ],  # fmt: skip
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def command(self) -> list[str]:
        """What starts Celery: ``python -m celery``."""
        return [sys.executable, "-m", "celery"]

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no clean-up of any kind."""
        if self.process is not None:
            _stop(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


def _drop_broker_connections(app) -> None:
    # Celery's pools are kombu's, registered globally by broker URL: close and
    # forget them all (closing one in place would break its next user), so the
    # next publish connects afresh to whichever broker is configured then.
    pools.reset()
    app._after_fork()


@contextmanager
def app_broker(url: str):
    """Publish from this (the test) process to ``url`` instead of the configured broker.

    Celery reads CELERY_BROKER_URL from the environment before its configuration
    (so assigning ``app.conf.broker_url`` would change nothing while it is set).
    """
    from worker.celery import app

    configured = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    _drop_broker_connections(app)
    try:
        assert app.conf.broker_url == url
        yield app
    finally:
        if configured is None:
            del os.environ["CELERY_BROKER_URL"]
        else:
            os.environ["CELERY_BROKER_URL"] = configured
        _drop_broker_connections(app)


class GunicornServer:
    """The app under gunicorn, DEBUG off, on the test database, as its own process group."""

    def __init__(self, workdir: Path, **env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"gunicorn-{self.port}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "reviewapp.settings",
            "DATABASE_URL": database_url(settings.DATABASES["default"]),
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "RATE_LIMIT_REDIS_URL": settings.RATE_LIMIT_REDIS_URL,
            "DEBUG": "false",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> GunicornServer:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "reviewapp.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "2",
                    "--timeout",
                    "60",
                ],  # fmt: skip
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self._answers, timeout=60, what=f"gunicorn on port {self.port}")
        return self

    def _answers(self) -> bool:
        assert self.process.poll() is None, self.log()
        try:
            return requests.get(self.base + "/login/", timeout=10).status_code == 200
        except requests.RequestException:  # not listening yet, or still loading
            return False

    def __exit__(self, *exc) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout=10)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def post(self, path: str, *, client: str, spoofed: str = "", **kwargs) -> requests.Response:
        return requests.post(
            self.base + path, headers=_via_proxy(client, spoofed, kwargs), **kwargs
        )

    def get(self, path: str, *, client: str, spoofed: str = "", **kwargs) -> requests.Response:
        return requests.get(self.base + path, headers=_via_proxy(client, spoofed, kwargs), **kwargs)


def _via_proxy(client: str, spoofed: str, kwargs: dict) -> dict:
    """The headers as the TLS proxy passes them on: it appends the address it was
    reached from to whatever X-Forwarded-For the client sent (``spoofed``)."""
    headers = kwargs.pop("headers", {})
    headers["X-Forwarded-For"] = f"{spoofed}, {client}" if spoofed else client
    kwargs.setdefault("timeout", 30)
    return headers
