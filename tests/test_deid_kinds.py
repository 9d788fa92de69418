"""De-identification of chat as patients write it: every kind of identifier the issue
names, in Finnish and English, lower case and inflected, hidden by Unicode tricks; and
the ordinary words that must stay. (The labelled set and its figures are bench/deid.py's.)"""

from __future__ import annotations

import pytest

from reviewapp.deid import deidentify, find_entities

# kind -> (language, message, what must not survive)
PLANTED = {
    "NAME": [
        ("fi", "lumin isä haki sen ja valon kanssa riideltiin", ["lumin", "valon"]),
        # Names that are also words, by who they are or what only a person does.
        ("fi", "rauha on mun paras kaveri ja sulo (mun veli) lupas tulla", ["rauha", "sulo"]),
        ("fi", "Toivolle en oo vieläkään kertonut, kävin Illan kanssa kaupassa", ["Toivo", "Illa"]),
        ("en", "frank (my stepdad) is drunk and Summer keeps telling me", ["frank", "Summer"]),
        ("en", "june is my nan and tomorrow is will's birthday", ["june", "will"]),
        ("fi", "mun nimi on aada ja kaveri eeli soitti eilen", ["aada", "eeli"]),
        ("fi", "Kerroin Anna-Liisalle ja Jukalle kaiken.", ["Anna-Liisa", "Jukalle"]),
        ("fi", "mä ja onni käytiin lenkillä", ["onni"]),
        ("en", "hi my name is priya and my sister iris said i should write", ["priya", "iris"]),
        ("en", "Then Sky told me to leave, and Toby laughed.", ["Sky", "Toby"]),
        ("en", "will and i got the bus home", ["will"]),
    ],
    "PLACE": [
        ("fi", "mä kasvoin kellossa", ["kellossa"]),
        ("en", "grew up in hope, arkansas, then lived in bath", ["hope", "bath"]),
        ("en", "drove to medicine hat, then the tram from st kilda", ["medicine hat", "kilda"]),
        ("fi", "olin viikonlopun kustavissa ja sit vesannolla", ["kustavissa", "vesannolla"]),
        ("en", "my cousin lives in wick now", ["wick"]),
        ("fi", "asun nykyään posiolla ja ennen asuin Utajärvellä", ["posio", "Utajärvellä"]),
        ("fi", "muutettiin kuusamoon viime keväänä", ["kuusamoon"]),
        ("en", "i grew up in wrexham and moved to Bozeman last year", ["wrexham", "Bozeman"]),
        ("en", "Life in Milton Keynes is lonely.", ["Milton Keynes"]),
    ],
    "FACILITY": [
        ("en", "dad is in sunny meadows care home now", ["meadows"]),
        (
            "fi",
            "kävin Oulaisten terveyskeskuksessa ja sit meilahden sairaalassa",
            ["Oulaisten", "meilahden"],
        ),
        ("fi", "olin kuukauden koivikon kuntoutuskeskuksessa", ["koivikon"]),
        ("en", "my appointment at pinewood clinic got moved", ["pinewood"]),
        ("en", "My appointment moved to St. Jude's Hospital on the east side.", ["Jude"]),
    ],
    "SCHOOL": [
        ("fi", "tyttö on kielon päiväkodissa", ["kielon"]),
        ("en", "my boy starts at busy bees nursery monday", ["busy bees"]),
        (
            "fi",
            "poika on Kalevan koulussa ja mä opiskelen tampereen yliopistossa",
            ["Kalevan", "tampereen"],
        ),
        ("fi", "tytär on aurinkorinteen päiväkodissa", ["aurinkorinteen"]),
        ("en", "i was bullied at lincoln high", ["lincoln"]),
        ("en", "I dropped out of the University of Leeds.", ["Leeds"]),
    ],
    "EMPLOYER": [
        ("en", "dad worked at ford for 30 years, mum has shifts at next", ["ford", "next"]),
        ("fi", "oon töissä prismassa iltavuorossa", ["prismassa"]),
        ("fi", "teen töitä lidlissä kassalla", ["lidlissä"]),
        ("en", "i work at tesco on weekends", ["tesco"]),
        ("en", "My shift at Starbucks starts at 6.", ["Starbucks"]),
    ],
    "ADDRESS": [
        ("en", "we live on maple ave, off queen st", ["maple", "queen"]),
        (
            "fi",
            "muutin hämeenkadulle ja äiti asuu Koivukuja 4 B 12",
            ["hämeenkadulle", "Koivukuja 4"],
        ),
        ("fi", "ASUN MANNERHEIMINTIE 5 A", ["MANNERHEIMINTIE"]),
        ("en", "i live on maple street now", ["maple street"]),
        ("en", "send it to 38 ladybarn lane please", ["ladybarn"]),
    ],
    "HANDLE": [
        ("fi", "mun insta on sannav99 ja discord kissa#4821", ["sannav99", "kissa#4821"]),
        ("fi", "nimimerkki on: kuutamo_tyttö", ["kuutamo_tyttö"]),
        ("en", "my gamertag is darkwolf77, reddit u/throwaway_fi", ["darkwolf77", "throwaway_fi"]),
        ("en", "follow @iris.draws for my art", ["iris.draws"]),
    ],
    "PLATE": [
        ("fi", "auton rekkari on abc-123", ["abc-123"]),
        ("fi", "Se ajoi autolla XYZ-789 pihaan.", ["XYZ-789"]),
        ("en", "his car plate is AB12 CDE", ["AB12 CDE"]),
        ("en", "the truck 7KDR219 keeps driving past", ["7KDR219"]),
    ],
    "ROOM": [
        ("fi", "oon huoneessa 312 osasto 7", ["huoneessa 312", "osasto 7"]),
        ("en", "im on ward 4B, bed 12", ["ward 4B", "bed 12"]),
    ],
    "ROUTE": [
        ("fi", "kasin ratikka oli täynnä ja R-junassa ahdisti", ["kasin", "R-junassa"]),
        ("en", "i missed the 46a again and the number 9 tram was rammed", ["46a", "9 tram"]),
        ("fi", "meen bussilla 52 ja sit linja 23", ["bussilla 52", "linja 23"]),
        ("en", "i take bus 64 then tram 2 every day", ["bus 64", "tram 2"]),
    ],
    "DATE": [
        ("fi", "15. päivä oli viimeinen työpäivä ja synnyin -87", ["15. päivä", "-87"]),
        ("en", "we broke up on the 2nd", ["2nd"]),
        ("en", "SEE YOU ON THE 14TH, then On The 3rd Of May", ["14TH", "3rd"]),
        (
            "fi",
            "aika on 14.9. ja toinen syyskuun 21. ja kolmas 3.10",
            ["14.9", "syyskuun 21", "3.10"],
        ),
        ("fi", "synnyin vuonna 1987", ["vuonna 1987"]),
        (
            "en",
            "i booked the dentist for 9/14 and the haircut for tuesday the 14th",
            ["9/14", "14th"],
        ),
        ("en", "I was born in 1990 and moved May 3rd", ["born in 1990", "May 3rd"]),
    ],
    "EMAIL": [
        ("fi", "meili aada ät gmail piste com tai sanna(at)luukku.fi", ["aada", "luukku"]),
        (
            "en",
            "email matti dot virtanen at gmail dot com or j.smith @ example.org",
            ["virtanen", "j.smith"],
        ),
    ],
    "SSN": [
        ("fi", "sosiaaliturvatunnus on 219-48-6650", ["219-48-6650"]),
        ("en", "my NI number is JH 12 34 56 A and my ssn was 412-55-7301", ["JH 12", "412"]),
    ],
    "POSTCODE": [
        ("fi", "osoite on myllytie 3, 93600 kuusamo", ["93600"]),
        ("en", "postcode is M14 5RT, Eircode V92 X2C4", ["M14 5RT", "V92 X2C4"]),
    ],
}


