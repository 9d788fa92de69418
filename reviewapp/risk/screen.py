"""Screen a message: the rules and the learned layer, and the highest level either gives.

The rules (``reviewapp.risk.rules``) name what they found; the learned layer
(``reviewapp.risk.model``) catches the paraphrases no rule names. Either can
raise the level, neither can lower what the other found.

``risk_screen`` never raises and never takes long: an error or a screen over
its time budget answers "elevated", saying why; a missing or failing model
keeps the rules' verdict, at least "elevated". A fault can only make a
message more visible, never less.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from rapidfuzz import process
from rapidfuzz.distance import OSA

from reviewapp.risk.levels import CRISIS, ELEVATED, NONE, highest
from reviewapp.risk.model import RiskModelUnavailable, risk_model
from reviewapp.risk.rules import (
    ANSWER_NO,
    ASKED,
    CONDITIONAL,
    CONTRAST,
    DENIAL_AFTER,
    FIRST_PERSON,
    FIRST_PERSON_REACH,
    HISTORY,
    IDIOMS,
    IN_JEST,
    MANY_MAX,
    MANY_MIN,
    NEGATION_BRIDGE,
    NEGATION_REACH,
    NEGATORS,
    NOT_NEGATING,
    NUMBER_WORDS,
    QUESTION_THEN_NO,
    RECENT,
    RETRACTED,
    RULES,
    TOPIC_STEMS,
    TOPIC_WORDS,
    Rule,
)
from reviewapp.risk.text import Token, normalise, tokens

logger = logging.getLogger(__name__)

TYPO_MIN_LENGTH = 6
MANY = "#many"
LEARNED_RULE = "learned_model"
# Reasons that say the screen fell back to elevated; the worker screens such a
# message again, in full, before drafting (``workflow.message_rescreen``).
SCREENING_TIMEOUT, SCREENING_ERROR = "screening_timeout", "screening_error"
LEARNED_UNAVAILABLE = "learned_model_unavailable"
FELL_BACK_RULES = frozenset({SCREENING_TIMEOUT, SCREENING_ERROR, LEARNED_UNAVAILABLE})
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


# Every word-part any rule uses (its slots and its "unless" words), indexed once:
# exact words, stems by their text, and both by length for the one-typo comparison.
_PARTS = {part for rule in RULES for slot in rule.slots for alt in slot for part in _split(alt)}
_PARTS |= {part for rule in RULES for alt in rule.unless | rule.needs for part in _split(alt)}
_PARTS.discard(MANY)
_EXACT = frozenset(p for p in _PARTS if not p.endswith("*"))
_STEMS = frozenset(p[:-1] for p in _PARTS if p.endswith("*"))
# One typo changes a length by at most one: each length is compared only with the
# words (or stems) within one of it, a list per length built once.
_NEAR_LENGTH_EXACT: dict[int, list[str]] = {}
_NEAR_LENGTH_STEMS: dict[int, list[str]] = {}
for _table, _parts in ((_NEAR_LENGTH_EXACT, _EXACT), (_NEAR_LENGTH_STEMS, _STEMS)):
    for _part in _parts:
        if len(_part) >= TYPO_MIN_LENGTH:
            for _length in (len(_part) - 1, len(_part), len(_part) + 1):
                _table.setdefault(_length, []).append(_part)


def _one_typo_away(text: str, candidates: list[str]) -> list[str]:
    return [
        match
        for match, _, _ in process.extract(
            text, candidates, scorer=OSA.distance, score_cutoff=1, limit=None
        )
    ]


@lru_cache(maxsize=100_000)
def _parts_of(word: str) -> frozenset[str]:
    """Every rule part ``word`` satisfies: itself, stems it starts with, and parts a typo away."""
    found = {word} & _EXACT
    if (word.isdigit() and MANY_MIN <= int(word) <= MANY_MAX) or word in NUMBER_WORDS:
        found.add(MANY)
    found |= {word[:n] + "*" for n in range(1, len(word) + 1) if word[:n] in _STEMS}
    if len(word) >= TYPO_MIN_LENGTH - 1:
        found |= set(_one_typo_away(word, _NEAR_LENGTH_EXACT.get(len(word), [])))
        # A typo may add or drop a letter within a stem ("itsmurha", "itsemurah").
        for n in range(TYPO_MIN_LENGTH - 1, len(word) + 1):
            found |= {m + "*" for m in _one_typo_away(word[:n], _NEAR_LENGTH_STEMS.get(n, []))}
    return frozenset(found)


def _alternative_covers(parts: tuple[str, ...], word_parts: list[frozenset], at: int) -> int:
    """How many words the alternative covers starting at ``at`` (0: no match)."""
    if at + len(parts) > len(word_parts):
        return 0
    return len(parts) if all(p in word_parts[at + i] for i, p in enumerate(parts)) else 0


_SLOTS = {rule: [[_split(alt) for alt in slot] for slot in rule.slots] for rule in RULES}
_FIRST_PARTS = {rule: {alt[0] for alt in _SLOTS[rule][0]} for rule in RULES}
_SLOT_SINGLES = {
    rule: [frozenset(alt[0] for alt in slot if len(alt) == 1) for slot in _SLOTS[rule]]
    for rule in RULES
}
_SLOT_PHRASES = {
    rule: [[alt for alt in slot if len(alt) > 1] for slot in _SLOTS[rule]] for rule in RULES
}
_UNLESS = {rule: [_split(alt) for alt in rule.unless] for rule in RULES}
_NEEDS = {rule: [_split(alt) for alt in rule.needs] for rule in RULES}


def _occurs(parts: tuple[str, ...], word_parts: list[frozenset]) -> bool:
    return any(_alternative_covers(parts, word_parts, at) for at in range(len(word_parts)))


def _spans(rule: Rule, word_parts: list[frozenset], starts: list[int]) -> Iterator[tuple[int, int]]:
    """Each (start, end) word span where the rule's slots occur in order."""
    slots = list(zip(_SLOT_SINGLES[rule], _SLOT_PHRASES[rule], strict=True))
    for start in starts:
        position, first = start, None
        for index, (singles, phrases) in enumerate(slots):
            reach = 1 if index == 0 else rule.gap + 1
            for at in range(position, min(len(word_parts), position + reach)):
                # One-word alternatives (most of them) by one set intersection; the
                # longest match among phrases wins, as a phrase covers more words.
                covered = max(
                    (_alternative_covers(alt, word_parts, at) for alt in phrases),
                    default=0,
                ) or (1 if singles & word_parts[at] else 0)
                if covered:
                    first = at if first is None else first
                    position = at + covered
                    break
            else:
                break
        else:
            yield first, position


