"""A patient's page fails as the product's own page, in the patient's language, DEBUG
or not: a wrong chat link is a 404 page with no list of URLs, a server error is no
debug page, and while PostgreSQL is out of reach a 503 keeps the typed message.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import translation
from django.utils.html import escape

from reviewapp import workflow
from tests.processes import free_port


@pytest.fixture(autouse=True)
def _language_restored():
    """The chat page activates its conversation's language for the rest of the thread;
    the next test starts in the language this one started in."""
    with translation.override(translation.get_language()):
        yield


# What Django's technical pages show and a patient's page never does.
DEBUG_MARKS = ("URLconf", "review/&lt;int:draft_id&gt;", "Traceback", "DEBUG = True", "Django")


def assert_patient_page(reply, status: int, *texts: str) -> str:
    page = reply.content.decode()
    assert reply.status_code == status, (reply.status_code, page[:300])
    for text in texts:
        assert text in page, text
    for mark in DEBUG_MARKS:
        assert mark not in page, mark
    return page


def assert_finnish(reply) -> None:
    # New sentences are translated when the catalogue is next compiled; the page's
    # language, its header and its long-translated words already show the choice.
    page = reply.content.decode()
    assert reply["Content-Language"] == "fi" and '<html lang="fi">' in page
    assert "Tukikeskustelu" in page and "Support conversation" not in page


# --- a wrong chat link, a server error: with DEBUG on, as the demo runs ----------


@override_settings(DEBUG=True)
@pytest.mark.parametrize("path", ["/chat/not-a-real-token/", "/chat/", "/chat/abc/extra/"])
def test_a_wrong_chat_link_answers_the_patients_404_page_in_their_language(db, path):
    client = Client()
    finnish = client.get(path, HTTP_ACCEPT_LANGUAGE="fi")
    assert_patient_page(finnish, 404)
    assert_finnish(finnish)
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert_patient_page(english, 404, "This conversation link does not work")


@override_settings(DEBUG=True)
def test_a_server_error_on_the_chat_page_is_the_patients_own_page(db, monkeypatch):
    """The conversation is Finnish; its page fails after the language is known."""
    from reviewapp.views import patient

    _, token = workflow.conversation_start(locale="fi")

    def fails(conversation):
        raise RuntimeError("could not read the thread")

    monkeypatch.setattr(patient, "crisis_support_for", fails)
    client = Client(raise_request_exception=False)
    reply = client.get(f"/chat/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    page = assert_patient_page(reply, 500)
    assert_finnish(reply)
    assert "could not read the thread" not in page and token not in page


def test_without_debug_a_wrong_chat_link_is_the_patients_page_too(db):
    reply = Client().get("/chat/not-a-real-token/", HTTP_ACCEPT_LANGUAGE="en")
    assert_patient_page(reply, 404, "This conversation link does not work")
    # Drawn inside the CSP and frame-options middleware: the site's headers (django-csp
    # leaves them off 404 and 500 pages when DEBUG is on).
    assert "Content-Security-Policy" in reply and reply["X-Frame-Options"] == "DENY"


# --- PostgreSQL out of reach -------------------------------------------------------


@pytest.fixture
def database_down(django_db_blocker):
    """This process's database connection pointed at a port nothing listens on."""

    @contextmanager
    def down():
        with django_db_blocker.unblock():
            saved = {**connection.settings_dict}
            connection.close()
            connection.settings_dict.update(
                HOST="127.0.0.1",
                PORT=str(free_port()),
                OPTIONS={**saved.get("OPTIONS", {}), "connect_timeout": 2},
            )
            try:
                yield
            finally:
                connection.close()
                connection.settings_dict.clear()
                connection.settings_dict.update(saved)

    return down


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_a_message_posted_while_the_database_is_down_is_kept_in_a_503_page(
    database_down, caplog, lang
):
    typed = "I can't sleep & my neighbour Matti Virtanen <keeps> me awake"
    client = Client(raise_request_exception=False)
    caplog.set_level(logging.DEBUG)
    with database_down():
        reply = client.post(
            "/chat/some-conversation-token/",
            {"text": typed, "lang": lang},
            HTTP_ACCEPT_LANGUAGE="en" if lang == "fi" else "fi",  # the form's language wins
        )
    page = assert_patient_page(reply, 503)
    if lang == "fi":
        assert_finnish(reply)
        assert "Viestisi" in page  # "Your message", above the kept text
    else:
        assert "Your message was not sent" in page and "briefly unavailable" in page
    assert f">{escape(typed)}</textarea>" in page
    assert 'name="csrfmiddlewaretoken"' in page and f'name="lang" value="{lang}"' in page
    assert "database error on a patient page: OperationalError" in caplog.text
    assert "Matti" not in caplog.text and "some-conversation-token" not in caplog.text


def test_the_chat_page_read_while_the_database_is_down_is_a_503_in_the_browsers_language(
    database_down,
):
    with database_down():
        reply = Client().get("/chat/some-conversation-token/", HTTP_ACCEPT_LANGUAGE="fi")
    assert_patient_page(reply, 503)
    assert_finnish(reply)
    assert "<textarea" in reply.content.decode()


@pytest.mark.django_db
def test_the_chat_form_carries_the_conversations_language(client):
    _, token = workflow.conversation_start(locale="fi")
    page = client.get(f"/chat/{token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="lang" value="fi"' in page
