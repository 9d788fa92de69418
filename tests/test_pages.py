"""Server-rendered pages: login, queue, review screen, and the patient's chat page."""

from __future__ import annotations

import pytest

from reviewapp import workflow
from reviewapp.models import AuditEvent, Message
from tests.factories import patient_message, ready_request
from tests.two_factor import current_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def test_it_sends_anonymous_visitors_to_login(client):
    for url in ("/queue/", "/review/1/"):
        reply = client.get(url)
        assert reply.status_code == 302 and reply["Location"].startswith("/login/")


def test_it_logs_a_clinician_in_with_their_password_and_a_code(client, alice):
    reply = client.post("/login/", {"username": "alice", "password": "pw-alice"})
    assert reply.status_code == 302 and reply["Location"] == "/queue/"
    # The password alone opens nothing with patient data in it.
    reply = client.get("/queue/")
    assert reply.status_code == 302 and reply["Location"] == "/account/two-factor/?next=%2Fqueue%2F"
    reply = client.post("/account/two-factor/", {"code": current_code(alice), "next": "/queue/"})
    assert reply.status_code == 302 and reply["Location"] == "/queue/"
    assert client.get("/queue/").status_code == 200


def test_it_refuses_pages_to_users_without_review_permission(client, mallory):
    client.force_login(mallory)
    draft = ready_request()
    assert client.get("/queue/").status_code == 403
    assert client.get(f"/review/{draft.pk}/").status_code == 403
    reply = client.post(f"/review/{draft.pk}/decide/", {"action": "write", "text": "x"})
    assert reply.status_code == 403
    assert not Message.objects.filter(role="clinician").exists()


def test_it_lists_the_queue_and_serves_the_htmx_partial(alice_client, tiny_profile):
    draft = ready_request()
    page = alice_client.get("/queue/").content.decode()
    assert f"#{draft.pk}" in page and "htmx" in page and "every 5s" in page
    partial = alice_client.get("/queue/", HTTP_HX_REQUEST="true").content.decode()
    assert f"#{draft.pk}" in partial and "<html" not in partial


def test_it_shows_the_conversation_and_candidates_and_audits_the_view(alice_client, alice):
    draft = ready_request(["Warm reply.", "Cold reply."], message=patient_message("My words."))
    page = alice_client.get(f"/review/{draft.pk}/").content.decode()
    assert "My words." in page and "Warm reply." in page and "Cold reply." in page
    assert f'name="version" value="{draft.version}"' in page
    assert AuditEvent.objects.filter(
        action="draft.view", actor=alice, object_id=str(draft.pk), details__via="page"
    ).exists()


def test_it_escapes_html_in_patient_text(alice_client):
    draft = ready_request(message=patient_message("<script>alert(1)</script>"))
    page = alice_client.get(f"/review/{draft.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_releases_an_approved_candidate_from_the_review_page(alice_client):
    draft = ready_request(["Warm reply.", "Cold reply."])
    chosen = draft.candidates.get(text="Warm reply.")
    reply = alice_client.post(
        f"/review/{draft.pk}/decide/",
        {
            "action": "approve",
            "candidate_id": chosen.pk,
            "version": draft.version,
        },
    )
    assert reply.status_code == 302 and reply["Location"] == "/queue/"
    assert Message.objects.get(role="clinician").text == "Warm reply."


def test_it_shows_a_conflict_to_a_stale_page_instead_of_overwriting(alice_client, alice):
    draft = ready_request()
    stale_version = draft.version
    workflow.draft_request_claim(request_id=draft.pk, user=alice)  # in another tab
    reply = alice_client.post(
        f"/review/{draft.pk}/decide/",
        {
            "action": "write",
            "text": "Mine.",
            "version": stale_version,
        },
        follow=True,
    )
    assert "changed since you opened it" in reply.content.decode()
    assert not Message.objects.filter(role="clinician").exists()


def test_it_tells_a_clinician_who_holds_a_claimed_item(alice_client, bob):
    draft = ready_request()
    workflow.draft_request_claim(request_id=draft.pk, user=bob)
    page = alice_client.get(f"/review/{draft.pk}/").content.decode()
    assert "bob holds this request" in page
    reply = alice_client.post(f"/review/{draft.pk}/claim/", follow=True)
    assert "held by bob" in reply.content.decode()


def test_it_lets_the_patient_write_and_wait_on_their_page(client, tiny_profile):
    conversation, token = workflow.conversation_start()
    page = client.get(f"/chat/{token}/")
    assert page.status_code == 200 and "every 4s" in page.content.decode()
    reply = client.post(f"/chat/{token}/", {"text": "Hello there"})
    assert reply.status_code == 302
    thread = client.get(f"/chat/{token}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Hello there" in thread and "A clinician is preparing a reply." in thread


def test_it_shows_the_patient_only_released_replies(client, alice):
    conversation, token = workflow.conversation_start()
    draft = ready_request(
        ["NOT YET RELEASED"], message=patient_message("Hi", conversation=conversation)
    )
    assert "NOT YET RELEASED" not in client.get(f"/chat/{token}/").content.decode()
    workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="approve", candidate_id=draft.candidates.get().pk
    )
    page = client.get(f"/chat/{token}/").content.decode()
    assert "NOT YET RELEASED" in page and "preparing a reply" not in page


def test_it_explains_an_empty_patient_message(client, tiny_profile):
    _, token = workflow.conversation_start()
    reply = client.post(f"/chat/{token}/", {"text": "   "})
    assert reply.status_code == 400 and "must not be empty" in reply.content.decode()


def test_it_answers_an_unknown_chat_link_with_404(client):
    assert client.get("/chat/not-a-real-token/").status_code == 404
