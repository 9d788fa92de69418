"""No patient secret reaches the logs through request paths, whichever logger writes it."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

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


CANARY = "Zebra-Canary-7731"


@pytest.mark.django_db
def test_a_canary_in_patient_text_reaches_no_log_error_page_or_audit(
    client, console_output, alice, tiny_profile, monkeypatch
):
    """Patient words travel the whole way (message, candidates, review, a decision, an
    export, a server error quoting them) and are found in none of the places they must
    never be."""
    from reviewapp.export import ExportOptions
    from reviewapp.models import AuditEvent
    from reviewapp.snapshots import snapshot_request, snapshot_write
    from tests.factories import patient_message, ready_request

    secret = f"{CANARY} I hide at 14 Rose Street"
    draft = ready_request([f"About {CANARY}: let's talk."], message=patient_message(secret))
    client.force_login(alice)
    assert secret in client.get(f"/review/{draft.pk}/").content.decode()
    client.post(f"/review/{draft.pk}/claim/", {"version": draft.version})

    def fails_quoting(**kwargs):
        raise RuntimeError(f"could not decide on {secret!r}")

    monkeypatch.setattr(workflow, "draft_request_decide", fails_quoting)
    client.raise_request_exception = False
    failed = client.post(f"/review/{draft.pk}/decide/", {"action": "write", "own_text": secret})
    assert failed.status_code == 500 and CANARY not in failed.content.decode()
    monkeypatch.undo()
    workflow.draft_request_decide(request_id=draft.pk, user=alice, action="write", text=secret)
    snapshot_write(snapshot_request(ExportOptions(fmt="sft")).pk)

    logged = console_output.getvalue()
    assert "Internal Server Error" in logged and "RuntimeError: [withheld]" in logged
    assert CANARY not in logged
    audit = "".join(str(d) for d in AuditEvent.objects.values_list("details", flat=True))
    assert AuditEvent.objects.count() > 5 and CANARY not in audit


@pytest.fixture
def json_console(console_output):
    """The console handler writing JSON lines, as LOG_FORMAT=json configures it."""
    from reviewapp.lib.json_logs import JsonLogFormatter

    [handler] = [h for h in logging.getLogger().handlers if h.name == "console"]
    previous = handler.formatter
    handler.setFormatter(JsonLogFormatter())
    yield console_output
    handler.setFormatter(previous)


@pytest.mark.django_db
def test_json_logs_are_one_object_per_line_without_patient_text(
    client, json_console, alice, tiny_profile, monkeypatch
):
    """A server error quoting patient words, and a 404 on a chat link, logged as JSON:
    fields for a log pipeline, and neither the words, the token nor the request object."""
    from tests.factories import patient_message, ready_request

    secret = f"{CANARY} I hide at 14 Rose Street"
    draft = ready_request(message=patient_message(secret))
    client.force_login(alice)
    client.post(f"/review/{draft.pk}/claim/", {"version": draft.version})

    def fails_quoting(**kwargs):
        raise RuntimeError(f"could not decide on {secret!r}")

    monkeypatch.setattr(workflow, "draft_request_decide", fails_quoting)
    client.raise_request_exception = False
    assert client.post(f"/review/{draft.pk}/decide/", {"action": "write"}).status_code == 500
    assert client.get("/chat/not-a-real-token-CANARY/").status_code == 404
    logging.getLogger("worker.tasks").info(
        "request %s drafted", draft.pk, extra={"draft_request": draft.pk, "tokens": 36}
    )

    lines = [json.loads(line) for line in json_console.getvalue().splitlines()]
    assert CANARY not in json_console.getvalue() and "CANARY" not in json_console.getvalue()
    error = next(line for line in lines if line["message"].startswith("Internal Server Error"))
    assert error["level"] == "ERROR" and error["logger"] == "django.request"
    assert error["status_code"] == 500 and "request" not in error
    assert error["exc_info"].endswith("RuntimeError: [withheld]")
    assert {"time", "level", "logger", "process", "message"} <= set(error)
    not_found = next(line for line in lines if line["message"].startswith("Not Found"))
    assert not_found["message"] == "Not Found: /chat/[redacted]/"
    drafted = lines[-1]
    assert drafted["draft_request"] == draft.pk and drafted["tokens"] == 36


def test_log_format_comes_from_the_environment_and_is_checked():
    """LOG_FORMAT=json makes every process log JSON; a value it does not know stops start-up."""
    code = "import django; django.setup(); import logging; logging.getLogger('x').warning('hi')"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "reviewapp.settings", "LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["message"] == "hi" and line["logger"] == "x" and line["level"] == "WARNING"
    env["LOG_FORMAT"] = "xml"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "LOG_FORMAT must be one of plain, json" in done.stderr


def test_with_debug_on_a_django_record_is_written_once_and_redacted():
    """Django's own logging config adds a console handler to the ``django`` logger when
    DEBUG is on; a record must not be written a second time through it, unredacted."""
    code = (
        "import django, logging; django.setup()\n"
        "try:\n"
        "    raise ValueError('could not store ' + 'Zebra-Canary words')\n"
        "except ValueError:\n"
        "    logging.getLogger('django.request').error(\n"
        "        'Internal Server Error: %s', '/chat/SECRET-TOKEN-42/', exc_info=True)\n"
        "logging.getLogger('django.security.csrf').warning('Forbidden: /chat/SECRET-TOKEN-42/')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "reviewapp.settings", "DEBUG": "true"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    logged = done.stderr
    assert logged.count("Internal Server Error") == 1, logged
    assert logged.count("Forbidden: /chat/[redacted]/") == 1, logged
    assert "Internal Server Error: /chat/[redacted]/" in logged
    assert "ValueError: [withheld]" in logged
    assert "SECRET-TOKEN-42" not in logged and "Zebra-Canary" not in logged
