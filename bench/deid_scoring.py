"""Scoring a de-identifier against ``tests/data/deid_eval.jsonl``, for the bench scripts.

A labelled identifier counts as found when predicted spans (of any type) cover
all of its characters; "kept" is the share of words outside every labelled
identifier that no predicted span touches. No Django: ``bench/deid_ner.py``
runs it in a virtualenv without the project's dependencies.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

WORD = re.compile(r"\w+")


@dataclass
class Score:
    found: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    kept: int = 0
    words: int = 0
    # Identifiers holding a digit or an @: the goal is that none of them leaks.
    with_digits: int = 0
    with_digits_leaked: int = 0
    find_seconds: float = 0.0  # inside ``find`` only
    seconds: float = 0.0  # the whole pass, scoring included


def score(rows: list[dict], find: Callable[[str], list]) -> Score:
    result = Score()
    started = time.perf_counter()
    for row in rows:
        text = row["text"]
        finding = time.perf_counter()
        predicted = find(text)
        result.find_seconds += time.perf_counter() - finding
        covered = set()
        for entity in predicted:
            covered.update(range(entity.start, entity.end))
        gold = set()
        for entity in row["entities"]:
            span = set(range(entity["start"], entity["end"]))
            gold |= span
            result.total[entity["type"]] += 1
            result.found[entity["type"]] += span <= covered
            value = text[entity["start"] : entity["end"]]
            if any(c.isdigit() for c in value) or "@" in value or "＠" in value:
                result.with_digits += 1
                result.with_digits_leaked += not span <= covered
        for match in WORD.finditer(text):
            span = set(range(match.start(), match.end()))
            if span & gold:
                continue
            result.words += 1
            result.kept += not (span & covered)
    result.seconds = time.perf_counter() - started
    return result
