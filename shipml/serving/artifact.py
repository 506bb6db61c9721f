"""A model artifact: one versioned folder with everything needed to reproduce a score.

    from shipml.serving.artifact import save_artifact, load_artifact, activate, train_artifact
    artifact = train_artifact(root / "v1", version="v1", seed=0)   # the production model, its policy inside
    folder = save_artifact(root / "v1", model, encoder, version="v1", training_data_hash=h)
    artifact = load_artifact(folder)          # or load_artifact(root): the version named in root/CURRENT
    artifact.version, artifact.training_data_hash, artifact.lineage   # lineage: a LineageRecord
    scores = artifact.score(df)               # the same scores as in the notebook that trained it
    held = artifact.hold(df)                  # the decision policy that travels with the model
    store = artifact.feature_store()          # the account history a server looks features up in
    activate(root, "v1")                      # what a server started on `root` loads (a rollback: activate the old one)
    program = export_program(artifact)      # torch.export: the model as a graph
    export_onnx(artifact, folder / "model.onnx", program); onnx_scores(folder / "model.onnx", X)
    score = onnx_scorer(onnx_session(folder / "model.onnx"))   # a reusable ONNX Runtime scorer

The folder holds `weights.pt` (the model's state dict), `encoder.json` (chapter
2's fitted `Encoder`), `meta.json` (version, model config, feature names,
metadata, the decision policy, and the lineage record of
`shipml.workflows.lineage`, whose input `training_data` is the training
table's full content hash) and, for a model that reads chapter 4's account
features, `history.parquet`: the payments of its data window (account, time,
amount), the snapshot a server loads into its feature store
(`shipml.features.store`) so that one folder is enough to start a server. At a
bank the store is a service the payment stream feeds, and the artifact would
name its snapshot rather than hold it. Weights alone
cannot reproduce a score: the encoding and its fitted state are half of the
model. Every score here ends in `shipml.modeling.scoring.probabilities`.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shipml.modeling.scoring import probabilities
from shipml.workflows.lineage import LineageRecord, content_hash, record_lineage

__all__ = ["Artifact", "activate", "current_version", "export_onnx", "export_program", "load_artifact", "onnx_scorer",
           "onnx_scores", "onnx_session", "save_artifact", "train_artifact"]


@dataclass
class Artifact:
    """A loaded artifact: the model, its encoder and what they were made from."""

    model: object
    encoder: object
    version: str
    training_data_hash: str
    metadata: dict = field(default_factory=dict)
    path: Path | None = None
    lineage: LineageRecord | None = None
    policy: object = None
    history_file: Path | None = None

    @property
    def account_features(self) -> bool:
        """Whether the model reads chapter 4's point-in-time account features (a server looks them up)."""
        from shipml.features.point_in_time import FEATURES

        return all(name in self.encoder.numeric for name in FEATURES)

    def score(self, df, history=None) -> np.ndarray:
        """Fraud scores for the rows of a transaction table.

        A model with account features computes them point in time from
        `history` (default: `df` itself), from each account's strictly
        earlier payments.
        """
        from shipml.modeling.production import production_scores

        return production_scores(self.model, self.encoder, df, history, account_features=self.account_features)

    def feature_store(self):
        """The account history the server looks features up in (`shipml.features.store.AccountHistory`), or None."""
        if not self.account_features:
            return None
        if self.history_file is None or not Path(self.history_file).exists():
            raise FileNotFoundError(f"artifact {self.version} reads account features but has no history.parquet "
                                    "to look them up in; save one with the model (save_artifact(..., history=df)).")
        from shipml.features.store import AccountHistory

        return AccountHistory.from_parquet(self.history_file)

    def hold(self, df, history=None) -> np.ndarray:
        """The artifact's own decision per payment: True where it is held for review."""
        if self.policy is None:
            raise ValueError(f"artifact {self.version} has no decision policy; save one with the model.")
        return self.policy.hold(self.score(df, history), np.asarray(df["amount"], dtype=float))


def save_artifact(folder, model, encoder, *, version: str, training_data_hash: str, metadata: dict | None = None,
                  policy=None, history=None):
    """Write the model, its encoder, its decision policy and its facts (with a lineage record) into `folder`.

    `policy` is a `shipml.evaluation.decision.DecisionPolicy`: the rule that
    turns the score into a hold is part of the model, versioned with it.
    `history` (a transaction table) is written as `history.parquet`, the
    feature-store snapshot a server looks account features up in.
    Returns the folder.
    """
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "weights.pt")
    (folder / "encoder.json").write_text(encoder.to_json())
    lineage = record_lineage(f"model {version}", inputs={"training_data": str(training_data_hash)},
                             params={"model_config": dict(model.config)})
    meta = {"version": str(version), "model_config": dict(model.config), "feature_names": encoder.feature_names,
            "metadata": metadata or {}, "lineage": lineage.to_dict(),
            "policy": None if policy is None else policy.to_dict()}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2))
    if history is not None:
        from shipml.features.store import write_history

        write_history(history, folder / "history.parquet")
    return folder


