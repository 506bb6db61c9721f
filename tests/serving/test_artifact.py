"""The model artifact: a saved folder reproduces the scores; versions switch atomically; ONNX agrees."""

import json

import numpy as np
import pytest
import torch

from shipml.data import transactions
from shipml.serving.artifact import activate, current_version, export_onnx, load_artifact, onnx_scores, train_artifact
from shipml.workflows.lineage import content_hash


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("models")
    train_artifact(root / "v1", version="v1", n=4000, seed=0, epochs=1)
    train_artifact(root / "v2", version="v2", n=4000, seed=1, epochs=1)
    return root


def test_does_a_loaded_artifact_reproduce_the_scores_and_its_facts(root):
    df = transactions(300, seed=5)
    first, again = load_artifact(root / "v1"), load_artifact(root / "v1")
    np.testing.assert_array_equal(first.score(df), again.score(df))
    meta = json.loads((root / "v1" / "meta.json").read_text())
    assert meta["version"] == "v1" and len(meta["lineage"]["inputs"]["training_data"]) == 64  # full SHA-256
    assert first.lineage.inputs["training_data"] == first.training_data_hash == content_hash(transactions(4000, seed=0))
    assert first.lineage.made == "model v1" and first.lineage.params["model_config"] == first.model.config
    assert {p.name for p in (root / "v1").iterdir()} >= {"weights.pt", "encoder.json", "meta.json"}


def test_is_training_deterministic(root, tmp_path):
    again = train_artifact(tmp_path / "v1", version="v1", n=4000, seed=0, epochs=1)
    df = transactions(200, seed=6)
    np.testing.assert_allclose(again.score(df), load_artifact(root / "v1").score(df), atol=1e-7)
    assert again.training_data_hash == load_artifact(root / "v1").training_data_hash


def test_does_activate_switch_the_version_a_root_loads(root):
    activate(root, "v2")
    assert load_artifact(root).version == "v2" and current_version(root) == "v2"
    activate(root, "v1")
    assert load_artifact(root).version == "v1"
    with pytest.raises(FileNotFoundError, match="no artifact 'v9'"):
        activate(root, "v9")


def test_is_a_folder_without_meta_refused_with_a_sentence(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a model artifact"):
        load_artifact(tmp_path)


def test_does_onnx_runtime_agree_with_eager_pytorch(root, tmp_path):
    artifact = load_artifact(root / "v1")
    path = export_onnx(artifact, tmp_path / "model.onnx")  # traces with export_program itself
    df = transactions(500, seed=8)
    scores = onnx_scores(path, artifact.encoder.transform(df))
    assert np.abs(scores - artifact.score(df)).max() < 1e-5
    assert onnx_scores(path, artifact.encoder.transform(df.head(1))).shape == (1,)  # dynamic batch size
