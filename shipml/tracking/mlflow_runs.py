"""A training run of chapter 3's command, logged into MLflow: parameters, metrics by epoch, hashes, the model.

    from shipml.tracking.mlflow_runs import log_training, trained_model
    result = run_training(config, cache_folder)               # chapter 3's command, on chapter 4's cached pipeline
    logged = log_training(result, config, experiment_id=store.experiment_id, register_as="fraud-model")
    logged.run_id, logged.model_uri, logged.version           # the version is None unless registered
    model, X_val, y_val = trained_model(result, config)        # the trained FraudMLP and its validation rows
    log_example_runs(store, cache_folder)                      # chapter 5's three runs, the first one the champion

What a run records: every field of the configuration as a parameter and the
whole configuration as `config.json`; the loss and validation PR-AUC of each
epoch as metrics with `step=epoch`; the PR-AUC of each split; as tags, the
hashes that answer "which data, code and settings made it" (`config_hash`,
`data_hash`, `code_hash`, `weights_hash`); and the model itself with
`mlflow.pytorch.log_model(model, name="model", signature=..., input_example=...)`
(MLflow 3 names the model with `name=`; `artifact_path=` is deprecated).
The requirements are given rather than inferred, which would start pip.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from importlib import metadata

import numpy as np

__all__ = ["EXAMPLE_RUNS", "HASH_TAGS", "LoggedRun", "log_example_runs", "log_training", "trained_model"]

# The tags that make a run traceable; `shipml.tracking.provenance` reads them back.
HASH_TAGS = ("config_hash", "data_hash", "code_hash", "weights_hash")

# Chapter 5's runs: chapter 3's configuration on a short window, three model sizes (TrainConfig fields).
_WINDOW = {"days": 45, "train_days": 30, "val_days": 10, "max_epochs": 5}
EXAMPLE_RUNS = {"production spec": dict(_WINDOW), "MLP 1x16": {**_WINDOW, "depth": 1, "width": 16},
                "MLP 2x32": {**_WINDOW, "depth": 2, "width": 32}}


@dataclass(frozen=True)
class LoggedRun:
    """Where a logged run lives: its id, its model's URI and, when registered, the model version."""

    run_id: str
    model_uri: str
    version: str | None = None


def trained_model(result, config):
    """(model, X_val, y_val): the FraudMLP rebuilt from the run's stored weights, and its validation rows."""
    from shipml.workflows.train import model_from_weights, model_inputs

    features = result.run.outputs["features"]
    X_val, y_val = model_inputs(features, "val")
    model = model_from_weights(result.run.outputs["weights"], X_val.shape[1], depth=config.depth, width=config.width)
    return model, np.array(X_val, dtype=np.float32), np.asarray(y_val)  # a writable copy (torch wants one)


def hashes(result, config) -> dict:
    """The four hashes of a training run: configuration, data, code and weights."""
    return {"config_hash": config.config_hash(), "data_hash": result.record["inputs"]["data"],
            "code_hash": result.record["code_version"], "weights_hash": result.model_hash}


def log_training(result, config, *, experiment_id: str, run_name: str | None = None, register_as: str | None = None,
                 extra_metrics: dict | None = None, nested: bool = False) -> LoggedRun:
    """Log one run of `run_training` (and register its model under `register_as`, when given)."""
    import mlflow
    from mlflow.models import infer_signature

    from shipml.modeling.mlp import predict_scores

    model, X_val, _ = trained_model(result, config)
    example = np.array(X_val[:5], dtype=np.float32)  # a writable copy: MLflow turns it into a tensor
    signature = infer_signature(example, predict_scores(model, example))
    history = result.run.outputs["history"]
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, nested=nested) as run:
        mlflow.log_params(config.model_dump(mode="json"))
        mlflow.log_dict(config.model_dump(mode="json"), "config.json")
        for row in history.itertuples():
            mlflow.log_metrics({name: float(getattr(row, name)) for name in ("train_loss", "val_loss", "val_pr_auc")
                                if hasattr(row, name)}, step=int(row.epoch))
        mlflow.log_metrics({f"pr_auc_{row.split}": float(row.pr_auc) for row in result.metrics.itertuples()})
        if extra_metrics:
            mlflow.log_metrics({k: float(v) for k, v in extra_metrics.items()})
        mlflow.set_tags(hashes(result, config))
        info = mlflow.pytorch.log_model(model, name="model", signature=signature, input_example=example,
                                        pip_requirements=[f"torch=={metadata.version('torch')}",
                                                          f"numpy=={np.__version__}"])
    version = None
    if register_as:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):  # its banner
            registered = mlflow.register_model(info.model_uri, register_as, tags=hashes(result, config))
        version = str(registered.version)
    return LoggedRun(run.info.run_id, info.model_uri, version)


def log_example_runs(store, cache_folder, *, name: str = "fraud-model") -> dict:
    """Train and log chapter 5's runs into `store`; register each, the production spec as `champion`."""
    from shipml.workflows.config import TrainConfig
    from shipml.workflows.train import run_training

    logged = {}
    for run_name, fields in EXAMPLE_RUNS.items():
        config = TrainConfig(**fields)
        logged[run_name] = log_training(run_training(config, cache_folder), config, experiment_id=store.experiment_id,
                                        run_name=run_name, register_as=name)
    store.client.set_registered_model_alias(name, "champion", logged["production spec"].version)
    return logged
