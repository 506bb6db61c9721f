"""One pair of real production artifacts for the serving tests: v1 (seed 0) and v2 (seed 1) on one data window."""

import pytest
import torch

from shipml.data import transactions
from shipml.data.scenario import SCENARIO
from shipml.serving.artifact import train_artifact


@pytest.fixture(scope="session")
def window():
    """The scenario's data window: what the artifacts learn from and the servers' feature stores hold."""
    return transactions(days=SCENARIO.days, seed=0)


@pytest.fixture(scope="session")
def models(tmp_path_factory, window):
    """A root folder with the production model twice, v1 and v2 (another training seed); no CURRENT yet."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("models")
    train_artifact(root / "v1", version="v1", seed=0, data=window)
    train_artifact(root / "v2", version="v2", seed=1, data=window)
    return root
