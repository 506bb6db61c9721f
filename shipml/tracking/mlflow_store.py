"""A local MLflow store: a SQLite tracking and registry database and an artifacts folder; no server, no network.

    from shipml.tracking.mlflow_store import COURSE_STORE, StoreError, local_store, ui_command
    with local_store() as store:                 # a temporary folder, removed at the end (also after an error)
        with mlflow.start_run(experiment_id=store.experiment_id):
            mlflow.log_param("lr", 0.01)
        store.client.search_runs([store.experiment_id])
    with local_store(COURSE_STORE) as store:     # a folder that stays: _build/mlflow/ (ignored by git)
        ...
    ui_command(COURSE_STORE)                     # ["mlflow", "ui", "--backend-store-uri", "sqlite:///...", ...]
    python -m shipml.tracking.mlflow_store [FOLDER]   # create the store (with chapter 5's runs when it has none)
                                                      # and print the command that opens the UI on it

Inside the block, `mlflow`'s tracking and registry URIs point at
`sqlite:///FOLDER/mlflow.db` and new experiments keep their artifacts under
`FOLDER/artifacts`; the previous URIs come back at the end, and a run left
open is ended. Telemetry is off (`MLFLOW_DISABLE_TELEMETRY`, `DO_NOT_TRACK`)
and MLflow's INFO chatter is quiet. MLflow 3 keeps runs in SQL by default;
its `./mlruns` file store is deprecated, and the `mlflow-skinny` package has
no SQL store, which is why the course installs full `mlflow`.

A folder that cannot be written (read-only, or under a file) is a
`StoreError` with a sentence, before MLflow is touched. Two processes may log
into one store at once: SQLite serialises their writes (the tests start two).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["COURSE_STORE", "EXPERIMENT", "Store", "StoreError", "local_store", "telemetry_off", "ui_command"]

# The course's persistent store, which `mlflow ui` (make mlflow-ui) opens; _build/ is ignored by git.
COURSE_STORE = Path(__file__).resolve().parents[2] / "_build" / "mlflow"
EXPERIMENT = "fraud-model"


class StoreError(RuntimeError):
    """A tracking store that cannot be used; the message says why and what to do."""


def telemetry_off() -> None:
    """Switch MLflow's telemetry off (and every library that honours DO_NOT_TRACK), unless already set."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # no progress bar per artifact read


def tracking_uri(folder) -> str:
    """The SQLite URI of the store in `folder`."""
    return f"sqlite:///{Path(folder).resolve() / 'mlflow.db'}"


def ui_command(folder=COURSE_STORE, port: int = 5000) -> list[str]:
    """The command that opens MLflow's UI on the store in `folder`, on this machine only."""
    folder = Path(folder).resolve()
    return ["mlflow", "ui", "--backend-store-uri", tracking_uri(folder), "--default-artifact-root",
            str(folder / "artifacts"), "--host", "127.0.0.1", "--port", str(port)]


@dataclass
class Store:
    """An open local store: its folder, its URI, its experiment and a client on it."""

    folder: Path
    tracking_uri: str
    experiment_id: str
    client: object  # mlflow.MlflowClient

    @property
    def artifacts(self) -> Path:
        return self.folder / "artifacts"


def _writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"Cannot create the tracking store's folder {folder}: {error.strerror.lower()}. Choose a "
                         f"folder you can write to (the course's store is {COURSE_STORE}).") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"The tracking store's folder {folder} is read-only: MLflow could not record a run there. "
                         f"Choose a folder you can write to (the course's store is {COURSE_STORE}).")


@contextlib.contextmanager
def local_store(folder=None, *, experiment: str = EXPERIMENT):
    """Open (or create) the store in `folder`; without one, in a temporary folder removed at the end."""
    telemetry_off()
    temporary = None
    if folder is None:
        temporary = tempfile.mkdtemp(prefix="shipml-mlflow-")
        folder = temporary
    folder = Path(folder).resolve()
    try:
        _writable(folder)
        import mlflow
        from mlflow import MlflowClient

        quiet = [logging.getLogger(name) for name in ("mlflow", "alembic")]
        levels = [logger.level for logger in quiet]
        for logger in quiet:
            logger.setLevel(logging.WARNING)
        previous = (mlflow.get_tracking_uri(), mlflow.get_registry_uri())
        uri = tracking_uri(folder)
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        try:
            client = MlflowClient(uri, uri)
            found = client.get_experiment_by_name(experiment)
            experiment_id = found.experiment_id if found else client.create_experiment(
                experiment, artifact_location=(folder / "artifacts" / experiment).as_uri())
            yield Store(folder, uri, experiment_id, client)
        finally:
            while mlflow.active_run() is not None:
                mlflow.end_run(status="KILLED")
            mlflow.set_tracking_uri(previous[0])
            mlflow.set_registry_uri(previous[1])
            for logger, level in zip(quiet, levels):
                logger.setLevel(level)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def main(argv=None) -> int:
    """Create the store if needed, log chapter 5's runs into it when it has none, print the command that opens it."""
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else COURSE_STORE
    try:
        with local_store(folder) as store:
            runs = len(store.client.search_runs([store.experiment_id], max_results=1000))
            if runs == 0:
                from shipml.tracking.mlflow_runs import log_example_runs

                print(f"{store.tracking_uri} is empty: logging chapter 5's runs into it ...", flush=True)
                runs = len(log_example_runs(store, folder / "pipeline-cache"))
    except StoreError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"{runs} run(s) in {store.tracking_uri}\nopen it with: {' '.join(ui_command(folder))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
