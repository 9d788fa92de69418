"""Rate limits on the patient side: a flood gets 429 with Retry-After and creates nothing.

The flood cases run against a real gunicorn (two worker processes sharing the
counters in Redis) on the test's PostgreSQL, behind a simulated TLS proxy
(``TRUSTED_PROXY_COUNT=1``: each request carries the X-Forwarded-For the proxy
would send). The page, the fail-open and the counting cases run in process.
"""

from __future__ import annotations

import json

import pytest
import redis
import requests
from django.conf import settings
from django.test import Client
from django.utils import translation

from reviewapp import workflow
from reviewapp.lib import rate_limit
from reviewapp.models import Conversation, DraftRequest, Message
from reviewapp.observability import store
from reviewapp.observability.definitions import FAILURES, RATE_LIMITED
from tests.factories import default_profile_ensure
from tests.processes import GunicornServer, free_port

CANARY = "Kestrel-Canary-7731"
# The gunicorn's limits: small, so each flood is short.
SERVER_LIMITS = {
    "RATE_LIMIT_MESSAGES_PER_MINUTE": "10",
    "RATE_LIMIT_MESSAGES_PER_HOUR": "100",
    "RATE_LIMIT_ADDRESS_PER_MINUTE": "30",
    "RATE_LIMIT_NEW_CONVERSATIONS_PER_HOUR": "5",
}


@pytest.fixture
def web(transactional_db, tmp_path):
    default_profile_ensure()
    with GunicornServer(tmp_path, TRUSTED_PROXY_COUNT="1", **SERVER_LIMITS) as server:
        yield server


def _start(web: GunicornServer, client: str, spoofed: str = "") -> requests.Response:
    answer = web.post("/api/v1/conversations", client=client, spoofed=spoofed, json={})
    assert answer.status_code in (201, 429), (answer.status_code, web.log()[-3000:])
    return answer


def _retry_after(response: requests.Response) -> int:
    return int(response.headers["Retry-After"])


def test_it_refuses_a_flood_from_one_conversation_and_stores_none_of_it(web):
    """40 messages at once from one token: the first 10 (the minute's allowance) are
    accepted, the other 30 answered 429 with Retry-After, and create no message and
    no draft request. Another conversation from the same address is not held back."""
    started = _start(web, "203.0.113.10").json()
    path = f"/api/v1/conversations/{started['id']}/messages"
    auth = {"Authorization": f"Bearer {started['token']}"}
    answers = [
        web.post(path, client="203.0.113.10", headers=dict(auth), json={"text": f"hello {i}"})
        for i in range(40)
    ]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [201] * 10 + [429] * 30, (statuses, web.log()[-3000:])
    for refused in answers[10:]:
        assert 1 <= _retry_after(refused) <= 60
        assert "many messages" in refused.json()["error"]
    accepted = {answer.json()["id"] for answer in answers[:10]}
    stored = Message.objects.filter(conversation_id=started["id"])
    assert set(stored.values_list("id", flat=True)) == accepted
    answering = DraftRequest.objects.filter(message__conversation_id=started["id"])
    assert set(answering.values_list("message_id", flat=True)) <= accepted

    other = _start(web, "203.0.113.10").json()
    reply = web.post(
        f"/api/v1/conversations/{other['id']}/messages",
        client="203.0.113.10",
        headers={"Authorization": f"Bearer {other['token']}"},
        json={"text": "a different patient"},
    )
    assert reply.status_code == 201


def test_it_refuses_new_conversations_beyond_the_limit_per_address_but_not_another_address(web):
    """Five anonymous starts an hour from one address; a sixth is refused for the rest
    of the hour, however the client fills in X-Forwarded-For; another client behind
    the same proxy starts at once."""
    assert [_start(web, "198.51.100.7").status_code for _ in range(5)] == [201] * 5
    refused = _start(web, "198.51.100.7")
    assert refused.status_code == 429 and 3500 <= _retry_after(refused) <= 3600
    assert "new conversations" in refused.json()["error"]
    # The client writes someone else's address leftmost; the proxy appends its real one.
    assert _start(web, "198.51.100.7", spoofed="198.51.100.99").status_code == 429
    assert Conversation.objects.count() == 5
    assert _start(web, "198.51.100.99").status_code == 201
    assert _start(web, "2001:db8:7::1").status_code == 201


def test_it_limits_requests_per_address_and_a_spoofed_header_does_not_reset_it(web):
    """Polling too fast from one address (30 a minute here) is refused even when
    every request claims a new address leftmost; a neighbour behind the same proxy
    polls on, and so do the patient's own requests from another address."""
    started = _start(web, "192.0.2.40").json()
    path = f"/api/v1/conversations/{started['id']}/messages"
    auth = {"Authorization": f"Bearer {started['token']}"}
    statuses = [
        web.get(path, client="192.0.2.40", spoofed=f"10.9.0.{i}", headers=dict(auth)).status_code
        for i in range(31)
    ]
    # The start counted too: 29 polls, then refusals.
    assert statuses == [200] * 29 + [429] * 2
    refused = web.get(path, client="192.0.2.40", headers=dict(auth))
    assert refused.status_code == 429 and 1 <= _retry_after(refused) <= 60
    assert web.get(path, client="192.0.2.41", headers=dict(auth)).status_code == 200


# --- In process: the page, the store down, counting ------------------------------------------


@pytest.fixture
def small_limits(settings):
    settings.RATE_LIMITS = {
        "MESSAGES_PER_MINUTE": 2,
        "MESSAGES_PER_HOUR": 100,
        "ADDRESS_PER_MINUTE": 100,
        "NEW_CONVERSATIONS_PER_HOUR": 100,
    }


