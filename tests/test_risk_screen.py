"""Risk screening of every patient message: Finnish and English, negation, idioms, fail-safe.

The screen is the rules and the learned layer together (either can raise the
level); ``rules_screen`` alone is tested where a rule's own behaviour is meant.
"""

from __future__ import annotations

import json
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from reviewapp.models import AuditEvent, DraftRequest, Message
from reviewapp.risk import screen
from reviewapp.risk.screen import risk_screen, rules_screen, screen_text
from tests.factories import patient_message

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I'm going to kill myself tonight.", "crisis"),
        ("Mä oon säästäny pillereitä koko kuukauden.", "crisis"),
        ("Seison sillalla enkä tiedä mitä teen.", "crisis"),
        ("I gave my cat to my neighbour. This is my last message.", "crisis"),
        ("Ajattelen itsemurhaa joka päivä.", "crisis"),
        ("Viiltelin juuri ranteita.", "crisis"),
        ("im gonna kil myself", "crisis"),
        ("I want to hurt him, I have a knife.", "crisis"),
        ("i wish i could just not wake up", "elevated"),
        ("Kukaan ei huomaisi jos mä katoisin.", "elevated"),
        ("The urges to cut are back.", "elevated"),
        ("Nothing will ever get better.", "elevated"),
        ("This traffic is killing me.", "none"),
        ("That cake was to die for!", "none"),
        ("Kuolen nauruun tämän sarjan kanssa.", "none"),
        ("Pitää tappaa aikaa ennen bussia.", "none"),
        ("I watched a documentary about suicide prevention.", "none"),
        ("I'm not suicidal, just exhausted.", "none"),
        ("My grandmother died last spring and I miss her.", "none"),
        # "sleeping" near "all" once read as saving sleeping pills (found by the demo).
        ("I'm tired all the time even after sleeping.", "none"),
        ("I've saved up all my sleeping pills.", "crisis"),
    ],
)
def test_it_screens_hard_cases(text, level):
    assert screen_text(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A rule's own verdict: negation, denial, history, topic and jest set a match aside.
        ("En halua kuolla, haluan vain levätä.", "none"),
        ("Itsetuhoisia ajatuksia? Ei oo, oon vaan väsyny.", "none"),
        ("Ten years ago I tried to kill myself. Today I'm a mum of two.", "none"),
        ("Years ago I tried to kill myself and the thoughts are back again.", "crisis"),
        ("My sister is training as a nurse and her ward treats overdoses.", "none"),
        ("im gonna kill my brother if he eats my pizza lol", "none"),
        ("im gonna kill my brother when he comes home", "elevated"),
        ("My commute takes me over the river bridge every morning.", "none"),
        ("I'm going to do it tomorrow, the essay is due Friday.", "none"),
        ("I'm going to do it tomorrow, nobody will miss me when I'm dead.", "crisis"),
        ("I can't take it I want to kill myself", "crisis"),
        ("Teroitin puukon ja lähdin kalaan.", "none"),
        ("Otin burana 400 päänsärkyyn niinku aina.", "none"),
        ("haluun kuolla xd unohin läksyt", "elevated"),
    ],
)
def test_the_rules_set_aside_what_only_sounds_like_risk(text, level):
    assert rules_screen(text).level == level


def test_it_says_which_rule_and_phrase_made_the_level():
    result = screen_text("Honestly. I want to end my life, I have the pills ready.")
    assert result.level == "crisis"
    assert {"intent", "acting_now", "learned_model"} <= set(result.rule_names())
    assert any(r["phrase"] == "want to end my life" for r in result.reasons)


def test_it_negates_only_within_the_same_sentence():
    assert screen_text("En jaksa enää. Mä lopetan tän kaiken tänään.").level == "crisis"
    assert screen_text("I'm not okay. I want to die.").level == "crisis"


