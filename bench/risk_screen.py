"""Risk screening on the labelled evaluation sets: recall and precision per level and language.

    python bench/risk_screen.py            # both sets, prints markdown tables

For each set and language: per level, recall (labelled L, screened L) and
precision (screened L, labelled L); the issue's three targets (crisis screened
as crisis; crisis and elevated screened as at least elevated; ordinary messages
screened as crisis); and the time per message. Baseline, measured in the same
run: a surface-string keyword screen (the words a naive filter would list),
showing what stems, typo tolerance, negation and idioms buy.
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

from reviewapp.risk.screen import screen_text  # noqa: E402

SETS = ("risk_eval.jsonl", "risk_heldout.jsonl")
LEVELS = ("crisis", "elevated", "none")
RANK = {"none": 0, "elevated": 1, "crisis": 2}

_KEYWORDS_CRISIS = re.compile(
    r"\b(suicide|kill myself|end my life|overdose|itsemurha|tappaa itseni|yliannostus)\b", re.I
)
_KEYWORDS_ELEVATED = re.compile(r"\b(die|dead|hopeless|kuolla|kuollut|toivoton)\b", re.I)


def keyword_screen(text: str) -> str:
    if _KEYWORDS_CRISIS.search(text):
        return "crisis"
    return "elevated" if _KEYWORDS_ELEVATED.search(text) else "none"


def screen_level(text: str) -> str:
    return screen_text(text).level


def _ratio(hits: int, total: int) -> str:
    return f"{100 * hits / total:.1f}% ({hits}/{total})" if total else "—"


def evaluate(rows: list[dict], screen) -> dict:
    got = [screen(r["text"]) for r in rows]
    pairs = list(zip((r["level"] for r in rows), got, strict=True))
    table = {}
    for level in LEVELS:
        labelled = [g for want, g in pairs if want == level]
        screened = [want for want, g in pairs if g == level]
        table[level] = (
            _ratio(sum(g == level for g in labelled), len(labelled)),
            _ratio(sum(w == level for w in screened), len(screened)),
        )
    risky = [g for want, g in pairs if want != "none"]
    ordinary = [g for want, g in pairs if want == "none"]
    crisis = [g for want, g in pairs if want == "crisis"]
    table["targets"] = (
        _ratio(sum(g == "crisis" for g in crisis), len(crisis)),
        _ratio(sum(RANK[g] >= 1 for g in risky), len(risky)),
        _ratio(sum(g == "crisis" for g in ordinary), len(ordinary)),
    )
    return table


def timing_ms(rows: list[dict], repeats: int = 5) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        for row in rows:
            started = time.perf_counter()
            screen_text(row["text"])
            samples.append(1000 * (time.perf_counter() - started))
    samples.sort()
    return statistics.median(samples), samples[int(0.99 * (len(samples) - 1))]


def main() -> None:
    data = ROOT / "tests" / "data"
    for name in SETS:
        rows = [json.loads(line) for line in (data / name).read_text(encoding="utf-8").splitlines()]
        print(f"\n### {name} ({len(rows)} messages)\n")
        print("| lang | screen | level | recall | precision |")
        print("|---|---|---|---:|---:|")
        targets = []
        for lang in ("fi", "en"):
            subset = [r for r in rows if r["lang"] == lang]
            for label, screen in (("rules", screen_level), ("keywords (baseline)", keyword_screen)):
                result = evaluate(subset, screen)
                for level in LEVELS:
                    recall, precision = result[level]
                    print(f"| {lang} | {label} | {level} | {recall} | {precision} |")
                targets.append((lang, label, *result["targets"]))
        print(
            "\n| lang | screen | crisis as crisis (≥ 98%) | risk as ≥ elevated (≥ 97%) "
            "| ordinary as crisis (≤ 2%) |"
        )
        print("|---|---|---:|---:|---:|")
        for lang, label, *values in targets:
            print(f"| {lang} | {label} | " + " | ".join(values) + " |")
        median, p99 = timing_ms(rows)
        print(f"\ntime per message: median {median:.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
