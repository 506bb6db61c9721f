"""The one training loop of the course, and the fraud MLP's training on top of it.

    from shipml.modeling.training import fit_mlp, train, train_loop, train_one_epoch
    model, history = fit_mlp(X_train, y_train, X_val, y_val, width=32, depth=2, lr=1e-2, seed=0)
    history        # one row per epoch: train_loss, val_loss, val_pr_auc, seconds
    history = train_loop(model, loader, loss_fn, optimizer, epochs=3)   # any targets, any loss

`train_one_epoch` is one pass over the batches; `train_loop` repeats it for a
number of epochs, optionally evaluating after each one and stopping early when
the monitored number has not improved for `patience` epochs (the model keeps
the weights of its best epoch). The targets come with the batches and the loss
is an argument, so the same loop trains on 0/1 labels (`train`, and the
artifact of chapter 7) and on a teacher's probabilities (chapter 8's
`shipml.modeling.distillation.distill`).

`train` is chapter 2's recipe on that loop: AdamW, a weighted or resampled
loss, early stopping on the validation PR-AUC. The same seed gives the same
model on the CPU: the seed fixes the initial weights and the order of the
batches (through the DataLoader's generator).
"""

from __future__ import annotations

import copy
import time

import numpy as np
import pandas as pd
import torch
from torch import nn

from shipml.evaluation.metrics import pr_auc
from shipml.modeling.mlp import FraudMLP, TransactionDataset, make_loader
from shipml.modeling.scoring import probabilities

__all__ = ["fit_mlp", "train", "train_loop", "train_one_epoch"]


def train_one_epoch(model, loader, loss_fn, optimizer) -> float:
    """One pass over `loader`: forward, loss, backward, step; returns the mean training loss."""
    model.train()  # dropout on; evaluation turned it off
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for X_batch, y_batch in loader:
        X_batch, y_batch = X_batch.to(device), y_batch.to(device)
        optimizer.zero_grad()  # else each step adds this batch's gradients to the last ones
        loss = loss_fn(model(X_batch), y_batch)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y_batch)  # .item(): a number, not a tensor that keeps the graph alive
        count += len(y_batch)
    return total / count


def train_loop(model, loader, loss_fn, optimizer, *, epochs: int, evaluate=None, monitor: str = "val_pr_auc",
               patience: int | None = None, progress: bool = False) -> pd.DataFrame:
    """Train `model` in place for up to `epochs` epochs; return the history, one row per epoch.

    `loader` yields (rows, targets) batches; it is either re-read every epoch
    or, when it is a function, called with the epoch number (1, 2, ...) for
    that epoch's batches. `evaluate(model)`, if given, returns a dict of
    numbers added to the epoch's row. With `patience`, training stops when
    `monitor` (higher is better) has not improved for `patience` epochs, and
    the model gets back the weights of its best epoch; without it, every
    epoch runs and the last weights stay. The model is left in evaluation mode.
    """
    from tqdm.auto import tqdm

    if patience is not None and evaluate is None:
        raise ValueError("Early stopping (patience) needs an evaluate function that returns the monitored number.")
    rows, best, best_state, since_best = [], -np.inf, None, 0
    for epoch in tqdm(range(1, int(epochs) + 1), desc="epochs", disable=not progress, leave=False):
        started = time.perf_counter()
        batches = loader(epoch) if callable(loader) else loader
        row = {"epoch": epoch, "train_loss": train_one_epoch(model, batches, loss_fn, optimizer)}
        if evaluate is not None:
            row.update(evaluate(model))
        row["seconds"] = time.perf_counter() - started
        rows.append(row)
        if patience is None:
            continue
        if row[monitor] > best:
            best, best_state, since_best = row[monitor], copy.deepcopy(model.state_dict()), 0
        else:
            since_best += 1
            if since_best >= patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return pd.DataFrame(rows, columns=None if rows else ["epoch", "train_loss", "seconds"]).set_index("epoch")


def _validation(X_val, y_val, loss_fn):
    """evaluate(model) for train_loop: the validation loss and PR-AUC, in evaluation mode."""
    X_v = torch.from_numpy(np.array(X_val, dtype=np.float32))
    y_v = torch.from_numpy(np.array(y_val, dtype=np.float32))

    @torch.no_grad()
    def evaluate(model) -> dict:
        model.eval()
        device = next(model.parameters()).device
        logits = model(X_v.to(device))
        return {"val_loss": float(loss_fn(logits, y_v.to(device))), "val_pr_auc": pr_auc(y_v.numpy(), probabilities(logits))}

    return evaluate


def train(model, X_train, y_train, X_val, y_val, *, lr: float = 1e-2, batch_size: int = 2048,
          weight_decay: float = 1e-4, max_epochs: int = 12, patience: int | None = 3, pos_weight=None,
          resample: bool = False, seed: int | None = 0, progress: bool = False) -> pd.DataFrame:
    """Train `model` in place with AdamW and early stopping on validation PR-AUC; return the history.

    `pos_weight`: None (every row counts once), a number (a fraud counts that
    many times in the loss) or "balanced" (legitimate / fraud in training).
    `patience=None` trains all `max_epochs` and keeps the last weights.
    """
    dataset = TransactionDataset(X_train, y_train)
    if pos_weight == "balanced":
        pos_weight = float((dataset.y == 0).sum() / max(float(dataset.y.sum()), 1.0))
    device = next(model.parameters()).device
    weight = None if pos_weight is None else torch.tensor(float(pos_weight), device=device)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=weight)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    loader = make_loader(dataset, batch_size, seed=seed, resample=resample)
    return train_loop(model, loader, loss_fn, optimizer, epochs=max_epochs, evaluate=_validation(X_val, y_val, loss_fn),
                      patience=patience, progress=progress)


def fit_mlp(X_train, y_train, X_val, y_val, *, width: int = 32, depth: int = 2, dropout: float = 0.0,
            seed: int | None = 0, device=None, **train_kwargs):
    """Seed, build a FraudMLP on `device` (default `shipml.device()`), train it; return (model, history)."""
    import shipml

    if seed is not None:
        torch.manual_seed(seed)  # the initial weights
    model = FraudMLP(np.asarray(X_train).shape[1], width=width, depth=depth, dropout=dropout)
    model.to(device or shipml.device())
    history = train(model, X_train, y_train, X_val, y_val, seed=seed, **train_kwargs)
    return model, history