def _same_clause(text: str, earlier: Token, later: Token) -> bool:
    return not _CLAUSE_END.search(text, earlier.end, later.start)


def _negated(text: str, words: list[Token], start: int) -> bool:
    """A negation governing the match cancels it: right before it, or a few words
    before with only helper words between ("I'm not having any thoughts of", "en oo
    ikinä ajatellu"), in the same clause.

    "Can't stop" and "can't help" do not negate what follows them, and a negation
    with other words between says something else ("I can't take it I want to die").
    """
    for index in range(start - 1, max(-1, start - 1 - NEGATION_REACH), -1):
        word = words[index]
        if word.text in CONTRAST or not _same_clause(text, word, words[start]):
            return False
        if word.text in NEGATORS:
            following = words[index + 1].text if index + 1 < start else ""
            return following not in NOT_NEGATING
        if word.text not in NEGATION_BRIDGE and index < start - 1:
            return False
    return False


def _about_the_topic(text: str, words: list[Token], start: int, end: int) -> bool:
    """The match names the topic ("a documentary about suicide"), not the writer.

    True only with a topic word in the message and no first-person word in or
    just before the match ("I feel suicidal after my course" is about the writer).
    """
    match = words[start]
    for index in range(max(0, start - FIRST_PERSON_REACH), end):
        if words[index].text in FIRST_PERSON and (
            index >= start or _same_clause(text, words[index], match)
        ):
            return False
    return any(
        word.text in TOPIC_WORDS or any(stem in word.text for stem in TOPIC_STEMS) for word in words
    )


