"""The fraud MLP: training learns, seeds reproduce, early stopping keeps the best epoch, devices are honoured."""

import numpy as np
import pandas as pd
import pytest
import torch

from shipml.evaluation.metrics import pr_auc
from shipml.modeling.mlp import FraudMLP, TransactionDataset, fit_mlp, make_loader, predict_scores, train_one_epoch
from shipml.modeling.search import config_label, grid, run_grid


def _problem(n=1_500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6)).astype(np.float32)
    logit = 2.5 * X[:, 0] * X[:, 1] + 1.5 * X[:, 2] - 3.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X[: n // 2], y[: n // 2], X[n // 2:], y[n // 2:]


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


def test_training_learns_and_the_same_seed_gives_the_same_model():
    X_train, y_train, X_val, y_val = _problem()
    model, history = fit_mlp(X_train, y_train, X_val, y_val, width=16, lr=1e-2, batch_size=128, max_epochs=8,
                             patience=None, seed=0, device="cpu")
    assert list(history.columns) == ["train_loss", "val_loss", "val_pr_auc", "seconds"]
    assert history.train_loss.iloc[-1] < history.train_loss.iloc[0]
    scores = predict_scores(model, X_val)
    assert pr_auc(y_val, scores) > 2 * y_val.mean()
    again, _ = fit_mlp(X_train, y_train, X_val, y_val, width=16, lr=1e-2, batch_size=128, max_epochs=8,
                       patience=None, seed=0, device="cpu")
    assert np.array_equal(scores, predict_scores(again, X_val))
    assert not model.training  # handed back ready to score


def test_early_stopping_stops_and_keeps_the_best_epoch():
    X_train, y_train, X_val, y_val = _problem()
    model, history = fit_mlp(X_train, y_train, X_val, y_val, width=64, lr=5e-2, batch_size=64, max_epochs=40,
                             patience=2, seed=0, device="cpu")
    assert len(history) < 40
    assert pr_auc(y_val, predict_scores(model, X_val)) == pytest.approx(history.val_pr_auc.max())


def test_train_one_epoch_returns_a_number_and_leaves_train_mode():
    X_train, y_train, _, _ = _problem()
    model = FraudMLP(6).eval()
    loss = train_one_epoch(model, make_loader(TransactionDataset(X_train, y_train), 256),
                           torch.nn.BCEWithLogitsLoss(), torch.optim.SGD(model.parameters(), lr=0.1))
    assert isinstance(loss, float) and model.training


def test_a_balanced_weight_and_scores_are_probabilities():
    X_train, y_train, X_val, y_val = _problem()
    model, _ = fit_mlp(X_train, y_train, X_val, y_val, pos_weight="balanced", max_epochs=2, seed=0, device="cpu")
    scores = predict_scores(model, X_val)
    assert scores.shape == (len(X_val),) and ((scores >= 0) & (scores <= 1)).all()


def test_the_grid_search_records_config_seed_and_seconds():
    configs = grid(width=[8, 16], lr=[0.1])
    assert configs == [{"width": 8, "lr": 0.1}, {"width": 16, "lr": 0.1}]
    assert config_label(configs[0]) == "width=8 lr=0.1"
    table = run_grid(lambda seed, width, lr: {"score": width + seed}, configs, seeds=[0, 1], progress=False)
    assert isinstance(table, pd.DataFrame) and len(table) == 4
    assert list(table.columns) == ["config", "width", "lr", "seed", "score", "seconds"]
    assert table.score.tolist() == [8, 9, 16, 17] and (table.seconds >= 0).all()
