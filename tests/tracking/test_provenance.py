"""Lineage end to end, and what a logged run holds: from an alias back to the data, rebuilt and hashed."""

import mlflow
import numpy as np
import pytest

from shipml.modeling.mlp import predict_scores
from shipml.modeling.scoring import probabilities
from shipml.tracking.mlflow_runs import HASH_TAGS, log_training, trained_model
from shipml.tracking.mlflow_store import local_store
from shipml.tracking.promotion import RegistryError
from shipml.tracking.provenance import rebuild_data_hash, walk_back


def test_does_the_walk_from_an_alias_rebuild_the_training_datas_hash(small_runs, tmp_path):
    config, result = small_runs["mlp"]
    with local_store() as store:
        logged = log_training(result, config, experiment_id=store.experiment_id, register_as="fraud")
        store.client.set_registered_model_alias("fraud", "champion", logged.version)
        trail = walk_back(store.client, "fraud", "champion")
        assert walk_back(store.client, "fraud", logged.version) == trail
        run = store.client.get_run(logged.run_id)
        history = store.client.get_metric_history(logged.run_id, "val_pr_auc")
        model = mlflow.pyfunc.load_model("models:/fraud@champion")
        trained, X_val, _ = trained_model(result, config)
        assert np.allclose(probabilities(model.predict(X_val)).ravel(), predict_scores(trained, X_val), atol=1e-6)
        with pytest.raises(RegistryError, match="no version 9"):
            walk_back(store.client, "fraud", 9)
    assert trail.run_id == logged.run_id and trail.config_hash_matches and trail.config == config.model_dump(mode="json")
    assert set(HASH_TAGS) <= set(trail.tags) and trail.tags["data_hash"] == result.record["inputs"]["data"]
    assert rebuild_data_hash(trail.config, tmp_path / "fresh") == trail.tags["data_hash"]
    assert rebuild_data_hash({**trail.config, "data_seed": 1}, tmp_path / "fresh") != trail.tags["data_hash"]
    assert [m.step for m in history] == list(range(1, len(history) + 1))
    assert run.data.params["width"] == "8" and "pr_auc_test" in run.data.metrics
