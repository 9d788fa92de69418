"""De-identification on the labelled set: leak rate, recall per kind, ordinary words kept.

    python bench/deid.py [--split dev|test|holdout|all]

``tests/data/deid_eval.jsonl`` holds Finnish and English chat lines with every
identifier marked, by kind, in three splits written by different people:
``dev`` (tuned on), ``test`` and ``holdout`` (never read line by line while tuning).
A labelled identifier counts as found when predicted spans (of any type) cover
all of its characters; the leak rate is the share not found; "kept" is the share
of the other words left untouched. "digits or @" counts the identifiers holding
a digit or an @, whose goal is no leak at all.

Baseline in the same run: the previous pass, ``rules-2``, loaded from git
(commit ``RULES_2_COMMIT``) into a throw-away package, so the two are compared on
the same lines and the same machine.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Run as a script, bench/ is on the path.
from deid_scoring import score  # noqa: E402

from reviewapp.deid import DEID_VERSION, find_entities  # noqa: E402

RULES_2_COMMIT = "6a6a83a"
RULES_2_FILES = ("__init__.py", "entities.py", "names.py", "structured.py")


def rules_2():
    """``find_entities`` of the pass before this one, from git."""
    package = Path(tempfile.mkdtemp()) / "deid_rules_2"
    package.mkdir()
    for name in RULES_2_FILES:
        source = subprocess.run(
            ["git", "show", f"{RULES_2_COMMIT}:reviewapp/deid/{name}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (package / name).write_text(source.replace("reviewapp.deid", "deid_rules_2"))
    sys.path.insert(0, str(package.parent))
    return importlib.import_module("deid_rules_2").find_entities


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--split", default="all", choices=["dev", "test", "holdout", "holdout2", "all"]
    )
    args = parser.parse_args()
    rows = [json.loads(line) for line in (ROOT / "tests/data/deid_eval.jsonl").open()]
    splits = ["dev", "test", "holdout", "holdout2"] if args.split == "all" else [args.split]
    systems = {DEID_VERSION.split(" ")[0]: find_entities, "rules-2 (baseline)": rules_2()}
    for find in systems.values():  # loading dictionaries is not what messages/s measures
        find("Asun Kuusamossa, mun nimi on Sanna. I live in Leeds, call me on 040 123 4567.")
    for split in splits:
        chosen = [r for r in rows if r["split"] == split]
        if not chosen:
            continue
        print(
            f"\n### {split}: {len(chosen)} lines "
            f"({sum(r['lang'] == 'fi' for r in chosen)} Finnish)\n"
        )
        results = {}
        for label, find in systems.items():
            for lang in ("fi", "en"):
                part = [r for r in chosen if r["lang"] == lang]
                results[label, lang] = (score(part, find), len(part))
        print("| kind | " + " | ".join(f"{label} {lang}" for label, lang in results) + " |")
        print("|---|" + "---:|" * len(results))
        kinds = sorted({kind for (result, _) in results.values() for kind in result.total})
        for kind in kinds:
            cells = []
            for result, _ in results.values():
                found, total = result.found[kind], result.total[kind]
                cells.append(f"{100 * found / total:.0f}% ({found}/{total})" if total else "—")
            print(f"| {kind} | " + " | ".join(cells) + " |")
        rows_out: dict[str, list[str]] = {
            "**leak rate**": [],
            "leaked with digits or @": [],
            "ordinary words kept": [],
            "messages/s": [],
        }
        for result, count in results.values():
            found, total = sum(result.found.values()), sum(result.total.values())
            rows_out["**leak rate**"].append(
                f"**{100 * (total - found) / total:.1f}%** ({total - found}/{total})"
            )
            rows_out["leaked with digits or @"].append(
                f"{result.with_digits_leaked} of {result.with_digits}"
            )
            rows_out["ordinary words kept"].append(
                f"{100 * result.kept / result.words:.1f}% ({result.kept}/{result.words})"
            )
            rows_out["messages/s"].append(f"{count / result.find_seconds:,.0f}")
        for name, cells in rows_out.items():
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
