"""The production compose file, as ``docker compose config`` resolves it (no engine runs here).

The compose plugin is the one the Makefile unpacks into .cache/docker (DOCKER_CONFIG).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
SECRETS = {
    "POSTGRES_PASSWORD": "pw-for-config",
    "POSTGRES_APP_PASSWORD": "app-role-secret",
    "SECRET_KEY": "key-for-config",
    "AUDIT_CHAIN_KEY": "audit-key-for-config",
}
COMPOSE_VARIABLES = (
    *SECRETS,
    "REDIS_MAXMEMORY",
    "HF_TOKEN",
    "MIGRATE_DATABASE_URL",
    "AUDIT_ANCHOR_WEBHOOK_URL",
)
GPU_WORKERS = ("worker-gpu0", "worker-gpu1")


def compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    docker = shutil.which("docker")
    assert docker, "the docker CLI is needed to check the compose file"
    environment = {
        key: value
        for key, value in os.environ.items()
        # The tests' own DATABASE_URL and broker must not leak into the stack either.
        if key not in (*COMPOSE_VARIABLES, "METRICS_TOKEN", "DATABASE_URL", "CELERY_BROKER_URL")
    }
    environment.setdefault("DOCKER_CONFIG", str(REPO / ".cache" / "docker"))
    # An empty env file: a developer's .env must not decide what the tests see.
    return subprocess.run(
        [docker, "compose", "--project-directory", str(REPO), "--env-file", os.devnull, *args],
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def services() -> dict:
    done = compose("config", "--format", "json", env=SECRETS)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["services"]


def dockerfile_stages() -> set[str]:
    text = (REPO / "Dockerfile").read_text()
    return set(re.findall(r"^FROM \S+ AS (\S+)$", text, flags=re.MULTILINE))


@pytest.mark.parametrize("secret", SECRETS)
def test_it_refuses_to_start_without_its_secrets(secret):
    done = compose("config", "--quiet", env={k: v for k, v in SECRETS.items() if k != secret})
    assert done.returncode != 0 and f"set {secret}" in done.stderr


def test_it_runs_the_whole_stack(services):
    assert set(services) == {"postgres", "redis", "migrate", "web", *GPU_WORKERS, "beat"}


def test_each_gpu_worker_gets_its_own_gpu_and_its_own_base_model_queues(services):
    devices, queues = [], []
    for name in GPU_WORKERS:
        worker = services[name]
        [device] = worker["deploy"]["resources"]["reservations"]["devices"]
        assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
        devices += device["device_ids"]
        queues.append(set(worker["environment"]["WORKER_QUEUES"].split(",")))
        assert worker["environment"]["WORKER_NAME"] == name.removeprefix("worker-")
        assert worker["build"]["target"] == "gpu-worker"
        assert worker["build"]["args"]["TORCH_BUILD"].startswith("cu")
    assert devices == ["0", "1"]
    assert not queues[0] & queues[1]  # a base model is resident on one GPU
    assert "generate" in queues[0] and "gen-llama-poro-2-8b" in queues[1]


def test_the_images_it_builds_are_stages_of_the_dockerfile(services):
    assert {"web", "gpu-worker"} <= dockerfile_stages()
    assert services["web"]["build"]["target"] == "web"
    assert services["web"]["build"]["args"]["TORCH_BUILD"] == "cpu"
    assert services["beat"]["image"] == services["web"]["image"]
    assert services["migrate"]["image"] == services["web"]["image"]
    dockerfile = (REPO / "Dockerfile").read_text()
    # The worker image's command takes its queues and name from the service.
    assert '-Q "$WORKER_QUEUES" --hostname "$WORKER_NAME@%h"' in dockerfile
    assert "--pool threads" in dockerfile and "COPY locale ./locale" in dockerfile


def test_every_service_has_a_health_check_and_waits_for_what_it_needs(services):
    for name, service in services.items():
        if name == "migrate":  # one-shot: web waits for it to finish
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert services["migrate"]["restart"] == "no"
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    for name in (*GPU_WORKERS, "beat"):
        check = " ".join(services[name]["healthcheck"]["test"])
        assert "worker_health --hostname" in check
        depends = services[name]["depends_on"]
        assert {depends[s]["condition"] for s in ("postgres", "redis", "web")} == {
            "service_healthy"
        }


def test_it_keeps_data_in_named_volumes_and_redis_from_evicting_tasks(services):
    command = services["redis"]["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory") + 1] == "2gb"  # noeviction needs a limit
    mounts = {
        (name, volume["source"], volume["target"])
        for name, service in services.items()
        for volume in service.get("volumes", [])
        if volume["type"] == "volume"
    }
    assert ("postgres", "pgdata", "/var/lib/postgresql/data") in mounts
    assert ("redis", "redisdata", "/data") in mounts
    for name in ("web", *GPU_WORKERS, "beat"):
        assert (name, "appdata", "/var/lib/countersign") in mounts  # exports and adapters
        assert services[name]["environment"]["COUNTERSIGN_STATE_DIR"] == "/var/lib/countersign"
    assert {("worker-gpu0", "models", "/models"), ("worker-gpu1", "models", "/models")} <= mounts


def test_it_logs_json_and_publishes_nothing_beyond_the_hosts_loopback(services):
    for name in ("web", *GPU_WORKERS, "beat"):
        assert services[name]["environment"]["LOG_FORMAT"] == "json"
    for service in services.values():
        assert all(port.get("host_ip") == "127.0.0.1" for port in service.get("ports", []))
    assert services["web"]["ports"][0]["target"] == 8000


def test_workers_on_another_host_point_at_the_first_hosts_database_and_broker(services):
    """Locally the services by name; on a second GPU host, the URLs given."""
    assert services["worker-gpu0"]["environment"]["DATABASE_URL"] == (
        "postgres://countersign_app:app-role-secret@postgres:5432/countersign"
    )
    remote = {
        **SECRETS,
        "DATABASE_URL": "postgres://countersign:pw@10.0.0.5:5432/countersign",
        "CELERY_BROKER_URL": "redis://10.0.0.5:6379/0",
    }
    done = compose("config", "--format", "json", env=remote)
    assert done.returncode == 0, done.stderr
    worker = json.loads(done.stdout)["services"]["worker-gpu1"]["environment"]
    assert worker["DATABASE_URL"] == remote["DATABASE_URL"]
    assert worker["CELERY_BROKER_URL"] == remote["CELERY_BROKER_URL"]


def test_the_app_connects_as_a_role_that_neither_owns_the_tables_nor_is_a_superuser(services):
    """Only migrate connects as the owner (the image's POSTGRES_USER, a superuser); web and
    the workers as the role deploy/postgres/ creates, and never see the owner's password."""
    database = services["postgres"]["environment"]
    owner, app_role = database["POSTGRES_USER"], database["APP_DB_USER"]
    assert app_role != owner and database["APP_DB_PASSWORD"] == SECRETS["POSTGRES_APP_PASSWORD"]
    assert urlsplit(services["migrate"]["environment"]["DATABASE_URL"]).username == owner
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", *GPU_WORKERS, "beat"):
        environment = services[name]["environment"]
        assert urlsplit(environment["DATABASE_URL"]).username == app_role, name
        assert SECRETS["POSTGRES_PASSWORD"] not in json.dumps(environment), name
        assert "migrate" not in " ".join(services[name].get("command") or []), name
    # The role and its grants come with the database, from this repository's files.
    mounts = {mount["target"]: mount for mount in services["postgres"]["volumes"]}
    initdb = mounts["/docker-entrypoint-initdb.d"]
    assert Path(initdb["source"]) == REPO / "deploy" / "postgres" / "initdb"
    script = (Path(initdb["source"]) / "10-app-role.sh").read_text()
    grants = next(target for target in mounts if target.endswith("app-grants.sql"))
    assert Path(mounts[grants]["source"]) == REPO / "deploy" / "postgres" / "app-grants.sql"
    assert f"-f {grants}" in script and "NOSUPERUSER" in script
