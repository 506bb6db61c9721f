"""The model artifact: the production model and its policy in a folder that reproduces scores; versions; ONNX."""

import json

import numpy as np
import pandas as pd
import pytest

from shipml.data.scenario import SCENARIO
from shipml.features.point_in_time import account_features
from shipml.modeling.production import PRODUCTION, production_features
from shipml.serving.artifact import activate, current_version, export_onnx, load_artifact, onnx_scores, train_artifact
from shipml.workflows.lineage import content_hash


def test_is_the_artifact_the_production_model_with_its_policy_and_facts(models, window):
    artifact = load_artifact(models / "v1")
    meta = json.loads((models / "v1" / "meta.json").read_text())
    assert meta["version"] == "v1" and len(meta["lineage"]["inputs"]["training_data"]) == 64  # full SHA-256
    assert artifact.training_data_hash == content_hash(SCENARIO.split(window)[0])
    assert artifact.model.config["depth"] == PRODUCTION.depth and artifact.account_features
    assert artifact.metadata["spec"]["depth"] == PRODUCTION.depth and artifact.metadata["days"] == SCENARIO.days
    assert artifact.policy is not None and meta["policy"]["kind"] == artifact.policy.kind
    assert {p.name for p in (models / "v1").iterdir()} >= {"weights.pt", "encoder.json", "meta.json", "history.parquet"}


def test_does_a_loaded_artifact_reproduce_the_scores_and_decisions(models, window):
    df_test = SCENARIO.split(window)[2].head(2000)
    first, again = load_artifact(models / "v1"), load_artifact(models / "v1")
    np.testing.assert_array_equal(first.score(df_test, window), again.score(df_test, window))
    held = first.hold(df_test, window)
    assert held.dtype == bool and held.mean() <= SCENARIO.review_capacity * 2  # the policy was held to capacity


def test_is_the_stored_history_the_window_and_its_store_the_offline_features(models, window):
    artifact = load_artifact(models / "v1")
    store = artifact.feature_store()
    assert len(store) == len(window)
    queries = SCENARIO.split(window)[2].head(500)
    pd.testing.assert_frame_equal(store.features(queries), account_features(window, queries), check_exact=True)


def test_is_training_deterministic_and_another_seed_another_model(models, window, tmp_path):
    again = train_artifact(tmp_path / "v1", version="v1", seed=0, data=window)
    df = SCENARIO.split(window)[2].head(1000)
    np.testing.assert_allclose(again.score(df, window), load_artifact(models / "v1").score(df, window), atol=1e-7)
    assert again.training_data_hash == load_artifact(models / "v2").training_data_hash  # the same data ...
    assert np.abs(load_artifact(models / "v2").score(df, window) - again.score(df, window)).max() > 1e-6  # ... seed


def test_does_activate_switch_the_version_a_root_loads(models):
    activate(models, "v2")
    assert load_artifact(models).version == "v2" and current_version(models) == "v2"
    activate(models, "v1")
    assert load_artifact(models).version == "v1"
    with pytest.raises(FileNotFoundError, match="no artifact 'v9'"):
        activate(models, "v9")
    (models / "CURRENT").unlink()


def test_is_a_folder_without_meta_refused_with_a_sentence(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a model artifact"):
        load_artifact(tmp_path)


def test_is_a_model_with_account_features_but_no_history_refused_with_a_sentence(models, tmp_path):
    artifact = load_artifact(models / "v1")
    artifact.history_file = None
    with pytest.raises(FileNotFoundError, match="no history.parquet"):
        artifact.feature_store()


def test_does_onnx_runtime_agree_with_eager_pytorch(models, window, tmp_path):
    artifact = load_artifact(models / "v1")
    path = export_onnx(artifact, tmp_path / "model.onnx")  # traces with export_program itself
    df = SCENARIO.split(window)[2].head(2000)
    X = artifact.encoder.transform(production_features(df, window))
    assert np.abs(onnx_scores(path, X) - artifact.score(df, window)).max() < 1e-5
    assert onnx_scores(path, X[:1]).shape == (1,)  # dynamic batch size
