"""The fraud model: a small PyTorch MLP, its data loader, training loop and scores.

    from shipml.modeling.mlp import FraudMLP, fit_mlp, predict_scores
    model, history = fit_mlp(X_train, y_train, X_val, y_val, width=32, depth=2, lr=1e-2, seed=0)
    history        # one row per epoch: train_loss, val_loss, val_pr_auc, seconds
    scores = predict_scores(model, X_test)   # fraud probabilities, a NumPy array

Inputs are float arrays such as `shipml.features.encoding.Encoder.transform`
makes. The model returns one logit per transaction; `predict_scores` turns
them into probabilities. Training stops early when the validation PR-AUC has
not improved for `patience` epochs, and the model keeps the weights of its
best epoch. The same seed gives the same model on the CPU: the seed fixes the
initial weights and the order of the batches (through the DataLoader's
generator). Everything runs on `shipml.device()` unless told otherwise.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler

from shipml.evaluation.metrics import pr_auc

__all__ = [
    "FraudMLP", "ShuffledBatches", "TransactionDataset",
    "fit_mlp", "make_loader", "predict_scores", "train", "train_one_epoch",
]


class FraudMLP(nn.Module):
    """A multilayer perceptron: `depth` hidden layers of `width` units with ReLU, then one logit."""

    def __init__(self, n_features: int, width: int = 32, depth: int = 2, dropout: float = 0.0):
        super().__init__()
        layers, size = [], n_features
        for _ in range(depth):
            layers += [nn.Linear(size, width), nn.ReLU(), nn.Dropout(dropout)]
            size = width
        layers.append(nn.Linear(size, 1))
        self.net = nn.Sequential(*layers)
        self.config = {"n_features": n_features, "width": width, "depth": depth, "dropout": dropout}

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net(X).squeeze(-1)  # one logit per row


class TransactionDataset(Dataset):
    """Encoded transactions and their labels, as tensors."""

    def __init__(self, X, y):
        # np.array copies: pandas hands out read-only arrays, which torch warns about.
        self.X = torch.from_numpy(np.array(X, dtype=np.float32))
        self.y = torch.from_numpy(np.array(y, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index):
        # `index` is a tensor of rows: the loader asks for a whole batch at once, not one Python call per row.
        return self.X[index], self.y[index]


class ShuffledBatches(Sampler):
    """Row indices in shuffled batches, one tensor per batch; with `weights`, rows drawn with replacement."""

    def __init__(self, n_rows: int, batch_size: int, generator=None, weights=None):
        self.n_rows, self.batch_size, self.generator, self.weights = n_rows, batch_size, generator, weights

    def __len__(self) -> int:
        return -(-self.n_rows // self.batch_size)

    def __iter__(self):
        if self.weights is None:
            order = torch.randperm(self.n_rows, generator=self.generator)
        else:
            order = torch.multinomial(self.weights, self.n_rows, replacement=True, generator=self.generator)
        yield from order.split(self.batch_size)


def make_loader(dataset: TransactionDataset, batch_size: int, *, seed: int | None = 0, resample: bool = False):
    """Shuffled batches of `dataset`; with `resample`, fraud is drawn as often as legitimate rows."""
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    weights = None
    if resample:
        n_pos = float(dataset.y.sum())
        weights = torch.where(dataset.y == 1, (len(dataset) - n_pos) / max(n_pos, 1.0), 1.0).double()
    sampler = ShuffledBatches(len(dataset), batch_size, generator, weights)
    # batch_size=None: the sampler already yields whole batches, which the dataset indexes in one call.
    return DataLoader(dataset, sampler=sampler, batch_size=None)


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


@torch.no_grad()
def predict_scores(model, X, batch_size: int = 65_536) -> np.ndarray:
    """Fraud probabilities for the rows of X, in evaluation mode, as a NumPy array."""
    model.eval()
    device = next(model.parameters()).device
    X = torch.from_numpy(np.array(X, dtype=np.float32))
    logits = [model(X[i:i + batch_size].to(device)) for i in range(0, len(X), batch_size)]
    return torch.sigmoid(torch.cat(logits)).cpu().numpy().astype(float) if logits else np.zeros(0)


@torch.no_grad()
def _evaluate(model, X, y, loss_fn) -> tuple[float, float]:
    model.eval()
    device = next(model.parameters()).device
    logits = model(X.to(device))
    return float(loss_fn(logits, y.to(device))), pr_auc(y.numpy(), torch.sigmoid(logits).cpu().numpy())


def train(model, X_train, y_train, X_val, y_val, *, lr: float = 1e-2, batch_size: int = 2048,
          weight_decay: float = 1e-4, max_epochs: int = 12, patience: int | None = 3, pos_weight=None,
          resample: bool = False, seed: int | None = 0, progress: bool = False) -> pd.DataFrame:
    """Train `model` in place with AdamW and early stopping on validation PR-AUC; return the history.

    `pos_weight`: None (every row counts once), a number (a fraud counts that
    many times in the loss) or "balanced" (legitimate / fraud in training).
    `patience=None` trains all `max_epochs` and keeps the last weights.
    """
    from tqdm.auto import tqdm

    dataset = TransactionDataset(X_train, y_train)
    if pos_weight == "balanced":
        pos_weight = float((dataset.y == 0).sum() / max(float(dataset.y.sum()), 1.0))
    device = next(model.parameters()).device
    weight = None if pos_weight is None else torch.tensor(float(pos_weight), device=device)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=weight)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    loader = make_loader(dataset, batch_size, seed=seed, resample=resample)
    X_v = torch.from_numpy(np.array(X_val, dtype=np.float32))
    y_v = torch.from_numpy(np.array(y_val, dtype=np.float32))

    rows, best, best_state, since_best = [], -np.inf, None, 0
    for epoch in tqdm(range(1, max_epochs + 1), desc="epochs", disable=not progress, leave=False):
        started = time.perf_counter()
        train_loss = train_one_epoch(model, loader, loss_fn, optimizer)
        val_loss, val_pr_auc = _evaluate(model, X_v, y_v, loss_fn)
        rows.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "val_pr_auc": val_pr_auc,
                     "seconds": time.perf_counter() - started})
        if patience is None:
            continue
        if val_pr_auc > best:
            best, best_state, since_best = val_pr_auc, copy.deepcopy(model.state_dict()), 0
        else:
            since_best += 1
            if since_best >= patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return pd.DataFrame(rows).set_index("epoch")


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
