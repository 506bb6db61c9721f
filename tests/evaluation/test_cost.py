"""What shipml.evaluation.cost promises: the cost of errors in EUR, its sweep over thresholds, and the best threshold."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from shipml.evaluation.cost import (
    THRESHOLDS,
    best_threshold,
    cost_curve,
    decision_breakdown,
    decision_cost,
    expected_cost,
    plot_cost_curve,
    roi,
)

Y = np.array([1, 0, 1, 0])
SCORES = np.array([0.9, 0.8, 0.3, 0.1])
AMOUNTS = np.array([100.0, 50.0, 200.0, 20.0])


def brute_force_cost(y_true, scores, threshold, cost_fp, cost_fn_fraction, amounts):
    """One transaction at a time, as a person would count it."""
    total = 0.0
    for y, s, a in zip(y_true, scores, amounts):
        flagged = s >= threshold
        if y == 1 and not flagged:
            total += cost_fn_fraction * a
        if y == 0 and flagged:
            total += cost_fp
    return total


def test_a_hand_worked_example_costs_the_missed_amount_plus_one_false_alarm():
    assert expected_cost(Y, SCORES, 0.5, cost_fp=5.0, amounts=AMOUNTS) == 200.0 + 5.0


def test_a_score_equal_to_the_threshold_is_flagged():
    assert expected_cost(Y, SCORES, 0.3, cost_fp=5.0, amounts=AMOUNTS) == 5.0


def test_threshold_zero_flags_everything_so_only_false_alarms_cost():
    assert expected_cost(Y, SCORES, 0.0, cost_fp=5.0, amounts=AMOUNTS) == 2 * 5.0


def test_threshold_one_flags_only_scores_of_exactly_one():
    assert expected_cost(Y, SCORES, 1.0, cost_fp=5.0, amounts=AMOUNTS) == 300.0
    assert expected_cost([1, 0], [1.0, 1.0], 1.0, cost_fp=5.0, amounts=[10.0, 10.0]) == 5.0


def test_without_amounts_each_missed_fraud_costs_one_unit():
    assert expected_cost(Y, SCORES, 1.0, cost_fp=5.0) == 2.0


def test_cost_fn_fraction_scales_the_missed_amount():
    assert expected_cost(Y, SCORES, 0.5, cost_fp=5.0, cost_fn_fraction=0.25, amounts=AMOUNTS) == 50.0 + 5.0


def test_no_fraud_means_only_false_alarms_cost():
    assert expected_cost([0, 0, 0], [0.9, 0.5, 0.1], 0.5, cost_fp=3.0, amounts=[1, 2, 3]) == 6.0


def test_all_fraud_means_only_missed_fraud_costs():
    assert expected_cost([1, 1, 1], [0.9, 0.5, 0.1], 0.5, cost_fp=3.0, amounts=[1, 2, 3]) == 3.0


def test_the_cost_is_a_plain_float():
    assert type(expected_cost(Y, SCORES, 0.5, cost_fp=5.0, amounts=AMOUNTS)) is float


def test_lists_are_accepted_as_well_as_arrays():
    assert expected_cost(list(Y), list(SCORES), 0.5, cost_fp=5.0, amounts=list(AMOUNTS)) == 205.0


def test_empty_data_costs_nothing():
    assert expected_cost([], [], 0.5, cost_fp=5.0) == 0.0
    assert cost_curve([], [], cost_fp=5.0)["cost"].eq(0).all()


def test_decision_cost_prices_any_yes_no_decision():
    assert decision_cost(Y, [False] * 4, cost_fp=5.0, amounts=AMOUNTS) == 300.0  # no model: all fraud missed
    assert decision_cost(Y, [True] * 4, cost_fp=5.0, amounts=AMOUNTS) == 10.0


def test_the_breakdown_counts_errors_and_splits_the_cost_like_the_curve():
    breakdown = decision_breakdown(Y, SCORES >= 0.5, cost_fp=5.0, amounts=AMOUNTS)
    assert breakdown == {
        "flagged": 2, "false_alarms": 1, "missed_fraud": 1, "caught_fraud": 1,
        "cost_false_alarms": 5.0, "cost_missed_fraud": 200.0, "cost_caught_fraud": 0.0, "cost": 205.0,
    }
    row = cost_curve(Y, SCORES, [0.5], cost_fp=5.0, amounts=AMOUNTS).iloc[0]
    assert {key: row[key] for key in breakdown} == breakdown


def test_roi_is_the_net_saving_per_euro_invested():
    assert roi(300.0, 1000.0, investment=200.0) == 2.5  # saves 700, nets 500 on 200
    assert roi(1000.0, 1000.0, investment=100.0) == -1.0  # saves nothing: the investment is lost
    with pytest.raises(ValueError, match="investment must be a positive number"):
        roi(1.0, 2.0, investment=0)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: expected_cost([1, 0], [0.5], 0.5, cost_fp=1.0), "same length"),
        (lambda: expected_cost([1, 0], [0.5, 0.5], 1.5, cost_fp=1.0), "threshold must be a number between 0 and 1"),
        (lambda: expected_cost([1, 0], [0.5, 0.5], -0.1, cost_fp=1.0), "threshold must be a number between 0 and 1"),
        (lambda: expected_cost([1, 0], [0.5, 0.5], 0.5, cost_fp=-1.0), "cost_fp must be a non-negative number"),
        (
            lambda: expected_cost([1, 0], [0.5, 0.5], 0.5, cost_fp=1.0, cost_fn_fraction=-0.5),
            "cost_fn_fraction must be a non-negative number",
        ),
        (lambda: expected_cost([1, 0], [0.5, 0.5], 0.5, cost_fp=1.0, amounts=[1.0]), "one value per transaction"),
        (lambda: expected_cost([1, 0], [0.5, 0.5], 0.5, cost_fp=1.0, amounts=[1.0, -2.0]), "non-negative"),
        (lambda: expected_cost([1, 2], [0.5, 0.5], 0.5, cost_fp=1.0), "only 0"),
        (lambda: expected_cost([1, 0], [0.5, 1.5], 0.5, cost_fp=1.0), "probabilities between 0 and 1"),
        (lambda: expected_cost([1, 0], [0.5, np.nan], 0.5, cost_fp=1.0), "probabilities between 0 and 1"),
        (lambda: cost_curve([1, 0], [0.5, 0.5], [0.2, 1.2], cost_fp=1.0), "between 0 and 1"),
        (lambda: cost_curve([1, 0], [0.5, 0.5], [], cost_fp=1.0), "non-empty"),
        (lambda: decision_cost([1, 0], [1, 0], cost_fp=1.0), "True"),
        (lambda: expected_cost([1, 0], [0.5, 0.5], 0.5, cost_fp=1.0, cost_review=-3.0),
         "cost_review must be a non-negative number"),
        (lambda: cost_curve([1, 0], [0.5, 0.5], cost_fp=1.0, cost_review=np.nan), "cost_review must be"),
        (lambda: decision_cost([1, 0], [True, False], cost_fp=1.0, cost_review="3"), "cost_review must be"),
    ],
)
def test_bad_inputs_raise_a_value_error_in_a_plain_sentence(call, words):
    with pytest.raises(ValueError, match=words):
        call()


@pytest.mark.parametrize("seed", range(5))
def test_the_sweep_matches_a_brute_force_count_at_every_threshold(seed):
    rng = np.random.default_rng(seed)
    n = 300
    y = (rng.random(n) < 0.1).astype(int)
    # Rounded scores make ties, and thresholds that equal a score, common.
    scores = np.round(np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1), 2)
    amounts = rng.lognormal(3, 1, n)
    thresholds = np.concatenate([np.linspace(0, 1, 101), [scores.min(), scores.max()]])
    curve = cost_curve(y, scores, thresholds, cost_fp=4.0, cost_fn_fraction=0.7, amounts=amounts)
    for row in curve.itertuples():
        expected = brute_force_cost(y, scores, row.threshold, 4.0, 0.7, amounts)
        assert row.cost == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert row.cost == pytest.approx(
            expected_cost(y, scores, row.threshold, cost_fp=4.0, cost_fn_fraction=0.7, amounts=amounts),
            rel=1e-9,
            abs=1e-9,
        )
        flagged = scores >= row.threshold
        assert row.flagged == flagged.sum()
        assert row.false_alarms == (flagged & (y == 0)).sum()
        assert row.missed_fraud == (~flagged & (y == 1)).sum()


def test_the_curve_has_one_row_per_threshold_in_the_given_order():
    curve = cost_curve(Y, SCORES, [0.5, 0.0, 1.0], cost_fp=5.0, amounts=AMOUNTS)
    assert curve["threshold"].tolist() == [0.5, 0.0, 1.0]
    assert curve["cost"].tolist() == [205.0, 10.0, 300.0]
    assert list(curve.columns) == [
        "threshold", "flagged", "false_alarms", "missed_fraud", "caught_fraud",
        "cost_false_alarms", "cost_missed_fraud", "cost_caught_fraud", "cost",
    ]


def test_the_default_sweep_is_a_grid_of_1001_thresholds_from_0_to_1():
    assert len(THRESHOLDS) == 1001 and THRESHOLDS[0] == 0.0 and THRESHOLDS[-1] == 1.0
    assert len(cost_curve(Y, SCORES, cost_fp=5.0)) == 1001


def test_the_best_threshold_has_the_lowest_cost_and_is_the_lowest_on_a_tie():
    # Every threshold in (0.1, 0.3] flags 0.9, 0.8 and 0.3: one false alarm, 5 EUR, the minimum;
    # the lowest of them on the grid is 0.101.
    threshold = best_threshold(Y, SCORES, cost_fp=5.0, amounts=AMOUNTS)
    assert threshold == pytest.approx(0.101)
    assert expected_cost(Y, SCORES, threshold, cost_fp=5.0, amounts=AMOUNTS) == 5.0


def test_free_false_alarms_make_flagging_everything_best():
    assert best_threshold(Y, SCORES, cost_fp=0.0, amounts=AMOUNTS) == 0.0


def test_free_fraud_makes_any_false_alarm_a_loss():
    # Missing fraud costs nothing, so the best threshold flags no legitimate transaction
    # (flagging the fraud scored 0.9 is free as well): the lowest such threshold is 0.801.
    threshold = best_threshold(Y, SCORES, cost_fp=5.0, cost_fn_fraction=0.0, amounts=AMOUNTS)
    assert threshold == pytest.approx(0.801)
    assert expected_cost(Y, SCORES, threshold, cost_fp=5.0, cost_fn_fraction=0.0, amounts=AMOUNTS) == 0.0


def test_dearer_false_alarms_never_lower_the_best_threshold():
    rng = np.random.default_rng(1)
    y = (rng.random(2000) < 0.05).astype(int)
    scores = np.clip(0.4 * y + 0.6 * rng.random(2000), 0, 1)
    amounts = rng.lognormal(3, 1, 2000)
    thresholds = [best_threshold(y, scores, cost_fp=c, amounts=amounts) for c in (1, 2, 5, 10, 20, 50)]
    assert thresholds == sorted(thresholds)
    assert thresholds[0] < thresholds[-1]


def test_the_plot_marks_the_best_threshold_and_draws_the_baselines_with_labelled_axes():
    fig, ax = plt.subplots()
    try:
        threshold = plot_cost_curve(
            ax, Y, SCORES, cost_fp=5.0, amounts=AMOUNTS, baselines={"no model": 300.0, "rule": 120.0}
        )
        assert threshold == best_threshold(Y, SCORES, cost_fp=5.0, amounts=AMOUNTS)
        assert "threshold" in ax.get_xlabel() and "EUR" in ax.get_ylabel()
        horizontal = {line.get_ydata()[0] for line in ax.get_lines() if len(set(line.get_ydata())) == 1}
        assert {300.0, 120.0} <= horizontal
        marker = [line for line in ax.get_lines() if len(line.get_xdata()) == 1]
        assert marker and marker[0].get_xdata()[0] == threshold and marker[0].get_ydata()[0] == 5.0
    finally:
        plt.close(fig)


def test_a_sweep_over_a_million_scores_is_fast_enough_for_a_slider():
    import time

    rng = np.random.default_rng(0)
    y = (rng.random(1_000_000) < 0.01).astype(int)
    scores = rng.random(1_000_000)
    start = time.perf_counter()
    cost_curve(y, scores, cost_fp=5.0, amounts=rng.lognormal(3, 1, 1_000_000))
    sweep_s = time.perf_counter() - start
    start = time.perf_counter()
    for threshold in THRESHOLDS[:20]:
        expected_cost(y, scores, threshold, cost_fp=5.0)
    loop_s = (time.perf_counter() - start) / 20 * len(THRESHOLDS)
    # A ratio with a wide margin, not an absolute time: the sort pays off many times over.
    assert sweep_s * 5 < loop_s


# --- the review of a held fraud: cost_review ------------------------------------------------------


def test_without_cost_review_a_held_fraud_costs_nothing_as_before():
    assert expected_cost(Y, SCORES, 0.5, cost_fp=5.0, amounts=AMOUNTS) == expected_cost(
        Y, SCORES, 0.5, cost_fp=5.0, amounts=AMOUNTS, cost_review=0.0
    ) == 205.0


def test_each_held_fraud_costs_the_review_time():
    # At 0.5 one fraud (scored 0.9) is held; at 0 both are: each costs 3 EUR of review on top.
    assert expected_cost(Y, SCORES, 0.5, cost_fp=5.0, amounts=AMOUNTS, cost_review=3.0) == 205.0 + 3.0
    assert expected_cost(Y, SCORES, 0.0, cost_fp=5.0, amounts=AMOUNTS, cost_review=3.0) == 10.0 + 2 * 3.0
    assert decision_cost(Y, [False] * 4, cost_fp=5.0, amounts=AMOUNTS, cost_review=3.0) == 300.0  # nothing held
    breakdown = decision_breakdown(Y, SCORES >= 0.0, cost_fp=5.0, amounts=AMOUNTS, cost_review=3.0)
    assert (breakdown["caught_fraud"], breakdown["cost_caught_fraud"], breakdown["cost"]) == (2, 6.0, 16.0)


@pytest.mark.parametrize("seed", range(3))
def test_the_sweep_with_a_review_cost_matches_the_single_threshold_cost(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(400) < 0.1).astype(int)
    scores = np.round(rng.random(400), 2)
    amounts = rng.lognormal(3, 1, 400)
    costs = dict(cost_fp=5.0, cost_fn_fraction=0.9, amounts=amounts, cost_review=3.0)
    curve = cost_curve(y, scores, np.linspace(0, 1, 51), **costs)
    for row in curve.itertuples():
        assert row.cost == pytest.approx(expected_cost(y, scores, row.threshold, **costs), rel=1e-12)
        assert row.cost_caught_fraud == 3.0 * ((scores >= row.threshold) & (y == 1)).sum()
    assert best_threshold(y, scores, np.linspace(0, 1, 51), **costs) == float(
        curve["threshold"].iloc[int(np.argmin(curve["cost"]))]
    )


def test_a_review_cost_can_only_raise_the_best_threshold():
    """Holding a fraud now costs something too, so holding is never more attractive than before."""
    rng = np.random.default_rng(7)
    y = (rng.random(2000) < 0.05).astype(int)
    scores = np.clip(0.3 * y + 0.7 * rng.random(2000), 0, 1)
    amounts = rng.lognormal(2, 1, 2000)
    without = best_threshold(y, scores, cost_fp=5.0, amounts=amounts)
    with_review = best_threshold(y, scores, cost_fp=5.0, amounts=amounts, cost_review=3.0)
    assert with_review >= without
