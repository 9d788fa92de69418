"""Refuse API request bodies that are not JSON with 415, before any view parses them."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

API_PREFIX = "/api/"


class JsonBodyOnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if (
            request.path.startswith(API_PREFIX)
            and request.method in ("POST", "PUT", "PATCH")
            and request.body
            and request.content_type != "application/json"
        ):
            return JsonResponse(
                {"error": "The request body must be JSON (Content-Type: application/json)."},
                status=415,
            )
        return self.get_response(request)
