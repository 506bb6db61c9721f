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
