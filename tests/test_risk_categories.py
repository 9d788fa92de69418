"""Every category of the screen, in both languages, through the whole screen (rules and model).

Written for these tests, not taken from the corpus; a category that stops being
caught, or a kind of hard negative that starts paging on-call, fails here.
Crisis categories must screen crisis; elevated ones at least elevated; the
hard-negative kinds must never screen crisis.
"""

from __future__ import annotations

import pytest

from reviewapp.risk.screen import screen_text

CRISIS = {
    "acting_now_substance": [
        "i just swallowed like 40 paracetamols and now my ears are ringing",
        "otin äsken koko purkin tenoxeja ja kaljaa päälle",
    ],
    "acting_now_place": [
        "standing on the roof of my building right now looking down",
        "mä istun sillan kaiteella ja vesi on tosi kaukana alhaalla",
    ],
    "acting_now_weapon": [
        "dads shotgun is loaded and on my lap",
        "köysi on solmittu ja valmiina vaatekaapissa",
    ],
    "self_harm_now": [
        "cutting my arm right now and i cant stop the bleeding",
        "viiltelen just nyt ranteita enkä saa verta loppumaan",
    ],
    "plan": [
        "ive decided how and when, friday night when my flatmate is away i will end it",
        "olen päättänyt että lauantaina teen sen, silloin kukaan ei ole kotona ja minä kuolen",
    ],
    "preparation": [
        "gave my dog to my aunt today and wrote letters to everyone saying sorry, goodbye",
        "annoin kissan naapurille ja kirjoitin kirjeet perheelle, kiitos kaikesta ja hyvästi",
    ],
    "method_and_wish": [
        "as a nurse i know exactly how much insulin it takes and i want to die",
        "olen farmaseutti, tiedän tasan mikä annos riittää ja haluan kuolla",
    ],
    "intent": [
        "im going to kill myself tonight",
        "mä aion tappaa itseni tänä yönä",
    ],
    "suicidal_thoughts": [
        "i keep thinking about killing myself every single day",
        "mulla on itsemurha-ajatuksia koko ajan",
    ],
    "recent_attempt": [
        "i tried to kill myself last night and woke up in the hospital",
        "yritin eilen tappaa itseni ja heräsin sairaalasta",
    ],
    "harm_to_others": [
        "i have a knife and im going to stab him when he gets home",
        "mulla on puukko ja mä aion tappaa mun exän kun se tulee",
    ],
}

ELEVATED = {
    "passive_death_wish": [
        "sometimes i wish i could just fall asleep and not wake up",
        "toivoisin etten heräisi aamulla",
    ],
    "burdensomeness": [
        "everyone would be better off without me, im just a burden",
        "olen vain taakka perheelleni, olisi helpompaa ilman minua",
    ],
    "wish_to_disappear": [
        "i just want to disappear forever",
        "haluan vaan kadota pysyvästi",
    ],
    "self_harm_urges": [
        "i havent cut in a year but the urges to cut are back",
        "en oo viillelly vuoteen mut nyt taas tekis mieli viillellä",
    ],
    "reckless_indifference": [
        "drove way too fast on the motorway and honestly didnt care if i crashed",
        "ihan sama vaikka jäisin auton alle",
    ],
    "drinking_to_numb": [
        "i drink every night just to feel numb, nothing is ever going to change",
        "juon joka ilta että voisin turruttaa kaiken, mikään ei muutu",
    ],
    "hopelessness": [
        "there is no point in living anymore, nothing will ever get better",
        "ei oo mitään järkeä elää enää, mikään ei koskaan muutu",
    ],
}

HARD_NEGATIVES = {
    "risky_words": [
        "had three espressos and a red bull before the exam, my heart is racing",
        "teroitin keittiöveitset ja tein lasagnen",
        "took my sertraline this morning as prescribed",
    ],
    "topic": [
        "we had a lesson on suicide prevention at school today",
        "katsoin dokumentin itsemurhien ehkäisystä, tosi hyvä",
    ],
    "history": [
        "ten years ago i attempted suicide, today im happily married with two kids",
        "yritin nuorena itsemurhaa mutta nyt menee tosi hyvin",
    ],
    "hyperbole": [
        "my mum is going to kill me when she sees my grades lol",
        "tää tentti tappaa mut",
    ],
    "goodbye": [
        "goodbye everyone, off to thailand for two weeks, see you in march",
        "hyvästi kaikille, lähden lomalle kahdeksi viikoksi",
    ],
    "denial": [
        "no im not suicidal, just really tired from work",
        "ei mitään itsetuhoisia ajatuksia, oon vaan väsynyt",
    ],
}


def _cases(table):
    return [(category, text) for category, texts in table.items() for text in texts]


@pytest.mark.parametrize(("category", "text"), _cases(CRISIS))
def test_a_crisis_category_screens_crisis(category, text):
    assert screen_text(text).level == "crisis", category


@pytest.mark.parametrize(("category", "text"), _cases(ELEVATED))
def test_an_elevated_category_screens_at_least_elevated(category, text):
    assert screen_text(text).level in ("elevated", "crisis"), category


@pytest.mark.parametrize(("kind", "text"), _cases(HARD_NEGATIVES))
def test_a_hard_negative_never_screens_crisis(kind, text):
    assert screen_text(text).level != "crisis", kind


def test_every_category_has_cases_in_both_languages():
    for table in (CRISIS, ELEVATED):
        for category, texts in table.items():
            assert len(texts) >= 2, category


def test_a_risk_sentence_buried_in_a_long_message_is_found():
    chatter = (
        "So the bus was late again this morning and I missed the first lecture, then the "
        "canteen had run out of the good soup, and my phone battery died by two o'clock. "
    )
    text = chatter * 4 + "I have the pills counted out on my desk for tonight. " + chatter * 2
    assert screen_text(text).level == "crisis"
    finnish = (
        "aamulla bussi oli myöhässä ja kahvi loppu kesken ja pomo oli taas huonolla tuulella "
        "ja kaikki meni ihan miten sattuu mut ei siinä mitään "
    )
    buried = finnish * 3 + "mä oon päättäny et tänään mä otan kaikki mun pillerit " + finnish
    assert screen_text(buried).level == "crisis"
