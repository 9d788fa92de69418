"""What a word is, from maintained dictionaries rather than lists written here.

* Finnish: Voikko (libvoikko with the voikko-fi dictionary, Debian packages
  ``libvoikko1`` and ``voikko-fi``) analyses a word in any inflected form and says
  whether it is a first name, surname, place name or other proper noun, and
  whether it also reads as an ordinary word ("onni" is luck and a name,
  "Kuusamossa" only a place, "Olen" only a verb). Lower case does not hide a
  proper noun from it.
* English: SCOWL's word list (Debian ``wamerican`` and ``wbritish``) spells proper
  nouns with a capital, so a word listed in lower case is an ordinary word.
* Countries, in English and Finnish: pycountry (ISO 3166 with its translations);
  a country names nobody.
* Chat spellings neither dictionary holds ("didnt", "kaks", "mun", "tbh"):
  wordfreq's word frequencies, drawn largely from chat and social media. A word
  no dictionary knows but that thousands of people write is no one's name.

Every lookup is cached per word: an export reads the same words again and again.
"""

from __future__ import annotations

import gettext
import importlib.util
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import libvoikko
import pycountry
from wordfreq import zipf_frequency

ENGLISH_WORD_LISTS = (
    Path("/usr/share/dict/american-english"),
    Path("/usr/share/dict/british-english"),
)
PROPER_CLASSES = frozenset({"etunimi", "sukunimi", "paikannimi", "nimi"})
PERSON_CLASSES = frozenset({"etunimi", "sukunimi"})
# Zipf 3.5: about three uses in a million words, in English or Finnish text.
COMMON_IN_CHAT_ZIPF = 3.5


class LexiconMissing(RuntimeError):
    """A dictionary de-identification depends on is not installed."""


@dataclass(frozen=True)
class FinnishReading:
    word_class: str  # Voikko's CLASS: nimisana, teonsana, etunimi, paikannimi...
    base: str
    case: str  # Voikko's SIJAMUOTO: nimento, omanto (genitive), sisaolento...
    # Voikko's STRUCTURE: "=ippp" is one part spelt with a capital, "=pppp=ppp" a compound.
    structure: str
    plural: bool = False

    @property
    def proper(self) -> bool:
        # A proper noun's structure asks for a capital; Voikko files some street
        # names ("Hämeenkatu") as nouns but still with a capital.
        return self.word_class in PROPER_CLASSES or self.structure.startswith("=i")

    @property
    def compound(self) -> bool:
        return self.structure.count("=") > 1


_voikko_lock = threading.Lock()


@cache
def _voikko() -> libvoikko.Voikko:
    try:
        return libvoikko.Voikko("fi")
    except (OSError, libvoikko.VoikkoException) as error:
        raise LexiconMissing(
            "Voikko is not installed: apt-get install libvoikko1 voikko-fi"
        ) from error


@lru_cache(maxsize=200_000)
def finnish_readings(word: str) -> tuple[FinnishReading, ...]:
    """Every reading Voikko has for ``word`` (any case), or none for a word it does not know."""
    with _voikko_lock:  # a Voikko handle is not thread-safe
        analyses = _voikko().analyze(word)
    return tuple(
        FinnishReading(
            a.get("CLASS", ""),
            a.get("BASEFORM", word),
            a.get("SIJAMUOTO", ""),
            a.get("STRUCTURE", ""),
            a.get("NUMBER") == "plural",
        )
        for a in analyses
    )


@cache
def _english_words() -> tuple[frozenset[str], frozenset[str]]:
    """(ordinary words, proper nouns), both lower-cased."""
    ordinary: set[str] = set()
    proper: set[str] = set()
    present = [path for path in ENGLISH_WORD_LISTS if path.exists()]
    if not present:
        raise LexiconMissing("No English word list: apt-get install wamerican wbritish")
    for path in present:
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.removesuffix("'s")
            (ordinary if word.islower() else proper).add(word.lower())
    return frozenset(ordinary), frozenset(proper - ordinary)


def is_english_word(word: str) -> bool:
    """An ordinary English word (listed in lower case)."""
    return word.lower() in _english_words()[0]


