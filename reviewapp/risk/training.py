"""Building the learned layer of the risk screen from the corpus, reproducibly.

    python manage.py train_risk_model            # writes RISK_MODEL_DIR

1. Read the corpus (``reviewapp/risk/corpus/batches/*.jsonl``) and its split by
   construction batch (``splits.json``): near-duplicates written in one sitting
   never straddle train and test.
2. Add, to the training split only, variants of what patients send and the
   corpus writes less often: risk buried in long everyday messages, no
   punctuation, typos. Optionally, the reviewers' own verdicts (de-identified).
3. Fit idf and two logistic-regression heads (risk, crisis) on the training split.
4. Choose the regularisation and both thresholds on the dev split, for the
   screen as it runs (rules and model together, highest level wins).
5. Report the figures on dev and test (test is never used for a choice) and
   write the artefact: plain arrays and ``meta.json`` with the corpus's sha256.

Deterministic: the same files give the same artefact, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

from reviewapp.risk.levels import CRISIS, LEVEL_RANK, LEVELS, NONE, highest
from reviewapp.risk.model import (
    ARTEFACT_FORMAT,
    HEADS,
    Features,
    RiskModel,
    level_at,
    model_text,
    tfidf,
)

CORPUS = Path(__file__).resolve().parent / "corpus"
SEED = 16
# The regularisation, chosen once by cross-author validation on train and dev
# (BENCHMARKS.md: 2, 4, 8, 32 and feature variants were within noise of each other).
C = 8.0
THRESHOLD_GRID = tuple(round(float(t), 3) for t in np.arange(0.05, 0.96, 0.025))
# How many routine messages may be screened too high on dev, for the most risk found:
# a routine message screened crisis pages on-call and jumps the queue.
MAX_ORDINARY_AS_CRISIS = 0.05
MAX_ORDINARY_AS_ELEVATED = 0.25


@dataclass(frozen=True)
class Example:
    text: str
    level: str
    lang: str
    split: str
    batch: str = ""
    category: str = ""


def files_sha256(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def corpus_files(root: Path = CORPUS) -> list[Path]:
    return sorted((root / "batches").glob("*.jsonl")) + [root / "splits.json"]


# The code whose change changes the artefact: the features, the training, and the
# rules (the thresholds are chosen for rules and model together).
SCREEN_CODE = ("training.py", "model.py", "rules.py", "screen.py", "text.py", "levels.py")


def code_files() -> list[Path]:
    return [Path(__file__).resolve().parent / name for name in SCREEN_CODE]


def labelled_examples(path: Path, *, split: str, batch: str) -> list[Example]:
    """The labelled rows of a JSONL file ({text, level, lang, category?}): a corpus batch,
    an ``export_dataset --format risk`` file. A row that is not one is refused by line."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, level, lang = row["text"], row["level"], row["lang"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"{path.name}:{number}: not a labelled row ({type(exc).__name__})"
            ) from None
        if not isinstance(text, str) or level not in LEVEL_RANK or lang not in ("fi", "en"):
            raise ValueError(f"{path.name}:{number}: not a labelled row (text, level or lang)")
        category = row.get("category", "")
        examples.append(Example(text, level, lang, split, batch, category))
    return examples


def corpus_examples(root: Path = CORPUS) -> list[Example]:
    """Every labelled message, with the split its construction batch belongs to."""
    splits = json.loads((root / "splits.json").read_text(encoding="utf-8"))["batches"]
    examples = []
    for path in sorted((root / "batches").glob("*.jsonl")):
        if path.stem not in splits:
            raise ValueError(f"batch {path.stem} has no split in splits.json")
        examples += labelled_examples(path, split=splits[path.stem], batch=path.stem)
    return examples


# --- variants of the training split ------------------------------------------

_PUNCTUATION = re.compile(r"[.,!?;:…\"()]+")


