"""How the risk screen does against the clinicians who review its work.

Every decision carries the reviewer's verdict on the level (``RiskReview``).
Per level: precision (of the messages the screen put at a level, the share the
reviewer agreed with) and recall (of the messages the reviewer put at a level,
the share the screen had found), overall, per language and per week. Verdicts
whose level was carried from earlier in the conversation are left out: there
the screen judged other messages than the ones answered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from reviewapp.risk.corrections import iso_week, reviews_teaching
from reviewapp.risk.levels import LEVELS

DEFAULT_WEEKS = 8


@dataclass(frozen=True)
class LevelFigures:
    level: str
    screened: int  # the screen said this level
    reviewed: int  # the reviewer said this level
    agreed: int  # both did

    @property
    def precision(self) -> float | None:
        return self.agreed / self.screened if self.screened else None

    @property
    def recall(self) -> float | None:
        return self.agreed / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class ScreenFigures:
    label: str  # "all", a language, or a week ("2026-W49"), or both
    verdicts: int
    changed: int  # the reviewer gave another level than the screen
    levels: tuple[LevelFigures, ...]


def _figures(label: str, pairs: Counter) -> ScreenFigures:
    levels = tuple(
        LevelFigures(
            level=level,
            screened=sum(n for (screened, _), n in pairs.items() if screened == level),
            reviewed=sum(n for (_, reviewed), n in pairs.items() if reviewed == level),
            agreed=pairs[(level, level)],
        )
        for level in LEVELS
    )
    changed = sum(n for (screened, reviewed), n in pairs.items() if screened != reviewed)
    return ScreenFigures(label, sum(pairs.values()), changed, levels)


def screen_against_clinicians(
    reviews: QuerySet, *, weeks: int = DEFAULT_WEEKS, now=None
) -> dict[str, list[ScreenFigures]]:
    """{"overall": [all, per language], "weekly": [per week, and per week and language]},
    from one aggregate query over the last ``weeks`` weeks."""
    since = (now or timezone.now()) - timedelta(weeks=weeks)
    rows = (
        reviews_teaching(reviews)
        .filter(created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .values("week", "language", "screened_level", "level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    groups: dict[tuple[str, str], Counter] = {}
    for row in rows:
        week_label = iso_week(row["week"])
        pair = (row["screened_level"], row["level"])
        language = row["language"]
        for key in (("all", ""), ("all", language), (week_label, ""), (week_label, language)):
            groups.setdefault(key, Counter())[pair] += row["n"]

    def label(key: tuple[str, str]) -> str:
        period, language = key
        if period == "all":
            return language or "all"
        return f"{period} · {language}" if language else period

    overall = [_figures(label(k), groups[k]) for k in sorted(groups) if k[0] == "all"]
    by_week = sorted((k for k in groups if k[0] != "all"), key=lambda k: (k[0], k[1] == ""))
    weekly = [_figures(label(k), groups[k]) for k in reversed(by_week)]
    return {"overall": overall, "weekly": weekly}