def activate(root, version: str) -> None:
    """Make `version` (a sub-folder of `root`) the one a server loads from `root`."""
    root = Path(root)
    if not (root / version / "meta.json").exists():
        raise FileNotFoundError(f"There is no artifact {version!r} in {root}; save it there first.")
    tmp = root / "CURRENT.tmp"
    tmp.write_text(version)
    tmp.replace(root / "CURRENT")  # atomic: a server never reads half a name


def current_version(root) -> str:
    """The version named in `root/CURRENT`."""
    return (Path(root) / "CURRENT").read_text().strip()


def load_artifact(path) -> Artifact:
    """Load an artifact folder, or the active version of a root folder that has a CURRENT file."""
    import torch

    from shipml.modeling.mlp import FraudMLP
    from shipml.features.encoding import Encoder

    path = Path(path)
    if (path / "CURRENT").exists():
        path = path / current_version(path)
    if not (path / "meta.json").exists():
        raise FileNotFoundError(f"{path} is not a model artifact: it has no meta.json.")
    meta = json.loads((path / "meta.json").read_text())
    encoder = Encoder.from_json((path / "encoder.json").read_text())
    model = FraudMLP(**meta["model_config"])
    model.load_state_dict(torch.load(path / "weights.pt", weights_only=True))
    model.eval()
    if encoder.feature_names != meta["feature_names"]:
        raise ValueError(f"{path}: the encoder's features differ from the ones the model was trained on.")
    lineage = LineageRecord.from_dict(meta["lineage"])
    from shipml.evaluation.decision import DecisionPolicy

    policy = DecisionPolicy.from_dict(meta["policy"]) if meta.get("policy") else None
    history_file = path / "history.parquet"
    return Artifact(model, encoder, meta["version"], lineage.inputs["training_data"], meta.get("metadata", {}), path,
                    lineage, policy, history_file if history_file.exists() else None)


def train_artifact(folder, *, version: str = "v1", seed: int = 0, days: int | None = None, spec=None,
                   policy: str = "best", data=None) -> Artifact:
    """Train the production model (`shipml.modeling.production`) on the scenario's data and save it as an artifact.

    The data window is `data` if given, else `transactions(days, seed)`
    (default: the scenario's window); `seed` seeds the training. The weights
    learn from the scenario's training period, the decision policy is chosen
    on its validation period; `spec` defaults to `PRODUCTION`, the model
    chapter 2 recommends. The training-data hash covers the rows the weights
    saw; the whole window is saved as the server's feature-store snapshot.
    """
    from shipml.data import transactions
    from shipml.data.scenario import SCENARIO
    from shipml.modeling.production import PRODUCTION, train_production

    df = transactions(days=SCENARIO.days if days is None else days, seed=seed) if data is None else data
    spec = PRODUCTION if spec is None else spec
    fitted = train_production(df, seed=seed, spec=spec, policy=policy)
    df_train = SCENARIO.split(df)[0]
    save_artifact(folder, fitted.model, fitted.encoder, version=version, training_data_hash=content_hash(df_train),
                  policy=fitted.policy, history=df if spec.account_features else None,
                  metadata={**fitted.facts, "days": len(df["timestamp"].dt.floor("D").unique()),
                            "data_window": [str(df["timestamp"].min()), str(df["timestamp"].max())],
                            "final_train_loss": round(float(fitted.history.train_loss.iloc[-1]), 6)})
    return load_artifact(folder)


def export_program(artifact: Artifact):
    """The model captured by `torch.export` (TorchScript's successor), with a dynamic batch size."""
    import torch

    example = torch.zeros(2, artifact.model.config["n_features"])
    batch = torch.export.Dim("batch", min=1)
    return torch.export.export(artifact.model.eval(), (example,), dynamic_shapes={"X": {0: batch}})


def export_onnx(artifact: Artifact, path, program=None) -> Path:
    """Write the model as ONNX (from `program`, an `export_program` result, if given, to trace only once)."""
    import torch

    path = Path(path)
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # "torchvision is not installed": irrelevant to an MLP
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            onnx_program = torch.onnx.export(program if program is not None else export_program(artifact),
                                             dynamo=True, verbose=False)
    finally:
        quiet.setLevel(level)
    onnx_program.save(str(path))
    return path


def onnx_session(path, threads: int = 1):
    """An ONNX Runtime session on the CPU with `threads` threads for each operator."""
    import onnxruntime as ort

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"There is no ONNX file at {path}; export one with shipml.serving.artifact.export_onnx.")
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: ONNX Runtime's warnings about unused initialisers are noise here
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_scorer(session):
    """Score encoded rows (float32) with an ONNX Runtime session: fraud probabilities, float64."""
    name = session.get_inputs()[0].name

    def score(X):
        return probabilities(session.run(None, {name: np.asarray(X, dtype=np.float32)})[0].reshape(-1))

    return score


def onnx_scores(path, X) -> np.ndarray:
    """Fraud scores of encoded rows X from an ONNX file, with ONNX Runtime (one thread)."""
    return onnx_scorer(onnx_session(path))(X)