@pytest.fixture
def finnish_patient(db, small_limits):
    conversation, token = workflow.conversation_start(locale="fi")
    return conversation, token


def test_the_chat_page_answers_429_in_the_patients_language_and_keeps_the_text(
    finnish_patient,
):
    conversation, token = finnish_patient
    client = Client()
    for i in range(2):
        assert client.post(f"/chat/{token}/", {"text": f"viesti {i}"}).status_code == 302
    refused = client.post(f"/chat/{token}/", {"text": f"Kolmas viesti {CANARY}"})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    page = refused.content.decode()
    assert '<html lang="fi">' in page
    with translation.override("fi"):
        expected = rate_limit.Refusal(rate_limit.MESSAGES_PER_MINUTE, 60).message
    assert expected in page
    assert f">Kolmas viesti {CANARY}</textarea>" in page
    assert 'data-state="urgent-help"' in page  # where to get help at once
    assert Message.objects.filter(conversation=conversation).count() == 2
    # Reading the page is not a message: it still opens.
    assert client.get(f"/chat/{token}/").status_code == 200


def test_polling_that_uses_up_an_address_never_holds_back_a_message(db, settings, small_limits):
    """Many patients behind one address (a clinic's Wi-Fi) poll their pages until the
    address's allowance is used up: their reads wait, but a message, a crisis perhaps,
    counts against its own conversation only and goes through."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ADDRESS_PER_MINUTE": 3}
    conversation, token = workflow.conversation_start(locale="en")
    neighbour, neighbours_token = workflow.conversation_start(locale="en")
    polls = [Client().get(f"/chat/{neighbours_token}/").status_code for _ in range(4)]
    assert polls == [200, 200, 200, 429]
    sent = Client().post(f"/chat/{token}/", {"text": "I want to end it tonight."})
    assert sent.status_code == 302
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert _post_message(Client(), conversation, token, "still here").status_code == 201


def _recorded(metric, **labels) -> float:
    """One counter's value in the metrics store, once everything recorded is written."""
    store.flush()
    stored = store.stored_values(redis.Redis.from_url(settings.METRICS_REDIS_URL), metric)
    return stored.get(json.dumps(labels, sort_keys=True), 0.0)


def _post_message(client: Client, conversation, token: str, text: str):
    return client.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        {"text": text},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_rate_limit_store_that_does_not_answer_lets_messages_through(
    db, settings, small_limits, caplog
):
    """Fail open: the patient's message matters more than the limit. The outage is
    logged (without the text or the token) and each request let through is counted."""
    settings.RATE_LIMIT_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    conversation, token = workflow.conversation_start(locale="en")
    before = _recorded(FAILURES, what="rate_limit_store")
    with caplog.at_level("WARNING"):
        statuses = [
            _post_message(Client(), conversation, token, f"still here {CANARY}").status_code
            for _ in range(4)
        ]
    assert statuses == [201] * 4
    assert "rate limit store unreachable (ConnectionError)" in caplog.text
    assert CANARY not in caplog.text and token not in caplog.text
    assert _recorded(FAILURES, what="rate_limit_store") - before == 4


def test_refusals_are_counted_by_limit_and_keys_hold_no_token_or_address(
    db, settings, small_limits
):
    conversation, token = workflow.conversation_start(locale="en")
    before = _recorded(RATE_LIMITED, limit="conversation-minute")
    statuses = [_post_message(Client(), conversation, token, "hi").status_code for _ in range(5)]
    assert statuses == [201, 201, 429, 429, 429]
    assert Client().get(f"/chat/{token}/").status_code == 200  # a read counts per address
    assert _recorded(RATE_LIMITED, limit="conversation-minute") - before == 3
    keys = [
        key.decode()
        for key in redis.Redis.from_url(settings.RATE_LIMIT_REDIS_URL).scan_iter(
            f"{rate_limit.KEY_PREFIX}*"
        )
    ]
    # countersign:ratelimit:<limit>:<keyed hash>
    assert {key.split(":")[2] for key in keys} == {
        "address-minute",
        "conversation-minute",
        "conversation-hour",
    }
    assert not any(
        secret in key for key in keys for secret in (token, "127.0.0.1", str(conversation.pk))
    )


def test_without_redis_the_demo_counts_in_its_cache(db, settings, small_limits):
    """The demo's filesystem broker has no Redis: the same limits, kept per process."""
    settings.RATE_LIMIT_REDIS_URL = ""
    conversation, token = workflow.conversation_start(locale="en")
    answers = [_post_message(Client(), conversation, token, "hi") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert 1 <= int(answers[2]["Retry-After"]) <= 60


def test_a_limit_set_to_zero_is_off(db, settings, small_limits):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "MESSAGES_PER_MINUTE": 0}
    conversation, token = workflow.conversation_start(locale="en")
    statuses = [_post_message(Client(), conversation, token, "hi").status_code for _ in range(4)]
    assert statuses == [201] * 4


def test_an_ipv6_client_is_limited_by_its_64(db, settings, small_limits):
    """An IPv6 host picks any address in its /64: the limit holds the whole /64."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "NEW_CONVERSATIONS_PER_HOUR": 2}

    def start(address: str) -> int:
        return (
            Client(REMOTE_ADDR=address)
            .post("/api/v1/conversations", {}, content_type="application/json")
            .status_code
        )

    assert [start("2001:db8:1:2::1"), start("2001:db8:1:2::ffff")] == [201, 201]
    assert start("2001:db8:1:2:abcd::9") == 429
    assert start("2001:db8:1:3::1") == 201
