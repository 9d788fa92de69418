"""No patient secret or text reaches the logs through request paths."""

from __future__ import annotations

import logging

import pytest

from reviewapp import workflow


@pytest.mark.django_db
def test_it_never_logs_a_patients_chat_token(client, caplog, tiny_profile):
    _, token = workflow.conversation_start()
    with caplog.at_level(logging.DEBUG):
        assert client.get("/chat/not-a-real-token-CANARY/").status_code == 404
        assert client.post(f"/chat/{token}/", {"text": " "}).status_code == 400
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/chat/[redacted]/" in logged
    assert "CANARY" not in logged and token not in logged


def test_it_redacts_the_dev_servers_access_log(caplog):
    with caplog.at_level(logging.INFO, logger="django.server"):
        logging.getLogger("django.server").info('"%s" %s', "GET /chat/SECRET-TOKEN/ HTTP/1.1", 200)
    assert "SECRET-TOKEN" not in caplog.text and "/chat/[redacted]/" in caplog.text
