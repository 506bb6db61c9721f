"""One small training run of chapter 3's command, shared by the tests of the tracking stage."""

import pytest
import torch

from shipml.workflows.config import TrainConfig
from shipml.workflows.train import run_training

SMALL = dict(days=20, train_days=12, val_days=5, max_epochs=2)


@pytest.fixture(scope="session")
def small_runs(tmp_path_factory):
    """{name: (config, result)}: the production specification and an MLP, on 20 days."""
    torch.set_num_threads(1)
    cache = tmp_path_factory.mktemp("pipeline-cache")
    configs = {"production": TrainConfig(**SMALL), "mlp": TrainConfig(**SMALL, depth=1, width=8)}
    return {name: (config, run_training(config, cache)) for name, config in configs.items()}
