"""Model-based second opinions on a patient's risk, for the worker (no Django here).

Two kinds a site may configure (``RISK_SECOND_OPINION``):

- ``classifier``: a sequence-classification model (a fine-tuned XLM-R, a
  Llama with a classification head...) whose labels name the levels — none
  (or routine, low), elevated (moderate) and crisis (high, severe).
- ``rubric``: the drafting model itself, asked the Columbia (C-SSRS) screener's
  questions and to answer with one letter; the letters' next-token
  probabilities are its opinion (no sampling, the same answer every time).

Either gives probabilities per level; ``Opinion.level`` turns them into a
level with the site's threshold. The caller may only raise a level with it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import torch

LEVELS = ("none", "elevated", "crisis")
# Label names a classifier may use, mapped to the screen's levels.
LABEL_LEVELS = {
    "none": "none",
    "routine": "none",
    "no_risk": "none",
    "low": "none",
    "elevated": "elevated",
    "moderate": "elevated",
    "medium": "elevated",
    "crisis": "crisis",
    "high": "crisis",
    "severe": "crisis",
}
MAX_TOKENS = 512


@dataclass(frozen=True)
class Opinion:
    probabilities: dict[str, float]  # per level, summing to 1

    def level(self, threshold: float) -> str:
        """Crisis if P(crisis) reaches the threshold; elevated if P(elevated or crisis) does."""
        if self.probabilities["crisis"] >= threshold:
            return "crisis"
        if self.probabilities["crisis"] + self.probabilities["elevated"] >= threshold:
            return "elevated"
        return "none"

    def reason(self, kind: str, threshold: float) -> str:
        """Words for the reviewer and the audit log; quotes nobody."""
        level = self.level(threshold)
        if level == "elevated":
            p = self.probabilities["crisis"] + self.probabilities["elevated"]
        else:
            p = self.probabilities[level]
        return f"{kind}: {level} {p:.2f}"


class ClassifierScreener:
    """A sequence-classification model, loaded once per worker process."""

    def __init__(self, path: str) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        # The newest message is last and most often the one that matters: a long
        # conversation is cut from its start, never its end.
        self.tokenizer = AutoTokenizer.from_pretrained(path, truncation_side="left")
        self.model = AutoModelForSequenceClassification.from_pretrained(path)
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model.to(self.device).eval()
        labels = {int(i): str(name).lower() for i, name in self.model.config.id2label.items()}
        unknown = sorted(name for name in labels.values() if name not in LABEL_LEVELS)
        if unknown or "crisis" not in {
            LABEL_LEVELS[n] for n in labels.values() if n in LABEL_LEVELS
        }:
            raise ValueError(
                f"the classifier's labels {sorted(labels.values())} must name the levels "
                "(none/routine/low, elevated/moderate, crisis/high/severe)"
            )
        self.levels = [LABEL_LEVELS[labels[i]] for i in range(len(labels))]
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    @torch.inference_mode()
    def judge(self, text: str) -> Opinion:
        encoded = self.tokenizer(
            text, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        ).to(self.device)
        probabilities = self.model(**encoded).logits[0].float().softmax(-1).tolist()
        by_level = dict.fromkeys(LEVELS, 0.0)
        for level, p in zip(self.levels, probabilities, strict=True):
            by_level[level] += p
        return Opinion(by_level)


_classifiers: dict[str, ClassifierScreener] = {}
_loading = threading.Lock()


def classifier_screener(path: str) -> ClassifierScreener:
    with _loading:
        if path not in _classifiers:
            _classifiers[path] = ClassifierScreener(path)
        return _classifiers[path]


# The C-SSRS screener, asked of the drafting model. Letters, not words: a single
# token each in every tokenizer, so their probabilities compare fairly.
RUBRIC = (
    "You are a crisis-line triage nurse. Read the patient's messages below, written in "
    "Finnish or English, and answer the Columbia Suicide Severity Rating Scale screener "
    "for them: (1) wish to be dead, (2) suicidal thoughts, (3) thoughts of a method, "
    "(4) intent to act, (5) a plan, (6) preparation or an attempt in the last three "
    "months; also acting on it now (pills taken, at a height, a weapon at hand) and "
    "threats to hurt someone else.\n"
    "Answer with one letter:\n"
    "A = none of these (routine)\n"
    "B = only (1) or hopelessness, burdensomeness, self-harm urges, reckless "
    "indifference (elevated)\n"
    "C = any of (2) to (6), acting now, or a threat to others (crisis)\n\n"
    "Patient's messages:\n{messages}\n\nAnswer (A, B or C):"
)
RUBRIC_LETTERS = {"none": "A", "elevated": "B", "crisis": "C"}


def rubric_judge(engine, spec, text: str) -> Opinion:
    """Ask ``engine`` (the worker's loaded drafting model, with ``spec``'s adapter) the rubric."""
    from worker.prompts import build_prompt

    tokenizer = engine.tokenizer
    ids = build_prompt(
        tokenizer,
        prompt_format=spec.prompt_format,
        system_prompt="",
        turns=[{"role": "user", "content": RUBRIC.format(messages=text)}],
        max_prompt_tokens=engine.context_length - 1,
    )
    letters = {}
    for level, letter in RUBRIC_LETTERS.items():
        pieces = tokenizer.encode(letter, add_special_tokens=False)
        letters[level] = pieces[0]
    if len(set(letters.values())) != len(letters):
        raise ValueError("the rubric's answer letters share a token in this tokenizer")
    scores = engine.next_token_scores(ids, list(letters.values()), spec)
    return Opinion(dict(zip(letters, scores, strict=True)))
