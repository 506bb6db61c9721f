"""A small, seeded grid search, one row per run, with each run's seed and wall time.

    from shipml.modeling.search import grid, run_grid
    configs = grid(lr=[3e-3, 1e-2], width=[16, 64])      # every combination, as dicts
    table = run_grid(run, configs, seeds=[0, 1, 2])       # run(seed=..., **config) -> dict of metrics
    table.groupby("config").val_pr_auc.agg(["mean", "std"])

`run` trains and evaluates one configuration with one seed and returns a dict
of numbers (e.g. {"val_pr_auc": 0.21}); `run_grid` adds the configuration,
the seed and the seconds the run took, and shows a progress bar.
"""

from __future__ import annotations

import itertools
import time

import pandas as pd

__all__ = ["config_label", "grid", "run_grid"]


def grid(**axes) -> list[dict]:
    """Every combination of the values given for each hyperparameter, in order."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*(axes[n] for n in names))]


def config_label(config: dict) -> str:
    """A short, readable name of a configuration: 'lr=0.01 width=16'."""
    return " ".join(f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
                    for name, value in config.items())


def run_grid(run, configs, seeds=(0,), progress: bool = True) -> pd.DataFrame:
    """Run every configuration with every seed; one row per run."""
    from tqdm.auto import tqdm

    jobs = [(config, seed) for config in configs for seed in seeds]
    rows = []
    for config, seed in tqdm(jobs, desc="runs", disable=not progress):
        started = time.perf_counter()
        metrics = run(seed=seed, **config)
        rows.append({"config": config_label(config), **config, "seed": seed, **metrics,
                     "seconds": time.perf_counter() - started})
    return pd.DataFrame(rows)
