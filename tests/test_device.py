"""shipml.device(): CUDA where present, the CPU otherwise, never a failure."""

import pytest
import torch

import shipml


def test_does_device_fall_back_to_cpu_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert shipml.device() == torch.device("cpu")
    assert shipml.device("cuda") == torch.device("cpu")


def test_does_device_pick_cuda_where_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert shipml.device() == torch.device("cuda")
    assert shipml.device("cpu") == torch.device("cpu")


def test_does_the_environment_force_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("SHIPML_DEVICE", "cpu")
    assert shipml.device() == torch.device("cpu")


def test_is_an_unknown_device_a_clear_error():
    with pytest.raises(ValueError, match="auto"):
        shipml.device("tpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_is_a_models_throughput_measured_on_cuda():
    import numpy as np

    from shipml.modeling.mlp import FraudMLP
    from shipml.performance.benchmark import model_rows_per_s

    X = np.zeros((4096, 40), dtype=np.float32)
    gpu = model_rows_per_s(FraudMLP(40, width=4096, depth=3), X, device="cuda", repeats=10)
    cpu = model_rows_per_s(FraudMLP(40, width=4096, depth=3), X[:256], device="cpu", repeats=3)
    assert gpu > cpu  # a large MLP: the GPU must win
