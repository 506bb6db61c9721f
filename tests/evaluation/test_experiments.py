"""What shipml.evaluation.experiments promises: sample sizes and tests that agree with statsmodels and scipy."""

import numpy as np
import pytest
from scipy.stats import chisquare
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize, proportions_ztest

from shipml.evaluation import experiments


@pytest.mark.parametrize("p_base, p_new", [(0.005, 0.004), (0.01, 0.012), (0.2, 0.22)])
def test_the_sample_size_is_statsmodels(p_base, p_new):
    n = experiments.sample_size_per_arm(p_base, p_new)
    sm = NormalIndPower().solve_power(effect_size=proportion_effectsize(p_base, p_new), alpha=0.05, power=0.8)
    assert abs(n - sm) < max(1.5, 1e-4 * sm)
    assert experiments.power(p_base, p_new, n) == pytest.approx(0.8, abs=1e-3)


def test_the_z_test_is_statsmodels_and_the_srm_test_is_scipys():
    z, p = experiments.two_proportion_z(50, 10_000, 70, 10_000)
    assert (z, p) == pytest.approx(proportions_ztest([70, 50], [10_000, 10_000]))
    assert experiments.sample_ratio_mismatch(5050, 4950) == pytest.approx(chisquare([5050, 4950]).pvalue)


def test_days_needed_counts_both_arms_and_the_share():
    assert experiments.days_needed(1000, 10_000, share=0.1) == pytest.approx(2.0)


def test_an_aa_test_read_once_is_wrong_at_alpha_and_peeking_inflates_it():
    once = experiments.simulate_aa(0.01, per_day=2000, days=10, n_tests=2000, seed=0)
    peeking = experiments.simulate_aa(0.01, per_day=2000, days=10, n_tests=2000, seed=0, peeking=True)
    assert abs(once - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 2000)
    assert peeking > 2 * once


@pytest.mark.parametrize("call", [lambda: experiments.sample_size_per_arm(0.01, 0.01),
                                  lambda: experiments.sample_size_per_arm(1.5, 0.1),
                                  lambda: experiments.days_needed(10, 0),
                                  lambda: experiments.simulate_aa(0.01, per_day=0, days=3)])
def test_bad_input_gets_a_sentence(call):
    with pytest.raises(ValueError):
        call()
