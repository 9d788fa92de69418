"""De-identification on the labelled set: recall per identifier type, ordinary words kept.

    python bench/deid.py

For ``tests/data/deid_eval.jsonl`` (Finnish and English messages with every
identifier marked): a labelled identifier counts as found when predicted spans
(of any type) cover all of its characters; "kept" is the share of words outside
every labelled identifier that no predicted span touches. Baseline in the same
run: only the recognisers of the first pass's five types (e-mail, URL, phone,
henkilötunnus, SSN), showing what names, addresses, dates and record numbers add.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")

import django  # noqa: E402

django.setup()

# Run as a script, bench/ is on the path.
from deid_scoring import score  # noqa: E402

from reviewapp.deid import find_entities  # noqa: E402
from reviewapp.deid.structured import find_structured  # noqa: E402

BASELINE_TYPES = {"EMAIL", "URL", "PHONE", "HETU", "SSN"}


def baseline(text: str):
    return [e for e in find_structured(text) if e.type in BASELINE_TYPES]


def evaluate(rows: list[dict], find) -> tuple[Counter, Counter, int, int, float]:
    result = score(rows, find)
    return result.found, result.total, result.kept, result.words, len(rows) / result.seconds


def main() -> None:
    rows = [json.loads(line) for line in (ROOT / "tests/data/deid_eval.jsonl").open()]
    print(f"{len(rows)} messages ({sum(r['lang'] == 'fi' for r in rows)} Finnish)\n")
    results = {}
    for label, find in (("rules-2", find_entities), ("5 types only (baseline)", baseline)):
        for lang in ("fi", "en"):
            results[label, lang] = evaluate([r for r in rows if r["lang"] == lang], find)
    types = sorted({t for ((f, t_, *_),) in [(v,) for v in results.values()] for t in t_})
    print("| type | " + " | ".join(f"{label} {lang}" for label, lang in results) + " |")
    print("|---|" + "---:|" * len(results))
    for kind in types:
        cells = []
        for found, total, *_ in results.values():
            cells.append(
                f"{100 * found[kind] / total[kind]:.0f}% ({found[kind]}/{total[kind]})"
                if total[kind]
                else "—"
            )
        print(f"| {kind} | " + " | ".join(cells) + " |")
    cells = [
        f"{100 * kept / words:.1f}% ({kept}/{words})" for _, _, kept, words, _ in results.values()
    ]
    print("| ordinary words kept | " + " | ".join(cells) + " |")
    cells = [f"{rate:,.0f}" for *_, rate in results.values()]
    print("| messages/s | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
