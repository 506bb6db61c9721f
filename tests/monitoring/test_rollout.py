"""What shipml.monitoring.rollout promises: a stable canary split, and a rule that promotes or rolls back."""

import numpy as np
import pytest

from shipml.monitoring import rollout


def test_the_canary_is_a_fixed_share_chosen_by_the_id():
    ids = [f"tx{i:07d}" for i in range(20_000)]
    mask = rollout.canary_mask(ids, 0.1)
    assert mask.mean() == pytest.approx(0.1, abs=0.01)
    assert (rollout.canary_mask(ids[::-1], 0.1)[::-1] == mask).all()   # the same payment, the same arm
    with pytest.raises(ValueError, match="between 0 and 1"):
        rollout.canary_mask(ids, 1.5)


def _data(seed=0, n_days=10, per_day=3000):
    rng = np.random.default_rng(seed)
    n = n_days * per_day
    y = rng.random(n) < 0.02
    good = np.clip(0.02 + 0.3 * y + rng.normal(0, 0.1, n), 0, 1)
    weak = np.clip(0.02 + 0.05 * y + rng.normal(0, 0.1, n), 0, 1)
    return y.astype(int), weak, good, np.repeat(np.arange(n_days), per_day)


def test_a_better_challenger_is_promoted_and_a_worse_one_rolled_back():
    y, weak, good, days = _data()
    assert rollout.canary_decision(y, weak, good, days, n_boot=200)["decision"] == "promote"
    assert rollout.canary_decision(y, good, weak, days, n_boot=200)["decision"] == "roll back"


def test_a_canary_without_fraud_is_no_evidence():
    y, weak, good, days = _data()
    assert rollout.canary_decision(np.zeros_like(y), weak, good, days, n_boot=200)["decision"] == "roll back"


HEALTHY_AND_BETTER = {"pr_auc_old": 0.61, "pr_auc_new": 0.66, "low": -0.01, "tolerance": 0.05, "p99_ms": 12.0,
                      "slo_ms": 50.0, "errors": 0}


def test_a_better_challenger_on_a_healthy_service_is_promoted():
    assert rollout.promote_or_roll_back(dict(HEALTHY_AND_BETTER)) == "promote"


@pytest.mark.parametrize("change, why", [
    ({"pr_auc_new": 0.60}, "not better than the champion"),
    ({"pr_auc_new": 0.61}, "only as good as the champion"),
    ({"low": -0.08}, "the interval's low end beyond the tolerance"),
    ({"low": -0.05}, "the low end exactly at -tolerance"),
    ({"p99_ms": 50.5}, "p99 over the SLO"),
    ({"errors": 1}, "one failed request"),
])
def test_each_condition_failing_alone_rolls_back(change, why):
    assert rollout.promote_or_roll_back({**HEALTHY_AND_BETTER, **change}) == "roll back", why


def test_a_p99_exactly_at_the_slo_is_within_it():
    assert rollout.promote_or_roll_back({**HEALTHY_AND_BETTER, "p99_ms": 50.0}) == "promote"


def test_a_canary_without_a_key_or_not_a_dict_is_a_sentence():
    without_errors = {k: v for k, v in HEALTHY_AND_BETTER.items() if k != "errors"}
    with pytest.raises(ValueError, match="the canary has no 'errors'"):
        rollout.promote_or_roll_back(without_errors)
    with pytest.raises(TypeError, match="canary is a dict"):
        rollout.promote_or_roll_back([0.61, 0.66])


def test_a_retrain_plan_waits_for_four_labelled_weeks_after_the_onset():
    import pandas as pd

    from shipml.data.scenario import SCENARIO
    from shipml.monitoring.rollout import retrain_plan

    start = pd.Timestamp("2026-07-01", tz="UTC")
    plan = retrain_plan(27, start)
    assert plan.onset == 21 and plan.retrain_day == 21 + 28 + SCENARIO.label_delay_days
    assert (plan.scenario.days, plan.scenario.train_days, plan.scenario.val_days) == (28, 21, 7)
    stamps = pd.DataFrame({"timestamp": start + pd.to_timedelta(range(0, 60), unit="D")})
    kept = plan.labelled(stamps)["timestamp"]
    assert kept.min() == start + pd.Timedelta(days=21) and kept.max() == start + pd.Timedelta(days=48)
    with pytest.raises(ValueError, match="two labelled weeks"):
        retrain_plan(27, start, weeks=1)
