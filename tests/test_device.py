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
