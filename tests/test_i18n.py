"""English and Finnish interface, chosen per user; the patient's page follows the conversation."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from reviewapp import workflow
from reviewapp.models import AuditEvent, UserPreference
from tests.factories import ready_request

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.BASE_DIR) / "locale" / "fi" / "LC_MESSAGES"


def test_it_serves_each_user_the_language_they_chose(client, alice, bob):
    UserPreference.objects.create(user=alice, language="fi")
    ready_request()
    client.force_login(alice)
    page = client.get("/queue/").content.decode()
    assert '<html lang="fi">' in page and "Tarkistusjono" in page and "Review queue" not in page
    client.force_login(bob)
    page = client.get("/queue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page and "Review queue" in page


def test_it_switches_language_and_remembers_it(client, alice):
    client.force_login(alice)
    reply = client.post("/preferences/language/", {"language": "fi", "next": "/queue/"})
    assert reply.status_code == 302 and reply["Location"] == "/queue/"
    assert UserPreference.objects.get(user=alice).language == "fi"
    assert "Tarkistusjono" in client.get("/queue/").content.decode()
    assert AuditEvent.objects.filter(action="preference.language", actor=alice).exists()
    # A fresh session reads the choice back from the database.
    client.logout()
    client.force_login(alice)
    assert "Tarkistusjono" in client.get("/queue/").content.decode()


def test_it_refuses_unknown_languages_and_foreign_redirects(client, alice):
    client.force_login(alice)
    assert client.post("/preferences/language/", {"language": "xx"}).status_code == 400
    reply = client.post(
        "/preferences/language/", {"language": "en", "next": "https://evil.example/"}
    )
    assert reply["Location"] == "/"


def test_it_speaks_finnish_to_a_finnish_patient(client):
    conversation, token = workflow.conversation_start(locale="fi")
    page = client.get(f"/chat/{token}/").content.decode()
    assert '<html lang="fi">' in page and ">Viestisi<" in page and ">Lähetä<" in page


def test_it_translates_workflow_errors_for_the_reader(client, alice):
    UserPreference.objects.create(user=alice, language="fi")
    draft = ready_request()
    client.force_login(alice)
    reply = client.post(f"/review/{draft.pk}/decide/", {"action": "reject"}, follow=True)
    assert "Hylkäykselle on valittava vähintään yksi syy" in reply.content.decode()


def _po_entries() -> dict[str, str]:
    text = (CATALOG / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        if "#, fuzzy" in block:
            raise AssertionError("fuzzy entry left in django.po:\n" + block)
        found = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, re.M)
        if found:
            msgid, msgstr = (
                "".join(re.findall(r'"(.*)"', part)).replace('\\"', '"').replace("\\n", "\n")
                for part in found.groups()
            )
            entries[msgid] = msgstr
    return entries


def test_it_has_a_finnish_translation_for_every_message_and_a_current_catalog():
    entries = {k: v for k, v in _po_entries().items() if k}
    assert len(entries) > 200
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert untranslated == []
    compiled = gettext.GNUTranslations((CATALOG / "django.mo").open("rb"))
    # The .mo must be compiled from this .po: every message resolves to a translation.
    stale = [m for m in entries if "%" not in m and compiled.gettext(m) == m]
    assert stale == []
