"""FinTherapy's known hallucination patterns flag candidates; nothing is ever dropped."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.factories import candidate, patient_message
from worker.post_filters import POST_FILTERS, flags_for

ALL = tuple(POST_FILTERS)


def said(text):
    return [{"role": "user", "content": text}]


@pytest.mark.parametrize(
    ("reply", "patient", "expected"),
    [
        ("Monet 30-40-vuotiaat kokevat samaa.", "Ahdistaa mennä töihin.", ["assumed_age"]),
        ("Many people aged 30 to 40 feel this way.", "Work makes me anxious.", ["assumed_age"]),
        ("At 35 many people feel this way.", "I am 35 years old and anxious.", []),
        ("Työ 24/7 kuormittaa ketä tahansa.", "Ahdistaa mennä töihin.", ["unprompted_24_7"]),
        ("Working 24/7 is exhausting.", "I work 24/7 at the hospital.", []),
        ("Oletko puhunut kumppanisi kanssa?", "Ahdistaa mennä töihin.", ["assumed_relationship"]),
        ("Have you told your wife?", "My wife says I work too much.", []),
        ("Your partner may notice it too.", "I live alone.", ["assumed_relationship"]),
        ("Kerro lisää siitä, mikä töissä ahdistaa.", "Ahdistaa mennä töihin.", []),
    ],
)
def test_it_flags_only_what_the_patient_did_not_say(reply, patient, expected):
    assert [f["filter"] for f in flags_for(reply, filters=ALL, turns=said(patient))] == expected


def test_it_says_why_and_what_matched():
    [flag] = flags_for("Olet varmaan 30-40-vuotias.", filters=("assumed_age",), turns=said("Hei"))
    assert flag["reason"].startswith("assumes an age")
    assert flag["match"] == "30-40"


def test_it_applies_only_the_profiles_own_filters():
    assert flags_for("Working 24/7 is hard.", filters=(), turns=said("Hi")) == []


@pytest.mark.django_db
def test_it_shows_flags_to_the_clinician_and_keeps_the_candidate(client, alice, tiny_profile):
    from reviewapp import workflow

    message = patient_message("Ahdistaa mennä töihin.")
    draft = message.draft_requests.get()
    text = "Työ 24/7 kuormittaa."
    flagged = replace(candidate(text), flags=flags_for(text, filters=ALL, turns=message.history()))
    workflow.generation_start(request_id=draft.pk, task_id="t")
    workflow.candidates_store(request_id=draft.pk, candidates=[flagged])
    client.force_login(alice)
    page = client.get(f"/review/{draft.pk}/").content.decode()
    assert "Työ 24/7 kuormittaa." in page
    assert "Flagged: mentions round-the-clock (24/7) work" in page


@pytest.mark.parametrize(
    ("reply", "patient", "expected"),
    [
        ("It sounds like you have depression.", "I feel low.", ["unsupported_diagnosis"]),
        ("Your depression is hard to live with.", "I was diagnosed with depression.", []),
        ("Sinulla on masennus.", "Olen väsynyt.", ["unsupported_diagnosis"]),
        ("You have been through a lot.", "I feel low.", []),
        ("Try 50 mg of melatonin tonight.", "I can't sleep.", ["medication_advice"]),
        ("Maybe increase your dose.", "My pills don't help.", ["medication_advice"]),
        ("Ota unilääke ennen nukkumaanmenoa.", "En saa unta.", ["medication_advice"]),
        ("I'm always here for you, day or night.", "I'm lonely.", ["unkeepable_promise"]),
        ("Olen aina täällä sinua varten.", "Olen yksin.", ["unkeepable_promise"]),
        ("As a young man you should not carry this alone.", "I'm tired.", ["assumed_gender"]),
        ("As a father, that must be hard.", "I'm a dad of two.", []),
        ("At your age this is common.", "I feel stuck.", ["assumed_age_general"]),
        ("Have you told your wife?", "I feel stuck.", ["assumed_relationship"]),
        ("That sounds hard. What helps you rest?", "I can't sleep.", []),
    ],
)
def test_every_profile_checks_diagnoses_dosages_promises_and_assumptions(reply, patient, expected):
    """These checks run whatever the profile's own filters (none here)."""
    assert [f["filter"] for f in flags_for(reply, filters=(), turns=said(patient))] == expected