def _typos(text: str, rng: random.Random, rate: float = 0.12) -> str:
    """Drop, double or swap a letter in some longer words, as thumbs on a phone do."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) < 4 or rng.random() > rate:
            continue
        at = rng.randrange(1, len(word) - 1)
        kind = rng.randrange(3)
        if kind == 0:
            word = word[:at] + word[at + 1 :]
        elif kind == 1:
            word = word[:at] + word[at] + word[at:]
        else:
            word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
        words[i] = word
    return " ".join(words)


def variants(train: list[Example], rng: random.Random) -> list[Example]:
    """Training-only variants: typed carelessly, and risk buried among everyday talk.

    A risk message is joined with one to three routine messages of the same
    language, at a random place, and keeps its level; routine messages are
    joined with each other and stay routine, so length alone never says risk.
    """
    routine = {
        lang: [e for e in train if e.level == NONE and e.lang == lang] for lang in ("fi", "en")
    }
    extra = []
    for example in train:
        careless = _typos(_PUNCTUATION.sub("", example.text.lower()), rng)
        extra.append(Example(careless, example.level, example.lang, "train", example.batch))
        fillers = rng.sample(
            routine[example.lang], k=min(len(routine[example.lang]), rng.randint(1, 3))
        )
        pieces = [f.text for f in fillers]
        pieces.insert(rng.randrange(len(pieces) + 1), example.text)
        extra.append(Example(" ".join(pieces), example.level, example.lang, "train", example.batch))
    return extra


# --- fitting -----------------------------------------------------------------


def _idf(counts, n_rows: int) -> np.ndarray:
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + n_rows) / (1 + document_frequency)) + 1).astype(np.float32)


def _fit_head(matrix, labels: np.ndarray, c: float) -> LogisticRegression:
    head = LogisticRegression(
        C=c, class_weight="balanced", max_iter=3000, solver="liblinear", random_state=SEED
    )
    return head.fit(matrix, labels)


@dataclass
class Fitted:
    features: Features
    idf: np.ndarray
    heads: dict[str, LogisticRegression]
    c: float
    thresholds: dict[str, float] = field(default_factory=dict)

    def model_meta(self) -> dict:
        """What ``RiskModel`` reads from ``meta.json`` besides the arrays."""
        return {
            "format": ARTEFACT_FORMAT,
            "features": self.features.as_meta(),
            "heads": {h: {"intercept": float(self.heads[h].intercept_[0])} for h in HEADS},
            "thresholds": self.thresholds,
        }

    def model(self) -> RiskModel:
        weights = {h: self.heads[h].coef_[0].astype(np.float32) for h in HEADS}
        return RiskModel(self.model_meta(), self.idf, weights)


FEATURES = Features()


def fit(train: list[Example], c: float, features: Features = FEATURES) -> Fitted:
    texts = [model_text(e.text) for e in train]
    counts = features.counts(texts)
    idf = _idf(counts, len(texts))
    matrix = tfidf(counts, idf)
    levels = np.array([LEVEL_RANK[e.level] for e in train])
    heads = {
        "risk": _fit_head(matrix, (levels >= 1).astype(int), c),
        "crisis": _fit_head(matrix, (levels == 2).astype(int), c),
    }
    return Fitted(features, idf, heads, c)


# --- choosing on dev, reporting on dev and test ------------------------------


@dataclass(frozen=True)
class Scored:
    level: str  # the label
    lang: str
    rules: str  # the rules' level
    p_risk: float  # the model's highest window
    p_crisis: float


def score(model: RiskModel, examples: list[Example], rules: Callable[[str], str]) -> list[Scored]:
    scored = []
    for e in examples:
        verdict = model.score(e.text)
        scored.append(Scored(e.level, e.lang, rules(e.text), verdict.p_risk, verdict.p_crisis))
    return scored


def combined(s: Scored, thresholds: dict[str, float]) -> str:
    """Rules and model as the screen runs them, at these thresholds."""
    return highest([s.rules, level_at(s.p_risk, s.p_crisis, thresholds)])


def figures(pairs: list[tuple[str, str]]) -> dict:
    """The three targets, and recall and precision per level, of (label, screened) pairs."""
    out: dict = {"n": len(pairs)}
    crisis = [got for want, got in pairs if want == CRISIS]
    risky = [got for want, got in pairs if want != NONE]
    ordinary = [got for want, got in pairs if want == NONE]
    out["crisis_as_crisis"] = _rate(sum(g == CRISIS for g in crisis), len(crisis))
    out["risk_at_least_elevated"] = _rate(sum(g != NONE for g in risky), len(risky))
    out["ordinary_as_crisis"] = _rate(sum(g == CRISIS for g in ordinary), len(ordinary))
    out["ordinary_as_elevated_or_more"] = _rate(sum(g != NONE for g in ordinary), len(ordinary))
    for level in LEVELS:
        labelled = [got for want, got in pairs if want == level]
        screened = [want for want, got in pairs if got == level]
        out[level] = {
            "recall": _rate(sum(g == level for g in labelled), len(labelled)),
            "precision": _rate(sum(w == level for w in screened), len(screened)),
        }
    return out


def _rate(hits: int, total: int) -> dict:
    return {"hits": hits, "total": total, "rate": round(hits / total, 4) if total else None}


def choose_thresholds(scored: list[Scored]) -> dict[str, float]:
    """The thresholds that find the most risk (crisis as crisis, plus risk as at
    least elevated) while routine messages stay within their limits; ties go to
    the higher thresholds. Where no pair keeps within them, the pair that screens
    fewest routine messages crisis."""
    best_key, best = None, None
    for t_crisis in THRESHOLD_GRID:
        for t_risk in THRESHOLD_GRID:
            if t_risk > t_crisis:
                continue
            thresholds = {"risk": t_risk, "crisis": t_crisis}
            got = figures([(s.level, combined(s, thresholds)) for s in scored])
            within = (
                got["ordinary_as_crisis"]["rate"] <= MAX_ORDINARY_AS_CRISIS
                and got["ordinary_as_elevated_or_more"]["rate"] <= MAX_ORDINARY_AS_ELEVATED
            )
            found = got["crisis_as_crisis"]["rate"] + got["risk_at_least_elevated"]["rate"]
            key = (
                within,
                found if within else -got["ordinary_as_crisis"]["rate"],
                t_crisis,
                t_risk,
            )
            if best_key is None or key > best_key:
                best_key, best = key, thresholds
    assert best is not None
    return best


# --- the whole build ---------------------------------------------------------


@dataclass
class Build:
    fitted: Fitted
    meta: dict


def author_of(example: Example) -> str:
    """Batches are named by their writer and a number ("c3"): the writer."""
    return example.batch.rstrip("0123456789")


def _without_overlap(train: list[Example], held_out: list[Example]) -> list[Example]:
    """A few short messages were written twice by different writers: one in train and
    one in dev or test would be a message the model has already seen."""
    seen = {model_text(e.text) for e in held_out}
    return [e for e in train if model_text(e.text) not in seen]


def cross_writer_scores(
    train: list[Example], dev: list[Example], rules: Callable[[str], str]
) -> list[Scored]:
    """Dev scores from models that never saw their writer: half the writers train, the
    other half's dev batches are scored, and the other way round. The thresholds are
    chosen on these, as the next patient is someone else again."""
    writers = sorted({author_of(e) for e in dev})
    scored = []
    for half in (writers[0::2], writers[1::2]):
        fold_train = [e for e in train if author_of(e) not in half]
        fitted = fit(fold_train + variants(fold_train, random.Random(SEED)), C)
        fitted.thresholds = {"risk": 0.5, "crisis": 0.5}  # scores do not depend on them
        scored += score(fitted.model(), [e for e in dev if author_of(e) in half], rules)
    return scored


def _report(scored: list[Scored], model: RiskModel, thresholds: dict[str, float]) -> dict:
    return {
        "all": figures([(s.level, combined(s, thresholds)) for s in scored]),
        "model_only": figures([(s.level, model.level_for(s.p_risk, s.p_crisis)) for s in scored]),
        "rules_only": figures([(s.level, s.rules) for s in scored]),
        **{
            lang: figures([(s.level, combined(s, thresholds)) for s in scored if s.lang == lang])
            for lang in ("fi", "en")
        },
    }


def build(
    *,
    rules: Callable[[str], str],
    extra_train: list[Example] = (),
    root: Path = CORPUS,
    log: Callable[[str], None] = lambda _: None,
) -> Build:
    """Choose thresholds on dev across writers, train on the training split, report."""
    examples = corpus_examples(root)
    by_split = {s: [e for e in examples if e.split == s] for s in ("train", "dev", "test")}
    corpus_train = _without_overlap(by_split["train"], by_split["dev"] + by_split["test"])
    rule_level = {e.text: rules(e.text) for e in by_split["dev"] + by_split["test"]}
    log(f"corpus: {len(examples)} messages; choosing thresholds across writers on dev")
    across = cross_writer_scores(corpus_train, by_split["dev"], rule_level.__getitem__)
    thresholds = choose_thresholds(across)
    train = corpus_train + _without_overlap(list(extra_train), by_split["dev"] + by_split["test"])
    train = train + variants(train, random.Random(SEED))
    log(f"thresholds {thresholds}; training on {len(train)} (with variants)")
    fitted = fit(train, C)
    fitted.thresholds = thresholds
    model = fitted.model()
    report = {"dev_across_writers": _report(across, model, thresholds)}
    for split in ("dev", "test"):
        report[split] = _report(
            score(model, by_split[split], rule_level.__getitem__), model, thresholds
        )
    meta = {
        **fitted.model_meta(),
        "c": fitted.c,
        "limits": {
            "ordinary_as_crisis": MAX_ORDINARY_AS_CRISIS,
            "ordinary_as_elevated_or_more": MAX_ORDINARY_AS_ELEVATED,
        },
        "seed": SEED,
        "corpus_sha256": files_sha256(corpus_files(root)),
        "code_sha256": files_sha256(code_files()),
        "corpus": {
            split: dict(Counter(f"{e.lang}/{e.level}" for e in by_split[split]))
            for split in ("train", "dev", "test")
        },
        "extra_train": len(extra_train),
        "trained_on": len(train),
        "figures": report,
        "sklearn": sklearn.__version__,
    }
    return Build(fitted, meta)


def write(build_: Build, out: Path) -> str:
    """Write the artefact; returns the sha256 of its arrays (the same build, the same hash)."""
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"idf.npy": build_.fitted.idf}
    for head in HEADS:
        coef = build_.fitted.heads[head].coef_[0].astype(np.float32)
        index = np.flatnonzero(coef).astype(np.int32)
        arrays[f"{head}_index.npy"] = index
        arrays[f"{head}_weight.npy"] = coef[index]
    digest = hashlib.sha256()
    for name, array in sorted(arrays.items()):
        np.save(out / name, array, allow_pickle=False)
        digest.update(name.encode())
        digest.update((out / name).read_bytes())
    meta = {**build_.meta, "arrays_sha256": digest.hexdigest()}
    (out / "meta.json").write_text(
        json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return meta["arrays_sha256"]
