"""No patient secret reaches the logs through request paths, whichever logger writes it."""

from __future__ import annotations

import io
import logging

import pytest
from django.test import Client

from reviewapp import workflow


@pytest.fixture
def console_output():
    """What the configured console handler (the one production uses) writes."""
    [handler] = [h for h in logging.getLogger("django.server").handlers if h.name == "console"]
    assert handler in logging.getLogger().handlers  # the root logger writes through it too
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_it_never_logs_a_patients_chat_token(client, console_output, tiny_profile):
    _, token = workflow.conversation_start()
    assert client.get("/chat/not-a-real-token-CANARY/").status_code == 404
    assert client.post(f"/chat/{token}/", {"text": " "}).status_code == 400
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/chat/{token}/", {"text": "hello"}).status_code == 403  # CSRF refused
    logged = console_output.getvalue()
    assert "Not Found: /chat/[redacted]/" in logged and "django.security.csrf" in logged
    assert "CANARY" not in logged and token not in logged


def test_it_redacts_the_dev_servers_access_log(console_output):
    logging.getLogger("django.server").info('"%s" %s', "GET /chat/SECRET-TOKEN/ HTTP/1.1", 200)
    assert "SECRET-TOKEN" not in console_output.getvalue()
    assert "/chat/[redacted]/" in console_output.getvalue()
