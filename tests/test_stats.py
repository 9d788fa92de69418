"""Intervals, win rates and Bradley–Terry ratings, checked against hand-computed answers.

z below is the two-sided 95% normal quantile, 1.959964 (z² = 3.841459).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from reviewapp.stats import (
    Interval,
    bradley_terry,
    bradley_terry_strengths,
    difference_interval,
    is_significant,
    median_interval,
    proportion_interval,
    win_rate,
)

# Three items whose records fit strengths 4 : 2 : 1 exactly (A beats B with probability
# 4/6, B beats C 2/3, A beats C 4/5), so the maximum-likelihood strengths are 4 : 2 : 1.
TRANSITIVE = [("A", "B")] * 2 + [("B", "A")] + [("B", "C")] * 2 + [("C", "B")]
TRANSITIVE += [("A", "C")] * 4 + [("C", "A")]


def _strengths(ratings):
    """Back from the Elo-like scale to strengths: 10 ** ((rating - 1500) / 400)."""
    return {item: 10 ** ((rating.rating - 1500) / 400) for item, rating in ratings.items()}


def _score_gaps(wins, strengths):
    """wins_i - sum_j n_ij * p_i / (p_i + p_j): zero at the maximum-likelihood strengths."""
    games = wins + wins.T
    expected = games * strengths[:, None] / (strengths[:, None] + strengths[None, :])
    return wins.sum(axis=1) - expected.sum(axis=1)


def test_it_gives_the_wilson_interval():
    """8/10: centre (0.8 + z²/20) / (1 + z²/10) = 0.716740, half-width
    z / (1 + z²/10) * sqrt(0.8 * 0.2 / 10 + z²/400) = 0.226578 -> 0.4902 to 0.9433."""
    interval = proportion_interval(8, 10)
    assert interval.estimate == 0.8
    assert interval.low == pytest.approx(0.4902, abs=5e-5)
    assert interval.high == pytest.approx(0.9433, abs=5e-5)
    assert interval.n == 10


def test_it_keeps_the_wilson_interval_inside_zero_and_one():
    """0/10 and 10/10 reach the boundary instead of crossing it."""
    assert proportion_interval(0, 10).low == 0.0
    assert proportion_interval(10, 10).high == 1.0


def test_it_returns_no_interval_without_trials():
    assert proportion_interval(0, 0) == Interval(None, None, None, 0)


@pytest.mark.parametrize(("successes", "trials"), [(11, 10), (-1, 10), (0, -1)])
def test_it_refuses_impossible_counts(successes, trials):
    with pytest.raises(ValueError, match="successes <= trials"):
        proportion_interval(successes, trials)


def test_it_gives_newcombes_interval_for_a_difference():
    """Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10: 56/70 - 48/80
    = 0.2, 95% CI 0.0524 to 0.3339. By hand: the Wilson intervals are 0.691834 to 0.876953
    and 0.490455 to 0.700382; low = 0.2 - hypot(0.8 - 0.691834, 0.700382 - 0.6) = 0.052431,
    high = 0.2 + hypot(0.876953 - 0.8, 0.6 - 0.490455) = 0.333873."""
    interval = difference_interval(56, 70, 48, 80)
    assert interval.estimate == pytest.approx(0.2)
    assert interval.low == pytest.approx(0.0524, abs=5e-5)
    assert interval.high == pytest.approx(0.3339, abs=5e-5)
    assert interval.n == 150


def test_it_gives_no_difference_when_a_group_is_empty():
    assert difference_interval(3, 5, 0, 0) == Interval(None, None, None, 5)
    assert difference_interval(0, 0, 3, 5).estimate is None


def test_it_bootstraps_the_median_reproducibly():
    """The median of 1 1 2 3 3 4 5 5 5 6 9 is 4; the same seed gives the same interval."""
    values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    interval = median_interval(values, resamples=500, seed=7)
    assert interval.estimate == 4.0
    assert interval.low <= 4.0 <= interval.high
    assert interval.low < interval.high
    assert interval.n == 11
    assert median_interval(values, resamples=500, seed=7) == interval


def test_it_handles_no_values_and_one_value():
    assert median_interval([]) == Interval(None, None, None, 0)
    assert median_interval([2.5]) == Interval(2.5, 2.5, 2.5, 1)


def test_it_calls_a_clear_win_rate_significant():
    """30/40: Wilson 0.5981 to 0.8581, above 0.5, with the 30 decisive comparisons needed."""
    rate = win_rate(30, 10, min_decisive=30)
    assert (rate.n, rate.rate) == (40, 0.75)
    assert rate.low == pytest.approx(0.5981, abs=5e-5)
    assert rate.enough_data is True
    assert rate.significant is True


def test_it_waits_for_enough_decisive_comparisons():
    """6/4 straddles 0.5 anyway; 9/1 (Wilson 0.5958 to 0.9821) excludes it but has only 10."""
    assert win_rate(6, 4, min_decisive=30).enough_data is False
    assert win_rate(6, 4, min_decisive=30).significant is False
    lopsided = win_rate(9, 1, min_decisive=30)
    assert is_significant(proportion_interval(9, 10), 0.5) is True
    assert (lopsided.enough_data, lopsided.significant) == (False, False)


def test_it_calls_an_even_split_not_significant():
    rate = win_rate(20, 20, min_decisive=30)
    assert (rate.rate, rate.enough_data, rate.significant) == (0.5, True, False)


def test_it_finds_the_unregularised_strength_ratio():
    """A beats B 3 times out of 4: the likelihood peaks at odds 3:1, 400*log10(3) = 190.85
    points apart on the rating scale."""
    strengths = bradley_terry_strengths(np.array([[0.0, 3.0], [1.0, 0.0]]))
    assert strengths[0] / strengths[1] == pytest.approx(3.0, rel=1e-8)
    assert 400 * math.log10(strengths[0] / strengths[1]) == pytest.approx(190.85, abs=5e-3)


def test_it_solves_the_likelihood_equations_for_three_items():
    """TRANSITIVE fits 4 : 2 : 1, so each item's wins equal their expectation there
    (A: 3 * 4/6 + 5 * 4/5 = 6 wins)."""
    wins = np.array([[0.0, 2.0, 4.0], [1.0, 0.0, 2.0], [1.0, 1.0, 0.0]])
    strengths = bradley_terry_strengths(wins)
    assert strengths / strengths[2] == pytest.approx([4.0, 2.0, 1.0], rel=1e-8)
    assert np.prod(strengths) == pytest.approx(1.0)
    assert _score_gaps(wins, strengths) == pytest.approx([0, 0, 0], abs=1e-6)


def test_it_needs_a_prior_when_an_item_never_loses():
    """Unregularised, an unbeaten item's strength grows without bound."""
    with pytest.raises(ArithmeticError):
        bradley_terry_strengths(np.array([[0.0, 2.0, 1.0], [0.0, 0.0, 3.0], [0.0, 1.0, 0.0]]))
    with pytest.raises(ValueError, match="at least one win"):
        bradley_terry_strengths(np.array([[0.0, 5.0], [0.0, 0.0]]))


