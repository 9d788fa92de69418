"""Invisible characters in patient text: clinicians see each one named, patients none.

A right-to-left override makes "I will kill myself" draw as something else; a zero
width space splits a word a search or a reader would otherwise catch.
"""

from __future__ import annotations

import pytest

from reviewapp import workflow
from reviewapp.templatetags.hidden_characters import show_hidden, without_reordering
from tests.factories import ready_request

RLO, PDF = "\u202e", "\u202c"
LRI, PDI = "\u2066", "\u2069"
ZWSP, ZWJ, BOM = "\u200b", "\u200d", "\ufeff"


@pytest.mark.parametrize(
    ("char", "name"),
    [
        (RLO, "RIGHT-TO-LEFT OVERRIDE"),
        (LRI, "LEFT-TO-RIGHT ISOLATE"),
        (PDI, "POP DIRECTIONAL ISOLATE"),
        (ZWSP, "ZERO WIDTH SPACE"),
        (ZWJ, "ZERO WIDTH JOINER"),
        (BOM, "ZERO WIDTH NO-BREAK SPACE"),
    ],
)
def test_it_draws_each_hidden_character_as_a_named_marker(char, name):
    html = show_hidden(f"a{char}b")
    code = f"U+{ord(char):04X}"
    assert html == (f'a<span class="hidden-char" title="Hidden character: {name}">⟨{code}⟩</span>b')
    assert char not in html


def test_it_marks_an_isolate_pair_and_escapes_everything_else():
    html = show_hidden(f'<b onclick="x">{LRI}me & you{PDI}</b>')
    assert html.startswith("&lt;b onclick=&quot;x&quot;&gt;<span")
    assert "⟨U+2066⟩</span>me &amp; you<span" in html and "⟨U+2069⟩" in html
    assert "<b" not in html


def test_it_leaves_ordinary_text_as_escaping_would():
    text = 'Kiitos, että kysyit. I\'m "fine" — עברית 👍'
    assert show_hidden(text) == text.replace("'", "&#x27;").replace('"', "&quot;")


def test_it_removes_reordering_and_zero_width_spaces_for_the_patient_but_keeps_joiners():
    family = "👨\u200d👩\u200d👧"  # an emoji sequence held together by joiners
    text = f"{RLO}evil{PDF} {LRI}x{PDI}{ZWSP}y{BOM} {family}"
    assert without_reordering(text) == f"evil xy {family}"


@pytest.mark.django_db
def test_the_review_page_shows_the_markers_and_the_chat_page_none(client, alice):
    conversation, token = workflow.conversation_start(locale="en")
    text = f"I feel {RLO}fine{PDF} to{ZWSP}day"
    message = workflow.message_receive(conversation=conversation, text=text)
    draft = ready_request(message=message)

    client.force_login(alice)
    review = client.get(f"/review/{draft.pk}/").content.decode()
    assert "I feel <span" in review
    for code in ("U+202E", "U+202C", "U+200B"):
        assert f"⟨{code}⟩</span>" in review
    assert RLO not in review and ZWSP not in review

    client.logout()
    chat = client.get(f"/chat/{token}/").content.decode()
    assert "I feel fine today" in chat
    assert RLO not in chat and PDF not in chat and ZWSP not in chat


def test_a_candidate_keeps_its_text_flagged_and_the_patient_gets_what_was_signed(client, alice):
    """A model's candidate holding hidden characters is flagged on the review page, its
    text left as it is (the edit box starts from it); approved, the patient's page shows
    exactly the released text, invisible characters and all: only what a patient wrote
    is stripped there."""
    conversation, token = workflow.conversation_start(locale="en")
    message = workflow.message_receive(conversation=conversation, text="Hello.")
    signed = f"That sounds hard.{ZWSP} What helps{RLO} you rest?"
    draft = ready_request((signed, "Plain reply."), message=message)
    client.force_login(alice)
    review = client.get(f"/review/{draft.pk}/").content.decode()
    first, second = draft.candidates.order_by("position")
    assert f'data-hidden-characters="{first.pk}"' in review
    assert "U+200B ZERO WIDTH SPACE, U+202E RIGHT-TO-LEFT OVERRIDE" in review
    assert f'data-hidden-characters="{second.pk}"' not in review
    assert f'data-candidate-text="{first.pk}">{signed}</p>' in review

    workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="approve", candidate_id=first.pk
    )
    client.logout()
    chat = client.get(f"/chat/{token}/").content.decode()
    assert f'<div class="msg clinician">{signed}<small' in chat
