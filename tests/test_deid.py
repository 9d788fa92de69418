"""De-identification: typed placeholders, names in Finnish inflected forms, consistent numbering."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from reviewapp.deid import Pseudonyms, deidentify
from reviewapp.deid.names import base_form
from reviewapp.deid.structured import is_valid_hetu


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Soita 040 123 4567 tai +358 9 1234 5678.", "Soita [PHONE] tai [PHONE]."),
        ("Hetuni on 131052-308T.", "Hetuni on [HETU]."),
        (
            "Mail me at sarah.c@example.com or see www.example.org/me",
            "Mail me at [EMAIL] or see [URL]",
        ),
        ("Follow @sanna_v there.", "Follow [HANDLE] there."),
        ("Asun Hämeenkatu 5 B, 33100 Tampere.", "Asun [ADDRESS], [POSTCODE] [PLACE]."),
        (
            "I live at 42 Elm Street, Apt 3, Springfield, IL 62704.",
            "I live at [ADDRESS], [PLACE], IL [POSTCODE].",
        ),
        ("Synnyin 12.3.1985 ja muutin 3. maaliskuuta 2001.", "Synnyin [DATE] ja muutin [DATE]."),
        ("Born March 3, 1985; SSN 123-45-6789.", "Born [DATE]; SSN [SSN]."),
        (
            "My MRN is 0048213, policy #PLC-99812-X.",
            "My MRN is [RECORD_NUMBER], policy #[RECORD_NUMBER].",
        ),
        (
            "Soitin Sannalle ja Matille, sitten Jukan äidille.",
            "Soitin [NAME] ja [NAME], sitten [NAME] äidille.",
        ),
        ("Sarah Connor and Mike came over.", "[NAME] and [NAME] came over."),
        ("Puhuin Virtaselle eilen.", "Puhuin [NAME] eilen."),
    ],
)
def test_it_replaces_every_identifier_with_its_type(text, expected):
    assert deidentify(text)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Toivo on tärkeää, ja tuuli puhaltaa.",
        "Will it ever get better? May is hard.",
        "Kesällä on kaunista, klo 14 on hyvä aika.",
        "I take Sertraline 50 mg in 2019 and pay 20 euros.",
        "Eilen oli vaikea päivä, 3 kertaa viikossa itken.",
    ],
)
def test_it_keeps_ordinary_words(text):
    assert deidentify(text)[0] == text


def test_it_finds_the_base_form_of_inflected_finnish_names():
    assert base_form("Sannalle") == "sanna"
    assert base_form("Matille") == "matti"
    assert base_form("Jukan") == "jukka"
    assert base_form("Virtaselle") == "virtanen"
    assert base_form("Pöytä") is None


def test_it_numbers_the_same_person_the_same_within_a_conversation():
    pseudonyms = Pseudonyms()
    first, _ = deidentify("Sanna soitti, ja Matti vastasi 040 123 4567.", pseudonyms)
    second, _ = deidentify("Kerroin Sannalle, että soitan 040-1234567.", pseudonyms)
    assert first == "[NAME_1] soitti, ja [NAME_2] vastasi [PHONE_1]."
    assert second == "Kerroin [NAME_1], että soitan [PHONE_1]."


def test_it_checks_the_henkilotunnus_check_character_but_masks_both():
    assert is_valid_hetu("131052-308T") and not is_valid_hetu("131052-308U")
    assert deidentify("Tunnus 131052-308U.")[0] == "Tunnus [HETU]."


def test_the_command_speaks_json_lines_with_entities_in_the_input(monkeypatch):
    text = "Soita Sannalle 040 123 4567."
    monkeypatch.setattr("sys.stdin", StringIO(json.dumps({"id": "a", "text": text}) + "\n"))
    out = StringIO()
    call_command("deidentify", stdout=out)
    answer = json.loads(out.getvalue())
    assert answer["id"] == "a" and answer["text"] == "Soita [NAME] [PHONE]."
    assert [text[e["start"] : e["end"]] for e in answer["entities"]] == ["Sannalle", "040 123 4567"]