def test_it_adds_half_a_win_each_way_to_pairs_that_met():
    """3-1 becomes 3.5-1.5, odds 7:3, so 400*log10(7/3) = 147.19 points apart around 1500."""
    ratings = bradley_terry([("A", "B")] * 3 + [("B", "A")], resamples=0)
    assert ratings["A"].rating - ratings["B"].rating == pytest.approx(147.19, abs=5e-3)
    assert ratings["A"].rating + ratings["B"].rating == pytest.approx(3000)
    assert (ratings["A"].wins, ratings["A"].losses) == (3, 1)


def test_it_satisfies_the_likelihood_equations_with_the_prior():
    """With half a win added each way to every pair, the regularised ratings solve the
    score equations of the augmented counts; ratings average 1500, best first."""
    ratings = bradley_terry(TRANSITIVE, resamples=0)
    assert list(ratings) == ["A", "B", "C"]
    assert np.mean([r.rating for r in ratings.values()]) == pytest.approx(1500)
    strengths = _strengths(ratings)
    augmented = np.array([[0, 2, 4], [1, 0, 2], [1, 1, 0]]) + 0.5 * (1 - np.eye(3))
    gaps = _score_gaps(augmented, np.array([strengths[item] for item in "ABC"]))
    assert gaps == pytest.approx([0, 0, 0], abs=1e-6)


def test_it_rates_an_unbeaten_item_finitely():
    """5-0 becomes 5.5-0.5, odds 11:1: 400*log10(11) = 416.56 points apart."""
    ratings = bradley_terry([("A", "B")] * 5, resamples=20)
    assert ratings["A"].rating - ratings["B"].rating == pytest.approx(416.56, abs=5e-3)
    assert math.isfinite(ratings["A"].rating)
    assert (ratings["A"].wins, ratings["A"].losses) == (5, 0)
    # Every resample of five identical pairs is the same record.
    assert ratings["A"].low == pytest.approx(ratings["A"].rating)


def test_it_bootstraps_rating_intervals_reproducibly():
    ratings = bradley_terry(TRANSITIVE, resamples=200, seed=3)
    for rating in ratings.values():
        assert rating.low < rating.rating < rating.high
    assert bradley_terry(TRANSITIVE, resamples=200, seed=3) == ratings


def test_it_gives_no_interval_to_groups_that_never_met():
    """A-B and C-D never met: every resample falls apart, so no interval is drawn."""
    ratings = bradley_terry([("A", "B"), ("B", "A"), ("C", "D"), ("D", "C")], resamples=20)
    assert all(rating.low is None and rating.high is None for rating in ratings.values())


def test_it_rates_nothing_from_no_pairs_and_refuses_self_play():
    assert bradley_terry([]) == {}
    with pytest.raises(ValueError, match="cannot beat itself"):
        bradley_terry([("A", "A")])
