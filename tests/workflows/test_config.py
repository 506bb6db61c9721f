"""Configuration: defaults that are the model that ships, and one sentence naming the file and field for bad input."""

import pytest

from shipml.data import SCENARIO
from shipml.modeling.production import PRODUCTION
from shipml.workflows.config import ConfigError, TrainConfig, load_config, parse_config


def test_are_the_defaults_the_scenario_and_the_production_model():
    config = TrainConfig()
    assert config.spec() == PRODUCTION and config.scenario() == SCENARIO
    assert config.config_hash() == TrainConfig().config_hash() != TrainConfig(seed=1).config_hash()


def test_does_a_good_file_load(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("days: 21\ntrain_days: 14\nval_days: 3\nlr: 0.01\n")
    config = load_config(path)
    assert (config.days, config.lr, config.depth) == (21, 0.01, PRODUCTION.depth)


@pytest.mark.parametrize("text, words", [
    ("lr: -0.1\n", ["'lr'", "greater than 0"]),
    ("lr: fast\n", ["'lr'"]),
    ("days: '90'\n", ["'days'", "integer"]),
    ("learning_rate: 0.1\n", ["unknown field 'learning_rate'"]),
    ("max_epoch: 3\n", ["unknown field 'max_epoch'", "did you mean 'max_epochs'"]),
    ("days: 10\ntrain_days: 8\nval_days: 2\n", ["train_days", "val_days"]),
    ("- lr\n- 0.1\n", ["mapping"]),
    ("lr: [0.1\n", ["not valid YAML", "line"]),
])
def test_is_a_bad_file_one_sentence_naming_the_file_and_the_field(tmp_path, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert "bad.yaml" in message and message.endswith(".") and "\n" not in message
    for word in words:
        assert word in message


def test_are_a_missing_file_and_a_binary_file_sentences(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nowhere.yaml")
    binary = tmp_path / "model.pt"
    binary.write_bytes(b"\x80\x81\xff\x00")
    with pytest.raises(ConfigError, match="not a YAML file"):
        load_config(binary)
    assert parse_config(None) == TrainConfig()
