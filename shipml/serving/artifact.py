"""A model artifact: one versioned folder with everything needed to reproduce a score.

    from shipml.serving.artifact import save_artifact, load_artifact, activate, train_artifact
    folder = save_artifact(root / "v1", model, encoder, version="v1", training_data_hash=h)
    artifact = load_artifact(folder)          # or load_artifact(root): the version named in root/CURRENT
    artifact.version, artifact.training_data_hash, artifact.lineage   # lineage: a LineageRecord
    scores = artifact.score(df)               # the same scores as in the notebook that trained it
    activate(root, "v1")                      # what a server started on `root` loads (a rollback: activate the old one)
    program = export_program(artifact)      # torch.export: the model as a graph
    export_onnx(artifact, folder / "model.onnx", program); onnx_scores(folder / "model.onnx", X)
    score = onnx_scorer(onnx_session(folder / "model.onnx"))   # a reusable ONNX Runtime scorer

The folder holds `weights.pt` (the model's state dict), `encoder.json` (chapter
2's fitted `Encoder`), and `meta.json` (version, model config, feature names,
metadata, and the lineage record of `shipml.workflows.lineage`, whose input
`training_data` is the training table's full content hash). Weights alone
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

    def score(self, df) -> np.ndarray:
        """Fraud scores for the rows of a transaction table."""
        from shipml.modeling.mlp import predict_scores

        return predict_scores(self.model, self.encoder.transform(df))


def save_artifact(folder, model, encoder, *, version: str, training_data_hash: str, metadata: dict | None = None):
    """Write the model, its encoder and its facts (with a lineage record) into `folder`; return the folder."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "weights.pt")
    (folder / "encoder.json").write_text(encoder.to_json())
    lineage = record_lineage(f"model {version}", inputs={"training_data": str(training_data_hash)},
                             params={"model_config": dict(model.config)})
    meta = {"version": str(version), "model_config": dict(model.config), "feature_names": encoder.feature_names,
            "metadata": metadata or {}, "lineage": lineage.to_dict()}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2))
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
    return Artifact(model, encoder, meta["version"], lineage.inputs["training_data"], meta.get("metadata", {}), path,
                    lineage)


def train_artifact(folder, *, version: str = "v1", n: int = 20_000, seed: int = 0, width: int = 16,
                   epochs: int = 3, lr: float = 1e-2, batch_size: int = 1024) -> Artifact:
    """Train a small chapter-2 model on `transactions(n, seed)` and save it as an artifact (well under a second).

    Chapter 2's encoder, FraudMLP and training epoch, with a balanced loss and no
    early stopping: a quick, deterministic model to serve, not a tuned one.
    """
    import torch
    from torch import nn

    from shipml.data import transactions
    from shipml.features.encoding import fit_encoder
    from shipml.modeling.mlp import FraudMLP, TransactionDataset, make_loader
    from shipml.modeling.training import train_loop

    df_train = transactions(n, seed=seed)
    encoder = fit_encoder(df_train)
    dataset = TransactionDataset(encoder.transform(df_train), df_train.is_fraud.to_numpy())
    torch.manual_seed(seed)
    model = FraudMLP(len(encoder.feature_names), width=width, depth=2)
    pos_weight = torch.tensor(float((dataset.y == 0).sum() / max(float(dataset.y.sum()), 1.0)))
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    history = train_loop(model, make_loader(dataset, batch_size, seed=seed), loss_fn, optimizer, epochs=epochs)
    save_artifact(folder, model, encoder, version=version, training_data_hash=content_hash(df_train),
                  metadata={"n_train": len(df_train), "seed": seed, "epochs": epochs,
                            "final_train_loss": round(float(history.train_loss.iloc[-1]), 6)})
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
