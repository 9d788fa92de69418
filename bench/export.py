"""Export throughput at 100,000 reviewed requests: items per second and peak memory.

    python bench/export.py [--database countersign_bench]

Uses the database ``bench/queue_page.py`` seeds (100,000 draft requests, 90% of
them decided: released replies and rejections), migrated first. Runs the real
``dataset_export`` (SFT, every text de-identified) in a child process and reads
its peak resident memory; baseline in the same run: the same rows written with
de-identification switched off, to show what it costs. An item is one exported
message.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
import django
django.setup()
from reviewapp import export
if {raw}:
    export._clean = lambda text, pseudonyms: text
started = time.perf_counter()
manifest = export.dataset_export(fmt="sft", out_dir=Path({out!r}))
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"items": manifest["counts"]["messages"], "seconds": elapsed, "peak_mb": peak}}))
"""


def run(database: str, raw: bool) -> dict:
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}"}
    with tempfile.TemporaryDirectory() as out:
        code = CHILD.format(root=str(ROOT), raw=raw, out=str(Path(out) / "sft"))
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="countersign_bench")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    rows = {
        "export, de-identified (shipped)": run(args.database, raw=False),
        "baseline: same export, no de-identification": run(args.database, raw=True),
    }
    print("| run | items | seconds | items/s | peak memory |")
    print("|---|---:|---:|---:|---:|")
    for name, r in rows.items():
        rate = r["items"] / r["seconds"]
        cells = f"{r['items']:,} | {r['seconds']:.1f} | {rate:,.0f} | {r['peak_mb']:.0f} MB"
        print(f"| {name} | {cells} |")
    shipped, baseline = rows.values()
    ratio = (shipped["items"] / shipped["seconds"]) / (baseline["items"] / baseline["seconds"])
    print(f"\nde-identified/raw throughput ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