@lru_cache(maxsize=200_000)
def is_common_in_chat(word: str) -> bool:
    """Written often in English or Finnish text though no dictionary lists it as a word.
    Names are written often too ("Tyler", "Dave"): a listed name or proper noun is none."""
    if is_english_proper_noun(word) or word in first_names():
        return False
    return _zipf(word) >= COMMON_IN_CHAT_ZIPF


def is_rare(word: str) -> bool:
    """Written less than about three times in a million words ("wick", "cork")."""
    return _zipf(word) < COMMON_IN_CHAT_ZIPF


def is_very_common(word: str) -> bool:
    """Among the few thousand commonest words of English or Finnish ("next", "day")."""
    return _zipf(word) >= 5.0


@lru_cache(maxsize=200_000)
def _zipf(word: str) -> float:
    """How often ``word`` is written, in the language that writes it more."""
    return max(zipf_frequency(word, "en"), zipf_frequency(word, "fi"))


def is_english_proper_noun(word: str) -> bool:
    """Listed with a capital only: a name, a place, a brand."""
    return word.lower() in _english_words()[1]


# Columns of nam_dict.txt holding a name's frequency in each country: a name with
# any frequency in one of them is in use there.
# (Sweden's column was tried and left out: it made "My" and "Edit" names.)
_COUNTRY_COLUMNS = {"GB": 30, "IE": 31, "US": 32, "FI": 49}


def _name_dictionary() -> Path:
    spec = importlib.util.find_spec("gender_guesser")
    return Path(spec.origin).parent / "data" / "nam_dict.txt"


@cache
def first_names() -> frozenset[str]:
    """First names in use in Finland, Britain, Ireland or the United States, lower-cased
    (nam_dict.txt, and recent Finnish names from ``data/first_names_fi_recent.txt``)."""
    names: set[str] = set()
    with _name_dictionary().open(encoding="utf-8") as f:
        for line in f:
            if line[:1] in "#=" or len(line) < 50:
                continue
            if any(line[col] not in " \n$" for col in _COUNTRY_COLUMNS.values()):
                name = line.split()[1]
                for variant in (name.replace("+", ""), name.replace("+", "-")):
                    names.add(variant.lower())
    recent = Path(__file__).parent / "data" / "first_names_fi_recent.txt"
    for line in recent.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            names.add(line.strip())
    return frozenset(names)


@cache
def _countries() -> frozenset[str]:
    finnish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fi"])
    names: set[str] = set()
    for country in pycountry.countries:
        for name in (
            country.name,
            getattr(country, "common_name", ""),
            finnish.gettext(country.name),
        ):
            if name and " " not in name:
                names.add(name.lower())
    # The nations of Britain and everyday names for countries, in English and Finnish.
    everyday = {"england", "scotland", "wales", "britain", "usa", "uk", "america"}
    everyday |= {"englanti", "skotlanti", "britannia", "amerikka", "jenkit", "jenkkilä"}
    everyday |= {"yhdysvalta"}  # Voikko's base form of "Yhdysvaltain"
    return frozenset(names | everyday)


@cache
def _languages() -> frozenset[str]:
    # Only languages with a two-letter code: the other thousands include names ("Kati").
    return frozenset(
        language.name.lower()
        for language in pycountry.languages
        if " " not in language.name and hasattr(language, "alpha_2")
    )


@cache
def states() -> frozenset[str]:
    """States, provinces and territories of the United States, Canada and Australia, and
    Ireland's counties, lower-cased: "hope, arkansas" says which Hope."""
    return frozenset(
        subdivision.name.lower()
        for country in ("US", "CA", "AU", "IE")
        for subdivision in pycountry.subdivisions.get(country_code=country)
    )


@lru_cache(maxsize=200_000)
def is_country(word: str) -> bool:
    """A country or a language, in English or Finnish, in any Finnish case ("Ruotsissa")."""
    if word.lower() in _countries() or word.lower() in _languages():
        return True
    return any(r.base.lower() in _countries() for r in finnish_readings(word) if r.proper)


def check() -> None:
    """Raise LexiconMissing unless every dictionary loads (for ``manage.py check``)."""
    _voikko()
    _english_words()