@pytest.mark.parametrize(
    ("kind", "lang", "text", "secrets"),
    [(kind, *case) for kind, cases in PLANTED.items() for case in cases],
    ids=lambda value: value if isinstance(value, str) and len(value) < 12 else None,
)
def test_it_removes_every_kind_in_both_languages(kind, lang, text, secrets):
    masked, _ = deidentify(text)
    for secret in secrets:
        assert secret.lower() not in masked.lower(), (kind, masked)


@pytest.mark.parametrize(
    "text",
    [
        "Olen ollut tosi väsynyt. Minä en jaksa enää.",
        "Can you tell me more? Will it ever get better? May is hard.",
        "onni oli matkassa ja toivo heräsi taas, usko on koetuksella",
        "I lost faith this summer and the bill came on Monday in March.",
        "kävin kaupassa ja terveyskeskuksessa maanantaina, koulussa oli raskasta",
        "I take sertraline 50 mg at 9:15 and 2.5 mg at night, anxiety 7/10",
        "klo 14.30 otin puolikkaan, 1/2 tablettia, kolme kertaa viikossa",
        "my iris hurts and the sky is grey, i go to the store after work",
        "töissä oli tänään tosi kiireistä ja bussissa ahdisti",
        "Mark my words, hope is all I have left. I speak English at home.",
        "Lähdin Ruotsiin ja Suomeen palasin huhtikuussa.",
        "the 3rd time this week i could not sleep, on the 2nd floor of the clinic",
        "mä en tiiä mitä tehdä, tbh idk, ahdistaa ihan hulluna",
        "hope keeps me going and faith is all i have",
        "tuuli muutti suuntaa ja lumi ei sulanut, äiti soittaa joka päivä itkien",
        "i work at night and study at home",
        "she is my best friend and this is my mum, today is my mum's birthday",
        "went to the job centre and got into art school, i was at secondary school",
        "kävin tytön koulussa ja lasten päiväkodissa",
        "the 3 of us took the 2 kids home",
        "the dr said we live in hope, hän lähti vaan pois",
        "äiti on mun paras ystävä ja siskoni on mun tuki",
        "a little rock hit the window, on my way home",
    ],
)
def test_it_keeps_ordinary_words(text):
    assert deidentify(text)[0] == text


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("Soita Sa\u200bnna Virtaselle", "Sa\u200bnna Virtaselle"),  # zero-width space
        ("hetu １３１０５２－３０８Ｔ ok", "１３１０５２－３０８Ｔ"),  # full-width forms
        ("mail sanna.k\u200f@gmail.com now", "sanna.k\u200f@gmail.com"),  # right-to-left mark
        ("call 040\u00a0123\u00a04567", "040\u00a0123\u00a04567"),  # no-break spaces
        ("Pri\u200dya Nair wrote", "Pri\u200dya Nair"),  # zero-width joiner
    ],
)
def test_it_sees_through_unicode_tricks_and_points_into_the_original(text, hidden):
    spans = [text[e.start : e.end] for e in find_entities(text)]
    assert hidden in spans, spans
    assert hidden not in deidentify(text)[0]


def test_a_sentence_initial_word_is_not_taken_for_a_name():
    assert deidentify("Olen ollut väsynyt. Can you help?")[0] == "Olen ollut väsynyt. Can you help?"
    assert deidentify("Aada soitti.")[0] == "[NAME] soitti."


def test_a_name_is_numbered_the_same_in_lower_case_and_inflected():
    from reviewapp.deid import Pseudonyms

    pseudonyms = Pseudonyms()
    first, _ = deidentify("Sanna soitti", pseudonyms)
    second, _ = deidentify("kerroin sannalle", pseudonyms)
    assert first == "[NAME_1] soitti" and second == "kerroin [NAME_1]"
