"""The local MLflow store: SQLite, removed when temporary, URIs restored, bad folders refused, two writers at once."""

import os
import subprocess
import sys

import mlflow
import pytest

from shipml.tracking.mlflow_store import COURSE_STORE, StoreError, local_store, tracking_uri, ui_command


def test_is_a_temporary_store_removed_and_the_uri_restored():
    before = mlflow.get_tracking_uri()
    with local_store() as store:
        assert store.tracking_uri.startswith("sqlite:///") and mlflow.get_tracking_uri() == store.tracking_uri
        with mlflow.start_run(experiment_id=store.experiment_id):
            mlflow.log_metric("x", 1.0)
        folder = store.folder
        assert (folder / "mlflow.db").exists()
    assert not folder.exists() and mlflow.get_tracking_uri() == before
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] and os.environ["DO_NOT_TRACK"]


def test_is_a_temporary_store_removed_after_an_error_and_an_open_run_ended():
    with pytest.raises(ZeroDivisionError):
        with local_store() as store:
            folder = store.folder
            mlflow.start_run(experiment_id=store.experiment_id)
            1 / 0
    assert not folder.exists() and mlflow.active_run() is None


def test_does_a_store_in_a_folder_keep_its_runs(tmp_path):
    for _ in range(2):
        with local_store(tmp_path / "store") as store:
            with mlflow.start_run(experiment_id=store.experiment_id):
                mlflow.log_param("p", 1)
    with local_store(tmp_path / "store") as store:
        assert len(store.client.search_runs([store.experiment_id])) == 2


def test_is_a_folder_that_cannot_be_made_a_sentence(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="Cannot create the tracking store's folder"):
        with local_store(blocker / "store"):
            pass


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only folder")
def test_is_a_read_only_folder_a_sentence(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(StoreError, match="read-only"):
            with local_store(folder):
                pass
    finally:
        folder.chmod(0o755)


def test_does_the_ui_command_open_the_courses_store_on_this_machine_only():
    command = ui_command()
    assert command[:2] == ["mlflow", "ui"] and tracking_uri(COURSE_STORE) in command
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert COURSE_STORE.parts[-2:] == ("_build", "mlflow")


WRITER = """
import sys
import mlflow
from shipml.tracking.mlflow_store import local_store
with local_store(sys.argv[1]) as store:
    for i in range(15):
        with mlflow.start_run(experiment_id=store.experiment_id):
            mlflow.log_params({"writer": sys.argv[2], "i": i})
            mlflow.log_metric("m", i, step=i)
"""


def test_do_two_processes_logging_into_one_store_at_once_lose_nothing(tmp_path):
    folder = tmp_path / "shared"
    with local_store(folder):  # the tables exist before both start, as a team's store would
        pass
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(folder), name], stderr=subprocess.PIPE)
               for name in ("a", "b")]
    errors = [w.communicate(timeout=180)[1].decode()[-2000:] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    with local_store(folder) as store:
        runs = mlflow.search_runs(experiment_ids=[store.experiment_id])
    assert len(runs) == 30 and runs.groupby("params.writer").size().to_dict() == {"a": 15, "b": 15}
