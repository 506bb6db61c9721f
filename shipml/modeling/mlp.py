"""The fraud model: a small PyTorch MLP, its dataset, its data loader and its scores.

    from shipml.modeling.mlp import FraudMLP, TransactionDataset, make_loader, predict_scores
    model = FraudMLP(n_features, width=32, depth=2)
    loader = make_loader(TransactionDataset(X_train, y_train), batch_size=2048, seed=0)
    scores = predict_scores(model, X_test)   # fraud probabilities, a NumPy array

Inputs are float arrays such as `shipml.features.encoding.Encoder.transform`
makes. The model returns one logit per transaction; `predict_scores` turns
them into probabilities with `shipml.modeling.scoring.probabilities`, the one
sigmoid of the course. Training lives in `shipml.modeling.training`
(`fit_mlp`, `train`, `train_one_epoch`). The loader's seed fixes the order of
the batches, so the same seed gives the same model on the CPU.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler

from shipml.modeling.scoring import probabilities

__all__ = ["FraudMLP", "ShuffledBatches", "TransactionDataset", "make_loader", "predict_scores"]


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


@torch.no_grad()
def predict_scores(model, X, batch_size: int = 65_536) -> np.ndarray:
    """Fraud probabilities for the rows of X, in evaluation mode, as a NumPy array."""
    model.eval()
    device = next(model.parameters()).device
    X = torch.from_numpy(np.array(X, dtype=np.float32))
    logits = [model(X[i:i + batch_size].to(device)) for i in range(0, len(X), batch_size)]
    return probabilities(torch.cat(logits)) if logits else np.zeros(0)
