"""The risk screen on labelled messages it was not trained on: recall, precision, time.

    python bench/risk_screen.py     # markdown tables; needs the built model (make risk-model)

Sets, none of them the training split:
- the corpus's dev split (1,200 messages; the thresholds were chosen on it, scored by
  models that had not seen its writers), and its test split (1,200; never used for a
  choice), both from ``reviewapp/risk/corpus``;
- the older sets in ``tests/data`` (``risk_eval.jsonl``, ``risk_heldout.jsonl``),
  written before this screen, which earlier versions of the rules were tuned on.

For each set and language: per level, recall (labelled L, screened L) and precision
(screened L, labelled L); the three targets (crisis screened crisis; crisis and
elevated screened at least elevated; ordinary messages screened crisis); for the
screen as it runs (rules and model), the model alone, the rules alone, and a
baseline measured in the same run: a surface-string keyword screen. Then the time
per message of the whole screen, against the keyword screen's.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from reviewapp.risk.model import risk_model  # noqa: E402
from reviewapp.risk.screen import learned_screen, rules_screen, screen_text  # noqa: E402
from reviewapp.risk.training import corpus_examples, figures  # noqa: E402

LEVELS = ("crisis", "elevated", "none")

_KEYWORDS_CRISIS = re.compile(
    r"\b(suicide|kill myself|end my life|overdose|itsemurha|tappaa itseni|yliannostus)\b", re.I
)
_KEYWORDS_ELEVATED = re.compile(r"\b(die|dead|hopeless|kuolla|kuollut|toivoton)\b", re.I)


def keyword_screen(text: str) -> str:
    if _KEYWORDS_CRISIS.search(text):
        return "crisis"
    return "elevated" if _KEYWORDS_ELEVATED.search(text) else "none"


SCREENS = {
    "rules + model": lambda text: screen_text(text).level,
    "model alone": lambda text: learned_screen(text).level,
    "rules alone": lambda text: rules_screen(text).level,
    "keywords (baseline)": keyword_screen,
}


def _rate(value: dict) -> str:
    rate = value["rate"]
    return "—" if rate is None else f"{100 * rate:.1f}% ({value['hits']}/{value['total']})"


def _sets() -> dict[str, list[dict]]:
    corpus = corpus_examples()
    sets = {
        f"corpus {split}": [
            {"text": e.text, "lang": e.lang, "level": e.level} for e in corpus if e.split == split
        ]
        for split in ("dev", "test")
    }
    for name in ("risk_eval.jsonl", "risk_heldout.jsonl"):
        path = ROOT / "tests" / "data" / name
        sets[name] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sets


def timing_ms(texts: list[str], screen, repeats: int = 3) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter()
            screen(text)
            samples.append(1000 * (time.perf_counter() - started))
    samples.sort()
    return statistics.median(samples), samples[int(0.99 * (len(samples) - 1))]


def main() -> None:
    model = risk_model(settings.COUNTERSIGN["RISK_MODEL_DIR"])
    print(f"model thresholds: {model.thresholds}")
    across = model.meta["figures"]["dev_across_writers"]["all"]
    print(
        "dev split scored by models that never saw its writers (the thresholds were chosen "
        f"on these): crisis as crisis {_rate(across['crisis_as_crisis'])}, risk as at least "
        f"elevated {_rate(across['risk_at_least_elevated'])}, ordinary as crisis "
        f"{_rate(across['ordinary_as_crisis'])}"
    )
    all_texts = []
    for name, rows in _sets().items():
        all_texts += [row["text"] for row in rows]
        print(f"\n### {name} ({len(rows)} messages)\n")
        print(
            "| lang | screen | crisis as crisis (≥ 95%) | risk as ≥ elevated (≥ 95%) "
            "| ordinary as crisis (≤ 5%) | crisis P / R | elevated P / R | none P / R |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for lang in ("fi", "en", "both"):
            subset = [r for r in rows if lang == "both" or r["lang"] == lang]
            for label, screen in SCREENS.items():
                got = figures([(r["level"], screen(r["text"])) for r in subset])
                per_level = " | ".join(
                    f"{_rate(got[level]['precision'])} / {_rate(got[level]['recall'])}"
                    for level in LEVELS
                )
                print(
                    f"| {lang} | {label} | {_rate(got['crisis_as_crisis'])} | "
                    f"{_rate(got['risk_at_least_elevated'])} | {_rate(got['ordinary_as_crisis'])} "
                    f"| {per_level} |"
                )
    screen_median, screen_p99 = timing_ms(all_texts, SCREENS["rules + model"])
    keyword_median, keyword_p99 = timing_ms(all_texts, keyword_screen)
    print("\n| screen | median ms | p99 ms | ratio (median) |\n|---|---:|---:|---:|")
    print(f"| keywords (baseline) | {keyword_median:.3f} | {keyword_p99:.3f} | 1.0x |")
    print(
        f"| rules + model | {screen_median:.3f} | {screen_p99:.3f} | "
        f"{screen_median / keyword_median:.0f}x |"
    )
    print(f"\n{len(all_texts)} messages, {os.cpu_count()} cores; target median ≤ 5 ms")


if __name__ == "__main__":
    main()
