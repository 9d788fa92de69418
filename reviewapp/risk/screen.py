"""Screen a message: which rules match, and the highest level among them.

``risk_screen`` never raises and never takes long: an error or a screen over
its time budget answers "elevated", saying why, so a fault can only make a
message more visible, never less.
"""

from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from rapidfuzz import process
from rapidfuzz.distance import OSA

from reviewapp.risk.rules import (
    CONTRAST,
    CRISIS,
    ELEVATED,
    FIRST_PERSON,
    FIRST_PERSON_REACH,
    IDIOMS,
    NEGATION_REACH,
    NEGATORS,
    NOT_NEGATING,
    RULES,
    TOPIC_STEMS,
    TOPIC_WORDS,
    Rule,
)
from reviewapp.risk.text import Token, tokens

logger = logging.getLogger(__name__)

NONE = "none"
LEVEL_RANK = {NONE: 0, ELEVATED: 1, CRISIS: 2}
TYPO_MIN_LENGTH = 6
_SENTENCE_END = re.compile(r"[.!?\n]")
# Where a clause ends: a negation or a first-person word does not reach past these.
_CLAUSE_END = re.compile(r"[.!?;:,\n—–]")
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="risk-screen")


@dataclass(frozen=True)
class RiskScreen:
    level: str
    # [{"rule", "level", "phrase"}]: the phrase quotes the message, so reasons
    # are stored with it and shown to reviewers, never logged or audited.
    reasons: list[dict] = field(default_factory=list)

    def rule_names(self) -> list[str]:
        return sorted({reason["rule"] for reason in self.reasons})


def _split(alternative: str) -> tuple[str, ...]:
    return tuple(alternative.split())


# Every word-part any rule uses, indexed once: exact words, stems by their
# text, and both by length for the one-typo comparison.
_PARTS = {part for rule in RULES for slot in rule.slots for alt in slot for part in _split(alt)}
_EXACT = frozenset(p for p in _PARTS if not p.endswith("*"))
_STEMS = frozenset(p[:-1] for p in _PARTS if p.endswith("*"))
_LONG_EXACT = [p for p in _EXACT if len(p) >= TYPO_MIN_LENGTH]
_LONG_STEMS_BY_LENGTH: dict[int, list[str]] = {}
for _stem in _STEMS:
    if len(_stem) >= TYPO_MIN_LENGTH:
        _LONG_STEMS_BY_LENGTH.setdefault(len(_stem), []).append(_stem)


@lru_cache(maxsize=100_000)
def _parts_of(word: str) -> frozenset[str]:
    """Every rule part ``word`` satisfies: itself, stems it starts with, and parts a typo away."""
    found = {word} & _EXACT
    found |= {word[:n] + "*" for n in range(1, len(word) + 1) if word[:n] in _STEMS}
    if len(word) >= TYPO_MIN_LENGTH - 1:
        found |= {
            match
            for match, _, _ in process.extract(
                word, _LONG_EXACT, scorer=OSA.distance, score_cutoff=1, limit=None
            )
        }
        # A typo may add or drop a letter within a stem ("itsmurha", "itsemurah").
        for length, stems in _LONG_STEMS_BY_LENGTH.items():
            for n in {length - 1, length, length + 1}:
                if n <= len(word):
                    found |= {
                        match + "*"
                        for match, _, _ in process.extract(
                            word[:n], stems, scorer=OSA.distance, score_cutoff=1, limit=None
                        )
                    }
    return frozenset(found)


def _alternative_covers(parts: tuple[str, ...], word_parts: list[frozenset], at: int) -> int:
    """How many words the alternative covers starting at ``at`` (0: no match)."""
    if at + len(parts) > len(word_parts):
        return 0
    return len(parts) if all(p in word_parts[at + i] for i, p in enumerate(parts)) else 0


_SLOTS = {rule: [[_split(alt) for alt in slot] for slot in rule.slots] for rule in RULES}
_FIRST_PARTS = {rule: {alt[0] for alt in _SLOTS[rule][0]} for rule in RULES}


def _match(rule: Rule, word_parts: list[frozenset], starts: list[int]) -> tuple[int, int] | None:
    """The first (start, end) word span where the rule's slots occur in order."""
    slots = _SLOTS[rule]
    for start in starts:
        position, first = start, None
        for index, slot in enumerate(slots):
            reach = 1 if index == 0 else rule.gap + 1
            for at in range(position, min(len(word_parts), position + reach)):
                covered = max(_alternative_covers(alt, word_parts, at) for alt in slot)
                if covered:
                    first = at if first is None else first
                    position = at + covered
                    break
            else:
                break
        else:
            return first, position
    return None


