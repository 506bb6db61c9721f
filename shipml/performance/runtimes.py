"""One model, several runtimes: eager PyTorch, the torch.export program, ONNX Runtime, ONNX Runtime int8.

    from shipml.performance.runtimes import eager_scorer, onnx_scorer, onnx_session, quantize_int8
    score = eager_scorer(model)                       # encoded rows X (float32) -> fraud probabilities
    score = onnx_scorer(onnx_session(path))           # the same model exported to ONNX (shipml.serving.artifact.export_onnx)
    int8_path = quantize_int8(path, folder / "model.int8.onnx")  # dynamic int8 quantization of the weights
    score = onnx_scorer(onnx_session(int8_path))

Every scorer takes a float32 array of encoded rows and returns a float64
array of probabilities, so a benchmark can swap one for another. Dynamic
quantization stores the weights of the linear layers as 8-bit integers and
quantizes the activations on the fly: a smaller file, faster matrix products
on large layers, and slightly different scores. It is done with ONNX Runtime's
`quantize_dynamic`, the successor the course teaches for
`torch.ao.quantization.quantize_dynamic` (deprecated in torch 2.13, to be removed).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

__all__ = ["eager_scorer", "onnx_scorer", "onnx_session", "program_scorer", "quantize_int8"]


def _sigmoid(logits) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=float).reshape(-1)))


def eager_scorer(model):
    """Score encoded rows with the PyTorch module itself (in inference mode)."""
    import torch

    model.eval()

    def score(X):
        with torch.inference_mode():
            return _sigmoid(model(torch.from_numpy(np.asarray(X, dtype=np.float32))).numpy())

    return score


def program_scorer(program):
    """Score encoded rows with a `torch.export` program (`shipml.serving.artifact.export_program`)."""
    import torch

    module = program.module()

    def score(X):
        with torch.inference_mode():
            return _sigmoid(module(torch.from_numpy(np.asarray(X, dtype=np.float32))).numpy())

    return score


def onnx_session(path, threads: int = 1):
    """An ONNX Runtime session on the CPU with `threads` threads for each operator."""
    import onnxruntime as ort

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"There is no ONNX file at {path}; export one with shipml.serving.artifact.export_onnx.")
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_scorer(session):
    """Score encoded rows with an ONNX Runtime session."""
    name = session.get_inputs()[0].name

    def score(X):
        return _sigmoid(session.run(None, {name: np.asarray(X, dtype=np.float32)})[0])

    return score


def quantize_int8(source, destination) -> Path:
    """Write `source` (an ONNX file) with its weights dynamically quantized to int8; return the new path."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # "consider pre-processing": shape inference, which an MLP does not need
    try:
        quantize_dynamic(str(source), str(destination), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)
    return Path(destination)
