"""Training as a command: data -> features -> train -> evaluate, cached, from one configuration file.

    python -m shipml.workflows.train --config train.yaml [--cache FOLDER] [--out FOLDER]

    from shipml.workflows.train import run_training
    result = run_training(load_config("train.yaml"), cache_folder)   # what the command runs
    result.run.ran, result.run.reused        # stages that did work, stages loaded from the cache
    result.model_hash                        # weights_hash of the trained model
    result.record                            # the lineage record: code, config, data hashes, library versions

The four stages are plain functions on `shipml.workflows.pipeline`, so a stage
whose code, settings and inputs have not changed is not run again (chapter 4
explains the cache key). `features` is the production model's inputs
(chapter 2's encoder over the transaction columns and chapter 4's account
features, fitted on the training days), `train` is chapter 2's training loop
under `shipml.workflows.determinism`'s controls, `evaluate` rebuilds the model
from its stored weights and scores every split. With the same configuration,
under the same controls (one thread, the deterministic algorithms), the weights are those of
`shipml.modeling.production.train_production`.
A configuration that cannot be used stops the command before any training,
with one sentence on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from shipml.data.scenario import SCENARIO
from shipml.data.stream import transactions
from shipml.evaluation.metrics import pr_auc
from shipml.features.encoding import CATEGORICAL, NUMERIC, fit_encoder
from shipml.features.point_in_time import FEATURES as ACCOUNT_FEATURES
from shipml.modeling.mlp import FraudMLP, predict_scores
from shipml.modeling.production import PRODUCTION, production_features
from shipml.modeling.training import fit_mlp
from shipml.workflows import determinism
from shipml.workflows.config import ConfigError, TrainConfig, load_config
from shipml.workflows.lineage import digest, record_lineage
from shipml.workflows.pipeline import Pipeline, Run, stage

__all__ = ["STAGES", "TrainingResult", "encode_splits", "fit_inputs", "main", "model_from_weights", "model_inputs", "run_training",
           "weights_table"]

SPLITS = ("train", "val", "test")


def fit_inputs(df_train: pd.DataFrame):
    """The production model's encoder: transaction columns and account features, fitted on training rows only."""
    return fit_encoder(df_train, numeric=NUMERIC + ACCOUNT_FEATURES, categorical=CATEGORICAL)


def encode_splits(rows: pd.DataFrame, scenario=SCENARIO):
    """(encoder, table): every row of `rows` encoded, with its label and its split, the encoder fitted on train."""
    parts = dict(zip(SPLITS, scenario.split(rows)))
    encoder = fit_inputs(parts["train"])
    tables = [pd.DataFrame(encoder.transform(part), columns=encoder.feature_names)
              .assign(is_fraud=part["is_fraud"].to_numpy(), split=name) for name, part in parts.items()]
    return encoder, pd.concat(tables, ignore_index=True)


def model_inputs(features: pd.DataFrame, split: str):
    """(X, y) of one split of the `features` stage's table: the encoded columns as float32, and the labels."""
    part = features[features["split"] == split]
    return part.drop(columns=["is_fraud", "split"]).to_numpy(dtype=np.float32), part["is_fraud"].to_numpy()


def weights_table(model) -> pd.DataFrame:
    """A model's weights as a table: one row per number (parameter name, flat position, float32 value)."""
    rows = [pd.DataFrame({"parameter": name, "position": np.arange(tensor.numel()),
                          "value": tensor.detach().cpu().numpy().ravel().astype(np.float32)})
            for name, tensor in model.state_dict().items()]
    return pd.concat(rows, ignore_index=True)


def model_from_weights(weights: pd.DataFrame, n_features: int, *, depth: int, width: int):
    """A FraudMLP of this shape with the weights of `weights_table`, in evaluation mode."""
    model = FraudMLP(n_features, width=width, depth=depth)
    state = {}
    for name, tensor in model.state_dict().items():
        values = weights.loc[weights["parameter"] == name].sort_values("position")["value"].to_numpy(np.float32)
        if values.size != tensor.numel():
            raise ValueError(f"the stored weights of {name!r} have {values.size} numbers; the model needs "
                             f"{tensor.numel()} (was it trained with another depth or width?).")
        state[name] = torch.from_numpy(values.reshape(tuple(tensor.shape)).copy())
    model.load_state_dict(state)
    return model.eval()


# --- the four stages -------------------------------------------------------------------------------


@stage(outputs=["transactions"])
def data(*, days=SCENARIO.days, data_seed=0):
    """The scenario's transaction stream: `days` days from `data_seed`."""
    return transactions(days=days, seed=data_seed)


