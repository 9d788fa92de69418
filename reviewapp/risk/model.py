"""The learned layer of the risk screen: a character n-gram classifier that runs in the web process.

Two linear heads over hashed character and word n-grams (character n-grams
suit Finnish inflection, compounds and typos): P(risk), elevated or crisis,
and P(crisis). A message is scored whole and window by window (sentences, and
runs of words where there is no punctuation), and the highest window counts,
so one risk sentence buried in a long, chatty message is not diluted by the
rest. Built by ``python manage.py train_risk_model`` (``reviewapp.risk.training``)
from the corpus in ``reviewapp/risk/corpus/``; the artefact is a folder of
plain arrays and a ``meta.json`` (no pickle), loaded once per process.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from reviewapp.risk.levels import CRISIS, ELEVATED, NONE

ARTEFACT_FORMAT = 1
HEADS = ("risk", "crisis")
WINDOW_WORDS = 16
WINDOW_MIN_WORDS = 8
# Shorter messages are read whole only.
WHOLE_ONLY_WORDS = 20
MAX_WINDOWS = 48

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_FOLD = str.maketrans({"ä": "a", "å": "a", "ö": "o", "é": "e", "ü": "u", "õ": "o"})
_REPEATS = re.compile(r"(\w)\1{2,}")
_DIGITS = re.compile(r"\d")
_SPACES = re.compile(r"\s+")
_SENTENCES = re.compile(r"(?<=[.!?;:…])\s+|\n+|(?<=\))\s+|\s+[-–—]\s+")


class RiskModelUnavailable(RuntimeError):
    """No built artefact where the settings say (``train_risk_model`` builds it)."""


def model_text(text: str) -> str:
    """What the classifier reads: case, accents, repeated letters and digits folded.

    Patients write "ihan sama", "ihan samaaa" and "Ihan Sama"; "mä" and "ma";
    "30 pills" and "25 pills": each pair should look alike to the model.
    """
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).casefold()
    text = text.replace("’", "'").translate(_FOLD)
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", _DIGITS.sub("0", text)).strip()


def windows(text: str) -> list[tuple[str, str]]:
    """(as written, as the model reads it): the message whole, then, in a longer
    message, runs of consecutive sentences of at least WINDOW_MIN_WORDS words, and
    overlapping runs of words within long unpunctuated stretches.

    A window has some context around it: a lone short sentence ("I can't give them
    that.") says too little to be read on its own.
    """
    pieces = [text.strip()]
    if len(text.split()) > WHOLE_ONLY_WORDS:
        sentences = [words for s in _SENTENCES.split(text) if (words := s.split())]
        for i, sentence in enumerate(sentences):
            run: list[str] = []
            for following in sentences[i:]:
                run += following
                if len(run) >= WINDOW_MIN_WORDS:
                    break
            pieces.append(" ".join(run[: 2 * WINDOW_WORDS]))
            if len(sentence) > WINDOW_WORDS:
                step = WINDOW_WORDS // 2
                pieces += [
                    " ".join(sentence[start : start + WINDOW_WORDS])
                    for start in range(0, len(sentence) - step, step)
                ]
    read = {}
    for piece in pieces:
        normal = model_text(piece)
        if normal and normal not in read:
            read[normal] = piece
    return [(written, normal) for normal, written in read.items()][:MAX_WINDOWS]


@dataclass(frozen=True)
class Features:
    """How text becomes a vector; stored in the artefact so training and serving agree."""

    char_ngrams: tuple[int, int] = (2, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    char_bits: int = 19
    word_bits: int = 18

    @classmethod
    def from_meta(cls, values: dict) -> Features:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

    def as_meta(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}

    @property
    def size(self) -> int:
        return 2**self.char_bits + 2**self.word_bits

    @cached_property
    def vectorisers(self) -> tuple[HashingVectorizer, HashingVectorizer]:
        """Stateless, so built once per feature set rather than once per message."""
        common = {"alternate_sign": False, "norm": None, "lowercase": False, "dtype": np.float32}
        chars = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=self.char_ngrams,
            n_features=2**self.char_bits,
            **common,
        )
        words = HashingVectorizer(
            analyzer="word",
            ngram_range=self.word_ngrams,
            n_features=2**self.word_bits,
            token_pattern=r"(?u)\b\w[\w']*\b",
            **common,
        )
        return chars, words

    def counts(self, texts: list[str]) -> sparse.csr_matrix:
        chars, words = self.vectorisers
        return sparse.hstack([chars.transform(texts), words.transform(texts)], format="csr")


def tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear term frequency times idf, each row scaled to unit length."""
    weighted = counts.astype(np.float32)  # a copy: the counts are left as they were
    weighted.data = (1.0 + np.log(weighted.data)) * idf[weighted.indices]
    lengths = np.diff(weighted.indptr)
    rows = np.repeat(np.arange(weighted.shape[0]), lengths)
    norms = np.sqrt(np.bincount(rows, weights=weighted.data**2, minlength=weighted.shape[0]))
    norms[norms == 0] = 1.0
    weighted.data /= norms[rows].astype(np.float32)
    return weighted


def level_at(p_risk: float, p_crisis: float, thresholds: dict[str, float]) -> str:
    """The level the two heads' probabilities give at these thresholds."""
    if p_crisis >= thresholds["crisis"]:
        return CRISIS
    return ELEVATED if p_risk >= thresholds["risk"] else NONE


@dataclass(frozen=True)
class ModelVerdict:
    level: str
    p_risk: float
    p_crisis: float
    # The window that decided it: quoted to reviewers, never logged.
    window: str


class RiskModel:
    def __init__(self, meta: dict, idf: np.ndarray, weights: dict[str, np.ndarray]) -> None:
        self.meta = meta
        self.features = Features.from_meta(meta["features"])
        self.idf = idf
        self.weights = weights
        self.intercepts = {head: meta["heads"][head]["intercept"] for head in HEADS}
        self.thresholds = meta["thresholds"]

    @classmethod
    def load(cls, folder: Path) -> RiskModel:
        meta_path = folder / "meta.json"
        if not meta_path.exists():
            raise RiskModelUnavailable(f"no risk model in {folder}; run manage.py train_risk_model")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != ARTEFACT_FORMAT:
            raise RiskModelUnavailable(f"risk model in {folder} has format {meta.get('format')}")
        size = Features.from_meta(meta["features"]).size
        idf = np.load(folder / "idf.npy")
        weights = {}
        for head in HEADS:
            dense = np.zeros(size, dtype=np.float32)
            dense[np.load(folder / f"{head}_index.npy")] = np.load(folder / f"{head}_weight.npy")
            weights[head] = dense
        return cls(meta, idf, weights)

    def probabilities(self, texts: list[str]) -> dict[str, np.ndarray]:
        """P(risk) and P(crisis) of each already-normalised text."""
        matrix = tfidf(self.features.counts(texts), self.idf)
        return {
            head: 1.0 / (1.0 + np.exp(-(matrix @ self.weights[head] + self.intercepts[head])))
            for head in HEADS
        }

    def level_for(self, p_risk: float, p_crisis: float) -> str:
        return level_at(p_risk, p_crisis, self.thresholds)

    def score(self, text: str) -> ModelVerdict:
        pieces = windows(text)
        if not pieces:
            return ModelVerdict(NONE, 0.0, 0.0, "")
        probs = self.probabilities([normal for _, normal in pieces])
        # The window closest to (or furthest past) its threshold decides.
        crisis_at = int(np.argmax(probs["crisis"]))
        risk_at = int(np.argmax(probs["risk"]))
        p_crisis, p_risk = float(probs["crisis"][crisis_at]), float(probs["risk"][risk_at])
        level = self.level_for(p_risk, p_crisis)
        window = pieces[crisis_at if level == CRISIS else risk_at][0]
        return ModelVerdict(level, p_risk, p_crisis, window)


_loaded: dict[str, RiskModel] = {}
_loading = threading.Lock()


def risk_model(folder: str | Path) -> RiskModel:
    """The model in ``folder``, loaded once per process (thread-safe)."""
    key = str(folder)
    model = _loaded.get(key)
    if model is None:
        with _loading:
            model = _loaded.get(key)
            if model is None:
                model = _loaded[key] = RiskModel.load(Path(folder))
    return model


def risk_model_forget() -> None:
    """Drop loaded models (after a rebuild, and between tests)."""
    _loaded.clear()
