"""Runtimes agree with eager PyTorch; int8 changes scores a little; a cache answers repeats; distillation copies."""

import numpy as np
import pytest
import torch

from shipml.data import transactions
from shipml.modeling.distillation import distill
from shipml.modeling.mlp import FraudMLP, predict_scores
from shipml.modeling.production import production_features
from shipml.performance.cache import ScoreCache
from shipml.performance.runtimes import eager_scorer, onnx_scorer, onnx_session, program_scorer, quantize_int8
from shipml.serving.artifact import Artifact, export_onnx, export_program, onnx_scores, train_artifact


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory):
    torch.manual_seed(0)
    model = FraudMLP(12, width=32, depth=2).eval()
    path = export_onnx(Artifact(model, None, "t", "0"), tmp_path_factory.mktemp("onnx") / "m.onnx")
    return model, path


def test_do_onnx_and_int8_scores_agree_with_eager(onnx_model, tmp_path):
    model, path = onnx_model
    X = np.random.default_rng(0).normal(size=(500, 12)).astype(np.float32)
    eager = eager_scorer(model)(X)
    assert np.allclose(eager, predict_scores(model, X), atol=1e-6)
    assert np.abs(onnx_scorer(onnx_session(path))(X) - eager).max() < 1e-5
    int8_path = quantize_int8(path, tmp_path / "m.int8.onnx")
    int8 = onnx_scorer(onnx_session(int8_path))(X)
    assert 0 < np.abs(int8 - eager).max() < 0.05  # close, not equal: the weights were rounded
    assert int8_path.stat().st_size < path.stat().st_size


def test_does_every_scorer_give_the_same_scores(tmp_path):
    artifact = train_artifact(tmp_path / "v1", seed=0)  # the production model, with account features
    df = transactions(days=1, seed=3)
    X = artifact.encoder.transform(production_features(df)).astype(np.float32)
    program = export_program(artifact)
    path = export_onnx(artifact, tmp_path / "model.onnx", program)
    reference = artifact.score(df)
    scores = {"predict_scores": predict_scores(artifact.model, X), "eager": eager_scorer(artifact.model)(X),
              "program": program_scorer(program)(X), "onnx": onnx_scorer(onnx_session(path))(X),
              "onnx_scores": onnx_scores(path, X)}
    for name, got in scores.items():
        assert got.dtype == np.float64 and got.shape == reference.shape, name
        assert np.abs(got - reference).max() < 1e-5, name


def test_is_a_missing_onnx_file_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="export_onnx"):
        onnx_session(tmp_path / "nothing.onnx")


def test_does_the_cache_answer_repeats_and_key_on_the_version():
    calls = []
    cache = ScoreCache(lambda r: calls.append(r) or r["amount"] / 100, model_version="v1", maxsize=2)
    a, b, c = {"amount": 1.0, "hour": 3}, {"amount": 2.0, "hour": 3}, {"amount": 3.0, "hour": 3}
    assert [cache(a), cache(dict(reversed(list(a.items())))), cache(b)] == [0.01, 0.01, 0.02]
    assert (cache.hits, cache.misses, len(calls)) == (1, 2, 2)
    cache(c)  # a is the least recently used: evicted
    cache(a)
    assert len(calls) == 4 and len(cache) == 2 and cache.hit_rate == pytest.approx(1 / 5)
    assert ScoreCache(len, model_version="v2").key(a) != cache.key(a)
    with pytest.raises(ValueError, match="maxsize"):
        ScoreCache(len, model_version="v1", maxsize=0)


def test_does_a_student_learn_its_teachers_ranking():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 6)).astype(np.float32)
    teacher = 1 / (1 + np.exp(-(2 * X[:, 0] - X[:, 1])))
    student = distill(X, teacher, width=8, depth=1, epochs=10, seed=0)
    scores = predict_scores(student, X)
    assert np.corrcoef(scores, teacher)[0, 1] > 0.95
    with pytest.raises(ValueError, match="probabilities"):
        distill(X, teacher * 3)
    with pytest.raises(ValueError, match="rows"):
        distill(X[:10], teacher)
