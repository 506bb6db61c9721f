"""The one training loop: training learns, seeds reproduce, early stopping keeps the best epoch, soft targets work."""

import copy

import numpy as np
import pytest
import torch

from shipml.evaluation.metrics import pr_auc
from shipml.modeling.mlp import FraudMLP, TransactionDataset, make_loader, predict_scores
from shipml.modeling.training import fit_mlp, train_loop, train_one_epoch


def _problem(n=1_500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6)).astype(np.float32)
    logit = 2.5 * X[:, 0] * X[:, 1] + 1.5 * X[:, 2] - 3.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X[: n // 2], y[: n // 2], X[n // 2:], y[n // 2:]



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


def _hand_loop(model, loaders, loss_fn, optimizer):
    """The loop as train_artifact and distill wrote it before there was one: the reference for bit-identity."""
    model.train()
    for loader in loaders:
        for X_batch, y_batch in loader:
            optimizer.zero_grad()
            loss_fn(model(X_batch), y_batch).backward()
            optimizer.step()
    return model.eval()


@pytest.mark.parametrize("fresh_loader_each_epoch", [False, True])
def test_the_loop_gives_the_same_weights_as_a_hand_written_one(fresh_loader_each_epoch):
    X_train, y_train, _, _ = _problem()
    dataset = TransactionDataset(X_train, y_train)
    torch.manual_seed(0)
    model = FraudMLP(6, width=8)
    twin = copy.deepcopy(model)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0))
    if fresh_loader_each_epoch:  # distill: a new shuffle seed per epoch
        loader, loaders = (lambda epoch: make_loader(dataset, 128, seed=epoch - 1)), [make_loader(dataset, 128, seed=e)
                                                                                     for e in range(3)]
    else:  # train_artifact and train: one loader, re-read every epoch
        loader = make_loader(dataset, 128, seed=0)
        loaders = [make_loader(dataset, 128, seed=0)] * 3
    history = train_loop(model, loader, loss_fn, torch.optim.AdamW(model.parameters(), lr=1e-2), epochs=3)
    _hand_loop(twin, loaders, loss_fn, torch.optim.AdamW(twin.parameters(), lr=1e-2))
    assert list(history.index) == [1, 2, 3] and list(history.columns) == ["train_loss", "seconds"]
    for a, b in zip(model.state_dict().values(), twin.state_dict().values()):
        assert torch.equal(a, b)
    assert not model.training


def test_the_loop_trains_on_soft_targets_and_refuses_patience_without_evaluation():
    X_train, y_train, _, _ = _problem()
    soft = np.clip(y_train * 0.8 + 0.1, 0, 1)  # probabilities, not labels
    dataset = TransactionDataset(X_train, soft)
    model = FraudMLP(6, width=8)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = train_loop(model, make_loader(dataset, 128), torch.nn.BCEWithLogitsLoss(), optimizer, epochs=4)
    assert history.train_loss.iloc[-1] < history.train_loss.iloc[0]
    with pytest.raises(ValueError, match="evaluate"):
        train_loop(model, make_loader(dataset, 128), torch.nn.BCEWithLogitsLoss(), optimizer, epochs=2, patience=1)
