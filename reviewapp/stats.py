"""Rates, differences, medians and pairwise ratings, each with a confidence interval.

The analytics pages compare profile versions by clinicians' decisions on their drafted
replies: a rate gets a Wilson score interval, the gap between two versions Newcombe's
hybrid score interval, a median a percentile bootstrap, and blind pairwise comparisons a
win rate and Bradley–Terry ratings on an Elo-like scale. Pure numpy and scipy; no database.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.sparse.csgraph import connected_components

# Bradley–Terry ratings: 1500 is the average item, 400 points more means 10:1 odds.
ELO_MEAN = 1500
ELO_SCALE = 400
# Virtual wins given each way to every pair of items that met. Without them the
# maximum-likelihood strength of an item that never lost is infinite (and of one that
# never won, zero). Half a win each way is the usual "add 0.5" correction for log-odds:
# it turns a 1-0 record into 3:1 odds rather than certainty and fades as real
# comparisons accrue. Pairs that never met get nothing, so no comparison is invented.
PRIOR_WINS = 0.5
# Hunter's MM iteration stops when no log-strength moves by more than TOLERANCE.
TOLERANCE = 1e-10
MAX_ITERATIONS = 10_000
BOOTSTRAP_BATCH = 50


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval over n observations; None fields without data."""

    estimate: float | None
    low: float | None
    high: float | None
    n: int


@dataclass(frozen=True)
class WinRate:
    """One side's share of the decisive (untied) pairwise comparisons, with its interval."""

    wins: int
    losses: int
    n: int
    rate: float | None
    low: float | None
    high: float | None
    enough_data: bool
    significant: bool


@dataclass(frozen=True)
class Rating:
    """An item's Bradley–Terry rating with its bootstrap interval and its real record."""

    item: Hashable
    rating: float
    low: float | None
    high: float | None
    wins: int
    losses: int


def proportion_interval(successes: int, trials: int, confidence: float = 0.95) -> Interval:
    """successes / trials with its Wilson score interval; None fields when trials is 0."""
    if successes < 0 or trials < 0 or successes > trials:
        raise ValueError(f"Need 0 <= successes <= trials, got {successes} of {trials}.")
    if trials == 0:
        return Interval(None, None, None, 0)
    ci = stats.binomtest(successes, trials).proportion_ci(confidence, method="wilson")
    return Interval(successes / trials, float(ci.low), float(ci.high), trials)


def difference_interval(s1: int, n1: int, s2: int, n2: int, confidence: float = 0.95) -> Interval:
    """s1/n1 - s2/n2 with Newcombe's hybrid score interval (1998, method 10); n is n1 + n2,
    the other fields None when either group is empty."""
    first = proportion_interval(s1, n1, confidence)
    second = proportion_interval(s2, n2, confidence)
    if first.estimate is None or second.estimate is None:
        return Interval(None, None, None, n1 + n2)
    p1, p2 = first.estimate, second.estimate
    # Each bound combines the two Wilson half-widths on the side that moves the gap that way.
    low = p1 - p2 - math.hypot(p1 - first.low, second.high - p2)
    high = p1 - p2 + math.hypot(first.high - p1, p2 - second.low)
    return Interval(p1 - p2, low, high, n1 + n2)