def _sentences_from(text: str, at: int, count: int) -> str:
    """The text of the sentence around offset ``at`` and the ``count - 1`` after it."""
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
    first = max(i for i, s in enumerate(starts) if s <= at)
    stop = starts[first + count] if first + count < len(starts) else len(text)
    return text[starts[first] : stop]


@dataclass(frozen=True)
class _Message:
    """One message as the rules read it; what depends on the message alone, once."""

    text: str
    lowered: str
    words: list[Token]
    word_parts: list[frozenset]
    recent: bool  # says something is happening again ("again", "taas")
    retracted: bool  # "(not really)", "ei oikeesti"
    jest: bool  # said laughing

    @classmethod
    def read(cls, text: str) -> _Message:
        lowered = normalise(text)
        words = _without_idioms(tokens(text))
        return cls(
            text=text,
            lowered=lowered,
            words=words,
            word_parts=[_parts_of(word.text) for word in words],
            recent=bool(RECENT.search(lowered)),
            retracted=bool(RETRACTED.search(lowered)),
            jest=bool(IN_JEST.search(lowered)),
        )


def _told_as_history(message: _Message, start: int) -> bool:
    """The match sits in a story of the past ("years ago I tried; now I'm well", "siitä
    on viisi vuotta"), and nothing in the message says it is happening again."""
    around = _sentences_from(message.lowered, message.words[start].start, 2)
    return not message.recent and bool(HISTORY.search(around))


def _denied(message: _Message, start: int, end: int) -> bool:
    """The match is asked about and denied: "suicidal thoughts? no.", "itsetuhoisia
    ajatuksia ei ole ollut", "you asked if I've had suicidal thoughts - no, none"."""
    lowered, words = message.lowered, message.words
    after = lowered[words[end - 1].end : words[end - 1].end + 60]
    if DENIAL_AFTER.match(after):
        return True
    asked = ASKED.search(lowered[max(0, words[start].start - 60) : words[start].start])
    return bool((asked or QUESTION_THEN_NO.match(after)) and ANSWER_NO.match(after))


def _conditional(message: _Message, start: int) -> bool:
    sentence = _sentences_from(message.lowered, message.words[start].start, 1)
    return bool(CONDITIONAL.search(sentence))


_IDIOMS_BY_FIRST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _idiom in IDIOMS:
    _IDIOMS_BY_FIRST_WORD.setdefault(_idiom[0], []).append(_idiom)


def _without_idioms(words: list[Token]) -> list[Token]:
    kept, index = [], 0
    while index < len(words):
        for idiom in _IDIOMS_BY_FIRST_WORD.get(words[index].text, ()):
            if tuple(w.text for w in words[index : index + len(idiom)]) == idiom:
                index += len(idiom)
                break
        else:
            kept.append(words[index])
            index += 1
    return kept


def _set_aside(rule: Rule, message: _Message, start: int, end: int) -> bool:
    """Whether a match does not mean what it says: across sentences, negated, denied,
    about the topic, history, excused by an ``unless`` word, missing a ``needs``
    word, retracted, or in jest."""
    text, words, word_parts = message.text, message.words, message.word_parts
    if not rule.across_sentences and _SENTENCE_END.search(
        text, words[start].end, words[end - 1].start
    ):
        return True
    if rule.negatable and (_negated(text, words, start) or _denied(message, start, end)):
        return True
    if _about_the_topic(text, words, start, end) or _told_as_history(message, start):
        return True
    if any(_occurs(parts, word_parts) for parts in _UNLESS[rule]):
        return True
    if _NEEDS[rule] and not any(_occurs(parts, word_parts) for parts in _NEEDS[rule]):
        return True
    # Laughing, a threat against someone is no threat; a laughing "I'll kill myself
    # if I have to watch one more episode" is no intent either.
    return message.retracted or (
        message.jest and (rule.joke_cancels or _conditional(message, start))
    )


