"""Scores against closed forms: CRPS of a point mass and of a Poisson, log score of a Poisson,
Brier skill, average precision and the false-alarm budget on hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from ceasefire.warning import metrics
from ceasefire.warning.pmf import negative_binomial, point_mass


def poisson_pmf(lam: float, k_max: int) -> np.ndarray:
    pmf = stats.poisson.pmf(np.arange(k_max + 1), lam)
    pmf[-1] += 1 - pmf.sum()
    return np.asarray(pmf[None, :], dtype=np.float64)


def poisson_crps_closed_form(lam: float, y: int) -> float:
    """Wei and Held (2014): CRPS of Poisson(lam) at y, with modified Bessel functions."""
    cdf, pmf = stats.poisson.cdf(y, lam), stats.poisson.pmf(y, lam)
    bessel = special.ive(0, 2 * lam) + special.ive(1, 2 * lam)  # exp(-2 lam) I_k(2 lam)
    return float((y - lam) * (2 * cdf - 1) + 2 * lam * pmf - lam * bessel)


@pytest.mark.parametrize(("mass_at", "y"), [(0, 0), (0, 7), (5, 2), (9, 30)])
def test_crps_of_a_point_mass_is_the_absolute_error(mass_at: int, y: int) -> None:
    pmf = point_mass(np.array([float(mass_at)]), 10)
    assert metrics.crps(pmf, np.array([float(y)]))[0] == pytest.approx(abs(y - mass_at))


@pytest.mark.parametrize(("lam", "y"), [(0.3, 0), (2.5, 1), (2.5, 6), (11.0, 9), (40.0, 55)])
def test_crps_of_a_poisson_matches_the_closed_form(lam: float, y: int) -> None:
    got = metrics.crps(poisson_pmf(lam, 400), np.array([float(y)]))[0]
    assert got == pytest.approx(poisson_crps_closed_form(lam, y), rel=1e-9, abs=1e-12)


def test_crps_equals_the_energy_form_for_any_distribution() -> None:
    rng = np.random.default_rng(5)
    pmf = rng.dirichlet(np.ones(12), size=4)
    k = np.arange(12)
    for row, y in zip(pmf, [0, 3, 11, 6], strict=True):
        e_xy = float((row * np.abs(k - y)).sum())
        e_xx = float((row[:, None] * row[None, :] * np.abs(k[:, None] - k[None, :])).sum())
        got = metrics.crps(row[None, :], np.array([float(y)]))[0]
        assert got == pytest.approx(e_xy - 0.5 * e_xx)


@pytest.mark.parametrize(("lam", "y"), [(0.5, 0), (3.0, 4), (20.0, 12)])
def test_ignorance_of_a_poisson_is_minus_log2_of_its_pmf(lam: float, y: int) -> None:
    expected = -(-lam + y * math.log(lam) - math.lgamma(y + 1)) / math.log(2)
    got = metrics.ignorance(poisson_pmf(lam, 200), np.array([float(y)]))[0]
    assert got == pytest.approx(expected)


def test_ignorance_of_an_outcome_given_no_mass_is_large_but_finite() -> None:
    got = metrics.ignorance(point_mass(np.array([0.0]), 5), np.array([3.0]))[0]
    assert got == pytest.approx(-math.log2(metrics.PROBABILITY_FLOOR))


def test_negative_binomial_pmf_has_the_requested_mean_and_variance() -> None:
    pmf = negative_binomial(np.array([4.0]), 0.5, 2000)
    k = np.arange(2001)
    mean = float((pmf[0] * k).sum())
    var = float((pmf[0] * (k - mean) ** 2).sum())
    assert mean == pytest.approx(4.0, rel=1e-6)
    assert var == pytest.approx(4.0 + 0.5 * 16.0, rel=1e-6)


def test_exceedance_reads_the_upper_tail() -> None:
    pmf = np.array([[0.5, 0.25, 0.125, 0.125]])
    got = [metrics.exceedance(pmf, np.array([t]))[0] for t in (0, 1, 2, 3, 9)]
    assert got == pytest.approx([1.0, 0.5, 0.25, 0.125, 0.125])


def test_brier_skill_is_one_for_a_perfect_forecast_and_zero_for_the_reference() -> None:
    event = np.array([True, False, False, True])
    reference = np.full(4, 0.5)
    assert metrics.brier_skill(event.astype(float), reference, event) == 1.0
    assert metrics.brier_skill(reference, reference, event) == 0.0
    assert metrics.brier(np.array([0.2, 0.2]), np.array([True, False])) == pytest.approx(0.34)


def test_average_precision_of_a_perfect_ranking_is_one_and_of_a_reversed_one_is_low() -> None:
    event = np.array([True, True, False, False, False])
    assert metrics.average_precision(np.array([0.9, 0.8, 0.3, 0.2, 0.1]), event) == 1.0
    # positives ranked 4th and 5th: (1/2)(1/4) + (1/2)(2/5)
    reversed_ = metrics.average_precision(np.array([0.1, 0.2, 0.7, 0.8, 0.9]), event)
    assert reversed_ == pytest.approx(0.125 + 0.2)


def test_threshold_for_budget_keeps_false_alarms_within_the_budget() -> None:
    rng = np.random.default_rng(1)
    p = rng.random(500)
    event = rng.random(500) < p  # made-up, calibrated-ish probabilities
    for budget in (0, 5, 40):
        threshold = metrics.threshold_for_budget(p, event, budget)
        point = metrics.operating_point(p, event, threshold)
        assert point.false_alarms <= budget
        # one step lower would break the budget (or nothing is left to add)
        lower = p[p < threshold]
        if len(lower):
            assert metrics.operating_point(p, event, float(lower.max())).false_alarms > budget


def test_operating_point_counts_hits_and_false_alarms() -> None:
    p = np.array([0.9, 0.6, 0.4, 0.1])
    event = np.array([True, False, True, False])
    point = metrics.operating_point(p, event, 0.5)
    assert (point.recall, point.precision, point.false_alarms, point.warnings) == (0.5, 0.5, 1, 2)
