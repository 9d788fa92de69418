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
