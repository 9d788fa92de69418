"""The production-shaped compose file keeps its promises (structure only: no engine runs here)."""

from __future__ import annotations

from pathlib import Path

import yaml

COMPOSE = yaml.safe_load((Path(__file__).parent.parent / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_it_runs_the_whole_stack():
    assert {"postgres", "redis", "web", "worker-gpu0", "beat"} <= set(SERVICES)


def test_it_gives_the_gpu_worker_one_gpu_and_task_threads_for_batching():
    worker = SERVICES["worker-gpu0"]
    [device] = worker["deploy"]["resources"]["reservations"]["devices"]
    assert device["capabilities"] == ["gpu"] and device["device_ids"] == ["0"]
    assert "--pool threads" in worker["command"] and "-Q generate" in worker["command"]


def test_it_keeps_redis_from_evicting_tasks():
    command = SERVICES["redis"]["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


def test_it_waits_for_healthy_backing_services_and_publishes_nothing_publicly():
    for name in ("web", "worker-gpu0", "beat"):
        depends = SERVICES[name]["depends_on"]
        conditions = {depends[backing]["condition"] for backing in ("postgres", "redis")}
        assert conditions == {"service_healthy"}
    for service in SERVICES.values():
        assert all(port.startswith("127.0.0.1:") for port in service.get("ports", []))