def median_interval(
    values: Sequence[float], confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> Interval:
    """The median with a percentile-bootstrap interval, the same for the same seed."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return Interval(None, None, None, 0)
    median = float(np.median(data))
    if data.size == 1:
        # One value cannot be resampled into anything else (and scipy refuses to try).
        return Interval(median, median, median, 1)
    ci = stats.bootstrap(
        (data,),
        np.median,
        confidence_level=confidence,
        n_resamples=resamples,
        method="percentile",
        # In batches: all resamples at once of 100,000 values took 3 GB.
        batch=BOOTSTRAP_BATCH,
        rng=np.random.default_rng(seed),
    ).confidence_interval
    return Interval(median, float(ci.low), float(ci.high), int(data.size))


def is_significant(interval: Interval, null: float) -> bool:
    """Whether the interval excludes the null value; False when there is no interval."""
    if interval.low is None or interval.high is None:
        return False
    return not interval.low <= null <= interval.high


def win_rate(wins: int, losses: int, min_decisive: int, confidence: float = 0.95) -> WinRate:
    """wins / (wins + losses), ties left out; significant only once there are min_decisive
    decisive comparisons and the Wilson interval excludes an even split."""
    interval = proportion_interval(wins, wins + losses, confidence)
    enough_data = interval.n >= min_decisive
    return WinRate(
        wins=wins,
        losses=losses,
        n=interval.n,
        rate=interval.estimate,
        low=interval.low,
        high=interval.high,
        enough_data=enough_data,
        significant=enough_data and is_significant(interval, 0.5),
    )


def bradley_terry_strengths(wins: np.ndarray) -> np.ndarray:
    """Maximum-likelihood Bradley–Terry strengths, geometric mean 1, for wins[i, j] = times
    i beat j. No prior: the maximum is finite only if every item both won and lost."""
    total_wins = wins.sum(axis=1)
    if not np.all(total_wins > 0):
        raise ValueError("Every item needs at least one win for a finite strength.")
    games = wins + wins.T
    strengths = np.ones(len(wins))
    # Hunter (2004), "MM algorithms for generalized Bradley-Terry models", Annals of
    # Statistics 32(1): p_i <- W_i / sum_j n_ij / (p_i + p_j) raises the likelihood at
    # every step; rescaling keeps the geometric mean at 1.
    for _ in range(MAX_ITERATIONS):
        updated = total_wins / (games / (strengths[:, None] + strengths[None, :])).sum(axis=1)
        updated /= np.exp(np.log(updated).mean())
        if np.max(np.abs(np.log(updated / strengths))) < TOLERANCE:
            return updated
        strengths = updated
    raise ArithmeticError("Bradley–Terry strengths did not converge; has an item never lost?")


def bradley_terry(
    pairs: Iterable[tuple[Hashable, Hashable]],
    *,
    resamples: int = 500,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[Hashable, Rating]:
    """Ratings (mean 1500) from (winner, loser) pairs, best first, with PRIOR_WINS added and
    a bootstrap interval over the pairs; items in groups that never met get no interval."""
    pairs = list(pairs)
    if not pairs:
        return {}
    if any(winner == loser for winner, loser in pairs):
        raise ValueError("An item cannot beat itself.")
    items = list(dict.fromkeys(item for pair in pairs for item in pair))
    index = {item: position for position, item in enumerate(items)}
    winners = np.array([index[winner] for winner, _ in pairs], dtype=int)
    losers = np.array([index[loser] for _, loser in pairs], dtype=int)
    ratings = _ratings(_win_matrix(winners, losers, len(items)))
    samples = _bootstrap_ratings(winners, losers, len(items), resamples, seed)
    tail = (1 - confidence) / 2
    if len(samples):
        lows, highs = np.quantile(samples, [tail, 1 - tail], axis=0).tolist()
    else:
        lows = highs = [None] * len(items)
    wins = np.bincount(winners, minlength=len(items))
    losses = np.bincount(losers, minlength=len(items))
    return {
        items[i]: Rating(
            item=items[i],
            rating=float(ratings[i]),
            low=lows[i],
            high=highs[i],
            wins=int(wins[i]),
            losses=int(losses[i]),
        )
        for i in np.argsort(-ratings, kind="stable")
    }


def _win_matrix(winners: np.ndarray, losers: np.ndarray, size: int) -> np.ndarray:
    wins = np.zeros((size, size))
    np.add.at(wins, (winners, losers), 1)
    return wins


def _ratings(wins: np.ndarray) -> np.ndarray:
    met = (wins + wins.T) > 0
    return ELO_MEAN + ELO_SCALE * np.log10(bradley_terry_strengths(wins + PRIOR_WINS * met))


def _bootstrap_ratings(
    winners: np.ndarray, losers: np.ndarray, size: int, resamples: int, seed: int
) -> np.ndarray:
    """Ratings from the pairs resampled with replacement, one row per kept resample."""
    rng = np.random.default_rng(seed)
    kept = []
    for _ in range(resamples):
        chosen = rng.integers(len(winners), size=len(winners))
        wins = _win_matrix(winners[chosen], losers[chosen], size)
        # A resample in which an item vanished, or groups of items stopped meeting, rates
        # the groups on unrelated scales; skip it rather than let it widen the interval.
        if connected_components(wins + wins.T, directed=False)[0] == 1:
            kept.append(_ratings(wins))
    return np.array(kept).reshape(-1, size)
