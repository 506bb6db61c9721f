"""Distillation: train a small model to copy a larger model's scores.

    from shipml.modeling.distillation import distill
    student = distill(X_train, teacher_scores, width=8, depth=1, seed=0)
    scores = shipml.modeling.mlp.predict_scores(student, X_test)

The student learns from the teacher's probabilities (soft targets), not from
the 0/1 labels: a probability of 0.3 says more about a transaction than a 0,
so a model with a tenth of the weights can get close to the teacher. It is
trained by the course's one loop, `shipml.modeling.training.train_loop`, with
the teacher's scores as the targets.
"""

from __future__ import annotations

import numpy as np

__all__ = ["distill"]


def distill(X, teacher_scores, *, width: int = 8, depth: int = 1, epochs: int = 8, lr: float = 1e-2,
            batch_size: int = 512, seed: int = 0):
    """A FraudMLP of `width` x `depth` trained on encoded rows `X` to reproduce `teacher_scores`."""
    import torch
    from torch import nn

    from shipml.modeling.mlp import FraudMLP, TransactionDataset, make_loader
    from shipml.modeling.training import train_loop

    teacher_scores = np.asarray(teacher_scores, dtype=np.float32)
    if len(teacher_scores) != len(X):
        raise ValueError(f"X has {len(X)} rows but there are {len(teacher_scores)} teacher scores.")
    if teacher_scores.size and (np.isnan(teacher_scores).any() or teacher_scores.min() < 0
                                or teacher_scores.max() > 1):
        raise ValueError("teacher_scores must be probabilities between 0 and 1 (the teacher's predict_scores).")
    dataset = TransactionDataset(X, teacher_scores)
    torch.manual_seed(seed)
    student = FraudMLP(dataset.X.shape[1], width=width, depth=depth)
    optimizer = torch.optim.Adam(student.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()  # against probabilities: cross-entropy with soft targets
    # A fresh shuffle each epoch, seeded by the epoch, so the student does not depend on one batch order.
    train_loop(student, lambda epoch: make_loader(dataset, batch_size, seed=seed + epoch - 1), loss_fn, optimizer,
               epochs=epochs)
    return student