def _level(rule: Rule, message: _Message, start: int) -> str:
    """A crisis said laughing ("haluun kuolla xd", "kms lol") is taken as elevated: teens
    say it of homework, and sometimes mean it; the learned layer may still say crisis."""
    if rule.level == CRISIS and message.jest:
        sentence = _sentences_from(message.lowered, message.words[start].start, 1)
        if IN_JEST.search(sentence):
            return ELEVATED
    return rule.level


def rules_screen(text: str) -> RiskScreen:
    """The rules' verdict on one message, Finnish and English alike."""
    message = _Message.read(text)
    positions: dict[str, list[int]] = {}
    for index, parts in enumerate(message.word_parts):
        for part in parts:
            positions.setdefault(part, []).append(index)
    reasons = []
    for rule in RULES:
        starts = sorted({i for part in _FIRST_PARTS[rule] for i in positions.get(part, ())})
        for start, end in _spans(rule, message.word_parts, starts):
            if _set_aside(rule, message, start, end):
                continue
            phrase = text_between(text, message.words[start], message.words[end - 1])
            reasons.append(
                {"rule": rule.name, "level": _level(rule, message, start), "phrase": phrase}
            )
            break
    return RiskScreen(level=highest(r["level"] for r in reasons), reasons=reasons)


def learned_screen(text: str) -> RiskScreen:
    """The learned layer's verdict (``reviewapp.risk.model``), with the window that decided."""
    verdict = risk_model(settings.COUNTERSIGN["RISK_MODEL_DIR"]).score(text)
    if verdict.level == NONE:
        return RiskScreen(level=NONE)
    reason = {"rule": LEARNED_RULE, "level": verdict.level, "phrase": verdict.window}
    return RiskScreen(level=verdict.level, reasons=[reason])


def screen_text(text: str) -> RiskScreen:
    """Rules and learned layer together: either can raise the level.

    Without its learned layer (no model built, or a fault in it) the screen keeps
    what the rules found and answers at least elevated, saying why: a crisis the
    rules name stays a crisis.
    """
    rules = rules_screen(text)
    try:
        learned = learned_screen(text)
    except RiskModelUnavailable:
        logger.error("risk screening has no learned model: run manage.py train_risk_model")
        learned = _learned_unavailable()
    except Exception as exc:  # noqa: BLE001 - the rules' verdict must survive
        # The type only: an exception's message may quote the patient.
        logger.error("risk screening's learned layer failed: %s", type(exc).__name__)
        learned = _learned_unavailable()
    reasons = rules.reasons + learned.reasons
    return RiskScreen(level=highest([rules.level, learned.level]), reasons=reasons)


def _learned_unavailable() -> RiskScreen:
    reason = {"rule": LEARNED_UNAVAILABLE, "level": ELEVATED, "phrase": ""}
    return RiskScreen(level=ELEVATED, reasons=[reason])


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
        reason = SCREENING_TIMEOUT
    except Exception as exc:  # noqa: BLE001 - any failure must still give a level
        # The type only: an exception's message may quote the patient.
        logger.error("risk screening failed: %s", type(exc).__name__)
        reason = SCREENING_ERROR
    logger.warning(
        "risk screening fell back to elevated after %.0f ms (%s)",
        1000 * (time.perf_counter() - started),
        reason,
    )
    return RiskScreen(level=ELEVATED, reasons=[{"rule": reason, "level": ELEVATED, "phrase": ""}])
