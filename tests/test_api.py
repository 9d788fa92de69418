"""The JSON API: contracts, authorisation, conflicts, and clear 4xx errors on bad input."""

from __future__ import annotations

import pytest
from django.test import Client

from reviewapp.models import AuditEvent, Conversation, DraftRequest, Message
from reviewapp.tokens import api_token_create
from tests.factories import patient_message, ready_request

pytestmark = pytest.mark.django_db

CANARY = "CANARY-patient-words-7f3a"


@pytest.fixture
def patient(client: Client, tiny_profile):
    reply = client.post("/api/v1/conversations", {"locale": "fi"}, content_type="application/json")
    assert reply.status_code == 201
    body = reply.json()
    return {"id": body["id"], "auth": {"HTTP_AUTHORIZATION": f"Bearer {body['token']}"}}


@pytest.fixture
def alice_api(alice):
    return {"HTTP_AUTHORIZATION": f"Token {api_token_create(user=alice)}"}


def post_json(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def test_it_creates_a_conversation_without_a_body(client):
    reply = client.generic("POST", "/api/v1/conversations", b"")
    assert reply.status_code == 201
    assert set(reply.json()) == {"id", "token"}


def test_it_stores_a_message_and_lists_only_what_the_patient_may_see(client, patient):
    url = f"/api/v1/conversations/{patient['id']}/messages"
    posted = post_json(client, url, {"text": "  Hello  "}, **patient["auth"])
    assert posted.status_code == 201
    assert posted.json()["text"] == "Hello" and posted.json()["role"] == "patient"
    listed = client.get(url, **patient["auth"]).json()
    assert [m["text"] for m in listed["messages"]] == ["Hello"]
    assert listed["awaiting_reply"] is True
    assert DraftRequest.objects.get().status == "queued"


def test_it_never_shows_candidates_to_the_patient(client, patient):
    conversation = Conversation.objects.get(pk=patient["id"])
    message = patient_message("Hi", conversation=conversation)
    assert ready_request(["UNRELEASED CANDIDATE"], message=message).status == "ready"
    listed = client.get(f"/api/v1/conversations/{patient['id']}/messages", **patient["auth"])
    assert "UNRELEASED CANDIDATE" not in listed.content.decode()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ('{"text": ""}', "application/json", 422),
        ('{"text": "   "}', "application/json", 400),
        ('{"text": 5}', "application/json", 422),
        ('{"text": "hi", "admin": true}', "application/json", 422),
        ('["hi"]', "application/json", 422),
        ("text=hi", "application/x-www-form-urlencoded", 415),
        ('{"text": "hi"}', "text/plain", 415),
        (b'{"text": "\xff\xfe"}', "application/json", 400),
        (r'{"text": "a\u0000b"}', "application/json", 400),
        (r'{"text": "a\ud800b"}', "application/json", 422),
        (r'{"text": "bell\u0007"}', "application/json", 400),
        ('{"text": "' + "x" * 5000 + '"}', "application/json", 400),
    ],
)
def test_it_answers_bad_input_with_a_clear_4xx(client, patient, body, content_type, status):
    reply = client.post(
        f"/api/v1/conversations/{patient['id']}/messages",
        body,
        content_type=content_type,
        **patient["auth"],
    )
    assert reply.status_code == status
    assert reply["Content-Type"].startswith("application/json")
    assert reply.json()["error"]
    assert not Message.objects.exists()


