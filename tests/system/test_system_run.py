"""The one command's boundary: a bad configuration is one sentence and exit code 2, before any stage runs."""

import pandas as pd
import pytest

from shipml.system.config import SystemConfig
from shipml.system.run import STAGES, artifact_table, main, materialize, run_system


def test_a_bad_configuration_stops_the_command_with_a_sentence(tmp_path, capsys):
    config = tmp_path / "system.yaml"
    config.write_text("canary_share: 2\n")
    assert main(["--config", str(config), "--folder", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "canary_share" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()  # nothing ran


def test_run_system_refuses_a_training_config_alone(tmp_path):
    from shipml.workflows.config import TrainConfig

    with pytest.raises(TypeError, match="SystemConfig"):
        run_system(TrainConfig(), tmp_path)


def test_an_artifact_round_trips_through_its_table(tmp_path):
    folder = tmp_path / "a"
    (folder / "sub").mkdir(parents=True)
    (folder / "meta.json").write_text("{}")
    (folder / "sub" / "w.bin").write_bytes(b"\x00\x01")
    table = artifact_table(folder)
    back = materialize(table, tmp_path / "b")
    assert (back / "sub" / "w.bin").read_bytes() == b"\x00\x01" and (back / "meta.json").read_text() == "{}"
    with pytest.raises(ValueError, match="artifact table"):
        materialize(pd.DataFrame({"x": [1]}), tmp_path / "c")


def test_the_stages_are_the_ten_of_the_chapter_in_order():
    assert [s.name for s in STAGES] == ["ingest", "features", "train", "evaluate", "register", "gates", "export",
                                         "service", "operate", "govern"]
    assert SystemConfig().defects()["duplicates"] == 0.01


def test_a_failed_blocking_gate_stops_before_the_export_with_a_sentence(tmp_path, capsys):
    config = tmp_path / "system.yaml"
    config.write_text("min_pr_auc: 0.99\n")  # a floor no model of this scenario reaches
    assert main(["--config", str(config), "--folder", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("stopped:") and "PR-AUC" in err and "not exported" in err
    assert not list((tmp_path / "run" / "cache").glob("export-*"))
    assert not (tmp_path / "run" / "state" / "models").exists()
