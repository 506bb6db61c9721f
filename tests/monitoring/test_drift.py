"""What shipml.monitoring.drift promises: hand-made measures that agree with scipy, and bad input stated, not raised."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from shipml.monitoring import drift

RNG = np.random.default_rng(0)
A = RNG.lognormal(3, 1, 4000)
B = RNG.lognormal(3.2, 1.1, 700)


def test_the_ks_statistic_and_the_wasserstein_distance_are_scipys():
    assert drift.ks_statistic(A, B) == pytest.approx(stats.ks_2samp(A, B).statistic)
    assert drift.wasserstein(A, B) == pytest.approx(stats.wasserstein_distance(A, B))


def test_the_jensen_shannon_distance_is_scipys_on_the_same_bins():
    _, ref, cur = drift.shares(A, B)
    assert drift.js_distance(A, B) == pytest.approx(jensenshannon(ref, cur, base=2))


def test_the_chi_square_p_value_is_scipys_when_every_category_was_seen():
    ref = pd.Series(RNG.choice(list("abc"), 3000, p=[0.5, 0.3, 0.2]))
    cur = pd.Series(RNG.choice(list("abc"), 400, p=[0.4, 0.4, 0.2]))
    _, ref_counts, cur_counts = drift._category_counts(ref, cur)
    expected = ref_counts / ref_counts.sum() * cur_counts.sum()
    assert drift.chi_square(ref, cur) == pytest.approx(tuple(stats.chisquare(cur_counts, expected)))


def test_the_psi_is_zero_for_identical_samples_and_finite_for_disjoint_ones():
    assert drift.psi(A, A) == 0.0
    disjoint = drift.psi(A, A + 10 * A.max())
    assert np.isfinite(disjoint) and disjoint > 5


def test_the_psi_by_day_is_the_psi_of_each_day():
    df = pd.DataFrame({"amount": B, "day": np.arange(len(B)) % 3})
    by_day = drift.psi_by_day(pd.DataFrame({"amount": A}), df, "amount")
    for day, value in by_day.items():
        assert value == pytest.approx(drift.psi(A, B[df["day"] == day]))


def test_the_p_values_by_day_are_scipys():
    df = pd.DataFrame({"amount": B, "c": RNG.choice(list("abc"), len(B)), "day": np.arange(len(B)) % 2})
    reference = pd.DataFrame({"amount": A, "c": RNG.choice(list("abc"), len(A))})
    ks = drift.p_values_by_day(reference, df, "amount")
    chi = drift.p_values_by_day(reference, df, "c")
    for day in (0, 1):
        assert ks[day] == pytest.approx(stats.ks_2samp(A, B[df["day"] == day], method="asymp").pvalue)
        assert chi[day] == pytest.approx(drift.chi_square(reference["c"], df.loc[df["day"] == day, "c"])[1])


def test_a_day_without_rows_gets_nan_from_the_by_day_measures():
    df = pd.DataFrame({"amount": B[:10], "day": 0})
    assert np.isnan(drift.psi_by_day(pd.DataFrame({"amount": A}), df, "amount", days=[0, 1])[1])
    assert np.isnan(drift.p_values_by_day(pd.DataFrame({"amount": A}), df, "amount", days=[0, 1])[1])


@pytest.fixture
def frames():
    reference = pd.DataFrame({"amount": A, "channel": RNG.choice(["online", "card_present"], len(A))})
    today = pd.DataFrame({"amount": B, "channel": RNG.choice(["online", "card_present"], len(B))})
    return reference, today


def _table(reference, today):
    return drift.drift_table(reference, today, numeric=("amount",), categorical=("channel",))


def test_an_empty_day_is_no_rows_not_a_division_by_zero(frames):
    reference, today = frames
    table = _table(reference, today.iloc[:0])
    assert (table["status"] == "no rows").all() and table["psi"].isna().all()


def test_a_day_of_one_row_is_measured_but_flagged(frames):
    reference, today = frames
    table = _table(reference, today.iloc[:1])
    assert table["status"].str.startswith("too few rows").all() and np.isfinite(table["psi"]).all()


def test_a_missing_feature_is_reported_missing(frames):
    reference, today = frames
    assert _table(reference, today.drop(columns="channel")).loc["channel", "status"] == "missing"


def test_an_unseen_category_is_large_finite_drift_with_its_share_stated(frames):
    reference, today = frames
    today = today.assign(channel=np.where(np.arange(len(today)) % 4 == 0, "crypto", today["channel"]))
    row = _table(reference, today).loc["channel"]
    assert row["status"] == "unseen categories: 25.0%"
    assert np.isfinite(row["psi"]) and row["psi"] > 1 and row["chi2_p"] < 1e-6


def test_empty_samples_give_nan_everywhere():
    assert np.isnan(drift.psi(A, [])) and np.isnan(drift.ks_statistic([], B)) and np.isnan(drift.wasserstein(A, []))
    assert np.isnan(drift.js_distance([], B)) and all(np.isnan(drift.chi_square(pd.Series([], dtype=str),
                                                                               pd.Series(["a"]))))
