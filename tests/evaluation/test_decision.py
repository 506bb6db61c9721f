"""Tests of shipml.evaluation.decision: the decision rule that travels with the model."""

import numpy as np
import pytest

from shipml.data import SCENARIO
from shipml.evaluation.decision import DecisionPolicy


def test_does_the_threshold_rule_hold_scores_at_or_above_it():
    policy = DecisionPolicy.threshold_rule(0.3)
    assert policy.hold([0.1, 0.3, 0.9]).tolist() == [False, True, True]


def test_does_the_expected_loss_rule_weigh_the_amount_against_the_review():
    policy = DecisionPolicy.expected_loss_rule(SCENARIO)
    # p = 0.05: a 20 EUR payment is not worth a review, a 2,000 EUR one is.
    assert policy.hold([0.05, 0.05], [20.0, 2_000.0]).tolist() == [False, True]
    # At the break-even amount the two costs are equal: not held (strictly greater is needed).
    p = 0.1
    break_even = ((1 - p) * SCENARIO.cost_fp + p * SCENARIO.cost_review) / (p * SCENARIO.cost_fn_fraction)
    assert not policy.hold([p], [break_even])[0] and policy.hold([p], [break_even * 1.001])[0]


def test_does_the_review_cost_of_a_held_fraud_count():
    without = DecisionPolicy("expected_loss", cost_fp=5.0, cost_review=0.0)
    with_review = DecisionPolicy("expected_loss", cost_fp=5.0, cost_review=3.0)
    assert with_review.saving([0.5], [20.0])[0] == pytest.approx(without.saving([0.5], [20.0])[0] - 1.5)


@pytest.mark.parametrize("kind", ["threshold", "expected_loss"])
def test_does_a_capacity_hold_at_most_its_share_and_keep_the_biggest_savings(kind):
    rng = np.random.default_rng(0)
    scores, amounts = rng.beta(1, 8, 5_000), rng.lognormal(4, 1, 5_000)
    base = DecisionPolicy.threshold_rule(0.05) if kind == "threshold" else DecisionPolicy.expected_loss_rule(SCENARIO)
    assert base.hold(scores, amounts).mean() > 0.05
    tight = base.within_capacity(scores, amounts, 0.01)
    held = tight.hold(scores, amounts)
    assert 0.009 <= held.mean() <= 0.01
    key = scores if kind == "threshold" else base.saving(scores, amounts)
    assert key[held].min() >= key[~held].max()
    # A policy that already fits is returned unchanged.
    assert tight.within_capacity(scores, amounts, 0.5) == tight


def test_does_a_policy_survive_its_json_form():
    policy = DecisionPolicy.expected_loss_rule(SCENARIO).within_capacity([0.9, 0.8, 0.1], [500.0, 400.0, 5.0], 0.34)
    assert DecisionPolicy.from_dict(policy.to_dict()) == policy
    assert "hold when" in policy.describe()


@pytest.mark.parametrize("make, message", [
    (lambda: DecisionPolicy("always"), "kind is one of"),
    (lambda: DecisionPolicy.threshold_rule(1.5), "between 0 and 1"),
    (lambda: DecisionPolicy("expected_loss"), "cost_fp > 0"),
    (lambda: DecisionPolicy.expected_loss_rule(SCENARIO).hold([0.1]), "needs each payment's amount"),
    (lambda: DecisionPolicy.expected_loss_rule(SCENARIO).hold([0.1, 0.2], [1.0]), "differ in length"),
    (lambda: DecisionPolicy.threshold_rule(0.1).within_capacity([0.1], [1.0], 0), "capacity is a share"),
    (lambda: DecisionPolicy.from_dict({"threshold": 0.1}), "a dict with a 'kind'"),
])
def test_is_bad_input_a_sentence(make, message):
    with pytest.raises(ValueError, match=message):
        make()