def _labelled(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def test_the_evaluation_set_is_balanced_and_covers_every_level():
    rows = _labelled("risk_eval.jsonl")
    assert len(rows) >= 150
    by_lang = {lang: [r for r in rows if r["lang"] == lang] for lang in ("fi", "en")}
    assert len(by_lang["fi"]) == len(by_lang["en"])
    for lang_rows in by_lang.values():
        assert {r["level"] for r in lang_rows} == {"none", "elevated", "crisis"}


# Floors on the older labelled sets (written before this screen; earlier rules were
# tuned on them): figures in BENCHMARKS.md. A screen that falls below these has regressed.
OLDER_SET_FLOORS = {
    "crisis_as_crisis": 0.85,
    "risk_at_least_elevated": 0.95,
    "ordinary_as_crisis": 0.1,
}


@pytest.mark.parametrize("name", ["risk_eval.jsonl", "risk_heldout.jsonl"])
def test_it_holds_its_floors_on_the_older_labelled_sets(name):
    from reviewapp.risk.training import figures

    rows = _labelled(name)
    got = figures([(row["level"], screen_text(row["text"]).level) for row in rows])
    assert got["crisis_as_crisis"]["rate"] >= OLDER_SET_FLOORS["crisis_as_crisis"]
    assert got["risk_at_least_elevated"]["rate"] >= OLDER_SET_FLOORS["risk_at_least_elevated"]
    assert got["ordinary_as_crisis"]["rate"] <= OLDER_SET_FLOORS["ordinary_as_crisis"]


def test_it_fails_safe_to_elevated_on_an_error(monkeypatch, caplog):
    def broken(text):
        raise RuntimeError("the patient said: CANARY-TEXT")

    monkeypatch.setattr(screen, "screen_text", broken)
    result = risk_screen("I am fine, thanks.")
    assert result.level == "elevated" and result.rule_names() == ["screening_error"]
    assert "CANARY-TEXT" not in caplog.text and "RuntimeError" in caplog.text


def test_it_fails_safe_to_elevated_when_too_slow(monkeypatch):
    def slow(text):
        time.sleep(0.5)
        return screen.RiskScreen(level="none")

    monkeypatch.setattr(screen, "screen_text", slow)
    result = risk_screen("I am fine, thanks.", timeout_seconds=0.05)
    assert result.level == "elevated" and result.rule_names() == ["screening_timeout"]


@pytest.mark.django_db
def test_it_screens_each_message_on_arrival_and_audits_rule_names_only():
    message = patient_message("I have saved up pills and I'm ready to die.")
    message.refresh_from_db()
    assert message.risk_level == "crisis" and message.risk_reasons
    draft = DraftRequest.objects.get(message=message)
    assert draft.risk_level == "crisis" and draft.risk_rank == 0
    event = AuditEvent.objects.get(action="message.receive", object_id=str(message.pk))
    assert event.details["risk_level"] == "crisis"
    assert "pills" not in json.dumps(event.details)
    ordinary = patient_message("Work was busy today.")
    assert Message.objects.get(pk=ordinary.pk).risk_level == "none"


def test_the_command_speaks_json_lines_with_the_same_ids(monkeypatch):
    lines = [
        json.dumps({"id": 7, "text": "mä haluun kuolla", "lang": "fi"}),
        json.dumps({"id": "b", "text": "Traffic is killing me"}),
        "{not json",
        json.dumps({"id": 9}),
    ]
    monkeypatch.setattr("sys.stdin", StringIO("\n".join(lines) + "\n"))
    out, err = StringIO(), StringIO()
    call_command("screen_risk", stdout=out, stderr=err)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert answers[0]["id"] == 7 and answers[0]["level"] == "crisis"
    assert answers[0]["reasons"][0]["rule"] == "intent"
    assert answers[1] == {"id": "b", "level": "none", "reasons": []}
    assert answers[2] == {"id": None, "error": "line 3: not valid JSON"}
    assert answers[3] == {"id": 9, "error": "text must be a string"}
    assert "2 line(s)" in err.getvalue()


@pytest.mark.parametrize(
    "text",
    [
        "I can't stop thinking about killing myself",
        "Don't worry, I took all the pills",
        "No, I want to die",
        "I'm not okay, I overdosed",
        "I can't stop cutting myself right now",
        "en jaksa, otin kaikki pillerit",
        "ei mikään auta, haluan kuolla",
        "en kestä enää, aion tappaa itseni",
        "I failed my course again and I feel suicidal",
        "I overdosed after the movie",
        "I should call the helpline, I'm suicidal",
        "Kurssi meni huonosti. Ajattelen itsemurhaa.",
        "My research is going badly, I've been suicidal for weeks",
    ],
)
def test_a_negation_or_a_topic_word_elsewhere_does_not_hide_a_crisis(text):
    """Negation reaches only within its clause; a topic word only excuses talk about the topic."""
    assert screen_text(text).level == "crisis"


def test_it_screens_the_longest_message_in_time():
    text = ("The bus was late again and work was long. " * 90)[:3900] + " I will kill myself."
    assert len(text) <= 4000
    assert risk_screen(text).level == "crisis"
