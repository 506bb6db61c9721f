"""One model, several runtimes: eager PyTorch, the torch.export program, ONNX Runtime, ONNX Runtime int8.

    from shipml.performance.runtimes import eager_scorer, onnx_scorer, onnx_session, quantize_int8
    score = eager_scorer(model)                       # encoded rows X (float32) -> fraud probabilities
    score = onnx_scorer(onnx_session(path))           # the same model exported to ONNX (shipml.serving.artifact.export_onnx)
    int8_path = quantize_int8(path, folder / "model.int8.onnx")  # dynamic int8 quantization of the weights
    score = onnx_scorer(onnx_session(int8_path))

Every scorer takes a float32 array of encoded rows and returns a float64
array of probabilities (through `shipml.modeling.scoring.probabilities`, the
one sigmoid), so a benchmark can swap one for another. Dynamic
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

from shipml.modeling.scoring import probabilities
# The ONNX session and scorer live with the export, in serving (an earlier stage); chapter 8 uses them from here too.
from shipml.serving.artifact import onnx_scorer, onnx_session

__all__ = ["eager_scorer", "onnx_scorer", "onnx_session", "program_scorer", "quantize_int8"]


def eager_scorer(model):
    """Score encoded rows with the PyTorch module itself (in inference mode)."""
    import torch

    model.eval()

    def score(X):
        with torch.inference_mode():
            return probabilities(model(torch.from_numpy(np.asarray(X, dtype=np.float32))).reshape(-1))

    return score


def program_scorer(program):
    """Score encoded rows with a `torch.export` program (`shipml.serving.artifact.export_program`)."""
    import torch

    module = program.module()

    def score(X):
        with torch.inference_mode():
            return probabilities(module(torch.from_numpy(np.asarray(X, dtype=np.float32))).reshape(-1))

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
