"""The system's configuration: the training fields plus the system's, validated at the boundary."""

import pytest

from shipml.system.config import ConfigError, SystemConfig, load_system_config, parse_system_config
from shipml.workflows.config import TrainConfig


def test_the_defaults_carry_the_training_run_that_ships():
    config = SystemConfig()
    assert config.training() == TrainConfig() and config.canary_share == 0.2


@pytest.mark.parametrize("data, message", [
    ({"canary_shar": 0.1}, "did you mean 'canary_share'"),
    ({"canary_share": 0.9}, "canary_share"),
    ({"batch_days": 95}, "batch_days"),
    ({"lr": "0.01"}, "lr"),
    ({"register_as": "fraud model!"}, "register_as"),
])
def test_bad_settings_are_one_sentence_naming_the_field(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_system_config(data)


def test_a_file_is_read_and_named_in_its_errors(tmp_path):
    path = tmp_path / "system.yaml"
    path.write_text("canary_share: 0.1\nseed: 3\n")
    assert load_system_config(path).canary_share == 0.1 and load_system_config(path).training().seed == 3
    path.write_text("canary_share: [\n")
    with pytest.raises(ConfigError, match="system.yaml"):
        load_system_config(path)