def _same_clause(text: str, earlier: Token, later: Token) -> bool:
    return not _CLAUSE_END.search(text, earlier.end, later.start)


def _negated(text: str, words: list[Token], start: int) -> bool:
    """A negation shortly before the match, in the same clause, cancels it.

    "Can't stop" and "can't help" do not negate what follows them.
    """
    for index in range(start - 1, max(-1, start - 1 - NEGATION_REACH), -1):
        word = words[index]
        if word.text in CONTRAST or not _same_clause(text, word, words[start]):
            return False
        if word.text in NEGATORS:
            following = words[index + 1].text if index + 1 < start else ""
            return following not in NOT_NEGATING
    return False


def _about_the_topic(text: str, words: list[Token], start: int) -> bool:
    """The match names the topic ("a documentary about suicide"), not the writer.

    True only with a topic word in the same sentence and no first-person word
    just before the match ("I feel suicidal after my course" is about the writer).
    """
    match = words[start]
    for index in range(max(0, start - FIRST_PERSON_REACH), start):
        if words[index].text in FIRST_PERSON and _same_clause(text, words[index], match):
            return False
    return any(
        (word.text in TOPIC_WORDS or any(stem in word.text for stem in TOPIC_STEMS))
        and not _SENTENCE_END.search(text, min(word.end, match.end), max(word.start, match.start))
        for word in words
    )


def _without_idioms(words: list[Token]) -> list[Token]:
    kept, index = [], 0
    while index < len(words):
        for idiom in IDIOMS:
            if tuple(w.text for w in words[index : index + len(idiom)]) == idiom:
                index += len(idiom)
                break
        else:
            kept.append(words[index])
            index += 1
    return kept


def screen_text(text: str) -> RiskScreen:
    """The rules' verdict on one message, Finnish and English alike."""
    words = _without_idioms(tokens(text))
    word_parts = [_parts_of(word.text) for word in words]
    positions: dict[str, list[int]] = {}
    for index, parts in enumerate(word_parts):
        for part in parts:
            positions.setdefault(part, []).append(index)
    reasons = []
    for rule in RULES:
        starts = sorted({i for part in _FIRST_PARTS[rule] for i in positions.get(part, ())})
        span = _match(rule, word_parts, starts) if starts else None
        if span is None:
            continue
        start, end = span
        if rule.negatable and _negated(text, words, start):
            continue
        if rule.topical and _about_the_topic(text, words, start):
            continue
        phrase = text_between(text, words[start], words[end - 1])
        reasons.append({"rule": rule.name, "level": rule.level, "phrase": phrase})
    level = max((r["level"] for r in reasons), key=LEVEL_RANK.__getitem__, default=NONE)
    return RiskScreen(level=level, reasons=reasons)


def text_between(text: str, first: Token, last: Token) -> str:
    # Offsets are those of the normalised text, which keeps the original's
    # length for everything but rare compatibility characters.
    return text[first.start : last.end]


def risk_screen(text: str, *, timeout_seconds: float | None = None) -> RiskScreen:
    """Screen ``text``, failing safe: an error or a time-out answers "elevated".

    The time limit defaults to the RISK_SCREEN_TIMEOUT_MS setting.
    """
    if timeout_seconds is None:
        timeout_seconds = settings.COUNTERSIGN["RISK_SCREEN_TIMEOUT_MS"] / 1000
    started = time.perf_counter()
    future = _pool.submit(screen_text, text)
    try:
        return future.result(timeout=timeout_seconds)
    except FutureTimeout:
        future.cancel()  # if still waiting for a thread; the worker re-screens it anyway
        reason = "screening_timeout"
    except Exception as exc:  # noqa: BLE001 - any failure must still give a level
        # The type only: an exception's message may quote the patient.
        logger.error("risk screening failed: %s", type(exc).__name__)
        reason = "screening_error"
    logger.warning(
        "risk screening fell back to elevated after %.0f ms (%s)",
        1000 * (time.perf_counter() - started),
        reason,
    )
    return RiskScreen(level=ELEVATED, reasons=[{"rule": reason, "level": ELEVATED, "phrase": ""}])
