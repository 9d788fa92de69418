"""Refuse API bodies too large to read (413) or not JSON (415), before any view parses them."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse

API_PREFIX = "/api/"


class JsonBodyOnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path.startswith(API_PREFIX) and request.method in ("POST", "PUT", "PATCH"):
            try:
                body = request.body
            except RequestDataTooBig:
                # Django's own answer would be an HTML 400 page; API clients get JSON.
                return JsonResponse({"error": "The request body is too large."}, status=413)
            if body and request.content_type != "application/json":
                return JsonResponse(
                    {"error": "The request body must be JSON (Content-Type: application/json)."},
                    status=415,
                )
        return self.get_response(request)
