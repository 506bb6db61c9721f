"""The fraud MLP: one logit per row, a seeded loader, probabilities as scores; the grid search."""

import numpy as np
import pandas as pd
import torch

from shipml.modeling.mlp import FraudMLP, TransactionDataset, make_loader, predict_scores
from shipml.modeling.scoring import probabilities
from shipml.modeling.search import config_label, grid, run_grid


def test_the_model_returns_one_logit_per_row():
    model = FraudMLP(6, width=8, depth=3, dropout=0.1)
    assert model(torch.zeros(5, 6)).shape == (5,)
    assert sum(isinstance(m, torch.nn.Linear) for m in model.modules()) == 4


def test_the_loader_yields_every_row_once_per_epoch_in_seeded_order():
    dataset = TransactionDataset(np.arange(10, dtype=float)[:, None], np.zeros(10))
    first = [X.squeeze(1).tolist() for X, _ in make_loader(dataset, 4, seed=0)]
    again = [X.squeeze(1).tolist() for X, _ in make_loader(dataset, 4, seed=0)]
    assert first == again and [len(b) for b in first] == [4, 4, 2]
    assert sorted(sum(first, [])) == list(range(10))


def test_resampling_draws_fraud_about_as_often_as_legitimate_rows():
    y = np.r_[np.ones(10), np.zeros(990)]
    loader = make_loader(TransactionDataset(np.zeros((1000, 1)), y), 1000, seed=0, resample=True)
    (_, y_batch), = list(loader)
    assert 0.4 < float(y_batch.mean()) < 0.6


def test_scores_are_the_one_sigmoid_of_the_logits():
    torch.manual_seed(0)
    model = FraudMLP(6, width=8).eval()
    X = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    scores = predict_scores(model, X, batch_size=len(X))
    assert scores.dtype == np.float64
    np.testing.assert_array_equal(scores, probabilities(model(torch.from_numpy(X)).detach()))
    # in several batches: the same to float32's precision (on some CPUs a matrix product rounds by batch size)
    np.testing.assert_allclose(predict_scores(model, X, batch_size=16), scores, rtol=1e-5, atol=0)
    assert predict_scores(model, X[:0]).shape == (0,)


def test_the_grid_search_records_config_seed_and_seconds():
    configs = grid(width=[8, 16], lr=[0.1])
    assert configs == [{"width": 8, "lr": 0.1}, {"width": 16, "lr": 0.1}]
    assert config_label(configs[0]) == "width=8 lr=0.1"
    table = run_grid(lambda seed, width, lr: {"score": width + seed}, configs, seeds=[0, 1], progress=False)
    assert isinstance(table, pd.DataFrame) and len(table) == 4
    assert list(table.columns) == ["config", "width", "lr", "seed", "score", "seconds"]
    assert table.score.tolist() == [8, 9, 16, 17] and (table.seconds >= 0).all()
