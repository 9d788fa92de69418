"""The patient is not left alone while a clinician prepares a reply."""

from __future__ import annotations

import json

import pytest

from reviewapp import workflow
from reviewapp.models import CrisisAlert, DraftRequest, Message
from reviewapp.risk.alerts import crisis_alert_send
from reviewapp.risk.protocol import DEFAULT_PROTOCOL, protocol

pytestmark = pytest.mark.django_db

CRISIS = {
    "en": "I took all my sleeping pills ten minutes ago.",
    "fi": "Otin just kaikki unilääkkeet.",
}


def _start(client, locale: str) -> tuple[str, dict]:
    body = client.post("/api/v1/conversations", {"locale": locale}, content_type="application/json")
    data = body.json()
    return data["id"], {"HTTP_AUTHORIZATION": f"Bearer {data['token']}"}


@pytest.mark.parametrize("locale", ["en", "fi"])
def test_the_api_answers_a_crisis_message_with_the_fixed_notice_at_once(client, locale):
    conversation_id, auth = _start(client, locale)
    posted = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"text": CRISIS[locale]},
        content_type="application/json",
        **auth,
    ).json()
    support = posted["crisis_support"]
    notice = DEFAULT_PROTOCOL["patient_notice"][locale]
    assert support["text"] == notice["text"]
    assert [r["contact"] for r in support["resources"]] == [
        r["contact"] for r in protocol()["locales"][locale]
    ]
    # No channel is configured, so nobody has been alerted, and it says nothing of it.
    assert support["clinician_alerted"] is False and support["alerted_text"] == ""
    listed = client.get(f"/api/v1/conversations/{conversation_id}/messages", **auth).json()
    assert listed["crisis_support"] == support
    # The notice is not a reply: no clinician message exists, nothing was released.
    assert not Message.objects.filter(role="clinician").exists()


def test_a_routine_message_gets_no_notice(client):
    conversation_id, auth = _start(client, "en")
    posted = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"text": "Work was long today."},
        content_type="application/json",
        **auth,
    ).json()
    assert posted["crisis_support"] is None


def test_it_says_a_clinician_was_alerted_only_once_an_alert_was_delivered(
    client, webhook, settings
):
    _, status = webhook
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "ON_CALL_EMAILS": []}  # the webhook alone
    conversation, token = workflow.conversation_start(locale="en")
    workflow.message_receive(conversation=conversation, text=CRISIS["en"])
    alert = CrisisAlert.objects.get()
    status["code"] = 500
    assert crisis_alert_send(alert_id=alert.pk) is False
    page = client.get(f"/chat/{token}/").content.decode()
    assert 'data-state="crisis-support"' in page and "988" in page
    assert 'data-state="clinician-alerted"' not in page
    CrisisAlert.objects.filter(pk=alert.pk).update(next_attempt_at=None)
    status["code"] = 204
    assert crisis_alert_send(alert_id=alert.pk) is True
    page = client.get(f"/chat/{token}/").content.decode()
    assert 'data-state="clinician-alerted"' in page
    assert DEFAULT_PROTOCOL["patient_notice"]["en"]["alerted"] in page


def test_the_notice_follows_the_sites_protocol_file(client, settings, tmp_path):
    from reviewapp.risk.protocol import _configured

    site = {
        "steps": ["Call them."],
        "patient_notice": {
            "fi": {"text": "Olet tärkeä. Soita heti:", "alerted": "Päivystäjä tietää."}
        },
        "locales": {"fi": [{"name": "Kriisipuhelin", "contact": "0800 12345"}], "en": []},
    }
    path = tmp_path / "protocol.json"
    path.write_text(json.dumps(site))
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "CRISIS_PROTOCOL_FILE": str(path)}
    _configured.cache_clear()
    try:
        conversation, token = workflow.conversation_start(locale="fi")
        workflow.message_receive(conversation=conversation, text=CRISIS["fi"])
        page = client.get(f"/chat/{token}/").content.decode()
        assert "Olet tärkeä. Soita heti:" in page and "0800 12345" in page
    finally:
        _configured.cache_clear()


def test_the_notice_stays_while_the_conversation_is_in_crisis(client):
    conversation, token = workflow.conversation_start(locale="en")
    workflow.message_receive(conversation=conversation, text=CRISIS["en"])
    workflow.message_receive(conversation=conversation, text="hello?")
    assert DraftRequest.objects.open().get().risk_level == "crisis"
    page = client.get(f"/chat/{token}/").content.decode()
    assert 'data-state="crisis-support"' in page
