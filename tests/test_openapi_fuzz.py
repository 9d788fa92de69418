"""Schemathesis fuzzes every operation in /api/v1/openapi.json, in process, on PostgreSQL.

Valid and invalid requests alike: no answer may be a 5xx, and every answer must have
a status, content type and body that the OpenAPI document declares for it.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reviewapp import workflow
from reviewapp.models import ModelProfile
from reviewapp.tokens import api_token_create
from reviewapp.wsgi import application
from tests.factories import patient_message, ready_request

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def existing(transactional_db, alice):
    """IDs that exist and the credentials to use them: a conversation and its patient's
    token, a draft ready for review, and a clinician's (alice's) API token.

    The WSGI app is called directly, outside Django's test client, so it closes
    the connection after each request: only a transactional database sees the
    fixture's rows from there.
    """
    # Migrations seed a default profile, but an earlier transactional test flushes it.
    if not ModelProfile.objects.filter(is_default=True).exists():
        ModelProfile.objects.create(name="fuzz", label="fuzz", base_model="unused", is_default=True)
    conversation, patient_token = workflow.conversation_start(locale="en")
    draft = ready_request(message=patient_message(conversation=conversation))
    return {
        "conversation_id": str(conversation.pk),
        "draft_id": draft.pk,
        "patient": f"Bearer {patient_token}",
        "clinician": f"Token {api_token_create(user=alice)}",
    }


# Loaded once at collection: the document comes from the app itself, no database needed.
# (schemathesis.pytest.from_fixture would load it per test, but as of schemathesis
# 4.32.5 it sets Function._nodeid, which pytest 9 no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_it_answers_every_generated_request_as_documented(case, data, existing):
    # Random IDs only ever reach the 404; about half the cases use ones that exist.
    for name in list(case.path_parameters or {}):
        if name in existing and data.draw(st.booleans(), label=f"known {name}"):
            case.path_parameters[name] = existing[name]
    side = "clinician" if "clinician" in case.operation.tags else "patient"
    case.call_and_validate(headers={"Authorization": existing[side]}, checks=CHECKS)
