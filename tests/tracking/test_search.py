"""Optuna's TPE with a pruner against random search: same space and trials, pruning saves epochs, seeded."""

import numpy as np
import pytest

from shipml.tracking.search import SPACE, best_so_far, search
from shipml.workflows.train import model_inputs


@pytest.fixture(scope="module")
def data(small_runs):
    features = small_runs["production"][1].run.outputs["features"]
    return (*model_inputs(features, "train"), *model_inputs(features, "val"))


def test_does_pruning_train_fewer_epochs_than_random_search(data):
    seen = []
    tpe = search("tpe", *data, n_trials=10, max_epochs=3, seed=0, progress=False, on_trial=seen.append)
    rnd = search("random", *data, n_trials=10, max_epochs=3, seed=0, progress=False)
    assert len(tpe.trials) == len(rnd.trials) == len(seen) == 10
    assert rnd.pruned_share == 0 and rnd.epochs == 30
    assert tpe.pruned_share > 0 and tpe.epochs < rnd.epochs
    assert set(tpe.trials["state"]) <= {"complete", "pruned"}
    for name, (low, high) in SPACE.items():
        assert tpe.trials[name].between(low, high).all()
    assert all(len(row["curve"]) == row["epochs"] for row in seen)


def test_is_a_seeded_search_repeatable(data):
    first = search("random", *data, n_trials=3, max_epochs=1, seed=5, progress=False).trials
    second = search("random", *data, n_trials=3, max_epochs=1, seed=5, progress=False).trials
    assert np.allclose(first["value"], second["value"]) and first["lr"].tolist() == second["lr"].tolist()


def test_is_best_so_far_the_running_maximum_over_the_budget_spent():
    import pandas as pd

    trials = pd.DataFrame({"number": [0, 1, 2], "value": [0.2, 0.1, 0.3], "epochs": [3, 1, 3],
                           "seconds": [1.0, 0.2, 1.0]})
    curve = best_so_far(trials)
    assert curve["best"].tolist() == [0.2, 0.2, 0.3] and curve["epochs"].tolist() == [3, 4, 7]


def test_are_bad_settings_sentences(data):
    with pytest.raises(ValueError, match="'tpe'.*or 'random'"):
        search("grid", *data)
    with pytest.raises(ValueError, match="at least one trial"):
        search("tpe", *data, n_trials=0)
