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

from rapidfuzz.distance import OSA

from reviewapp.risk.rules import (
    CONTRAST,
    CRISIS,
    ELEVATED,
    IDIOMS,
    NEGATION_REACH,
    NEGATORS,
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
_SENTENCE_END = re.compile(r"[.!?;]")
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="risk-screen")


@dataclass(frozen=True)
class RiskScreen:
    level: str
    # [{"rule", "level", "phrase"}]: the phrase quotes the message, so reasons
    # are stored with it and shown to reviewers, never logged or audited.
    reasons: list[dict] = field(default_factory=list)

    def rule_names(self) -> list[str]:
        return sorted({reason["rule"] for reason in self.reasons})


def _alternative_matches(alternative: str, words: list[Token], at: int) -> int:
    """How many words ``alternative`` covers starting at ``at`` (0: no match)."""
    parts = alternative.split()
    if at + len(parts) > len(words):
        return 0
    for offset, part in enumerate(parts):
        if not _word_matches(part, words[at + offset]):
            return 0
    return len(parts)


def _word_matches(part: str, word: Token) -> bool:
    return _matches(part, word.text)


@lru_cache(maxsize=200_000)
def _matches(part: str, word: str) -> bool:
    """One rule alternative against one word: exact, stem prefix, or a typo away."""
    if part.endswith("*"):
        stem = part[:-1]
        if word.startswith(stem):
            return True
        # A typo may add or drop a letter within the stem ("itsmurha", "itsemurah").
        lengths = (len(stem) - 1, len(stem), len(stem) + 1)
        return len(stem) >= TYPO_MIN_LENGTH and any(
            OSA.distance(word[:n], stem) <= 1 for n in lengths
        )
    if part == word:
        return True
    return (
        len(part) >= TYPO_MIN_LENGTH
        and abs(len(word) - len(part)) <= 1
        and OSA.distance(word, part) <= 1
    )


def _match(rule: Rule, words: list[Token]) -> tuple[int, int] | None:
    """The first (start, end) word span where the rule's slots occur in order."""
    for start in range(len(words)):
        position, first = start, None
        for index, slot in enumerate(rule.slots):
            window = range(
                position, min(len(words), position + (1 if index == 0 else rule.gap + 1))
            )
            for at in window:
                covered = max((_alternative_matches(alt, words, at) for alt in slot), default=0)
                if covered:
                    first = at if first is None else first
                    position = at + covered
                    break
            else:
                break
        else:
            return first, position
    return None


def _negated(text: str, words: list[Token], start: int) -> bool:
    """A negation shortly before, in the same sentence and clause, cancels a match."""
    for word in reversed(words[max(0, start - NEGATION_REACH) : start]):
        if word.text in CONTRAST or _SENTENCE_END.search(text, word.end, words[start].start):
            return False
        if word.text in NEGATORS:
            return True
    return False


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
    about_the_topic = any(
        word.text in TOPIC_WORDS or any(stem in word.text for stem in TOPIC_STEMS) for word in words
    )
    reasons = []
    for rule in RULES:
        span = _match(rule, words)
        if span is None:
            continue
        start, end = span
        if rule.negatable and _negated(text, words, start):
            continue
        # A message about suicide prevention names the topic; only a rule that
        # says something about the writer themself counts there.
        if about_the_topic and rule.topical:
            continue
        phrase = text_between(text, words[start], words[end - 1])
        reasons.append({"rule": rule.name, "level": rule.level, "phrase": phrase})
    level = max((r["level"] for r in reasons), key=LEVEL_RANK.__getitem__, default=NONE)
    return RiskScreen(level=level, reasons=reasons)


def text_between(text: str, first: Token, last: Token) -> str:
    # Offsets are those of the normalised text, which keeps the original's
    # length for everything but rare compatibility characters.
    return text[first.start : last.end]


def risk_screen(text: str, *, timeout_seconds: float = 0.2) -> RiskScreen:
    """Screen ``text``, failing safe: an error or a time-out answers "elevated"."""
    started = time.perf_counter()
    try:
        return _pool.submit(screen_text, text).result(timeout=timeout_seconds)
    except FutureTimeout:
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
