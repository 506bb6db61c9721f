"""Training from a configuration: the pipeline trains the production model, reruns nothing, and the command works."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from shipml.data import transactions
from shipml.modeling.production import train_production
from shipml.workflows.config import TrainConfig
from shipml.workflows.determinism import deterministic, weights_hash
from shipml.workflows.train import main, model_from_weights, run_training

SMALL = dict(days=8, train_days=5, val_days=1, max_epochs=2)


def test_does_the_pipeline_train_the_production_model_and_rerun_nothing(tmp_path):
    config = TrainConfig(**SMALL)
    first = run_training(config, tmp_path)
    second = run_training(config, tmp_path)
    assert first.run.ran == ["data", "features", "train", "evaluate"] and second.run.ran == []
    assert first.model_hash == second.model_hash
    with deterministic(threads=1):  # the train stage's controls: on some CPUs the thread count changes the sums
        shipped = train_production(transactions(days=8, seed=0), seed=0, spec=config.spec(),
                                   scenario=config.scenario())
    assert weights_hash(shipped.model) == first.model_hash
    record = first.record
    assert record["inputs"]["config"] == config.config_hash() and "torch" in record["libraries"]
    assert len(record["code_version"]) == 64 and record["outputs"]["weights_hash"] == first.model_hash
    changed = run_training(TrainConfig(**{**SMALL, "lr": 0.01}), tmp_path)
    assert changed.run.ran == ["train", "evaluate"] and changed.model_hash != first.model_hash


def test_do_stored_weights_of_another_shape_give_a_sentence(tmp_path):
    weights = pd.DataFrame({"parameter": ["net.0.weight"], "position": [0], "value": [0.5]})
    with pytest.raises(ValueError, match="another depth or width"):
        model_from_weights(weights, 3, depth=0, width=16)


def test_does_the_command_train_from_a_file_and_refuse_a_bad_one(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("lr: -1\n")
    assert main(["--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "'lr'" in err and "Traceback" not in err
    good = tmp_path / "train.yaml"
    good.write_text("\n".join(f"{k}: {v}" for k, v in SMALL.items()))
    done = subprocess.run([sys.executable, "-m", "shipml.workflows.train", "--config", str(good)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ran: data, features, train, evaluate" in done.stdout
    record = json.loads((tmp_path / "model" / "lineage.json").read_text())
    assert record["made"] == "fraud model" and record["params"]["days"] == 8