def test_it_does_not_echo_the_patients_words_in_errors(client, patient):
    reply = post_json(
        client,
        f"/api/v1/conversations/{patient['id']}/messages",
        {"text": CANARY, "extra": CANARY},
        **patient["auth"],
    )
    assert reply.status_code == 422
    assert CANARY not in reply.content.decode()


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer wrong-token", "Token wrong", "Basic dXNlcjpwYXNz"]
)
def test_it_refuses_a_patient_without_their_token(client, patient, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    reply = client.get(f"/api/v1/conversations/{patient['id']}/messages", **headers)
    assert reply.status_code == 401
    assert reply.json() == {"error": "Missing or invalid credentials."}


def test_it_hides_another_conversation_from_a_valid_token(client, patient):
    other = client.generic("POST", "/api/v1/conversations", b"").json()
    for method in ("get", "post"):
        reply = getattr(client, method)(
            f"/api/v1/conversations/{other['id']}/messages",
            **(
                {"data": {"text": "x"}, "content_type": "application/json"}
                if method == "post"
                else {}
            ),
            **patient["auth"],
        )
        assert reply.status_code == 404


def test_it_refuses_clinician_endpoints_to_patients_and_unprivileged_users(
    client, patient, mallory
):
    assert client.get("/api/v1/queue", **patient["auth"]).status_code == 401
    mallory_api = {"HTTP_AUTHORIZATION": f"Token {api_token_create(user=mallory)}"}
    assert client.get("/api/v1/queue", **mallory_api).status_code == 403
    draft = ready_request()
    assert client.get(f"/api/v1/drafts/{draft.pk}", **mallory_api).status_code == 403
    assert (
        post_json(
            client,
            f"/api/v1/drafts/{draft.pk}/decision",
            {"action": "write", "text": "x"},
            **mallory_api,
        ).status_code
        == 403
    )


def test_it_refuses_a_revoked_api_token(client, alice):
    from django.utils import timezone

    from reviewapp.models import ApiToken

    key = api_token_create(user=alice)
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get("/api/v1/queue", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_it_stores_api_tokens_only_as_hashes(alice):
    from reviewapp.models import ApiToken

    key = api_token_create(user=alice)
    stored = ApiToken.objects.get()
    assert key not in (stored.key_hash, stored.prefix) and stored.prefix == key[:8]


def test_it_shows_the_queue_crisis_first_then_oldest_first(client, alice_api):
    routine_old, elevated, crisis, routine_new = (ready_request() for _ in range(4))
    DraftRequest.objects.filter(pk=elevated.pk).update(risk_level="elevated")
    DraftRequest.objects.filter(pk=crisis.pk).update(risk_level="crisis")
    items = client.get("/api/v1/queue", **alice_api).json()["items"]
    assert [i["id"] for i in items] == [crisis.pk, elevated.pk, routine_old.pk, routine_new.pk]


def test_it_audits_every_view_of_a_draft(client, alice_api, alice):
    draft = ready_request()
    assert client.get(f"/api/v1/drafts/{draft.pk}", **alice_api).status_code == 200
    event = AuditEvent.objects.get(action="draft.view")
    assert (event.actor, event.object_id, event.details["via"]) == (alice, str(draft.pk), "api")


def test_it_answers_a_decision_conflict_with_409(client, alice_api, bob):
    draft = ready_request()
    bob_api = {"HTTP_AUTHORIZATION": f"Token {api_token_create(user=bob)}"}
    assert (
        client.generic("POST", f"/api/v1/drafts/{draft.pk}/claim", b"", **bob_api).status_code
        == 200
    )
    assert (
        client.generic("POST", f"/api/v1/drafts/{draft.pk}/claim", b"", **alice_api).status_code
        == 409
    )
    candidate = draft.candidates.first()
    held = post_json(
        client,
        f"/api/v1/drafts/{draft.pk}/decision",
        {"action": "approve", "candidate_id": candidate.pk},
        **alice_api,
    )
    assert held.status_code == 409 and "held by bob" in held.json()["error"]
    won = post_json(
        client,
        f"/api/v1/drafts/{draft.pk}/decision",
        {"action": "approve", "candidate_id": candidate.pk},
        **bob_api,
    )
    assert won.status_code == 200 and won.json()["status"] == "released"
    again = post_json(
        client,
        f"/api/v1/drafts/{draft.pk}/decision",
        {"action": "write", "text": "late"},
        **bob_api,
    )
    assert again.status_code == 409 and "already decided" in again.json()["error"]


def test_it_refuses_a_decision_from_a_stale_version(client, alice_api):
    draft = ready_request()
    reply = post_json(
        client,
        f"/api/v1/drafts/{draft.pk}/decision",
        {"action": "write", "text": "Hi", "version": draft.version - 1},
        **alice_api,
    )
    assert reply.status_code == 409 and "changed since you opened it" in reply.json()["error"]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"action": "approve"}, 400, "candidate_id"),
        ({"action": "approve", "candidate_id": 999999}, 400, "candidate_id"),
        ({"action": "edit", "candidate_id": "CANDIDATE", "text": ""}, 400, "must not be empty"),
        ({"action": "reject", "reasons": []}, 400, "one or more reasons"),
        ({"action": "reject", "reasons": ["boring"]}, 400, "must come from"),
        ({"action": "write", "text": "Hi", "reasons": ["free text here"]}, 400, "must come from"),
        ({"action": "write", "text": "Hi", "note": "bad\u0000note"}, 400, "control characters"),
        ({"action": "publish"}, 422, "not valid"),
        ({"action": "write"}, 400, "must not be empty"),
    ],
)
def test_it_explains_an_invalid_decision(client, alice_api, body, status, error):
    draft = ready_request()
    if body.get("candidate_id") == "CANDIDATE":
        body = {**body, "candidate_id": draft.candidates.first().pk}
    reply = post_json(client, f"/api/v1/drafts/{draft.pk}/decision", body, **alice_api)
    assert reply.status_code == status
    assert error in reply.json()["error"]
    assert DraftRequest.objects.get(pk=draft.pk).status == "ready"


def test_it_answers_unknown_drafts_with_404(client, alice_api):
    assert client.get("/api/v1/drafts/999999", **alice_api).status_code == 404
    assert (
        client.generic("POST", "/api/v1/drafts/999999/claim", b"", **alice_api).status_code == 404
    )


def test_it_rejects_and_redrafts(client, alice_api):
    draft = ready_request()
    reply = post_json(
        client,
        f"/api/v1/drafts/{draft.pk}/decision",
        {"action": "reject", "reasons": ["tone_empathy", "too_long"], "note": "cold"},
        **alice_api,
    )
    assert reply.status_code == 200 and reply.json()["status"] == "rejected"
    fresh = DraftRequest.objects.exclude(pk=draft.pk).get()
    assert (fresh.message_id, fresh.status) == (draft.message_id, "queued")


def test_it_publishes_an_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = set(doc["paths"])
    assert {
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}/messages",
        "/api/v1/queue",
        "/api/v1/drafts/{draft_id}",
        "/api/v1/drafts/{draft_id}/claim",
        "/api/v1/drafts/{draft_id}/decision",
    } <= paths
