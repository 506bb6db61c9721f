"""Hyperparameter search that uses its budget well: Optuna's TPE with a pruner against random search.

    from shipml.tracking.search import best_so_far, search
    tpe = search("tpe", X_train, y_train, X_val, y_val, n_trials=12, max_epochs=5, seed=0)
    rnd = search("random", X_train, y_train, X_val, y_val, n_trials=12, max_epochs=5, seed=0)
    tpe.trials            # one row per trial: number, params, value, state ("complete"/"pruned"), epochs, seconds
    tpe.best_value, tpe.pruned_share, tpe.epochs, tpe.seconds
    best_so_far(tpe.trials)   # the best value after each epoch trained, for one plot of both searches
    search(..., on_trial=lambda row: ...)   # called after each trial (e.g. to log it as a nested MLflow run)

Both searches draw from one space (learning rate on a log scale, width,
depth, weight decay) for the same number of trials of at most `max_epochs`
epochs each, seeded. A trial trains chapter 2's fraud MLP one epoch at a
time (`shipml.modeling.training.train_one_epoch`), reports its validation
PR-AUC after each epoch, and is worth the best PR-AUC it reached. Random
search (`RandomSampler`, no pruner) trains every trial to the end; TPE
(`TPESampler`) proposes from the trials so far, and the median pruner stops a
trial whose PR-AUC after an epoch is below the median of earlier trials at
that epoch, so the budget goes to the promising ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SPACE", "SearchResult", "best_so_far", "search"]

SPACE = {"lr": (1e-3, 1e-1), "width": (4, 64), "depth": (0, 2), "weight_decay": (1e-6, 1e-2)}


@dataclass
class SearchResult:
    """The trials of one search and its totals."""

    kind: str
    trials: pd.DataFrame

    @property
    def best_value(self) -> float:
        return float(self.trials["value"].max())

    @property
    def best_params(self) -> dict:
        row = self.trials.loc[self.trials["value"].idxmax()]
        return {name: row[name] for name in SPACE}

    @property
    def pruned_share(self) -> float:
        return float((self.trials["state"] == "pruned").mean())

    @property
    def epochs(self) -> int:
        return int(self.trials["epochs"].sum())

    @property
    def seconds(self) -> float:
        return float(self.trials["seconds"].sum())


def _suggest(trial) -> dict:
    return {"lr": trial.suggest_float("lr", *SPACE["lr"], log=True),
            "width": trial.suggest_int("width", *SPACE["width"], log=True),
            "depth": trial.suggest_int("depth", *SPACE["depth"]),
            "weight_decay": trial.suggest_float("weight_decay", *SPACE["weight_decay"], log=True)}


def search(kind: str, X_train, y_train, X_val, y_val, *, n_trials: int = 12, max_epochs: int = 5, seed: int = 0,
           batch_size: int = 1024, on_trial=None, progress: bool = True) -> SearchResult:
    """Run `n_trials` trials of Optuna's TPE with a median pruner (`kind="tpe"`) or of random search."""
    import optuna
    import torch
    from torch import nn
    from tqdm.auto import tqdm

    from shipml.evaluation.metrics import pr_auc
    from shipml.modeling.mlp import FraudMLP, TransactionDataset, make_loader, predict_scores
    from shipml.modeling.training import train_one_epoch

    if kind not in ("tpe", "random"):
        raise ValueError(f"kind is 'tpe' (Optuna's TPE with a median pruner) or 'random', not {kind!r}.")
    if n_trials < 1 or max_epochs < 1:
        raise ValueError(f"A search needs at least one trial of at least one epoch; got {n_trials} and {max_epochs}.")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if kind == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=4)
        pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    else:
        sampler, pruner = optuna.samplers.RandomSampler(seed=seed), optuna.pruners.NopPruner()
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
    dataset = TransactionDataset(X_train, y_train)
    rows = []

    def objective(trial):
        params = _suggest(trial)
        started, best, epochs, state = time.perf_counter(), -np.inf, 0, "complete"
        torch.manual_seed(seed + trial.number)
        model = FraudMLP(dataset.X.shape[1], width=params["width"], depth=params["depth"])
        optimizer = torch.optim.AdamW(model.parameters(), lr=params["lr"], weight_decay=params["weight_decay"])
        loader = make_loader(dataset, batch_size, seed=seed + trial.number)
        loss_fn = nn.BCEWithLogitsLoss()
        curve = []
        for epoch in range(1, max_epochs + 1):
            train_one_epoch(model, loader, loss_fn, optimizer)
            value = pr_auc(y_val, predict_scores(model, X_val))
            curve.append(value)
            best, epochs = max(best, value), epoch
            trial.report(value, epoch)
            if trial.should_prune():
                state = "pruned"
                break
        row = {"number": trial.number, **params, "value": float(best), "state": state, "epochs": epochs,
               "seconds": time.perf_counter() - started, "curve": curve}
        rows.append(row)
        if on_trial is not None:
            on_trial(row)
        if state == "pruned":
            raise optuna.TrialPruned()
        return best

    with tqdm(total=n_trials, desc=f"{kind} trials", disable=not progress, leave=False) as bar:
        study.optimize(objective, n_trials=n_trials, callbacks=[lambda study, trial: bar.update(1)])
    return SearchResult(kind, pd.DataFrame(rows))


def best_so_far(trials: pd.DataFrame) -> pd.DataFrame:
    """After each trial: the epochs trained so far, the seconds so far and the best value so far."""
    return pd.DataFrame({"trial": trials["number"].to_numpy() + 1, "epochs": trials["epochs"].cumsum().to_numpy(),
                         "seconds": trials["seconds"].cumsum().to_numpy(),
                         "best": trials["value"].cummax().to_numpy()})
