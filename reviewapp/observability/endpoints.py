"""``/healthz`` and ``/metrics``: for the container's health check and for Prometheus.

Answered first in the middleware chain: the probes reach the web container by
its compose name or IP, not by a host in ALLOWED_HOSTS, over plain HTTP inside
the network, with no session. Neither answer holds patient data; ``/metrics``
still needs the bearer token (METRICS_TOKEN), since queue depths and worker
names describe the service.
"""

from __future__ import annotations

import hmac

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from reviewapp.lib.env import is_redis_url
from reviewapp.observability.beat import beat_state
from reviewapp.observability.collector import exposition
from reviewapp.observability.store import redis_client

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def health() -> JsonResponse:
    """200 when PostgreSQL and the broker answer; 503 naming the one that did not.

    A missing or stale beat (no sweep for a few intervals) answers 200 "degraded":
    the site still serves and drafts, and restarting the web container (what a
    failed health check does) would not bring beat back.
    """
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, by type only
        checks["database"] = type(exc).__name__
    if is_redis_url(settings.CELERY_BROKER_URL):
        try:
            redis_client(settings.CELERY_BROKER_URL, timeout=1).ping()
            checks["broker"] = "ok"
        except redis.RedisError as exc:
            checks["broker"] = type(exc).__name__
    healthy = all(result == "ok" for result in checks.values())
    if checks["database"] == "ok":
        checks["beat"], _ = beat_state(timezone.now())
    if not healthy:
        return JsonResponse({"status": "unavailable", **checks}, status=503)
    status = "ok" if checks["beat"] == "ok" else "degraded"
    return JsonResponse({"status": status, **checks}, status=200)


def metrics(request) -> HttpResponse:
    expected = settings.METRICS_TOKEN
    if not expected:
        return HttpResponse("Set METRICS_TOKEN to serve metrics.\n", status=403)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        response = HttpResponse("A bearer token is needed.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=PROMETHEUS_TEXT)


ENDPOINTS = {"/healthz": lambda request: health(), "/metrics": metrics}


class OperationsEndpointsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        return endpoint(request)