@stage(outputs=["features", "encoder"])
def features(transactions, *, days=SCENARIO.days, train_days=SCENARIO.train_days, val_days=SCENARIO.val_days):
    """The model's inputs: account features (point in time), encoded, each row with its label and split."""
    scenario = dataclasses.replace(SCENARIO, days=days, train_days=train_days, val_days=val_days)
    encoder, table = encode_splits(production_features(transactions), scenario)
    return table, pd.DataFrame({"encoder": [encoder.to_json()]})


@stage(outputs=["weights", "history"])
def train(features, *, seed=0, depth=PRODUCTION.depth, width=PRODUCTION.width, lr=PRODUCTION.lr,
          batch_size=PRODUCTION.batch_size, max_epochs=PRODUCTION.max_epochs, patience=PRODUCTION.patience, threads=1,
          deterministic=True):
    """Chapter 2's training loop on the training rows, early stopping on validation, under the run's controls."""
    X_train, y_train = model_inputs(features, "train")
    X_val, y_val = model_inputs(features, "val")
    with determinism.deterministic(threads, enabled=deterministic):
        determinism.seed_everything(seed)
        model, history = fit_mlp(X_train, y_train, X_val, y_val, width=width, depth=depth, seed=seed,
                                 device=torch.device("cpu"), lr=lr, batch_size=batch_size, max_epochs=max_epochs,
                                 patience=patience)
    return weights_table(model), history.reset_index()


@stage(outputs=["metrics"])
def evaluate(features, weights, *, depth=PRODUCTION.depth, width=PRODUCTION.width):
    """The stored model, rebuilt: its weights' hash and PR-AUC on each split."""
    n_features = features.shape[1] - 2
    model = model_from_weights(weights, n_features, depth=depth, width=width)
    rows = []
    for name in SPLITS:
        X, y = model_inputs(features, name)
        rows.append({"split": name, "rows": len(y), "fraud": int(y.sum()), "pr_auc": pr_auc(y, predict_scores(model, X))})
    return pd.DataFrame(rows).assign(weights_hash=determinism.weights_hash(model))


STAGES = (data, features, train, evaluate)


@dataclass
class TrainingResult:
    """One run of the command: what the pipeline did, the model's hash, and the lineage record of the model."""

    run: Run
    model_hash: str
    record: dict

    @property
    def metrics(self) -> pd.DataFrame:
        return self.run.outputs["metrics"]


def run_training(config: TrainConfig, cache_folder) -> TrainingResult:
    """Run the four stages for `config`, reusing every stage the cache already holds."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"run_training needs a TrainConfig (load_config reads one), not {type(config).__name__}.")
    run = Pipeline(STAGES, cache_folder).run({}, params=config.model_dump())
    metrics = run.outputs["metrics"]
    model_hash = str(metrics["weights_hash"].iloc[0])
    record = record_lineage(
        "fraud model",
        inputs={"config": config.config_hash(), "data": run.lineage["data"]["outputs"]["transactions"]["hash"]},
        params=config.model_dump(mode="json"),
        outputs={"weights_hash": model_hash, "weights": run.lineage["train"]["outputs"]["weights"]["hash"]},
        metrics={f"pr_auc_{row.split}": round(float(row.pr_auc), 6) for row in metrics.itertuples()},
        code=digest(*(s.code_hash.encode() for s in STAGES)),
    ).to_dict()
    return TrainingResult(run, model_hash, record)


def main(argv=None) -> int:
    """The command line: train from a configuration file; a bad configuration is one sentence, exit code 2."""
    parser = argparse.ArgumentParser(prog="python -m shipml.workflows.train",
                                     description="Train the fraud model from a configuration file, reusing cached stages.")
    parser.add_argument("--config", required=True, help="a YAML file of TrainConfig fields")
    parser.add_argument("--cache", default=None, help="the pipeline's cache folder (default: cache/ beside the config)")
    parser.add_argument("--out", default=None, help="where lineage.json goes (default: model/ beside the config)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    folder = Path(args.config).resolve().parent
    result = run_training(config, Path(args.cache) if args.cache else folder / "cache")
    out = Path(args.out) if args.out else folder / "model"
    out.mkdir(parents=True, exist_ok=True)
    (out / "lineage.json").write_text(json.dumps(result.record, indent=2))
    print(f"ran: {', '.join(result.run.ran) or 'nothing'}; reused: {', '.join(result.run.reused) or 'nothing'}")
    print(f"model hash: {result.model_hash}")
    print(f"lineage: {out / 'lineage.json'}")
    return 0


if __name__ == "__main__":
    # Run the module imported under its own name, not this __main__ copy: the stages must be
    # shipml.workflows.train's functions, so that the cache keys are those a notebook's run_training computes.
    import importlib

    sys.exit(importlib.import_module("shipml.workflows.train").main())
