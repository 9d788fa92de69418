# ruff: noqa: E501  (word lists read best as they are)
"""Personal names, Finnish inflected forms included ("Sannalle", "Matille", "Virtaselle").

First names come from the first-name dictionary gender-guesser ships (Jörg
Michael's nam_dict, 40,000 names with their frequency per country), keeping
those in use in Finland, Britain, Ireland or the United States; common
surnames are listed below. A capitalised word is a name if it, or its base form
after removing a Finnish case ending and undoing consonant gradation, is in
those lists; a capitalised word right after a first name is its surname; a
capitalised word shaped like a Finnish surname (-nen, -sen, -selle...) in the
middle of a sentence is one too. Names that are also everyday words ("Toivo",
"Onni", "Will", "May") count only where a word in the middle of a sentence is
capitalised.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

from reviewapp.deid.entities import Entity

# Columns of nam_dict.txt holding a name's frequency in each country.
# (Sweden's column was tried and left out: it made "My" and "Edit" names.)
_COUNTRY_COLUMNS = {"GB": 30, "IE": 31, "US": 32, "FI": 49}

# Short forms the dictionary lists without an English-speaking country's frequency.
SHORT_FORMS = frozenset(
    [
        "mike",
        "dave",
        "tom",
        "jim",
        "bob",
        "kate",
        "liz",
        "steve",
        "chris",
        "matt",
        "nick",
        "dan",
        "sam",
        "ben",
        "joe",
        "tony",
        "andy",
        "pete",
        "alex",
        "jen",
        "jess",
        "becky",
        "meg",
        "jake",
        "tim",
        "rick",
        "greg",
        "jeff",
        "ken",
        "jon",
        "josh",
        "zach",
        "kim",
    ]
)

SURNAMES = frozenset(
    [
        "korhonen",
        "virtanen",
        "mäkinen",
        "nieminen",
        "mäkelä",
        "hämäläinen",
        "laine",
        "heikkinen",
        "koskinen",
        "järvinen",
        "lehtonen",
        "lehtinen",
        "saarinen",
        "salminen",
        "heinonen",
        "niemi",
        "heikkilä",
        "kinnunen",
        "salonen",
        "turunen",
        "salo",
        "laitinen",
        "tuominen",
        "rantanen",
        "karjalainen",
        "jokinen",
        "mattila",
        "savolainen",
        "lahtinen",
        "ahonen",
        "leinonen",
        "lindholm",
        "lindqvist",
        "nyström",
        "hiltunen",
        "kettunen",
        "miettinen",
        "pitkänen",
        "huttunen",
        "toivonen",
        "anttila",
        "aaltonen",
        "manninen",
        "laaksonen",
        "räsänen",
        "tanskanen",
        "smith",
        "johnson",
        "williams",
        "brown",
        "jones",
        "garcia",
        "miller",
        "davis",
        "rodriguez",
        "martinez",
        "hernandez",
        "lopez",
        "wilson",
        "anderson",
        "thomas",
        "taylor",
        "moore",
        "jackson",
        "martin",
        "lee",
        "thompson",
        "white",
        "harris",
        "clark",
        "lewis",
        "robinson",
        "walker",
        "young",
        "allen",
        "king",
        "wright",
        "scott",
        "green",
        "baker",
        "adams",
        "nelson",
        "hill",
        "campbell",
        "mitchell",
        "roberts",
        "carter",
        "phillips",
        "evans",
        "turner",
        "parker",
        "collins",
        "edwards",
        "stewart",
        "morris",
        "murphy",
        "cook",
        "rogers",
        "morgan",
        "cooper",
        "peterson",
        "reed",
        "bailey",
        "kelly",
        "howard",
    ]
)

# Names that are also everyday words: a name only when capitalised mid-sentence.
EVERYDAY_WORDS = frozenset(
    [
        "toivo",
        "tuuli",
        "onni",
        "satu",
        "ilma",
        "aamu",
        "ilta",
        "lumi",
        "taimi",
        "armas",
        "lempi",
        "sulo",
        "ilo",
        "rauha",
        "kaino",
        "usko",
        "into",
        "oiva",
        "veli",
        "vieno",
        "aura",
        "kielo",
        "lilja",
        "ruusu",
        "paju",
        "sini",
        "valo",
        "will",
        "may",
        "hope",
        "bill",
        "mark",
        "grace",
        "joy",
        "faith",
        "rose",
        "june",
        "april",
        "august",
        "art",
        "frank",
        "honey",
        "summer",
        "autumn",
        "dawn",
        "guy",
        "jack",
        "rob",
        "sue",
        "pat",
        "ray",
    ]
)

_CASE_ENDINGS = sorted(
    [
        "lle",
        "lla",
        "llä",
        "lta",
        "ltä",
        "ssa",
        "ssä",
        "sta",
        "stä",
        "ksi",
        "na",
        "nä",
        "n",
        "a",
        "ä",
        "ta",
        "tä",
        "hin",
        "hen",
        "han",
        "hön",
        "seen",
        "iin",
        "aan",
        "ään",
        "ineen",
        "kin",
        "kaan",
        "kään",
        "lleni",
        "llesi",
    ],
    key=len,
    reverse=True,
)
_WORD = re.compile(r"[A-ZÅÄÖ](?:'[A-Z])?[a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?")
# "Dr. Patel", "tri Virtanen": a title's full stop does not start a sentence, and
# the word after a title is a name.
_AFTER_TITLE = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Miss|Prof|Rev|tri|rva|hra|nti|prof)\.?\s+$")
_AFTER_SAINT = re.compile(r"\bSt\.?\s+$")

# Words capitalised for other reasons than being someone's name.
NEVER_NAMES = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "can",
        "sunny",
        "isä",
        "äiti",
        "columbus",
        "tammikuu",
        "helmikuu",
        "maaliskuu",
        "huhtikuu",
        "toukokuu",
        "kesäkuu",
        "heinäkuu",
        "elokuu",
        "syyskuu",
        "lokakuu",
        "marraskuu",
        "joulukuu",
        "jenkki",
        "jenkit",
    ]
)
_FI_SURNAME_SHAPE = re.compile(
    r"[A-ZÅÄÖ][a-zåäö]{2,}(?:nen|s(?:en|elle|ella|ellä|elta|eltä|esta|estä|eksi|ta|tä|ia|iä))$"
)


def _name_dictionary() -> Path:
    spec = importlib.util.find_spec("gender_guesser")
    return Path(spec.origin).parent / "data" / "nam_dict.txt"


@cache
def first_names() -> frozenset[str]:
    names = set()
    with _name_dictionary().open(encoding="utf-8") as f:
        for line in f:
            if line[:1] in "#=" or len(line) < 50:
                continue
            if any(line[col] not in " \n$" for col in _COUNTRY_COLUMNS.values()):
                name = line.split()[1]
                for variant in (name.replace("+", ""), name.replace("+", "-")):
                    names.add(variant.lower())
    return frozenset(names | SHORT_FORMS)


def _known(word: str) -> bool:
    lowered = word.lower()
    return lowered in first_names() or lowered in SURNAMES


def base_form(word: str) -> str | None:
    """The listed name ``word`` is a form of, or None: "Matille" -> "matti"."""
    if _known(word):
        return word.lower()
    lowered = word.lower()
    for ending in _CASE_ENDINGS:
        if not lowered.endswith(ending) or len(lowered) - len(ending) < 2:
            continue
        stem = lowered[: -len(ending)]
        for candidate in _undo_gradation(stem):
            if candidate in first_names() or candidate in SURNAMES:
                return candidate
    return None


def _undo_gradation(stem: str) -> list[str]:
    """Stems a case ending may have changed: Mati->Matti, Juka->Jukka, Virtase->Virtanen."""
    candidates = [stem, stem + "i", stem + "e", stem + "a", stem + "o"]
    if len(stem) > 3 and stem[-1] == stem[-2]:
        candidates.append(stem[:-1])  # Laineelta -> Laine
    if stem.endswith("se"):
        candidates.append(stem[:-2] + "nen")
    # Weak grade back to strong: a single t, k or p before the last vowel doubles.
    gradation = re.match(r"^(.*)([tkp])([aeiouyäö])$", stem)
    if gradation:
        head, consonant, vowel = gradation.groups()
        candidates.append(f"{head}{consonant}{consonant}{vowel}")
    return candidates


def _starts_sentence(text: str, start: int) -> bool:
    index = start - 1
    while index >= 0 and text[index] in " \t\"'“(":
        index -= 1
    return index < 0 or text[index] in ".!?:\n"


def find_names(text: str) -> list[Entity]:
    found: list[Entity] = []
    previous_end, previous_was_name = -1, False
    for match in _WORD.finditer(text):
        word = match.group()
        # Only the few characters before the word decide these; a whole-prefix
        # search per word made long texts quadratic.
        before = text[max(0, match.start() - 12) : match.start()]
        if _AFTER_SAINT.search(before):
            previous_was_name = False
            continue
        after_title = bool(_AFTER_TITLE.search(before))
        start_of_sentence = not after_title and _starts_sentence(text, match.start())
        base = base_form(word)
        if base in NEVER_NAMES:
            base = None
        everyday = base in EVERYDAY_WORDS if base else False
        follows_name = previous_was_name and text[previous_end : match.start()] == " "
        is_name = (
            after_title
            or (base is not None and not (everyday and start_of_sentence))
            or (not start_of_sentence and _FI_SURNAME_SHAPE.match(word) is not None)
        )
        if follows_name and (is_name or not start_of_sentence):
            # "Sanna Virtanen", "Sarah Connor": one name, so the surname joins it.
            last = found.pop()
            found.append(Entity("NAME", last.start, match.end(), key=last.key))
        elif is_name:
            found.append(Entity("NAME", match.start(), match.end(), key=base or word.lower()))
        else:
            previous_was_name = False
            continue
        previous_end, previous_was_name = match.end(), True
    return found
